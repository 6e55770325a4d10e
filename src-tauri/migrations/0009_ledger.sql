-- The owner's ledger: search by metadata value and transaction hash, filter by day.

-- Metadata values, one row per key (kept by a trigger, so every way a session is written
-- fills it), so a search for an order number is an index lookup.
CREATE TABLE session_metadata (
    session_id TEXT NOT NULL REFERENCES checkout_sessions (id),
    key        TEXT NOT NULL,
    value      TEXT NOT NULL,
    PRIMARY KEY (session_id, key)
) WITHOUT ROWID;
CREATE INDEX session_metadata_value ON session_metadata (value);
INSERT INTO session_metadata (session_id, key, value)
    SELECT s.id, j.key, j.value FROM checkout_sessions s, json_each(s.metadata) j WHERE j.type = 'text';
CREATE TRIGGER session_metadata_fill AFTER INSERT ON checkout_sessions
BEGIN
    INSERT INTO session_metadata (session_id, key, value)
        SELECT NEW.id, key, value FROM json_each(NEW.metadata) WHERE type = 'text';
END;

CREATE INDEX payments_tx_hash ON payments (tx_hash);
CREATE INDEX checkout_sessions_created ON checkout_sessions (created_at);
-- A session's timeline.
CREATE INDEX events_session ON events (session_id, seq);
