-- 004: what /sync and the endpoints around it keep (client-server API): a stream order over the
-- events clients may see, saved filters, room aliases, account data, read receipts and profiles.

-- Arrival order of events into the timeline (client-server API "Syncing": a `since` token is a place in
-- this stream). Event nids cannot serve: an ID is interned when it is first *referenced* (a missing
-- prev_event), so an event can arrive long after later nids. A row is written, in the persist
-- transaction itself, when an event enters the graph: inserted as a non-outlier, or an outlier promoted;
-- membership outliers too (another server's invite, a rejected one), which /sync shows in invite / leave
-- though they have no place in any timeline (reads of the timeline skip outliers).
-- (PostgreSQL would spell these two triggers as one trigger function.)
CREATE TABLE event_stream (
  stream_ordering INTEGER PRIMARY KEY AUTOINCREMENT,
  event_nid INTEGER NOT NULL UNIQUE REFERENCES events (event_nid),
  room_nid INTEGER NOT NULL REFERENCES rooms (room_nid)
);
CREATE INDEX event_stream_room ON event_stream (room_nid, stream_ordering);

CREATE TRIGGER event_stream_on_insert AFTER INSERT ON events WHEN NEW.outlier = 0 OR NEW.type = 'm.room.member'
BEGIN
  INSERT OR IGNORE INTO event_stream (event_nid, room_nid) VALUES (NEW.event_nid, NEW.room_nid);
END;

CREATE TRIGGER event_stream_on_promote AFTER UPDATE OF outlier ON events WHEN OLD.outlier = 1 AND NEW.outlier = 0
BEGIN
  INSERT OR IGNORE INTO event_stream (event_nid, room_nid) VALUES (NEW.event_nid, NEW.room_nid);
END;

-- Events already in the graph when this migration runs enter the stream in nid order.
INSERT INTO event_stream (event_nid, room_nid) SELECT event_nid, room_nid FROM events WHERE outlier = 0 ORDER BY event_nid;

-- POST /user/{userId}/filter: the filter JSON as uploaded, per user.
CREATE TABLE client_filters (
  filter_id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id TEXT NOT NULL,
  filter_json TEXT NOT NULL,
  created_ts BIGINT NOT NULL
);

-- PUT /directory/room/{roomAlias}: our own aliases (other servers' are asked over federation).
CREATE TABLE room_aliases (
  room_alias TEXT PRIMARY KEY,
  room_id TEXT NOT NULL,
  creator TEXT NOT NULL,
  created_ts BIGINT NOT NULL
);
CREATE INDEX room_aliases_room ON room_aliases (room_id);

-- Account data, global (room_id '') or per room; every write takes a new stream position.
CREATE TABLE account_data (
  user_id TEXT NOT NULL,
  room_id TEXT NOT NULL,
  data_type TEXT NOT NULL,
  content_json TEXT NOT NULL,
  stream_position INTEGER NOT NULL,
  PRIMARY KEY (user_id, room_id, data_type)
);
CREATE INDEX account_data_stream ON account_data (user_id, stream_position);

-- Read receipts (local only): the newest per (room, user, type); every write takes a new stream position.
CREATE TABLE receipts (
  room_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  receipt_type TEXT NOT NULL,
  event_id TEXT NOT NULL,
  thread_id TEXT NOT NULL,
  ts BIGINT NOT NULL,
  stream_position INTEGER NOT NULL,
  PRIMARY KEY (room_id, user_id, receipt_type, thread_id)
);
CREATE INDEX receipts_stream ON receipts (stream_position);

-- The global profile of a local user (displayname, avatar_url); member events carry copies.
CREATE TABLE profiles (
  user_id TEXT PRIMARY KEY,
  displayname TEXT NULL,
  avatar_url TEXT NULL
);
