-- Initial schema of the reference CSMS. Portable SQL: runs unchanged on SQLite (3.24+) and
-- PostgreSQL (12+). Times are ISO 8601 UTC text ("2025-01-01T12:00:00.000Z"), booleans 0/1,
-- OCPP payloads JSON text exactly as received (wire names).

CREATE TABLE stations (
    id TEXT PRIMARY KEY,
    password_hash TEXT,
    security_profile INTEGER NOT NULL DEFAULT 1,
    boot_policy TEXT NOT NULL DEFAULT 'Accepted',
    heartbeat_interval INTEGER NOT NULL DEFAULT 300,
    pending_variables TEXT NOT NULL DEFAULT '[]',
    provisioned INTEGER NOT NULL DEFAULT 0,
    registration_status TEXT,
    vendor_name TEXT,
    model TEXT,
    serial_number TEXT,
    firmware_version TEXT,
    boot_reason TEXT,
    last_boot_at TEXT,
    last_heartbeat_at TEXT,
    last_seen_at TEXT,
    created_at TEXT NOT NULL
);

CREATE TABLE connectors (
    station_id TEXT NOT NULL REFERENCES stations (id) ON DELETE CASCADE,
    evse_id INTEGER NOT NULL,
    connector_id INTEGER NOT NULL,
    status TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (station_id, evse_id, connector_id)
);

CREATE TABLE tokens (
    id_token TEXT NOT NULL,
    type TEXT NOT NULL,
    status TEXT NOT NULL,
    group_id TEXT,
    expires_at TEXT,
    PRIMARY KEY (id_token, type)
);

CREATE TABLE transactions (
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
    energy_wh DOUBLE PRECISION,
    events INTEGER NOT NULL DEFAULT 0,
    last_seq_no INTEGER,
    missing_seq_nos TEXT NOT NULL DEFAULT '[]',
    offline_events INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (station_id, transaction_id)
);

CREATE TABLE transaction_events (
    station_id TEXT NOT NULL REFERENCES stations (id) ON DELETE CASCADE,
    transaction_id TEXT NOT NULL,
    seq_no INTEGER NOT NULL,
    event_type TEXT NOT NULL,
    timestamp TEXT NOT NULL,
    trigger_reason TEXT NOT NULL,
    offline INTEGER NOT NULL,
    payload TEXT NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (station_id, transaction_id, seq_no)
);

CREATE TABLE meter_values (
    station_id TEXT NOT NULL REFERENCES stations (id) ON DELETE CASCADE,
    transaction_id TEXT,
    seq_no INTEGER,
    evse_id INTEGER NOT NULL,
    timestamp TEXT NOT NULL,
    measurand TEXT NOT NULL,
    phase TEXT,
    location TEXT,
    context TEXT,
    value DOUBLE PRECISION NOT NULL,
    unit TEXT
);

CREATE INDEX meter_values_by_transaction ON meter_values (station_id, transaction_id);

CREATE TABLE station_events (
    station_id TEXT NOT NULL REFERENCES stations (id) ON DELETE CASCADE,
    seq_no INTEGER NOT NULL,
    generated_at TEXT NOT NULL,
    event_id INTEGER NOT NULL,
    timestamp TEXT NOT NULL,
    trigger TEXT NOT NULL,
    component TEXT NOT NULL,
    variable TEXT NOT NULL,
    actual_value TEXT NOT NULL,
    event_notification_type TEXT NOT NULL,
    payload TEXT NOT NULL,
    received_at TEXT NOT NULL
);

CREATE INDEX station_events_by_station ON station_events (station_id);

CREATE TABLE report_parts (
    station_id TEXT NOT NULL REFERENCES stations (id) ON DELETE CASCADE,
    request_id INTEGER NOT NULL,
    seq_no INTEGER NOT NULL,
    generated_at TEXT NOT NULL,
    tbc INTEGER NOT NULL,
    payload TEXT NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (station_id, request_id, seq_no)
);
