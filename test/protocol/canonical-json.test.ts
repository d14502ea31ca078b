// Canonical JSON: code-point key order, integer rules, error paths, and properties over random values.
import fc from 'fast-check';
import { canonicalJson, canonicalJsonByteLength, compareCodePoints } from '../../src/protocol/canonical-json';
import { InvalidJsonError } from '../../src/protocol/errors';

describe('key order', () => {
  test('orders by code point where UTF-16 order differs (astral vs U+E000–U+FFFF)', () => {
    const astral = '\u{1F600}'; // U+1F600, UTF-16 D83D DE00
    const privateUse = '\uE000';
    const value = { [astral]: 1, [privateUse]: 2 };
    // Code point order: U+E000 < U+1F600. UTF-16 order would put the surrogate pair first.
    expect(canonicalJson(value)).toBe(`{"${privateUse}":2,"${astral}":1}`);
    expect([astral, privateUse].sort()).toEqual([astral, privateUse]); // the UTF-16 order we must not use
  });

  test('nested objects and arrays are ordered by code point too', () => {
    const value = { z: [{ '\u{10000}': 1, '\uFFFF': 2 }], a: { '\u{1F600}b': 1, '\uFB01': 0 } };
    expect(canonicalJson(value)).toBe('{"a":{"\uFB01":0,"\u{1F600}b":1},"z":[{"\uFFFF":2,"\u{10000}":1}]}');
  });

  test('a key named toJSON is serialised as data, not as a hook', () => {
    expect(canonicalJson({ toJSON: 'x', b: 1, a: 2 })).toBe('{"a":2,"b":1,"toJSON":"x"}');
  });

  test('compareCodePoints agrees with comparing arrays of code points', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (a, b) => {
        const cps = (s: string) => Array.from(s, (c) => c.codePointAt(0)!);
        const x = cps(a);
        const y = cps(b);
        let expected = 0;
        for (let i = 0; i < Math.min(x.length, y.length) && expected === 0; i++) expected = x[i]! - y[i]!;
        if (expected === 0) expected = x.length - y.length;
        expect(Math.sign(compareCodePoints(a, b))).toBe(Math.sign(expected));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('strings', () => {
  test('non-ASCII is emitted as UTF-8, control characters escaped', () => {
    expect(canonicalJson({ a: '日本語', b: '\u0001\n"\\' })).toBe('{"a":"日本語","b":"\\u0001\\n\\"\\\\"}');
  });
});

describe('numbers', () => {
  test('strict mode refuses floats and out-of-range integers, naming the path', () => {
    expect(() => canonicalJson({ content: { a: [1, 1.5] } })).toThrow(InvalidJsonError);
    expect(() => canonicalJson({ content: { a: [1, 1.5] } })).toThrow('content.a[1]');
    expect(() => canonicalJson({ n: 2 ** 53 })).toThrow('outside');
    expect(() => canonicalJson({ n: -(2 ** 53) })).toThrow('n');
    expect(canonicalJson({ n: 2 ** 53 - 1, m: -(2 ** 53 - 1) })).toBe('{"m":-9007199254740991,"n":9007199254740991}');
  });

  test('lenient mode (room versions 1–5) accepts them in ECMAScript form', () => {
    expect(canonicalJson({ a: 1.5, b: 2 ** 60 }, { strictIntegers: false })).toBe(`{"a":1.5,"b":${String(2 ** 60)}}`); // ECMAScript shortest form: 1152921504606847000
  });

  test('non-finite numbers are never JSON', () => {
    expect(() => canonicalJson({ a: NaN }, { strictIntegers: false })).toThrow('non-finite');
    expect(() => canonicalJson({ a: Infinity })).toThrow(InvalidJsonError);
  });

  test('-0 is written as 0', () => {
    expect(canonicalJson({ a: -0 })).toBe('{"a":0}');
  });
});

describe('values that are not JSON', () => {
  test.each([
    ['a function', { f: () => 1 }, 'f'],
    ['a bigint', { b: BigInt(1) }, 'b'],
    ['a Date', { d: new Date(0) }, 'd'],
    ['a Map', { m: new Map() }, 'm'],
    ['undefined in an array', { a: [undefined] }, 'a[0]'],
  ])('%s is refused with its path', (_name, value, path) => {
    expect(() => canonicalJson(value)).toThrow(path);
  });

  test('undefined object values are absent, as in JSON.stringify', () => {
    expect(canonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}');
  });

  test('circular structures are refused instead of recursing forever', () => {
    const a: Record<string, unknown> = {};
    a.self = a;
    expect(() => canonicalJson(a)).toThrow('nested too deeply');
  });
});

describe('properties', () => {
  const json = fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.parse(JSON.stringify(v)) as unknown);

  function shuffleKeys(value: unknown, seed: number): unknown {
    if (Array.isArray(value)) return value.map((v, i) => shuffleKeys(v, seed + i));
    if (value === null || typeof value !== 'object') return value;
    const entries = Object.entries(value as Record<string, unknown>);
    entries.sort((x, y) => ((x[0].length * 31 + seed) % 7) - ((y[0].length * 17 + seed) % 5));
    entries.reverse();
    return Object.fromEntries(entries.map(([k, v]) => [k, shuffleKeys(v, seed + 1)]));
  }

  test('stable under key reordering', () => {
    fc.assert(
      fc.property(json, fc.integer({ min: 0, max: 1000 }), (value, seed) => {
        expect(canonicalJson(shuffleKeys(value, seed), { strictIntegers: false })).toBe(canonicalJson(value, { strictIntegers: false }));
      }),
      { numRuns: 500 },
    );
  });

  test('canonicalJsonByteLength is exactly the UTF-8 length of the canonical text (any keys, strings, numbers)', () => {
    const anyJson = fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.parse(JSON.stringify(v)) as unknown);
    const astralKeys = fc.dictionary(fc.string({ unit: 'grapheme', maxLength: 4 }), fc.oneof(fc.string({ unit: 'binary' }), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true })));
    fc.assert(
      fc.property(fc.oneof(anyJson, astralKeys), (value) => {
        expect(canonicalJsonByteLength(value, { strictIntegers: false })).toBe(Buffer.byteLength(canonicalJson(value, { strictIntegers: false }), 'utf8'));
      }),
      { numRuns: 1000 },
    );
    expect(() => canonicalJsonByteLength({ n: 1.5 })).toThrow(/non-integer number 1.5 at n/);
  });

  test('round-trips: parse(canonical) re-canonicalises to the same text and equals the input', () => {
    fc.assert(
      fc.property(json, (value) => {
        const text = canonicalJson(value, { strictIntegers: false });
        expect(JSON.parse(text)).toEqual(value);
        expect(canonicalJson(JSON.parse(text), { strictIntegers: false })).toBe(text);
      }),
      { numRuns: 500 },
    );
  });

  test('astral keys: random full-Unicode keys sort by code point', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ unit: 'grapheme', maxLength: 3 }), fc.integer()), (dict) => {
        const text = canonicalJson(dict);
        // The keys in the order the text has them (Object.keys would put integer-like keys such as
        // "0" first, whatever the text says); the values are integers, so every string is a key.
        const keys = [...text.matchAll(/"((?:[^"\\]|\\.)*)":/g)].map((m) => JSON.parse(`"${m[1]}"`) as string);
        expect([...keys].sort()).toEqual(Object.keys(dict).sort()); // every key, once
        expect(keys).toEqual([...keys].sort(compareCodePoints));
      }),
      { numRuns: 500 },
    );
  });
});
