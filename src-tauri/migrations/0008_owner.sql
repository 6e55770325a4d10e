-- The BIP44 account of this till (m/44'/60'/account'): several tills may share one phrase.
ALTER TABLE wallet ADD COLUMN account INTEGER NOT NULL DEFAULT 0;

-- The owner: PIN (argon2id hash, never the PIN), its refusal back-off, and window preferences.
-- One row, written when setup finishes.
CREATE TABLE owner (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    pin_hash TEXT NOT NULL,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    wait_until INTEGER NOT NULL DEFAULT 0,   -- ms; no PIN is tried before this
    sound INTEGER NOT NULL DEFAULT 1         -- a sound when a sale is paid
);
