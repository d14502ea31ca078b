// Notary key queries (server-server API "Querying Keys Through Another Server"):
// POST /_matrix/key/v2/query and GET /_matrix/key/v2/query/{serverName}. Answers come from the key ring
// (fetching when the cache falls short), each additionally signed by us.
// https://spec.matrix.org/latest/server-server-api/#post_matrixkeyv2query
import { Router } from '@koa/router';
import type { KeyRing } from '../../crypto/key-ring';
import { MatrixError } from '../../protocol/errors';
import { isValidServerName } from '../../protocol/identifiers';
import { isJsonObject, JsonObject } from '../../protocol/json';
import { buildServerKeysResponse, DEFAULT_KEY_VALIDITY_MS, OwnKeysProvider, signWithOwnKeys } from './own-server-keys';

export interface KeyQueryRouteOptions {
  ownKeys: OwnKeysProvider;
  keyRing: Pick<KeyRing, 'getServerKeys'>;
  keyValidityMs?: number;
  /** Servers one query may ask about (each may cost us a fetch). Default 100. */
  maxServersPerQuery?: number;
  now?: () => number;
}

interface ServerQuery {
  serverName: string;
  keyIds: string[];
  minimumValidUntilTs: number | undefined;
}

function badParam(message: string): MatrixError {
  return new MatrixError(400, 'M_INVALID_PARAM', message);
}

function readTimestamp(value: unknown, where: string): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isSafeInteger(value)) throw new MatrixError(400, 'M_BAD_JSON', `${where} must be an integer`);
  return value as number;
}

/** Reads `{server_keys: {server: {keyId: {minimum_valid_until_ts?}}}}`. */
function parseBatchQuery(body: JsonObject | undefined): ServerQuery[] {
  const serverKeys = body?.server_keys;
  if (!isJsonObject(serverKeys)) throw new MatrixError(400, 'M_BAD_JSON', 'server_keys must be an object');
  return Object.entries(serverKeys).map(([serverName, criteria]) => {
    if (!isJsonObject(criteria)) throw new MatrixError(400, 'M_BAD_JSON', `server_keys.${serverName} must be an object`);
    let minimum: number | undefined;
    for (const [keyId, c] of Object.entries(criteria)) {
      if (!isJsonObject(c)) throw new MatrixError(400, 'M_BAD_JSON', `criteria for ${keyId} must be an object`);
      const ts = readTimestamp(c.minimum_valid_until_ts, `minimum_valid_until_ts of ${keyId}`);
      // One response serves all of a server's keys: it must satisfy the most demanding criterion.
      if (ts !== undefined) minimum = Math.max(minimum ?? ts, ts);
    }
    return { serverName, keyIds: Object.keys(criteria), minimumValidUntilTs: minimum };
  });
}

export function keyQueryRouter(options: KeyQueryRouteOptions): Router {
  const now = options.now ?? Date.now;
  const validity = options.keyValidityMs ?? DEFAULT_KEY_VALIDITY_MS;
  const maxServers = options.maxServersPerQuery ?? 100;

  /** The notarised responses for some queries; servers with nothing to show are left out. */
  async function answer(queries: ServerQuery[]): Promise<JsonObject> {
    if (queries.length > maxServers) throw badParam(`At most ${maxServers} servers per key query`);
    const own = options.ownKeys();
    const results = await Promise.all(
      queries.map(async (q): Promise<JsonObject | undefined> => {
        // Our own keys are answered first-hand, fresh, rather than through the cache.
        if (q.serverName === own.serverName) return buildServerKeysResponse(own, now() + validity);
        if (!isValidServerName(q.serverName)) return undefined;
        const record = await options.keyRing.getServerKeys(q.serverName, q.minimumValidUntilTs, q.keyIds);
        return record && signWithOwnKeys(record.response, own);
      }),
    );
    return { server_keys: results.filter((r): r is JsonObject => r !== undefined) };
  }

  const router = new Router();
  router.post('/_matrix/key/v2/query', async (ctx) => {
    ctx.body = await answer(parseBatchQuery(ctx.request.body));
  });
  router.get('/_matrix/key/v2/query/:serverName', async (ctx) => {
    const serverName = ctx.params.serverName!;
    if (!isValidServerName(serverName)) throw badParam(`${JSON.stringify(serverName)} is not a server name`);
    const raw = ctx.query.minimum_valid_until_ts;
    let minimum: number | undefined;
    if (raw !== undefined) {
      if (typeof raw !== 'string' || !/^\d{1,16}$/.test(raw)) throw badParam('minimum_valid_until_ts must be an integer');
      minimum = Number(raw);
    }
    ctx.body = await answer([{ serverName, keyIds: [], minimumValidUntilTs: minimum }]);
  });
  return router;
}
