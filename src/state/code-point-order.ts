// Orders strings by Unicode code point, as the spec's "event_id is less than" comparisons do (JS `<` uses UTF-16 units).

/**
 * Compares two strings by code point. UTF-16 order and code-point order differ only when a surrogate
 * (part of an astral character) meets a BMP unit at or above U+E000: the astral character is larger.
 */
export function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const xSurrogate = x >= 0xd800 && x <= 0xdfff;
    const ySurrogate = y >= 0xd800 && y <= 0xdfff;
    if (xSurrogate !== ySurrogate) return xSurrogate ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}
