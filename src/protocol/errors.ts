// MatrixError: the one error type of dagmar; the HTTP layer maps it to the spec's {errcode, error} JSON.

/** Error codes from the specification (client-server "Standard error response" and server-server API). */
export type Errcode =
  | 'M_BAD_JSON'
  | 'M_NOT_JSON'
  | 'M_NOT_FOUND'
  | 'M_FORBIDDEN'
  | 'M_UNAUTHORIZED'
  | 'M_UNKNOWN_TOKEN'
  | 'M_MISSING_TOKEN'
  | 'M_MISSING_PARAM'
  | 'M_INVALID_PARAM'
  | 'M_TOO_LARGE'
  | 'M_LIMIT_EXCEEDED'
  | 'M_UNSUPPORTED_ROOM_VERSION'
  | 'M_INCOMPATIBLE_ROOM_VERSION'
  | 'M_UNRECOGNIZED'
  | 'M_UNKNOWN'
  | 'M_USER_IN_USE'
  | 'M_INVALID_USERNAME'
  | 'M_ROOM_IN_USE'
  | 'M_UNSUPPORTED'
  | 'M_EXCLUSIVE';

export class MatrixError extends Error {
  override readonly name: string = 'MatrixError';
  constructor(
    readonly status: number,
    readonly errcode: Errcode,
    message: string,
    /** Extra top-level fields for the JSON body, e.g. `retry_after_ms` or `room_version`. */
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }

  /** The spec's JSON error body. */
  toJSON(): Record<string, unknown> {
    return { errcode: this.errcode, error: this.message, ...this.extra };
  }
}

/** Malformed input at a known place inside a JSON value; `path` looks like `content.users["@a:b"]`. */
export class InvalidJsonError extends MatrixError {
  override readonly name = 'InvalidJsonError';
  constructor(
    readonly path: string,
    problem: string,
  ) {
    super(400, 'M_BAD_JSON', `${problem} at ${path || '(root)'}`);
  }
}

/** A room version we do not implement. */
export class UnsupportedRoomVersionError extends MatrixError {
  override readonly name = 'UnsupportedRoomVersionError';
  constructor(readonly roomVersion: unknown) {
    super(400, 'M_UNSUPPORTED_ROOM_VERSION', `Unsupported room version ${JSON.stringify(roomVersion)}`);
  }
}

/** Appends an object key or array index to a JSON path, as used in error messages. */
export function childPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) return path ? `${path}.${key}` : key;
  return `${path}[${JSON.stringify(key)}]`;
}
