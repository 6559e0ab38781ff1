"""A state machine test of the core: one outstanding CALL per direction and the pending tables.

Hypothesis drives one Charging Station connection with random interleavings of our CALLs,
peer answers (valid, invalid, for unknown ids), timeouts, peer CALLs (new and duplicate ids)
and our answers to them, and garbage. A simple model says what must hold after every step.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from ocppgen.runtime.actions import Role
from ocppgen.runtime.core import (
    CallReceived,
    Connection,
    ErrorReceived,
    InvalidResult,
    ProtocolFault,
    ResultReceived,
    UnexpectedError,
    UnexpectedResult,
)
from ocppgen.runtime.errors import OcppError

from .fakeversion import (
    BOOT,
    VERSIONS,
    DataTransferRequest,
    DataTransferResponse,
    HeartbeatRequest,
    ResetResponse,
    ResetStatus,
    counter_ids,
)

NOW = datetime(2024, 5, 1, 12, tzinfo=UTC)
REQUESTS = {
    "BootNotification": BOOT,
    "Heartbeat": HeartbeatRequest(),
    "DataTransfer": DataTransferRequest(vendor_id="v"),
}
VALID_RESULTS = {
    "BootNotification": '{"currentTime":"2024-05-01T12:00:00Z","interval":5,"status":"Accepted"}',
    "Heartbeat": '{"currentTime":"2024-05-01T12:00:00Z"}',
    "DataTransfer": '{"status":"Accepted"}',
}
PEER_IDS = st.sampled_from(["p1", "p2", "p3"])


class CoreMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.version = "2.1"
        self.conn = Connection(
            VERSIONS[self.version], Role.CHARGING_STATION, id_factory=counter_ids()
        )
        self.pending: list[str] = []  # our unfinished CALLs, in call order (head = outstanding)
        self.actions: dict[str, str] = {}
        self.finished: set[str] = set()
        self.sent: list[str] = []  # ids of our CALL frames, in the order they hit the wire
        self.incoming: dict[str, str] = {}  # peer CALLs we have not answered: id -> action
        self.answered: list[str] = []  # ids of our answers (CALLRESULT/CALLERROR), in order

    # -- our CALLs ---------------------------------------------------------------------------

    @rule(action=st.sampled_from(sorted(REQUESTS)))
    def call(self, action: str) -> None:
        message_id = self.conn.call(REQUESTS[action])
        assert message_id not in self.actions
        self.actions[message_id] = action
        self.pending.append(message_id)

    @precondition(lambda self: self.pending)
    @rule(valid=st.booleans())
    def peer_answers_result(self, valid: bool) -> None:
        head = self.pending[0]
        payload = VALID_RESULTS[self.actions[head]] if valid else '{"bogus":1}'
        (event,) = self.conn.receive(f'[3,"{head}",{payload}]')
        assert isinstance(event, ResultReceived if valid else InvalidResult)
        assert event.message_id == head
        self.finish(head)

    @precondition(lambda self: self.pending)
    @rule()
    def peer_answers_error(self) -> None:
        head = self.pending[0]
        (event,) = self.conn.receive(f'[4,"{head}","NotSupported","",{{}}]')
        assert isinstance(event, ErrorReceived) and event.message_id == head
        self.finish(head)

    @rule(message_id=st.sampled_from(["m1", "m2", "m3", "m9", "-1"]), error=st.booleans())
    def peer_answers_some_id(self, message_id: str, error: bool) -> None:
        text = (
            f'[4,"{message_id}","GenericError","",{{}}]'
            if error
            else f'[3,"{message_id}",{{"status":"Accepted"}}]'
        )
        events = self.conn.receive(text)
        if self.pending and message_id == self.pending[0]:
            self.finish(message_id)  # it was the outstanding one after all
            return
        (event,) = events
        assert isinstance(event, UnexpectedError if error else UnexpectedResult)

    @rule(data=st.data())
    def timeout(self, data: st.DataObject) -> None:
        message_id = data.draw(st.sampled_from([*self.pending, "m99"]))
        assert self.conn.timeout(message_id) is (message_id in self.pending)
        if message_id in self.pending:
            self.finish(message_id)

    def finish(self, message_id: str) -> None:
        self.pending.remove(message_id)
        self.finished.add(message_id)

    # -- peer CALLs --------------------------------------------------------------------------

    @rule(message_id=PEER_IDS, action=st.sampled_from(["Reset", "DataTransfer"]))
    def peer_calls(self, message_id: str, action: str) -> None:
        payload = '{"type":"OnIdle"}' if action == "Reset" else '{"vendorId":"x"}'
        (event,) = self.conn.receive(f'[2,"{message_id}","{action}",{payload}]')
        if message_id in self.incoming:
            assert isinstance(event, ProtocolFault) and event.fault == "duplicate_id"
            self.answered.append(message_id)
        else:
            assert isinstance(event, CallReceived) and event.message_id == message_id
            self.incoming[message_id] = action

    @precondition(lambda self: self.incoming)
    @rule(data=st.data(), as_error=st.booleans())
    def we_answer(self, data: st.DataObject, as_error: bool) -> None:
        message_id = data.draw(st.sampled_from(sorted(self.incoming)))
        action = self.incoming.pop(message_id)
        if as_error:
            self.conn.respond_error(message_id, OcppError("GenericError"))
        elif action == "Reset":
            assert self.conn.respond(message_id, ResetResponse(status=ResetStatus.ACCEPTED)) is None
        else:
            assert self.conn.respond(message_id, DataTransferResponse(status="Accepted")) is None
        self.answered.append(message_id)

    @rule(text=st.sampled_from(["", "[", "[7]", "[2]", '[3,"x"]', '[5,"p1","X","",{}]', "{}"]))
    def garbage(self, text: str) -> None:
        (event,) = self.conn.receive(text)
        assert isinstance(event, ProtocolFault | UnexpectedResult | UnexpectedError) or (
            type(event).__name__ == "ResultErrorReceived"
        )
        if isinstance(event, ProtocolFault) and event.reply is not None:
            self.answered.append(json.loads(event.reply)[1])

    # -- what must always hold ---------------------------------------------------------------------

    @invariant()
    def wire_and_tables_agree_with_the_model(self) -> None:
        for text in self.conn.outgoing():
            frame = json.loads(text)
            if frame[0] == 2:
                assert frame[1] not in self.sent, "each CALL goes out once"
                # One outstanding CALL: every earlier CALL is finished when this one goes out.
                assert all(earlier in self.finished for earlier in self.sent)
                self.sent.append(frame[1])
            elif frame[0] in (3, 4):
                assert frame[1] == self.answered.pop(0), "our answers go out in order, once"
            else:
                assert frame[0] == 5  # a CALLRESULTERROR for an invalid result
        assert self.answered == []
        # Our CALLs go out in call order, skipping those that timed out while queued.
        order = [i for i in self.actions if i in self.sent]
        assert self.sent == order
        on_wire = [i for i in self.pending if i in self.sent]
        assert on_wire == ([self.pending[0]] if on_wire else [])
        if self.pending:
            assert self.conn.outstanding == self.pending[0]
            assert self.pending[0] in self.sent
            assert self.conn.queued == tuple(self.pending[1:])
        else:
            assert self.conn.outstanding is None and self.conn.queued == ()
        assert self.conn.in_progress == frozenset(self.incoming)


CoreMachine.TestCase.settings = settings(max_examples=150, stateful_step_count=40, deadline=None)
TestCoreMachine = CoreMachine.TestCase
