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

export { CheckFailure, require_, sameSet, short } from './check-failure';
