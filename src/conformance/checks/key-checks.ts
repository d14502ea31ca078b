// Checks of the target's identity as a federation server: its signed key document and its version answer.
import { verifyJson } from '../../crypto/sign-json';
import { Check, require_ } from '../check';

export const keyChecks: Check[] = [
  {
    name: 'keys.server-keys',
    section: 'S2S §Retrieving server keys (GET /_matrix/key/v2/server)',
    perRoomVersion: false,
    async run(ctx) {
      const answer = await ctx.http.request('GET', '/_matrix/key/v2/server');
      require_(answer.status === 200, `answered ${answer.status}`);
      const body = answer.body;
      require_(body.server_name === ctx.target.serverName, `server_name is ${JSON.stringify(body.server_name)}, expected ${ctx.target.serverName}`);
      const keys = Object.entries((body.verify_keys ?? {}) as Record<string, { key?: unknown }>);
      require_(keys.length > 0, 'no verify_keys');
      const selfSigned = keys.filter(([keyId, k]) => typeof k?.key === 'string' && verifyJson(body, ctx.target.serverName, keyId, k.key));
      require_(selfSigned.length > 0, `no verify key signs the document (keys ${keys.map(([id]) => id).join(', ')})`);
      const validUntil = body.valid_until_ts;
      require_(typeof validUntil === 'number' && validUntil > Date.now(), `valid_until_ts ${String(validUntil)} is not in the future`);
      return `${selfSigned.length} self-signing key(s), valid for ${Math.round((validUntil - Date.now()) / 3_600_000)} h`;
    },
  },
  {
    name: 'keys.version',
    section: 'S2S §GET /_matrix/federation/v1/version',
    perRoomVersion: false,
    async run(ctx) {
      const answer = await ctx.http.request('GET', '/_matrix/federation/v1/version');
      require_(answer.status === 200, `answered ${answer.status}`);
      const server = answer.body.server as { name?: unknown; version?: unknown } | undefined;
      require_(server && typeof server.name === 'string', `no server.name in ${JSON.stringify(answer.body)}`);
      return `${server.name} ${typeof server.version === 'string' ? server.version : ''}`.trim();
    },
  },
];
