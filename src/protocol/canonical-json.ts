// Matrix canonical JSON (spec appendix "Canonical JSON"): RFC 8785's serialisation (json-canonicalize checks ours in tests), Matrix's key order and numbers.
//
// RFC 8785 and Matrix agree on everything we emit except two things this wrapper closes:
//  1. key order: RFC 8785 sorts by UTF-16 code units, Matrix by Unicode code point. They differ only
//     when one key has an astral character (a surrogate pair, U+D800–DFFF in UTF-16) where another
//     has a character in U+E000–U+FFFF. Only then do we serialise objects ourselves.
//  2. numbers: Matrix's signing grammar allows integers only; room versions 6+ also forbid values
//     beyond ±(2^53−1) ("strict canonical JSON"). Older room versions tolerate other numbers, which
//     we then serialise as RFC 8785 does (ECMAScript shortest form).
import { InvalidJsonError, childPath } from './errors';

export interface CanonicalJsonOptions {
  /** Refuse non-integers and integers outside ±(2^53−1). Default true; room versions 1–5 pass false. */
  strictIntegers?: boolean;
}

export const MAX_SAFE_INTEGER = Number.MAX_SAFE_INTEGER;

/** Canonical JSON text of `value`. Throws InvalidJsonError naming the offending path. */
export function canonicalJson(value: unknown, options: CanonicalJsonOptions = {}): string {
  const strict = options.strictIntegers ?? true;
  // Keys sort by UTF-16 code unit unless a key has a surrogate (header, point 1); the output then
  // equals json-canonicalize's for every validated value (a property test holds the two equal).
  return serialise(value, checkJson(value, strict) ? compareCodePoints : undefined);
}

/**
 * The UTF-8 length of `canonicalJson(value)` without building it: sorting keys changes no length, and
 * for values that pass validation RFC 8785 writes every string and number as JSON.stringify does, so
 * the native serialiser's length is the canonical length (a property test holds the two equal).
 */
export function canonicalJsonByteLength(value: unknown, options: CanonicalJsonOptions = {}): number {
  checkJson(value, options.strictIntegers ?? true);
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
 * Validates JSON-ness, naming the path of the first problem; returns true when some key contains a
 * surrogate, so that UTF-16 and code-point order may differ (a key "toJSON" counts too: RFC 8785
 * libraries treat such an object as a hook, so we keep it on the path that never uses one).
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

/** Thrown by scan() at the first problem; validate() then runs to name it with its path. */
const NOT_JSON = Symbol('not canonical JSON');

/**
 * validate() without building a path string for every member (most of its cost on a valid event):
 * the same verdict, and on the first problem validate() runs again to throw the error with its path.
 */
function checkJson(value: unknown, strict: boolean): boolean {
  try {
    return scan(value, strict, 0);
  } catch (error) {
    if (error !== NOT_JSON) throw error;
    validate(value, '', strict, 0);
    throw new InvalidJsonError('', 'not canonical JSON'); // unreachable: validate() throws where scan() did
  }
}

function scan(value: unknown, strict: boolean, depth: number): boolean {
  if (depth > MAX_DEPTH) throw NOT_JSON;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return false;
    case 'number':
      if (!Number.isFinite(value) || (strict && (!Number.isInteger(value) || Math.abs(value) > MAX_SAFE_INTEGER))) throw NOT_JSON;
      return false;
    case 'object': {
      if (value === null) return false;
      let surrogateKeys = false;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          if (value[i] === undefined) throw NOT_JSON;
          if (scan(value[i], strict, depth + 1)) surrogateKeys = true;
        }
        return surrogateKeys;
      }
      const proto = Object.getPrototypeOf(value);
      if (proto !== null && Object.getPrototypeOf(proto) !== null) throw NOT_JSON;
      for (const key of Object.keys(value)) {
        const child = (value as Record<string, unknown>)[key];
        if (child === undefined) continue;
        if (!surrogateKeys && (key === 'toJSON' || SURROGATE.test(key))) surrogateKeys = true;
        if (scan(child, strict, depth + 1)) surrogateKeys = true;
      }
      return surrogateKeys;
    }
    default:
      throw NOT_JSON;
  }
}

const SURROGATE = /[\ud800-\udfff]/;

/**
 * Canonical text of a validated value: object keys sorted by `order` (default: UTF-16 code units, as
 * RFC 8785 and Array.prototype.sort), members whose value is undefined left out; leaves as
 * JSON.stringify writes them, which is what RFC 8785 specifies.
 */
function serialise(value: unknown, order: ((a: string, b: string) => number) | undefined): string {
  if (typeof value !== 'object' || value === null) return JSON.stringify(value);
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + serialise(value[i], order);
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort(order);
  let out = '{';
  let first = true;
  for (const key of keys) {
    const child = record[key];
    if (child === undefined) continue;
    out += `${first ? '' : ','}${JSON.stringify(key)}:${serialise(child, order)}`;
    first = false;
  }
  return `${out}}`;
}
