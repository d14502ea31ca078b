// Matrix canonical JSON (spec appendix "Canonical JSON"), built on json-canonicalize (RFC 8785).
//
// RFC 8785 and Matrix agree on everything we emit except two things this wrapper closes:
//  1. key order: RFC 8785 sorts by UTF-16 code units, Matrix by Unicode code point. They differ only
//     when one key has an astral character (a surrogate pair, U+D800–DFFF in UTF-16) where another
//     has a character in U+E000–U+FFFF. Only then do we serialise objects ourselves.
//  2. numbers: Matrix's signing grammar allows integers only; room versions 6+ also forbid values
//     beyond ±(2^53−1) ("strict canonical JSON"). Older room versions tolerate other numbers, which
//     we then serialise as RFC 8785 does (ECMAScript shortest form).
import { canonicalizeEx } from 'json-canonicalize';
import { InvalidJsonError, childPath } from './errors';

export interface CanonicalJsonOptions {
  /** Refuse non-integers and integers outside ±(2^53−1). Default true; room versions 1–5 pass false. */
  strictIntegers?: boolean;
}

export const MAX_SAFE_INTEGER = Number.MAX_SAFE_INTEGER;

/** Canonical JSON text of `value`. Throws InvalidJsonError naming the offending path. */
export function canonicalJson(value: unknown, options: CanonicalJsonOptions = {}): string {
  const strict = options.strictIntegers ?? true;
  const needsOwnSerialiser = validate(value, '', strict, 0);
  return needsOwnSerialiser ? serialiseCodePointOrder(value) : canonicalizeEx(value, { filterUndefined: true });
}

/**
 * The UTF-8 length of `canonicalJson(value)` without building it: sorting keys changes no length, and
 * for values that pass validation RFC 8785 writes every string and number as JSON.stringify does, so
 * the native serialiser's length is the canonical length (a property test holds the two equal).
 */
export function canonicalJsonByteLength(value: unknown, options: CanonicalJsonOptions = {}): number {
  validate(value, '', options.strictIntegers ?? true, 0);
  return Buffer.byteLength(JSON.stringify(value), 'utf8');
}

/** UTF-8 bytes of the canonical JSON text. */
export function canonicalJsonBytes(value: unknown, options: CanonicalJsonOptions = {}): Buffer {
  return Buffer.from(canonicalJson(value, options), 'utf8');
}

/** Compares two strings by Unicode code point (the order Matrix canonical JSON sorts keys in). */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

// Surrogates encode code points above U+FFFF, so they must rank after U+E000–U+FFFF:
// shift U+E000–U+FFFF down by 0x800 and surrogates up by 0x2000.
function codePointRank(unit: number): number {
  if (unit >= 0xe000) return unit - 0x800;
  if (unit >= 0xd800) return unit + 0x2000;
  return unit;
}

const MAX_DEPTH = 512;

/**
 * Validates JSON-ness; returns true when json-canonicalize cannot be trusted with the value: some key
 * contains a surrogate (order may differ), or an object has a key "toJSON" (the library then treats
 * the object as a leaf and would emit it unsorted).
 */
function validate(value: unknown, path: string, strict: boolean, depth: number): boolean {
  if (depth > MAX_DEPTH) throw new InvalidJsonError(path, 'JSON nested too deeply');
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return false;
    case 'number':
      if (!Number.isFinite(value)) throw new InvalidJsonError(path, `non-finite number ${value}`);
      if (strict && !Number.isInteger(value)) throw new InvalidJsonError(path, `non-integer number ${value}`);
      if (strict && Math.abs(value) > MAX_SAFE_INTEGER) {
        throw new InvalidJsonError(path, `integer ${value} outside ±(2^53−1)`);
      }
      return false;
    case 'object': {
      if (value === null) return false;
      let surrogateKeys = false;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          if (value[i] === undefined) throw new InvalidJsonError(childPath(path, i), 'undefined is not JSON');
          if (validate(value[i], childPath(path, i), strict, depth + 1)) surrogateKeys = true;
        }
        return surrogateKeys;
      }
      // A plain object from any realm (jest and structuredClone hand us objects of other realms):
      // its prototype is null or some realm's Object.prototype, whose own prototype is null.
      const proto = Object.getPrototypeOf(value);
      if (proto !== null && Object.getPrototypeOf(proto) !== null) {
        throw new InvalidJsonError(path, `${proto?.constructor?.name ?? 'exotic'} object is not JSON`);
      }
      for (const key of Object.keys(value)) {
        const child = (value as Record<string, unknown>)[key];
        if (child === undefined) continue; // absent, as in JSON.stringify
        if (!surrogateKeys && (key === 'toJSON' || /[\ud800-\udfff]/.test(key))) surrogateKeys = true;
        if (validate(child, childPath(path, key), strict, depth + 1)) surrogateKeys = true;
      }
      return surrogateKeys;
    }
    default:
      throw new InvalidJsonError(path, `${typeof value} is not JSON`);
  }
}

/** The slow path: objects sorted by code point; leaves as JSON.stringify writes them, which is what RFC 8785 specifies. */
function serialiseCodePointOrder(value: unknown): string {
  if (typeof value !== 'object' || value === null) return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(serialiseCodePointOrder).join(',')}]`;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record)
    .filter((k) => record[k] !== undefined)
    .sort(compareCodePoints);
  return `{${keys.map((k) => `${JSON.stringify(k)}:${serialiseCodePointOrder(record[k])}`).join(',')}}`;
}
