// `dagmar recover ROOM --via SERVER [--via SERVER…] [--depth N]`: rebuilds a room after data loss from
// servers still in it (federation/sync/recover.ts), with progress on the terminal. It listens on the
// configured address meanwhile: the servers asked fetch our new signing key from us to check our requests.
import { recoverResultJson } from '../federation/sync/recover';
import { createHomeserver } from '../homeserver';
import { CliCommand } from './cli-command';
import { configFromValues, settingOptions } from './config-options';

export const recoverCommand: CliCommand = {
  name: 'recover',
  summary: 'rebuild a room after data loss from servers in it (MSC4370 extremities, state, backfill)',
  usage: 'dagmar recover ROOM_ID --via SERVER [--via SERVER…] [--depth N] [--config FILE] [--data-dir DIR] [--listen HOST:PORT] [...]',
  options: {
    ...settingOptions(),
    via: { type: 'string', multiple: true, help: 'a server in the room to recover from (repeat for several; comma-separated also works)' },
    depth: { type: 'string', help: 'walk back this far below the deepest extremity (default: down to the create event)' },
  },
  async run(values, positionals) {
    const roomId = positionals[0];
    if (roomId === undefined || positionals.length > 1) {
      process.stderr.write('dagmar recover: name exactly one room ID\n');
      return 2;
    }
    const via = String(values.via ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    if (via.length === 0) {
      process.stderr.write('dagmar recover: --via SERVER is required\n');
      return 2;
    }
    const depth = values.depth === undefined ? undefined : Number(values.depth);
    if (depth !== undefined && !(Number.isSafeInteger(depth) && depth >= 0)) {
      process.stderr.write('dagmar recover: --depth must be a non-negative integer\n');
      return 2;
    }
    const config = configFromValues(values);
    // Only the recovery runs: no polling of peers, and no dummy event may change the extremities mid-way.
    const hs = createHomeserver({ ...config, antiEntropyIntervalSeconds: 0, maxForwardExtremities: Number.MAX_SAFE_INTEGER });
    try {
      await hs.start();
      process.stderr.write(`dagmar recover: ${roomId} via ${via.join(', ')} as ${hs.serverName} (key ${hs.signingKey().keyId})\n`);
      const result = await hs.recover(roomId, {
        via,
        ...(depth !== undefined ? { depth } : {}),
        onProgress: (p) => process.stderr.write(`  [${p.phase}] ${p.message} (events fetched: ${p.eventsFetched}, depth reached: ${p.depthReached ?? '-'})\n`),
      });
      process.stdout.write(`${JSON.stringify(recoverResultJson(result))}\n`);
      return 0;
    } finally {
      await hs.stop();
    }
  },
};
