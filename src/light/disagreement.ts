// What a light server reports when the servers it asked disagree, or when a server's claim failed checks.
import { FederationRequestError } from '../federation/client/federation-request-error';

export type DisagreementKind =
  /** The server could not be reached, or answered with an HTTP error. */
  | 'unreachable'
  | 'timeout'
  /** The answer was not what the endpoint returns (shape). */
  | 'malformed'
  /** The answer passed our response size limit. */
  | 'too-large'
  /** The call's event budget or deadline ran out while this server's claim was being checked. */
  | 'budget'
  /** An event it served failed the format, signature or hash checks, was another event, or could not be fetched. */
  | 'unverifiable-event'
  /** An extremity it named fails the authorization rules (against its auth events or the state before it). */
  | 'auth-failed'
  /** Its state at an extremity holds something other than the extremity's own auth_events cite, or lacks one. */
  | 'state-contradicts-auth-events'
  /** Its state at an extremity names an event of another room. */
  | 'state-wrong-room'
  /** Its state at an extremity holds an event that is no state event, is rejected, or is listed twice. */
  | 'state-invalid'
  /** Two servers gave different states at the same extremity: neither is used. */
  | 'state-mismatch'
  /** The servers named different extremities (normal while events propagate; all are used). */
  | 'extremities-differ';

export interface Disagreement {
  kind: DisagreementKind;
  /** The servers whose claim this is about. */
  servers: string[];
  /** The extremity (or event) concerned, when there is one. */
  eventId?: string;
  reason: string;
}

/** The kind for a failed federation request (anything else thrown counts as unreachable). */
export function kindOfRequestFailure(error: unknown): DisagreementKind {
  if (error instanceof FederationRequestError) {
    switch (error.kind) {
      case 'timeout':
        return 'timeout';
      case 'aborted':
        return 'budget';
      case 'bad-response':
        return 'malformed';
      case 'too-large':
        return 'too-large';
      default:
        return 'unreachable';
    }
  }
  if (error instanceof BudgetExceededError) return 'budget';
  return 'unreachable';
}

/** Thrown when a call would fetch more events than its budget allows. */
export class BudgetExceededError extends Error {
  override readonly name = 'BudgetExceededError';
}
