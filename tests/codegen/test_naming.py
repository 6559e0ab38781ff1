"""The naming rules: one module, verbatim class names, snake_case fields, valid members."""

from __future__ import annotations

import pytest

from ocppgen.codegen import naming


@pytest.mark.parametrize(
    ("wire", "python"),
    [
        ("evseId", "evse_id"),
        ("EVSEId", "evse_id"),
        ("idTag", "id_tag"),
        ("iso15118SchemaVersion", "iso15118_schema_version"),
        ("customData", "custom_data"),
        ("type", "type"),
        ("from", "from_"),
        ("schema", "schema_"),
        ("json", "json_"),
    ],
)
def test_field_names(wire: str, python: str) -> None:
    assert naming.field_name(wire) == python


def test_enum_members_keep_their_value_where_python_allows() -> None:
    members = naming.unique_members(["Accepted", "L1-N", "L1_N", "None", "1x", "Energy.Active.Net"])
    assert members == [
        ("Accepted", "Accepted"),
        ("L1_N", "L1-N"),
        ("L1_N_2", "L1_N"),
        ("None_", "None"),
        ("V_1x", "1x"),
        ("Energy_Active_Net", "Energy.Active.Net"),
    ]


def test_message_and_inline_names() -> None:
    assert naming.action_of("BootNotificationRequest") == ("BootNotification", "request")
    assert naming.action_of("BootNotification") == ("BootNotification", "request")  # OCPP 1.6
    assert naming.action_of("HeartbeatResponse") == ("Heartbeat", "response")
    assert naming.message_class("NotifyPeriodicEventStream", "request", one_way=True) == (
        "NotifyPeriodicEventStream"
    )
    assert naming.inline_enum_name("BootNotificationResponse", "status") == "BootNotificationStatus"
    assert (
        naming.inline_enum_name("ChargingProfile", "chargingProfileKind") == "ChargingProfileKind"
    )
    assert naming.inline_model_name("idTagInfo") == "IdTagInfo"
    assert naming.handler_method("BootNotification") == "on_boot_notification"
