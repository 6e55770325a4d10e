-- Payments in their own asset, flagged extra, with the sender's nonce (replacement tracking);
-- and the chain time each network's watcher has reached (expiry follows the chain).

-- The asset of each payment: NULL contract = the network's native coin. Existing payments were
-- all in their session's asset.
ALTER TABLE payments ADD COLUMN asset_symbol TEXT;
ALTER TABLE payments ADD COLUMN asset_decimals INTEGER;
ALTER TABLE payments ADD COLUMN asset_contract TEXT;
UPDATE payments SET
    asset_symbol = (SELECT asset_symbol FROM checkout_sessions s WHERE s.id = payments.session_id),
    asset_decimals = (SELECT asset_decimals FROM checkout_sessions s WHERE s.id = payments.session_id),
    asset_contract = (SELECT asset_contract FROM checkout_sessions s WHERE s.id = payments.session_id);
-- 1 when the payment does not count towards the amount (other asset, beyond a completed amount,
-- after the session was final); written by settlement.
ALTER TABLE payments ADD COLUMN extra INTEGER NOT NULL DEFAULT 0;
-- Sender nonce of a transaction first seen in the mempool: when that nonce is consumed by another
-- transaction, this one was replaced (a wallet's "speed up" or "cancel").
ALTER TABLE payments ADD COLUMN nonce INTEGER;

-- Timestamp (ms) of the last block the network's watcher processed: sessions expire by it.
ALTER TABLE chain_state ADD COLUMN last_block_time INTEGER;

-- The expiry sweep: pending and underpaid sessions of one network past a deadline.
CREATE INDEX checkout_sessions_network_expiry ON checkout_sessions (network_id, status, expires_at);
