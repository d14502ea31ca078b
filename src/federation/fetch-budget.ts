// The work one incoming transaction may make us do on its sender's behalf (DESIGN.md §5: remote input
// is hostile and the work it can cause is bounded): requests per PDU and per transaction, one wall-clock
// deadline for all of them, and a cap on the /event calls in flight at once.
import { FederationRequestError } from './client/federation-request-error';

export interface FetchLimits {
  /** Requests one PDU's intake may make (auth chain, gap fill, state, single events — its gap's events included). */
  requestsPerPdu: number;
  /** Requests one whole /send transaction may make (up to 50 PDUs share them). */
  requestsPerTransaction: number;
  /** Wall clock for all the fetching of one transaction; a request still running then is cancelled. */
  deadlineMs: number;
  /** The longest any single request may take within the deadline. */
  requestTimeoutMs: number;
  /** /event calls in flight at once for one PDU (a peer should not be flooded, nor one slow answer block the rest). */
  eventConcurrency: number;
  /** IDs or events accepted in one answer (/state_ids, /state, /event_auth); a longer answer is refused whole. */
  maxAnswerEvents: number;
}

/**
 * Defaults. A PDU whose gap fill brings 20 events (the /get_missing_events limit), each needing an
 * auth chain and a state, fits in 100 requests; 300 per transaction keeps a 50-PDU /send from
 * multiplying that. 60 s keeps the whole /send within what a sender waits before retrying, and
 * 4 parallel /event calls is what a peer can serve without being flooded. A /state_ids answer
 * naming more than 50 000 IDs is beyond any room we would take in over /send.
 */
export const DEFAULT_FETCH_LIMITS: FetchLimits = {
  requestsPerPdu: 100,
  requestsPerTransaction: 300,
  deadlineMs: 60_000,
  requestTimeoutMs: 30_000,
  eventConcurrency: 4,
  maxAnswerEvents: 50_000,
};

export type FetchLimitKind = 'deadline' | 'pdu-budget' | 'transaction-budget';

/** Thrown when a fetch would exceed the budget or the deadline has passed; the PDU is then dropped. */
export class FetchLimitError extends Error {
  constructor(
    readonly kind: FetchLimitKind,
    message: string,
  ) {
    super(message);
    this.name = 'FetchLimitError';
  }
}

export class FetchBudget {
  private readonly deadline: number;
  private transactionRequests = 0;
  private pduRequests = 0;

  constructor(
    readonly limits: FetchLimits,
    private readonly now: () => number = Date.now,
  ) {
    this.deadline = now() + limits.deadlineMs;
  }

  /** A new PDU of the transaction starts: its own count begins at zero, the transaction's goes on. */
  startPdu(): void {
    this.pduRequests = 0;
  }

  /** Requests still allowed for the current PDU (the smaller of its own and the transaction's). */
  requestsLeft(): number {
    return Math.max(0, Math.min(this.limits.requestsPerPdu - this.pduRequests, this.limits.requestsPerTransaction - this.transactionRequests));
  }

  /**
   * Runs one request under the budget: counts it, gives it at most the time left before the
   * deadline, and turns a timeout at the deadline into a FetchLimitError.
   */
  async request<T>(call: (timeoutMs: number) => Promise<T>): Promise<T> {
    const left = this.deadline - this.now();
    if (left <= 0) throw this.deadlineError();
    if (this.pduRequests >= this.limits.requestsPerPdu) {
      throw new FetchLimitError('pdu-budget', `fetch budget spent: ${this.limits.requestsPerPdu} requests for this PDU`);
    }
    if (this.transactionRequests >= this.limits.requestsPerTransaction) {
      throw new FetchLimitError('transaction-budget', `fetch budget spent: ${this.limits.requestsPerTransaction} requests for this transaction`);
    }
    this.pduRequests++;
    this.transactionRequests++;
    try {
      return await call(Math.min(left, this.limits.requestTimeoutMs));
    } catch (error) {
      if (error instanceof FederationRequestError && error.kind === 'timeout' && this.deadline - this.now() <= 0) throw this.deadlineError();
      throw error;
    }
  }

  /**
   * `work` over `items` with at most `eventConcurrency` running at once; the first FetchLimitError
   * (or other error) stops the rest from starting and is thrown once the running ones are done.
   */
  async mapConcurrently<I, O>(items: readonly I[], work: (item: I) => Promise<O>): Promise<O[]> {
    const results: O[] = new Array(items.length);
    let next = 0;
    let failure: { error: unknown } | undefined;
    const worker = async () => {
      while (failure === undefined && next < items.length) {
        const index = next++;
        try {
          results[index] = await work(items[index]!);
        } catch (error) {
          failure ??= { error };
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.limits.eventConcurrency, items.length) }, worker));
    if (failure) throw failure.error;
    return results;
  }

  private deadlineError(): FetchLimitError {
    return new FetchLimitError('deadline', `fetch deadline passed: ${this.limits.deadlineMs} ms for this transaction`);
  }
}
