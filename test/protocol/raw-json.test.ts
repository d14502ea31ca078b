// protocol/raw-json: numbers judged as written (fractions, exponents, integers beyond ±(2^53−1)), per
// value, and canonical JSON re-serialised with the text's digits.
import { canonicalJson } from '../../src/protocol/canonical-json';
import { assertEventNumbers, canonicalJsonExact, numberIssuesOf, parseJsonRecordingNumbers, scanNumberIssues } from '../../src/protocol/raw-json';

describe('scanNumberIssues', () => {
  test('finds fractions, exponents and out-of-range integers with their paths', () => {
    const text = '{"a":1.0,"b":[1,1e10,{"c":-2E-3}],"d":9007199254740992,"e":-9007199254740992,"f":9007199254740991,"g":-0,"h":-9007199254740991,"i":999999999999999,"j":9999999999999999}';
    expect(scanNumberIssues(text)).toEqual([
      { path: ['a'], text: '1.0', kind: 'not-an-integer' },
      { path: ['b', 1], text: '1e10', kind: 'not-an-integer' },
      { path: ['b', 2, 'c'], text: '-2E-3', kind: 'not-an-integer' },
      { path: ['d'], text: '9007199254740992', kind: 'out-of-range' },
      { path: ['e'], text: '-9007199254740992', kind: 'out-of-range' },
      { path: ['j'], text: '9999999999999999', kind: 'out-of-range' },
    ]);
  });

  test('numbers inside strings and keys are not numbers; escaped quotes do not end a string', () => {
    const text = ' { "1.5" : "x\\"2.5\\\\" , "k\\u0041\\"" : [ "3e3" , 4.5 ] } ';
    expect(scanNumberIssues(text)).toEqual([{ path: ['kA"', 1], text: '4.5', kind: 'not-an-integer' }]);
  });

  test('a bare number as the whole text has the empty path', () => {
    expect(scanNumberIssues('1.5')).toEqual([{ path: [], text: '1.5', kind: 'not-an-integer' }]);
  });
});

describe('parseJsonRecordingNumbers / assertEventNumbers', () => {
  test('each object on the way to an issue knows it, relative to itself; other objects know none', () => {
    const { value } = parseJsonRecordingNumbers('{"pdus":[{"depth":1.0,"content":{}},{"depth":2}]}');
    const pdus = (value as { pdus: Array<Record<string, unknown>> }).pdus;
    expect(numberIssuesOf(pdus[0])).toEqual([{ path: ['depth'], text: '1.0', kind: 'not-an-integer' }]);
    expect(numberIssuesOf(pdus[1])).toEqual([]);
    expect(numberIssuesOf(pdus[0]!.content)).toEqual([]);
    expect(() => assertEventNumbers(pdus[0], true)).toThrow(/non-integer number \(a fraction or exponent\): 1\.0 at depth/);
    // Before room version 6 only the depth must be written as an integer.
    expect(() => assertEventNumbers(pdus[0], false)).toThrow(/at depth/);
    expect(() => assertEventNumbers(pdus[1], true)).not.toThrow();
  });

  test('room versions 1–5 accept fractions outside depth; 6+ refuse them and out-of-range integers', () => {
    const { value } = parseJsonRecordingNumbers('{"depth":3,"content":{"f":1.5,"big":18446744073709551616}}');
    expect(() => assertEventNumbers(value, false)).not.toThrow();
    expect(() => assertEventNumbers(value, true)).toThrow(/1\.5 at content\.f/);
  });

  test('values built in code (not parsed) have no issues', () => {
    expect(() => assertEventNumbers({ depth: 1.5 }, true)).not.toThrow();
  });
});

describe('canonicalJsonExact', () => {
  test('without out-of-range integers it is canonical JSON, code-point key order included', () => {
    const samples: unknown[] = [
      { b: 1, a: [true, null, 'x\u0000"\\'], c: { '\ud83d\ude00': 1, '\ue000': 2 } },
      { depth: 1.5, n: -0, e: 1e21 },
      [],
      'plain',
    ];
    for (const sample of samples) expect(canonicalJsonExact(sample, [])).toBe(canonicalJson(sample, { strictIntegers: false }));
  });

  test('out-of-range integers are written with the digits of the text', () => {
    const text = '{"pdus":[{"depth":9223372036854775808,"z":-18446744073709551617}],"a":1}';
    const { value, issues } = parseJsonRecordingNumbers(text);
    expect(canonicalJsonExact(value, issues)).toBe('{"a":1,"pdus":[{"depth":9223372036854775808,"z":-18446744073709551617}]}');
    // JSON.parse alone rounds them.
    expect(canonicalJsonExact(value, [])).toBe('{"a":1,"pdus":[{"depth":9223372036854776000,"z":-18446744073709552000}]}');
  });

  test('a repeated key keeps the value JSON.parse kept', () => {
    const { value, issues } = parseJsonRecordingNumbers('{"d":9223372036854775808,"d":"s"}');
    expect(canonicalJsonExact(value, issues)).toBe('{"d":"s"}');
  });

  test('nesting deeper than the call stack allows is serialised', () => {
    const depth = 20_000;
    const text = `${'['.repeat(depth)}${']'.repeat(depth)}`;
    expect(canonicalJsonExact(JSON.parse(text), [])).toBe(text);
  });
});
