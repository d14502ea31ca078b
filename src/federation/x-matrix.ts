// The X-Matrix Authorization scheme (server-server API "Request Authentication"): parse, build, sign, verify.
import { verifyBytes } from '../crypto/ed25519';
import { signJson } from '../crypto/sign-json';
import { canonicalJsonExact, NumberIssue } from '../protocol/raw-json';

/** The parameters of one `Authorization: X-Matrix ...` header. */
export interface XMatrixAuth {
  origin: string;
  /** Optional on receipt for compatibility with servers older than spec v1.3; we always send it. */
  destination: string | undefined;
  /** The key ID including its algorithm, e.g. `ed25519:a_1`. */
  key: string;
  sig: string;
}

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

export class XMatrixHeaderError extends Error {
  override readonly name = 'XMatrixHeaderError';
}

const SCHEME = 'x-matrix';
// RFC 9110 §5.6.2 tchar, the characters of a parameter name.
const TOKEN_CHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
const WHITESPACE = /[ \t]/;

/** True when the header value uses the X-Matrix scheme (scheme names are case-insensitive, RFC 9110 §11.1). */
export function isXMatrixHeader(value: string): boolean {
  const trimmed = value.trimStart();
  return trimmed.slice(0, SCHEME.length).toLowerCase() === SCHEME && (trimmed.length === SCHEME.length || WHITESPACE.test(trimmed[SCHEME.length]!));
}

/**
 * Parses an `X-Matrix` credentials string (RFC 9110 §11.4 auth-params). Names are case-insensitive;
 * values are tokens or quoted strings with backslash escapes; colons (and base64's `/`, `+`, `=`) are
 * accepted unquoted for older senders, as the spec asks. Unknown parameters are ignored; a repeated
 * parameter is refused, since we could not know which one was signed.
 */
export function parseXMatrixHeader(value: string): XMatrixAuth {
  if (!isXMatrixHeader(value)) throw new XMatrixHeaderError('not an X-Matrix authorization header');
  const text = value.trimStart();
  let i = SCHEME.length;
  const params = new Map<string, string>();
  const skip = (re: RegExp) => {
    while (i < text.length && re.test(text[i]!)) i++;
  };
  const separators = /[ \t,]/;
  skip(separators);
  while (i < text.length) {
    const nameStart = i;
    while (i < text.length && TOKEN_CHAR.test(text[i]!)) i++;
    if (i === nameStart) throw new XMatrixHeaderError(`unexpected ${JSON.stringify(text[i])} at offset ${i}`);
    const name = text.slice(nameStart, i).toLowerCase();
    skip(WHITESPACE);
    if (text[i] !== '=') throw new XMatrixHeaderError(`parameter ${name} has no value`);
    i++;
    skip(WHITESPACE);
    let paramValue = '';
    if (text[i] === '"') {
      i++;
      let closed = false;
      while (i < text.length) {
        const c = text[i]!;
        if (c === '\\') {
          if (i + 1 >= text.length) break;
          paramValue += text[i + 1];
          i += 2;
        } else if (c === '"') {
          closed = true;
          i++;
          break;
        } else {
          paramValue += c;
          i++;
        }
      }
      if (!closed) throw new XMatrixHeaderError(`unterminated quoted value for ${name}`);
    } else {
      const valueStart = i;
      while (i < text.length && !/[\s,"\\]/.test(text[i]!)) i++;
      if (i === valueStart) throw new XMatrixHeaderError(`parameter ${name} has an empty value`);
      paramValue = text.slice(valueStart, i);
    }
    if (params.has(name)) throw new XMatrixHeaderError(`parameter ${name} is repeated`);
    params.set(name, paramValue);
    skip(WHITESPACE);
    if (i < text.length && text[i] !== ',') throw new XMatrixHeaderError(`expected "," after parameter ${name}`);
    skip(separators);
  }
  const need = (name: string): string => {
    const v = params.get(name);
    if (v === undefined || v === '') throw new XMatrixHeaderError(`missing ${name} parameter`);
    return v;
  };
  return { origin: need('origin'), destination: params.get('destination'), key: need('key'), sig: need('sig') };
}

function quote(value: string): string {
  return `"${value.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

/** Formats the header value the way the spec recommends for old receivers: one space, lower-case names, quoted values. */
export function formatXMatrixHeader(auth: XMatrixAuth): string {
  const parts = [`origin=${quote(auth.origin)}`];
  if (auth.destination !== undefined) parts.push(`destination=${quote(auth.destination)}`);
  parts.push(`key=${quote(auth.key)}`, `sig=${quote(auth.sig)}`);
  return `X-Matrix ${parts.join(',')}`;
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
