// Outgoing federation requests: resolve the destination, sign with X-Matrix, send JSON over node:http(s)
// with a timeout and a response size limit. The typed calls, key endpoints included, are FederationApi's.
import { Agent as HttpAgent, IncomingMessage, request as httpRequest, RequestOptions } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { SigningKey } from '../../crypto/signing-key-file';
import { parseServerName } from '../../protocol/identifiers';
import { isJsonObject, JsonObject } from '../../protocol/json';
import { parseJsonRecordingNumbers } from '../../protocol/raw-json';
import { signRequest } from '../x-matrix';
import { PrivateAddressError } from '../discovery/address-policy';
import { FederationRequestError } from './federation-request-error';
import { ServerResolver, UnresolvableServerError } from './server-resolver';
import { isSendTransaction, LinkPolicy } from './link-policy';

export interface FederationClientOptions {
  /** Our server name: the `origin` of every request. */
  serverName: string;
  /** The key to sign requests with, asked for at each request so rotation takes effect at once. */
  signingKey: () => Pick<SigningKey, 'keyId' | 'seed'>;
  resolver: ServerResolver;
  /** Per request, unless the call says otherwise. Default 30 s. */
  timeoutMs?: number;
  /** Larger answers are refused. Default 64 MiB (a /state answer of a big room is large). */
  maxResponseBytes?: number;
  /** Extra trust for HTTPS (a testbed's own CA), or none at all for throwaway testbeds. */
  tls?: { ca?: string | Buffer | Array<string | Buffer>; rejectUnauthorized?: boolean };
  /** Where the real cause of an unreachable server goes (the error itself says only "could not reach"). */
  log?: (fields: Record<string, unknown>, message: string) => void;
  /** Link faults per destination (link-policy.ts), consulted before each request; default: every link up. */
  linkPolicy?: LinkPolicy;
}

/**
 * The whole message for a server we could not reach, whatever the reason (refused, reset, timed out,
 * TLS, DNS, a private address). Requests are often caused by someone else (an X-Matrix origin, a
 * notary query, a join via server_name=) and their errors reach that someone: a message that echoed
 * ECONNREFUSED or a timeout would tell closed ports from open ones. The cause is logged instead.
 */
export const UNREACHABLE_MESSAGE = 'could not reach the server';

export type QueryValue = string | number | boolean | readonly (string | number | boolean)[];

export interface RequestJsonOptions {
  query?: Record<string, QueryValue | undefined>;
  /** A JSON object body (sent and signed as `content`). */
  body?: JsonObject;
  timeoutMs?: number;
  /** false sends no Authorization header (the key endpoints need none). Default true. */
  authenticated?: boolean;
  /** Cancels the request (kind 'aborted'). */
  signal?: AbortSignal;
}

/** Builds `?a=1&b=x&b=y` (array values repeat the name); empty string when there is nothing. */
export function queryString(query: Record<string, QueryValue | undefined> | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) params.append(name, String(v));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

export class FederationClient {
  private readonly httpAgent = new HttpAgent({ keepAlive: true });
  private readonly httpsAgent: HttpsAgent;

  constructor(private readonly options: FederationClientOptions) {
    this.httpsAgent = new HttpsAgent({ keepAlive: true, ...options.tls });
  }

