// What JSON.parse erases from JSON text: numbers written with a fraction or exponent (`1.0`, `1e10`)
// and integers beyond ±(2^53−1), found per value (by path) so each PDU of a transaction is judged alone.
//
// Room versions 6+ require events in strict canonical JSON (spec "Room version 6": "enforce canonical
// JSON"), which has integers only, within ±(2^53−1); `1.0` and `1` parse to the same JS number, so
// only the text tells them apart. Out-of-range integers also lose digits in JS numbers, so anything
// signed over them (X-Matrix request bodies, event IDs) must be re-serialised from the text's digits.
import { compareCodePoints, canonicalJson, MAX_SAFE_INTEGER } from './canonical-json';
import { InvalidJsonError, MatrixError } from './errors';
import { isJsonObject } from './json';

export type JsonPath = readonly (string | number)[];

export interface NumberIssue {
  /** Where the number sits, relative to the value the issues were taken for. */
  path: JsonPath;
  /** The number exactly as written. */
  text: string;
  kind: 'not-an-integer' | 'out-of-range';
}

interface Frame {
  array: boolean;
  /** The current index (array) or the last key read (object). */
  key: string | number;
  expectingKey: boolean;
}

/** Index of the `"` that closes the string whose opening quote is at `start`. */
function stringEnd(text: string, start: number): number {
  let at = start + 1;
  for (;;) {
    const quote = text.indexOf('"', at);
    if (quote < 0) throw new InvalidJsonError('', 'unterminated string');
    let backslashes = 0;
    for (let j = quote - 1; text.charCodeAt(j) === 0x5c; j--) backslashes++;
    if (backslashes % 2 === 0) return quote;
    at = quote + 1;
  }
}

const NUMBER_CHAR = /[0-9eE+\-.]/;

/**
 * Every number of the JSON `text` that is not a plain integer within ±(2^53−1). `text` must be JSON
 * that JSON.parse accepted (this scanner does not validate); strings are skipped without decoding.
 */
export function scanNumberIssues(text: string): NumberIssue[] {
  const issues: NumberIssue[] = [];
  const stack: Frame[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text[i]!;
    const top = stack[stack.length - 1];
    if (c === '"') {
      const end = stringEnd(text, i);
      if (top && !top.array && top.expectingKey) {
        const token = text.slice(i, end + 1);
        top.key = token.includes('\\') ? (JSON.parse(token) as string) : token.slice(1, -1);
        top.expectingKey = false;
      }
      i = end + 1;
    } else if (c === '{' || c === '[') {
      stack.push({ array: c === '[', key: c === '[' ? 0 : '', expectingKey: c === '{' });
      i++;
    } else if (c === '}' || c === ']') {
      stack.pop();
      i++;
    } else if (c === ',') {
      if (top?.array) top.key = (top.key as number) + 1;
      else if (top) top.expectingKey = true;
      i++;
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      let end = i + 1;
      while (end < n && NUMBER_CHAR.test(text[end]!)) end++;
      const token = text.slice(i, end);
      const path = stack.map((f) => f.key);
      if (/[.eE]/.test(token)) issues.push({ path, text: token, kind: 'not-an-integer' });
      else if (Math.abs(Number(token)) > MAX_SAFE_INTEGER) issues.push({ path, text: token, kind: 'out-of-range' });
      i = end;
    } else {
      i++; // whitespace, ':' and the letters of true/false/null
    }
  }
  return issues;
}

/** The issues inside the value at `prefix`, with paths relative to it. */
export function issuesUnder(issues: readonly NumberIssue[], prefix: JsonPath): NumberIssue[] {
  return issues
    .filter((issue) => prefix.every((part, k) => issue.path[k] === part))
    .map((issue) => ({ ...issue, path: issue.path.slice(prefix.length) }));
}

/** `depth`, `content.users["@a:b"]`, `prev_events[0]`: the path as our other JSON errors name it. */
export function formatPath(path: JsonPath): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(part)) out += out === '' ? part : `.${part}`;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out;
}

