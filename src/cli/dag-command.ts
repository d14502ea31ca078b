// `dagmar dag export ROOM`: prints a room's event graph offline as JSON or Graphviz DOT, with the same
// renderer as GET /_dagmar/admin/v1/rooms/{roomId}/dag.
import { writeFileSync } from 'node:fs';
import { isDagFormat, renderDag } from '../admin/dag-export';
import { loadRoomDag } from '../admin/room-dag';
import { CliCommand } from './cli-command';
import { configFromValues, dataDirOptions } from './config-options';
import { openDataDir } from './offline-storage';

const USAGE = 'dagmar dag export ROOM_ID [--format json|dot] [--out FILE] [--data-dir DIR] [--config FILE]';

export const dagCommand: CliCommand = {
  name: 'dag',
  summary: 'dag export ROOM: print a room\'s event graph (JSON, or DOT for Graphviz) from the data directory',
  usage: USAGE,
  options: {
    format: { type: 'string', help: 'json (default) or dot; e.g. `dagmar dag export ROOM --format dot | dot -Tsvg > dag.svg`' },
    out: { type: 'string', help: 'file to write (default: stdout)' },
    ...dataDirOptions(),
  },
  run(values, positionals) {
    const [action, roomId, ...extra] = positionals;
    if (action !== 'export' || roomId === undefined || extra.length > 0) {
      process.stderr.write(`dagmar dag: expected \`dag export ROOM_ID\`\nusage: ${USAGE}\n`);
      return 2;
    }
    const format = typeof values.format === 'string' ? values.format : 'json';
    if (!isDagFormat(format)) {
      process.stderr.write(`dagmar dag: --format must be json or dot, not ${JSON.stringify(format)}\n`);
      return 2;
    }
    const storage = openDataDir(configFromValues(values).dataDir);
    try {
      if (!storage.hasRoom(roomId)) {
        process.stderr.write(`dagmar dag: room ${roomId} is not stored\n`);
        return 1;
      }
      const text = renderDag(loadRoomDag(storage, roomId), format);
      if (typeof values.out === 'string') writeFileSync(values.out, text);
      else process.stdout.write(text);
      return 0;
    } finally {
      storage.close();
    }
  },
};
