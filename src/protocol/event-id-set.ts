// EventIdSet: the one question auth and state resolution ask of rejected events — "is this one?" —
// so a caller can answer from a Set or straight from storage without collecting IDs first.

export interface EventIdSet {
  has(eventId: string): boolean;
}
