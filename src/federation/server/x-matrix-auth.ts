// Middleware that admits only requests carrying a valid X-Matrix signature (server-server API "Request
// Authentication"); sets ctx.state.origin. Every failure is 401 M_UNAUTHORIZED with the reason.
import type { Context, Middleware } from 'koa';
import type { KeyRing } from '../../crypto/key-ring';
import { MatrixError } from '../../protocol/errors';
import { isValidServerName } from '../../protocol/identifiers';
import { isXMatrixHeader, parseXMatrixHeader, verifyRequestSignature, XMatrixAuth, XMatrixHeaderError } from '../x-matrix';

export interface XMatrixAuthOptions {
  /** Our server name: the `destination` every request must be signed for. */
  serverName: string;
  keyRing: Pick<KeyRing, 'getVerifyKey' | 'lastFetchError'>;
  now?: () => number;
}

declare module 'koa' {
  interface DefaultState {
    /** The authenticated requesting server, set by xMatrixAuth. */
    origin?: string;
  }
}

function unauthorized(message: string): MatrixError {
  return new MatrixError(401, 'M_UNAUTHORIZED', message);
}

/** A header whose origin key we hold and may use now: only its signature remains to be checked. */
interface Candidate {
  auth: XMatrixAuth;
  publicKey: string;
}

/**
 * Everything that needs no body, before the body is read (so that unauthenticated senders cannot make
 * us read or parse megabytes): an X-Matrix header is present and well-formed; all X-Matrix headers
 * name one origin, a valid server name; any `destination` is us; and some header names a current key
 * of the origin valid now. Senders may send one header per key (the spec's example builds several).
 */
async function usableHeaders(ctx: Context, options: XMatrixAuthOptions, at: number): Promise<{ origin: string; candidates: Candidate[]; problems: string[] }> {
  // headersDistinct keeps repeated Authorization headers, which Node's `headers` would drop.
  const values = (ctx.req.headersDistinct.authorization ?? []).filter(isXMatrixHeader);
  if (values.length === 0) throw unauthorized('Missing X-Matrix Authorization header');
  let auths: XMatrixAuth[];
  try {
    auths = values.map(parseXMatrixHeader);
  } catch (e) {
    if (e instanceof XMatrixHeaderError) throw unauthorized(`Malformed X-Matrix header: ${e.message}`);
    throw e;
  }
  const origin = auths[0]!.origin;
  if (auths.some((a) => a.origin !== origin)) throw unauthorized('X-Matrix headers name different origins');
  if (!isValidServerName(origin)) throw unauthorized(`Origin ${JSON.stringify(origin)} is not a valid server name`);
  for (const a of auths) {
    if (a.destination !== undefined && a.destination !== options.serverName) {
      throw unauthorized(`Request is for destination ${JSON.stringify(a.destination)}, not ${options.serverName}`);
    }
  }
  const candidates: Candidate[] = [];
  const problems: string[] = [];
  for (const auth of auths) {
    if (!auth.key.startsWith('ed25519:')) {
      problems.push(`unsupported key algorithm in ${auth.key}`);
      continue;
    }
    const key = await options.keyRing.getVerifyKey(origin, auth.key, at);
    if (!key) {
      const why = options.keyRing.lastFetchError(origin);
      problems.push(`unknown key ${auth.key} for ${origin}${why ? ` (fetching keys failed: ${why})` : ''}`);
    } else if (key.old) {
      problems.push(`key ${auth.key} of ${origin} is an old key, valid for events only`);
    } else if (key.validUntilTs < at) {
      problems.push(`key ${auth.key} of ${origin} expired at ${key.validUntilTs}`);
    } else {
      candidates.push({ auth, publicKey: key.publicKey });
    }
  }
  return { origin, candidates, problems };
}

/**
 * X-Matrix authentication around the body reader: the header checks of `usableHeaders` first (a
 * refusal closes the connection unread), then `readBody` (the size limit applies while streaming),
 * then the signature over method, URI as received, origin, our name and the body — the body
 * re-serialised from its text, so that integers a JS number cannot hold still verify.
 */
export function xMatrixAuth(options: XMatrixAuthOptions, readBody: Middleware): Middleware {
  const now = options.now ?? Date.now;
  return async (ctx, next) => {
    const at = now();
    let checked: Awaited<ReturnType<typeof usableHeaders>>;
    try {
      checked = await usableHeaders(ctx, options, at);
      if (checked.candidates.length === 0) throw unauthorized(`Request signature not accepted: ${checked.problems.join('; ')}`);
    } catch (e) {
      // The client may still be sending a body we will not read: do not keep the socket for it.
      ctx.set('Connection', 'close');
      throw e;
    }
    const { origin, candidates, problems } = checked;
    await readBody(ctx, async () => {
      // Signed object per the spec; destination is always our name (older senders signed it too,
      // before the header carried it).
      const request = {
        method: ctx.method,
        uri: ctx.originalUrl,
        origin,
        destination: options.serverName,
        ...(ctx.request.body !== undefined ? { content: ctx.request.body } : {}),
      };
      for (const { auth, publicKey } of candidates) {
        if (verifyRequestSignature(request, auth, publicKey, ctx.request.bodyNumberIssues ?? [])) {
          ctx.state.origin = origin;
          await next();
          return;
        }
        problems.push(`bad signature by ${origin} key ${auth.key}`);
      }
      throw unauthorized(`Request signature not accepted: ${problems.join('; ')}`);
    });
  };
}
