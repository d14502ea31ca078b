-- 003: the local client-server API: accounts, access tokens, and send transactions.
-- Passwords are stored only as self-describing scrypt strings; access tokens only as SHA-256 hashes,
-- so a copy of the database does not hand out sessions.
CREATE TABLE users (
  user_id TEXT PRIMARY KEY,
  -- NULL: the account has no password (it cannot use m.login.password)
  password_hash TEXT NULL,
  admin INTEGER NOT NULL DEFAULT 0,
  created_ts BIGINT NOT NULL
);

CREATE TABLE access_tokens (
  token_hash TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users (user_id),
  device_id TEXT NOT NULL,
  created_ts BIGINT NOT NULL
);
CREATE INDEX access_tokens_user ON access_tokens (user_id, device_id);

-- PUT /rooms/{roomId}/send/{type}/{txnId} is idempotent per access token and txnId (client-server
-- API "Transaction identifiers"); rows go when their token is deleted.
CREATE TABLE client_txns (
  token_hash TEXT NOT NULL REFERENCES access_tokens (token_hash) ON DELETE CASCADE,
  txn_id TEXT NOT NULL,
  event_id TEXT NOT NULL,
  created_ts BIGINT NOT NULL,
  PRIMARY KEY (token_hash, txn_id)
);
