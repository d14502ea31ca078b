// What storage throws when asked for something it does not hold. Storage knows nothing of HTTP: the
// layers that answer requests check first (or catch this) and choose their own status and errcode.

export type MissingKind = 'room' | 'event' | 'outlier-state';

export class NotFoundInStorage extends Error {
  override readonly name = 'NotFoundInStorage';
  constructor(
    /** What is missing: a room, an event, or the state at an event we hold only as an outlier. */
    readonly kind: MissingKind,
    /** The room or event ID asked for. */
    readonly id: string,
  ) {
    super(kind === 'room' ? `unknown room ${id}` : kind === 'event' ? `unknown event ${id}` : `no state is known at outlier ${id}`);
  }
}