  /**
   * Sends a signed request and returns the parsed JSON answer. `path` starts with `/_matrix/` and is
   * sent and signed verbatim: build it with federationPath (federation-path.ts), which percent-encodes parameters.
   * Throws FederationRequestError.
   */
  async requestJson<T = JsonObject>(destination: string, methodName: string, path: string, options: RequestJsonOptions = {}): Promise<T> {
    const method = methodName.toUpperCase();
    const fail = (kind: ConstructorParameters<typeof FederationRequestError>[0], message: string, extra: { status?: number; errcode?: string; body?: unknown; cause?: unknown } = {}) =>
      new FederationRequestError(kind, destination, method, path, message, extra.status, extra.errcode, extra.body, { cause: extra.cause });
    const unreachable = (kind: 'network' | 'timeout', cause: unknown) => {
      this.options.log?.({ destination, method, path, kind, cause: cause instanceof Error ? cause.message : String(cause), private: cause instanceof PrivateAddressError }, 'federation request failed');
      return fail(kind, UNREACHABLE_MESSAGE, { cause });
    };
    if (!path.startsWith('/_matrix/')) throw new TypeError(`federation paths start with /_matrix/, got ${path}`);
    const link = this.options.linkPolicy?.linkTo(destination) ?? 'up';
    if (link === 'down' || (link === 'drop' && !isSendTransaction(method, path))) throw unreachable('network', new Error(`link to ${destination} is ${link} (link policy)`));
    // A lost transaction: the sender hears 200 and moves on; the receiver never saw it.
    if (link === 'drop') return { pdus: {} } as T;
    if (typeof link === 'object') await new Promise((resolve) => setTimeout(resolve, link.delayMs));
    let resolved;
    try {
      resolved = await this.options.resolver.resolve(destination);
    } catch (e) {
      // The host map's "not in the host map" is our own text and safe to show; anything else is not.
      if (e instanceof UnresolvableServerError) throw fail('unresolvable', `cannot resolve ${destination}: ${e.message}`, { cause: e });
      throw unreachable('network', e);
    }
    const base = new URL(resolved.baseUrl);
    const uri = path + queryString(options.query);
    const payload = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body), 'utf8');
    const headers: Record<string, string> = { Host: resolved.hostHeader, Accept: 'application/json' };
    if (payload) {
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = String(payload.length);
    }
    if (options.authenticated !== false) {
      const key = this.options.signingKey();
      headers.Authorization = signRequest(
        { method, uri, origin: this.options.serverName, destination, ...(options.body !== undefined ? { content: options.body } : {}) },
        key.keyId,
        key.seed,
      );
    }
    const https = base.protocol === 'https:';
    // The certificate must name the server we meant (the Host header's host), not the address we dialled.
    const tlsName = parseServerName(resolved.hostHeader);
    const requestOptions: RequestOptions & { servername?: string } = {
      method,
      host: base.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: base.port || (https ? 443 : 80),
      path: uri,
      headers,
      agent: https ? this.httpsAgent : this.httpAgent,
      ...(resolved.lookup ? { lookup: resolved.lookup } : {}),
    };
    if (https && tlsName?.kind === 'dns') requestOptions.servername = tlsName.host;
    const timeoutMs = options.timeoutMs ?? this.options.timeoutMs ?? 30_000;
    const limit = this.options.maxResponseBytes ?? 64 * 1024 * 1024;

    // One AbortController ends the request on our timeout or on the caller's signal, whichever is first.
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort('timeout'), timeoutMs);
    const onCallerAbort = () => controller.abort('aborted');
    options.signal?.addEventListener('abort', onCallerAbort, { once: true });
    if (options.signal?.aborted) controller.abort('aborted');
    requestOptions.signal = controller.signal;
    let status: number;
    let bytes: Buffer;
    try {
      ({ status, bytes } = await new Promise<{ status: number; bytes: Buffer }>((resolve, reject) => {
        const req = (https ? httpsRequest : httpRequest)(requestOptions, (res: IncomingMessage) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size <= limit) return void chunks.push(chunk);
            reject(fail('too-large', `response exceeds ${limit} bytes`, { status: res.statusCode ?? 0 }));
            req.destroy();
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes: Buffer.concat(chunks) }));
          res.on('error', (e) => reject(e));
        });
        req.on('error', (e) => reject(e));
        req.end(payload);
      }));
    } catch (e) {
      if (e instanceof FederationRequestError) throw e;
      if (controller.signal.aborted) {
        if (controller.signal.reason === 'timeout') throw unreachable('timeout', e);
        throw fail('aborted', 'cancelled by the caller', { cause: e });
      }
      throw unreachable('network', e);
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onCallerAbort);
    }

    let parsed: unknown;
    try {
      // Numbers as written (`1.0`, 2^63) are recorded on the parsed objects, so that each event in the
      // answer is judged by its room version's rules when it is checked (protocol/raw-json).
      parsed = bytes.length === 0 ? undefined : parseJsonRecordingNumbers(bytes.toString('utf8')).value;
    } catch {
      parsed = undefined;
    }
    if (status < 200 || status > 299) {
      const errcode = isJsonObject(parsed) && typeof parsed.errcode === 'string' ? parsed.errcode : undefined;
      const message = isJsonObject(parsed) && typeof parsed.error === 'string' ? parsed.error : `HTTP ${status}`;
      throw fail('http', `${status} ${errcode ?? ''} ${message}`.replace(/\s+/g, ' ').trim(), { status, ...(errcode ? { errcode } : {}), body: parsed });
    }
    if (!isJsonObject(parsed)) throw fail('bad-response', 'the answer is not a JSON object', { status });
    return parsed as T;
  }

  /** Closes pooled connections (call when shutting down; tests need it to exit cleanly). */
  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}
