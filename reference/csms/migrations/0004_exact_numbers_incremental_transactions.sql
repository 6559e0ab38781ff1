-- Exact numbers and incremental transaction summaries (issue 15 items 1 and 3).
--
-- Meter values and energy are decimal text exactly as the station sent them (unit multiplier
-- applied by moving the decimal point), never a double: both tables are rebuilt with TEXT
-- columns (existing doubles are kept as their text, as exact as they were). A transaction's
-- row also holds `fold_state`, what the per-event update needs (which seqNo set each field,
-- the largest energy readings); NULL for rows written before this migration, which the store
-- rebuilds once from their events at their next event. `transaction_gaps` holds the seqNo
-- ranges still missing below the highest one received (first_seq..last_seq, inclusive).

CREATE TABLE meter_values_exact (
    station_id TEXT NOT NULL REFERENCES stations (id) ON DELETE CASCADE,
    transaction_id TEXT,
    seq_no INTEGER,
    evse_id INTEGER NOT NULL,
    timestamp TEXT NOT NULL,
    measurand TEXT NOT NULL,
    phase TEXT,
    location TEXT,
    context TEXT,
    value TEXT NOT NULL,
    unit TEXT
);

INSERT INTO meter_values_exact (station_id, transaction_id, seq_no, evse_id, timestamp,
    measurand, phase, location, context, value, unit)
SELECT station_id, transaction_id, seq_no, evse_id, timestamp, measurand, phase, location,
    context, CAST(value AS TEXT), unit FROM meter_values;

DROP TABLE meter_values;

ALTER TABLE meter_values_exact RENAME TO meter_values;

CREATE INDEX meter_values_by_transaction ON meter_values (station_id, transaction_id);

CREATE TABLE transactions_exact (
    station_id TEXT NOT NULL REFERENCES stations (id) ON DELETE CASCADE,
    transaction_id TEXT NOT NULL,
    evse_id INTEGER,
    connector_id INTEGER,
    id_token TEXT,
    token_type TEXT,
    started_at TEXT,
    ended_at TEXT,
    state TEXT NOT NULL,
    charging_state TEXT,
    stopped_reason TEXT,
    energy_wh TEXT,
    events INTEGER NOT NULL DEFAULT 0,
    last_seq_no INTEGER,
    missing_seq_nos TEXT NOT NULL DEFAULT '[]',
    offline_events INTEGER NOT NULL DEFAULT 0,
    id_token_status TEXT,
    fold_state TEXT,
    PRIMARY KEY (station_id, transaction_id)
);

INSERT INTO transactions_exact (station_id, transaction_id, evse_id, connector_id, id_token,
    token_type, started_at, ended_at, state, charging_state, stopped_reason, energy_wh, events,
    last_seq_no, missing_seq_nos, offline_events, id_token_status)
SELECT station_id, transaction_id, evse_id, connector_id, id_token, token_type, started_at,
    ended_at, state, charging_state, stopped_reason, CAST(energy_wh AS TEXT), events,
    last_seq_no, missing_seq_nos, offline_events, id_token_status FROM transactions;

DROP TABLE transactions;

ALTER TABLE transactions_exact RENAME TO transactions;

CREATE INDEX transactions_by_token ON transactions (id_token, token_type, state);

CREATE TABLE transaction_gaps (
    station_id TEXT NOT NULL REFERENCES stations (id) ON DELETE CASCADE,
    transaction_id TEXT NOT NULL,
    first_seq INTEGER NOT NULL,
    last_seq INTEGER NOT NULL,
    PRIMARY KEY (station_id, transaction_id, first_seq)
);
