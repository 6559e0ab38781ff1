"""The station's outbox order: `put_front` queues ahead of every waiting entry, on an empty
queue too, and later `put`s still go behind (a real SQLite file, reopened)."""

from __future__ import annotations

from pathlib import Path

from ocppgen.reference.station.queue import Outbox, open_db


def actions(outbox: Outbox) -> list[str]:
    return [entry.action for entry in outbox.entries()]


async def test_put_front_on_empty_and_busy_queue_keeps_order(tmp_path: Path) -> None:
    path = tmp_path / "outbox.db"
    db = open_db(path)
    outbox = Outbox(db)
    outbox.put_front([("A", {}), ("B", {})], persistent=True)  # empty queue
    outbox.put("C", {}, persistent=True)
    outbox.put_front([("X", {}), ("Y", {})], persistent=True)  # ahead of A
    outbox.put("D", {}, persistent=True)
    assert actions(outbox) == ["X", "Y", "A", "B", "C", "D"]
    with outbox.atomic():  # delivered (emptied), then put_front on the empty queue again
        db.execute("DELETE FROM outbox")
    outbox.put_front([("E", {})], persistent=True)
    outbox.put("F", {}, persistent=True)
    assert actions(Outbox(open_db(path))) == ["E", "F"]
