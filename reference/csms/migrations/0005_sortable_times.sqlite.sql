-- Station-supplied times as UTC with exactly 3 fractional digits (store/values.py
-- sortable_time), so that text order is time order: as written on the wire, `12:00:00Z` sorted
-- after `12:00:00.500Z`, and offsets other than Z did not sort at all. The wire payloads keep
-- the station's own text. fold_state holds the old text too: NULL makes the store rebuild each
-- transaction's summary once, from its events, at its next event.

UPDATE meter_values SET timestamp = COALESCE(strftime('%Y-%m-%dT%H:%M:%fZ', timestamp), timestamp);

UPDATE transaction_events
SET timestamp = COALESCE(strftime('%Y-%m-%dT%H:%M:%fZ', timestamp), timestamp);

UPDATE station_events SET timestamp = COALESCE(strftime('%Y-%m-%dT%H:%M:%fZ', timestamp), timestamp);

UPDATE transactions SET
    started_at = COALESCE(strftime('%Y-%m-%dT%H:%M:%fZ', started_at), started_at),
    ended_at = COALESCE(strftime('%Y-%m-%dT%H:%M:%fZ', ended_at), ended_at),
    fold_state = NULL;
