// What JSON.parse erases from JSON text: numbers written with a fraction or exponent (`1.0`, `1e10`)
// and integers beyond ±(2^53−1), found per value (by path) so each PDU of a transaction is judged alone.
//
// Room versions 6+ require events in strict canonical JSON (spec "Room version 6": "enforce canonical
// JSON"), which has integers only, within ±(2^53−1); `1.0` and `1` parse to the same JS number, so
// only the text tells them apart. Out-of-range integers also lose digits in JS numbers, so anything
// signed over them (X-Matrix request bodies, event IDs) must be re-serialised from the text's digits.
import { compareCodePoints, MAX_SAFE_INTEGER } from './canonical-json';
import { InvalidJsonError, MatrixError } from './errors';

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
      // 2^53−1 has 16 digits: integers of up to 15 digits are in range, which settles most numbers.
      const digits = token.length - (token.charCodeAt(0) === 0x2d ? 1 : 0);
      const kind = /[.eE]/.test(token) ? 'not-an-integer' : digits >= 16 && Math.abs(Number(token)) > MAX_SAFE_INTEGER ? 'out-of-range' : undefined;
      if (kind) issues.push({ path: stack.map((f) => f.key), text: token, kind });
      i = end;
    } else {
      i++; // whitespace, ':' and the letters of true/false/null
    }
  }
  return issues;
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

type Container = Record<string | number, unknown>;

/** Where the digits of out-of-range integers go instead of their rounded JS numbers, by parent and key. */
function exactDigits(value: unknown, issues: readonly NumberIssue[]): Map<object, Map<string | number, string>> {
  const digits = new Map<object, Map<string | number, string>>();
  for (const issue of issues) {
    if (issue.kind !== 'out-of-range' || issue.path.length === 0) continue;
    let parent: unknown = value;
    for (const part of issue.path.slice(0, -1)) parent = typeof parent === 'object' && parent !== null ? (parent as Container)[part] : undefined;
    const last = issue.path[issue.path.length - 1]!;
    // A repeated key whose last value is not this number: JSON.parse kept the other one.
    if (typeof parent !== 'object' || parent === null || typeof (parent as Container)[last] !== 'number') continue;
    const forParent = digits.get(parent) ?? new Map<string | number, string>();
    digits.set(parent, forParent.set(last, issue.text));
  }
  return digits;
}

interface Open {
  node: Container;
  keys: (string | number)[];
  next: number;
  array: boolean;
}

/**
 * Canonical JSON (spec appendix "Canonical JSON": keys in code-point order, no insignificant
 * whitespace) of a value parsed from JSON text, in which the out-of-range integers among `issues`
 * are written with the digits of the text: the bytes a sender that kept those integers exact signed.
 * Numbers that are not integers are written as ECMAScript does (what room versions 1–5 bodies get
 * elsewhere too). Iterative, so no nesting depth the body limit allows can overflow the stack.
 */
export function canonicalJsonExact(value: unknown, issues: readonly NumberIssue[]): string {
  const digits = exactDigits(value, issues);
  const out: string[] = [];
  const open: Open[] = [];
  const write = (v: unknown, exact: string | undefined): void => {
    if (exact !== undefined) out.push(exact);
    else if (typeof v !== 'object' || v === null) out.push(JSON.stringify(v) ?? 'null');
    else if (Array.isArray(v)) {
      out.push('[');
      open.push({ node: v as unknown as Container, keys: v.map((_, i) => i), next: 0, array: true });
    } else {
      const record = v as Container;
      out.push('{');
      open.push({ node: record, keys: Object.keys(record).filter((k) => record[k] !== undefined).sort(compareCodePoints), next: 0, array: false });
    }
  };
  write(value, undefined);
  while (open.length > 0) {
    const top = open[open.length - 1]!;
    if (top.next === top.keys.length) {
      out.push(top.array ? ']' : '}');
      open.pop();
      continue;
    }
    const key = top.keys[top.next]!;
    if (top.next > 0) out.push(',');
    top.next++;
    if (!top.array) out.push(JSON.stringify(key), ':');
    write(top.node[key], digits.get(top.node)?.get(key));
  }
  return out.join('');
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
