// What a conformance check is, what it reports, and the failure it throws: a check either returns what
// it saw (passed) or throws CheckFailure saying what it expected and what it saw instead.
import type { CheckContext } from './check-context';

export interface Check {
  /** Stable dotted name (`send.fork-extremities`), what `--only` selects by prefix. */
  name: string;
  /** The spec section or MSC the check holds the target to. */
  section: string;
  /** Run once per room version under test (its name gets `@vN`), or once for the whole run. */
  perRoomVersion: boolean;
  /** Resolves with a one-line account of what was seen; throws CheckFailure (or any error) on failure. */
  run(ctx: CheckContext, roomVersion: string): Promise<string>;
}

export type Verdict = 'passed' | 'failed';

export interface CheckResult {
  name: string;
  verdict: Verdict;
  section: string;
  seen: string;
  durationMs: number;
}

export class CheckFailure extends Error {}

/** Throws CheckFailure with `message` unless `condition` holds. */
export function require_(condition: unknown, message: string): asserts condition {
  if (!condition) throw new CheckFailure(message);
}

/** Order-free comparison of two ID lists, as extremities are a set. */
export function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && new Set(a).size === new Set([...a, ...b]).size;
}

/** Short event IDs for reports ($abcdef…). */
export function short(ids: readonly string[]): string {
  return `[${ids.map((id) => (id.length > 12 ? `${id.slice(0, 9)}…` : id)).join(', ')}]`;
}
