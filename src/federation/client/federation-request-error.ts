// The one error type of outgoing federation requests: what failed (kind), and the remote's status + errcode.

export type FederationFailureKind =
  /** The server answered with a non-2xx status; `status` and (usually) `errcode` say more. */
  | 'http'
  | 'timeout'
  /** The caller cancelled it through its AbortSignal. */
  | 'aborted'
  /** Connection refused or reset, DNS failure, TLS failure... */
  | 'network'
  /** The resolver could not tell where the server lives. */
  | 'unresolvable'
  /** A 2xx answer that is not a JSON object. */
  | 'bad-response'
  /** The answer exceeded our response size limit. */
  | 'too-large';

export class FederationRequestError extends Error {
  override readonly name = 'FederationRequestError';
  constructor(
    readonly kind: FederationFailureKind,
    readonly destination: string,
    readonly method: string,
    readonly path: string,
    message: string,
    /** HTTP status, for kind 'http' (and 'bad-response'). */
    readonly status?: number,
    /** The Matrix errcode from the error body, when it had one. */
    readonly errcode?: string,
    /** The parsed error body, when it was JSON. */
    readonly body?: unknown,
    options?: { cause?: unknown },
  ) {
    super(`${method} ${destination}${path}: ${message}`, options);
  }
}
