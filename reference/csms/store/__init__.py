"""The CSMS's persistent state on any `Database` (SQLite or PostgreSQL): `Store`, a facade over
one part per concern, each owning its tables and usable alone on the same database:

- `StationStore` (stations.py): stations, credentials, boot policy, BootNotifications;
- `ConnectorStore` (connectors.py): the latest status of every connector;
- `TokenStore` (tokens.py): idTokens and their authorization status;
- `TransactionStore` (transactions.py): TransactionEvents and each transaction's summary,
  which `summary.py` alone computes from the events (folded in per event; rebuilt and
  verified from all of them on request);
- `MeterValueStore` (meters.py): meter values, in transactions and outside them;
- `ReportStore` (reports.py): NotifyEvent records and NotifyReport series;
- `MessageStore` (messages.py): the other station-initiated messages (security events,
  firmware, logs, charging limits, certificates, ...) and the CSMS requests they refer to.

Values cross this interface as plain JSON-compatible data (wire names for OCPP payloads), so the
operator API can return them as they are; meter values and energy are exact decimals
(`decimal.Decimal`, as the station sent them, see `values.py`).
"""

from __future__ import annotations

from ocppgen.reference.csms.db import Database, migrate, open_database
from ocppgen.reference.csms.store.connectors import ConnectorStore
from ocppgen.reference.csms.store.messages import MessageStore
from ocppgen.reference.csms.store.meters import MeterValueStore
from ocppgen.reference.csms.store.passwords import (
    generated_password,
    hash_password,
    is_fast,
    is_generated,
    scrypt_hash,
    upgraded,
    verify_password,
)
from ocppgen.reference.csms.store.reports import ReportStore
from ocppgen.reference.csms.store.stations import BOOT_POLICIES, StationStore
from ocppgen.reference.csms.store.summary import summarise
from ocppgen.reference.csms.store.tokens import TOKEN_STATUSES, TokenStore
from ocppgen.reference.csms.store.transactions import TransactionStore
from ocppgen.reference.csms.store.values import MAX_LISTED_GAPS, missing_numbers, now, scaled

__all__ = [
    "BOOT_POLICIES",
    "MAX_LISTED_GAPS",
    "TOKEN_STATUSES",
    "ConnectorStore",
    "MessageStore",
    "MeterValueStore",
    "ReportStore",
    "StationStore",
    "Store",
    "TokenStore",
    "TransactionStore",
    "generated_password",
    "hash_password",
    "is_fast",
    "is_generated",
    "missing_numbers",
    "now",
    "scaled",
    "scrypt_hash",
    "summarise",
    "upgraded",
    "verify_password",
]


class Store:
    """The CSMS state on one database. `Store.open(url)` opens and migrates it.

    Each public method is the method of the same name of one part (`store.station_store`, ...),
    so the parts' docstrings and signatures are the store's."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.station_store = stations = StationStore(db)
        self.connector_store = connectors = ConnectorStore(db)
        self.token_store = tokens = TokenStore(db)
        self.meter_store = meters = MeterValueStore(db)
        self.transaction_store = transactions = TransactionStore(db, meters)
        self.report_store = reports = ReportStore(db)
        self.message_store = messages = MessageStore(db)
        # stations
        self.add_station = stations.add_station
        self.update_station = stations.update_station
        self.delete_station = stations.delete_station
        self.station = stations.station
        self.stations = stations.stations
        self.check_password = stations.check_password
        self.password_hash = stations.password_hash
        self.replace_password_hash = stations.replace_password_hash
        self.record_boot = stations.record_boot
        self.boots = stations.boots
        self.set_provisioned = stations.set_provisioned
        self.touch = stations.touch
        self.touch_accepted = stations.touch_accepted
        # connectors
        self.set_connector_status = connectors.set_connector_status
        self.connectors = connectors.connectors
        # tokens
        self.put_token = tokens.put_token
        self.token = tokens.token
        self.tokens = tokens.tokens
        self.delete_token = tokens.delete_token
        # transactions and meter values
        self.add_transaction_event = transactions.add_transaction_event
        self.event_status = transactions.event_status
        self.authorized_transactions = transactions.authorized_transactions
        self.transactions = transactions.transactions
        self.transaction = transactions.transaction
        self.rebuild_transaction = transactions.rebuild_transaction
        self.verify_transaction = transactions.verify_transaction
        self.add_meter_values = meters.add_meter_values
        self.meter_values = meters.meter_values
        # events and reports
        self.add_notify_event = reports.add_notify_event
        self.events = reports.events
        self.add_report_part = reports.add_report_part
        self.report = reports.report
        self.reports = reports.reports
        # other station messages
        self.add_message = messages.add_message
        self.set_outcome = messages.set_outcome
        self.messages = messages.messages
        self.status_history = messages.status_history
        self.record_request = messages.record_request
        self.sent_request = messages.sent_request

    @classmethod
    def open(cls, url: str) -> Store:
        db = open_database(url)
        try:
            migrate(db)
        except BaseException:
            db.close()
            raise
        return cls(db)

    def close(self) -> None:
        self.db.close()
