-- 002: the outbound federation queue, one row per (destination, PDU), kept across restarts.
-- seq orders a destination's queue; acknowledging a transaction deletes up to its last seq.
CREATE TABLE outbound_pdus (
  seq INTEGER PRIMARY KEY,
  destination TEXT NOT NULL,
  room_id TEXT NOT NULL,
  event_id TEXT NOT NULL,
  pdu_json TEXT NOT NULL
);
CREATE INDEX outbound_pdus_destination ON outbound_pdus (destination, seq);
