-- Station-supplied times as UTC with exactly 3 fractional digits: see
-- 0005_sortable_times.sqlite.sql, which does the same with SQLite's date functions.

UPDATE meter_values SET "timestamp" = to_char(
    "timestamp"::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');

UPDATE transaction_events SET "timestamp" = to_char(
    "timestamp"::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');

UPDATE station_events SET "timestamp" = to_char(
    "timestamp"::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');

UPDATE transactions SET
    started_at = to_char(started_at::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    ended_at = to_char(ended_at::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    fold_state = NULL;