/** The M_BAD_JSON error an issue becomes where canonical JSON is enforced. */
export function numberIssueError(issue: NumberIssue): MatrixError {
  const problem = issue.kind === 'out-of-range' ? `integer out of range ±(2^53−1): ${issue.text}` : `non-integer number (a fraction or exponent): ${issue.text}`;
  return new InvalidJsonError(formatPath(issue.path), problem);
}

// Which parsed objects had which issues in their text: a parser (request body, federation answer)
// records them, a later check of one event inside finds its own without the text.
const recorded = new WeakMap<object, NumberIssue[]>();

/**
 * JSON.parse plus the number issues of the text, recorded for every object and array that holds one
 * (see `numberIssuesOf`). Throws what JSON.parse throws.
 */
export function parseJsonRecordingNumbers(text: string): { value: unknown; issues: NumberIssue[] } {
  const value: unknown = JSON.parse(text);
  const issues = scanNumberIssues(text);
  for (const issue of issues) {
    let node: unknown = value;
    for (let depth = 0; depth < issue.path.length && typeof node === 'object' && node !== null; depth++) {
      const list = recorded.get(node) ?? [];
      if (list.length === 0) recorded.set(node, list);
      list.push({ ...issue, path: issue.path.slice(depth) });
      node = (node as Record<string | number, unknown>)[issue.path[depth]!];
    }
  }
  return { value, issues };
}

/** The number issues the text of `value` had, if it came from `parseJsonRecordingNumbers`. */
export function numberIssuesOf(value: unknown): readonly NumberIssue[] {
  return typeof value === 'object' && value !== null ? (recorded.get(value) ?? []) : [];
}

/** An integer kept as its digits, for re-serialising what a JS number cannot hold. */
class ExactInteger {
  constructor(readonly digits: string) {}
}

function serialise(value: unknown): string {
  if (value instanceof ExactInteger) return value.digits;
  if (typeof value !== 'object' || value === null) return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(serialise).join(',')}]`;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record)
    .filter((k) => record[k] !== undefined)
    .sort(compareCodePoints);
  return `{${keys.map((k) => `${JSON.stringify(k)}:${serialise(record[k])}`).join(',')}}`;
}

/**
 * Canonical JSON of `value` (lenient about numbers, as request bodies of room versions 1–5 need) in
 * which the out-of-range integers among `issues` are written with the digits of the text they were
 * parsed from: the bytes a sender that kept those integers exact signed.
 */
export function canonicalJsonExact(value: unknown, issues: readonly NumberIssue[]): string {
  const exact = issues.filter((issue) => issue.kind === 'out-of-range' && issue.path.length > 0);
  if (exact.length === 0) return canonicalJson(value, { strictIntegers: false });
  canonicalJson(value, { strictIntegers: false }); // the same validation (depth, JSON-ness) as the fast path
  const copy = structuredClone(value) as unknown;
  for (const issue of exact) {
    let parent: unknown = copy;
    for (const part of issue.path.slice(0, -1)) parent = isJsonObject(parent) || Array.isArray(parent) ? (parent as Record<string | number, unknown>)[part] : undefined;
    const last = issue.path[issue.path.length - 1]!;
    // A repeated key whose last value is not this number: JSON.parse kept the other one.
    if ((isJsonObject(parent) || Array.isArray(parent)) && typeof (parent as Record<string | number, unknown>)[last] === 'number') {
      (parent as Record<string | number, unknown>)[last] = new ExactInteger(issue.text);
    }
  }
  return serialise(copy);
}

/**
 * Refuses an event whose text had numbers its room version forbids: any issue where canonical JSON is
 * enforced (room versions 6+); before that only a `depth` that is not written as an integer, which
 * the PDU format requires in every version (Synapse refuses it too). Events not parsed from text
 * (built here) have no recorded issues and pass.
 */
export function assertEventNumbers(event: unknown, strictCanonicalJson: boolean): void {
  const issues = numberIssuesOf(event);
  const refused = strictCanonicalJson ? issues[0] : issues.find((issue) => issue.path.length === 1 && issue.path[0] === 'depth');
  if (refused) throw numberIssueError(refused);
}
