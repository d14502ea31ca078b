// The X-Matrix Authorization scheme (server-server API "Request Authentication"): parse, build, sign, verify.
import { verifyBytes } from '../crypto/ed25519';
import { signJson } from '../crypto/sign-json';
import { canonicalJsonExact, NumberIssue } from '../protocol/raw-json';
import { formatXMatrixHeader, XMatrixAuth } from '../protocol/x-matrix-header';

export { formatXMatrixHeader, isXMatrixHeader, parseXMatrixHeader, XMatrixHeaderError } from '../protocol/x-matrix-header';
export type { XMatrixAuth } from '../protocol/x-matrix-header';

/** The object a request signature covers (spec: method, uri, origin, destination, content if any). */
export interface SignedRequest {
  method: string;
  /** Path and query exactly as sent, starting with `/_matrix/`; no scheme or host. */
  uri: string;
  origin: string;
  destination: string;
  /** The JSON-parsed request body; omitted when the request has none. */
  content?: unknown;
}

/** The JSON object whose signature authenticates a request. */
export function requestSigningObject(request: SignedRequest): Record<string, unknown> {
  const object: Record<string, unknown> = {
    method: request.method.toUpperCase(),
    uri: request.uri,
    origin: request.origin,
    destination: request.destination,
  };
  if (request.content !== undefined) object.content = request.content;
  return object;
}

// Request bodies may carry events of room versions 1–5, whose numbers need not be strict
// canonical-JSON integers; the request signature must not fail on them.
const LENIENT = { strictIntegers: false } as const;

/** Signs a request and returns the `Authorization` header value. */
export function signRequest(request: SignedRequest, keyId: string, seed: string | Uint8Array): string {
  const signed = signJson(requestSigningObject(request), request.origin, keyId, seed, LENIENT);
  const sig = (signed.signatures as Record<string, Record<string, string>>)[request.origin]![keyId]!;
  return formatXMatrixHeader({ origin: request.origin, destination: request.destination, key: keyId, sig });
}

/**
 * True when `auth.sig` is `auth.origin`'s signature, by the key `publicKey`, over the request. The
 * request's origin must be the header's origin (the caller builds `request` from what it received).
 * `contentIssues` are the number issues of the body's text (protocol/raw-json): the spec signs the
 * body as canonical JSON, so integers beyond ±(2^53−1) are written with the digits that were sent.
 */
export function verifyRequestSignature(request: SignedRequest, auth: XMatrixAuth, publicKey: string, contentIssues: readonly NumberIssue[] = []): boolean {
  if (request.origin !== auth.origin) return false;
  const object = requestSigningObject(request);
  try {
    const issues = contentIssues.map((issue) => ({ ...issue, path: ['content', ...issue.path] }));
    return verifyBytes(Buffer.from(canonicalJsonExact(object, issues), 'utf8'), auth.sig, publicKey);
  } catch {
    // A body that cannot be canonicalised (e.g. nested too deeply) cannot carry a valid signature.
    return false;
  }
}
