-- Issue 17 items 1 and 4 (the coordinator may renumber this file at merge).
--
-- Item 4: a transaction that a new transaction on the same EVSE superseded is ended here as
-- abandoned (when, why, by which transaction), beside the columns its events fill, so a rebuild
-- from the events keeps it. The index finds an EVSE's open transactions for that check.

ALTER TABLE transactions ADD COLUMN abandoned_at TEXT;

ALTER TABLE transactions ADD COLUMN abandoned_reason TEXT;

ALTER TABLE transactions ADD COLUMN superseded_by TEXT;

CREATE INDEX transactions_by_evse ON transactions (station_id, evse_id, state);

-- Item 1: every station-initiated message of the blocks beyond the core (security events,
-- firmware, logs, charging limits and needs, reservations, monitoring, customer information,
-- display messages, certificates), one row each, numbered per station in arrival order, with
-- what the CSMS made of it: the request it answers (request_id), its status, whether it is a
-- critical security event, what was wrong with it (anomaly), the answer sent, and an outcome
-- that follows the answer (the CertificateSigned of a SignCertificate).

CREATE TABLE station_messages (
    station_id TEXT NOT NULL REFERENCES stations (id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    action TEXT NOT NULL,
    received_at TEXT NOT NULL,
    request_id INTEGER,
    evse_id INTEGER,
    status TEXT,
    critical INTEGER NOT NULL DEFAULT 0,
    anomaly TEXT,
    payload TEXT NOT NULL,
    answer TEXT NOT NULL,
    outcome TEXT,
    PRIMARY KEY (station_id, seq)
);

CREATE INDEX station_messages_by_action ON station_messages (station_id, action, request_id);

-- The CSMS-initiated requests that name an id later messages refer to (GetLog.requestId,
-- UpdateFirmware.requestId, ReserveNow.id, ...), with the station's answer status.

CREATE TABLE csms_requests (
    station_id TEXT NOT NULL REFERENCES stations (id) ON DELETE CASCADE,
    action TEXT NOT NULL,
    request_id INTEGER NOT NULL,
    sent_at TEXT NOT NULL,
    status TEXT,
    PRIMARY KEY (station_id, action, request_id)
);
