-- A payment found by balance reconciliation whose exact transaction is unknown: the node has no
-- call tracer, or no longer keeps the state of the blocks where it happened (a non-archive node
-- keeps ~128 blocks). It arrived after block `arrived_after_block` and by `block_number` (the
-- first block whose balance shows it); `tx_hash` is then that block's hash. NULL for a payment
-- attributed to its own transaction.
ALTER TABLE payments ADD COLUMN arrived_after_block INTEGER;
