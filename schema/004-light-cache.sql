-- 004: a light server's cache (src/light/), so that it survives restarts: the rooms it joined, the
-- events it verified (with the auth rules' verdict; events that failed the PDU checks are never here),
-- and the verified state after its latest extremities. A full server leaves these tables empty.
CREATE TABLE light_rooms (
  room_id TEXT PRIMARY KEY,
  room_version TEXT NOT NULL,
  -- JSON array of the servers that took part in the room as last learnt (who may read our events)
  servers_json TEXT NOT NULL
);

CREATE TABLE light_events (
  event_id TEXT PRIMARY KEY,
  room_id TEXT NOT NULL,
  -- the PDU as verified (redacted if its content hash failed)
  pdu_json TEXT NOT NULL,
  -- NULL: accepted by the auth rules against its own auth events
  rejected_reason TEXT NULL,
  -- 1: created by this light server (served on /event)
  own INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX light_events_room ON light_events (room_id);

CREATE TABLE light_states (
  room_id TEXT NOT NULL,
  event_id TEXT NOT NULL,
  -- JSON array of [stateKey, eventId] pairs: the state after event_id
  state_json TEXT NOT NULL,
  PRIMARY KEY (room_id, event_id)
);
