// Unpadded base64, standard and URL-safe alphabets (spec appendix "Unpadded Base64").

const STANDARD = /^[A-Za-z0-9+/]*$/;
const URL_SAFE = /^[A-Za-z0-9_-]*$/;

export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64').replace(/=+$/, '');
}

export function encodeBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

/**
 * Decodes unpadded (or, leniently, padded) standard base64. Throws on characters outside the
 * alphabet or an impossible length, where Buffer.from would silently skip or truncate.
 */
export function decodeBase64(text: string): Uint8Array {
  return decode(text, STANDARD, 'base64');
}

export function decodeBase64Url(text: string): Uint8Array {
  return decode(text, URL_SAFE, 'base64url');
}

function decode(text: string, alphabet: RegExp, encoding: 'base64' | 'base64url'): Uint8Array {
  if (typeof text !== 'string') throw new TypeError('base64 input must be a string');
  const body = text.replace(/=+$/, '');
  if (!alphabet.test(body) || body.length % 4 === 1) {
    throw new TypeError(`invalid ${encoding === 'base64' ? 'base64' : 'URL-safe base64'}: ${JSON.stringify(text.slice(0, 40))}`);
  }
  return new Uint8Array(Buffer.from(body, encoding));
}
