-- The idTokenInfo status the CSMS answered for each TransactionEvent carrying an idToken (and, on
-- the transaction, the one answered last), so that a token already in an authorized ongoing
-- transaction is recognised (ConcurrentTx); and every BootNotification with its answer.

ALTER TABLE transaction_events ADD COLUMN id_token_status TEXT;

ALTER TABLE transactions ADD COLUMN id_token_status TEXT;

CREATE INDEX transactions_by_token ON transactions (id_token, token_type, state);

CREATE TABLE boot_notifications (
    station_id TEXT NOT NULL REFERENCES stations (id) ON DELETE CASCADE,
    received_at TEXT NOT NULL,
    reason TEXT,
    status TEXT NOT NULL
);

CREATE INDEX boot_notifications_by_station ON boot_notifications (station_id, received_at);
