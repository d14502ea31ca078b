// The X-Matrix Authorization header's format (server-server API "Request Authentication"): parse and build; signing is federation's.

/** The parameters of one `Authorization: X-Matrix ...` header. */
export interface XMatrixAuth {
  origin: string;
  /** Optional on receipt for compatibility with servers older than spec v1.3; we always send it. */
  destination: string | undefined;
  /** The key ID including its algorithm, e.g. `ed25519:a_1`. */
  key: string;
  sig: string;
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
