"""The generated property tests of OCPP v21 (see ocppgen/generated/v21/proptests.py)."""

from ocppgen.generated.v21.proptests import (
    test_action_not_received_is_not_supported,
    test_call_method_sends_its_action,
    test_dispatch_reaches_handler,
    test_example_matches_official_schema,
    test_json_round_trip,
    test_mutation,
    test_unimplemented_handler_answers_not_supported,
)

__all__ = [
    "test_action_not_received_is_not_supported",
    "test_call_method_sends_its_action",
    "test_dispatch_reaches_handler",
    "test_example_matches_official_schema",
    "test_json_round_trip",
    "test_mutation",
    "test_unimplemented_handler_answers_not_supported",
]
