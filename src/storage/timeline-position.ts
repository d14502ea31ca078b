// A place in a room's timeline, named by public data only (event IDs, never our internal nids), so that
// a client token reveals nothing of the database and survives its renumbering.

/**
 * The gap before or after a stored event of the room, or an edge of the timeline. Walking backwards
 * from a position yields the events before it; forwards, those after it. Storage resolves a position
 * into its own order (topological here: depth, then arrival) when it walks; the same shape can name a
 * place in another order over the same events (a stream order for /sync's `since`) without change.
 */
export type TimelinePosition =
  /** Before every event. */
  | { readonly at: 'start' }
  /** After every event, those persisted later included. */
  | { readonly at: 'end' }
  | { readonly at: 'before' | 'after'; readonly eventId: string };

export type TimelineDirection = 'b' | 'f';
