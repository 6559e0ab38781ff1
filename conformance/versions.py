"""What differs between the OCPP versions the tester speaks: 1.6, 2.0.1 and 2.1.

- The use cases a run is grouped by (`use_cases`): 2.0.1 has its use-case table. The 2.1
  table is not in spec/ yet, so 2.1 borrows the 2.0.1 table (the use-case ids carried over),
  keeping in each use case only the actions 2.1 has. OCPP 1.6 has no use cases at all: its
  groups are the feature profiles (Core, FirmwareManagement, LocalAuthListManagement,
  Reservation, SmartCharging, RemoteTrigger, and the security whitepaper's Security), each with
  the actions the schemas assign to it; Core is the `core` profile.
- The scenarios (`scenario_set`): 2.x share conformance/scenarios.py (its payloads are valid
  2.1 too); 1.6 has conformance/scenarios_v16.py.
- The probe CALLs the framing checks use (`probe_call`, `own_role_call`).
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from ocppgen.runtime.actions import Role, VersionSpec

__all__ = [
    "FEATURE_PROFILES_16",
    "ProfileStep",
    "ProfileUseCase",
    "ScenarioSet",
    "load",
    "own_role_call",
    "probe_call",
    "scenario_set",
]

PACKAGES: Mapping[str, str] = MappingProxyType({"1.6": "v16", "2.0.1": "v201", "2.1": "v21"})

FEATURE_PROFILES_16: Mapping[str, str] = MappingProxyType(
    {
        "Core": "Core profile (OCPP 1.6 §3.2)",
        "FirmwareManagement": "Firmware Management profile",
        "LocalAuthListManagement": "Local Auth List Management profile",
        "Reservation": "Reservation profile",
        "SmartCharging": "Smart Charging profile",
        "RemoteTrigger": "Remote Trigger profile",
        "Security": "Security extension (OCPP 1.6 security whitepaper)",
    }
)


@dataclass(frozen=True, slots=True)
class ProfileStep:
    """One action of a feature profile (the shape of a generated use case's step)."""

    action: str


@dataclass(frozen=True, slots=True)
class ProfileUseCase:
    """A group of checks shaped like a generated `UseCase` (id, name, core, steps)."""

    id: str
    name: str
    core: bool
    steps: tuple[ProfileStep, ...]

    @property
    def actions(self) -> tuple[str, ...]:
        return tuple(step.action for step in self.steps)


def _feature_profiles(version: VersionSpec) -> Mapping[str, ProfileUseCase]:
    groups: dict[str, list[str]] = {}
    for action, spec in version.actions.items():
        groups.setdefault(spec.functional_block, []).append(action)
    known = [p for p in FEATURE_PROFILES_16 if p in groups]
    others = sorted(set(groups) - set(known))
    return MappingProxyType(
        {
            block: ProfileUseCase(
                block,
                FEATURE_PROFILES_16.get(block, block),
                block == "Core",
                tuple(ProfileStep(a) for a in groups[block]),
            )
            for block in [*known, *others]
        }
    )


def _borrowed(version: VersionSpec, table: Mapping[str, Any]) -> Mapping[str, ProfileUseCase]:
    """Another version's use-case table, restricted to the actions `version` has."""
    return MappingProxyType(
        {
            u.id: ProfileUseCase(
                u.id,
                u.name,
                u.core,
                tuple(ProfileStep(s.action) for s in u.steps if s.action in version.actions),
            )
            for u in table.values()
        }
    )


def load(name: str) -> tuple[VersionSpec, Mapping[str, Any]]:
    """The generated VERSION of an OCPP version and the use cases to group its checks by."""
    package = PACKAGES.get(name)
    if package is None:
        raise ValueError(f"unknown OCPP version {name!r} (1.6, 2.0.1 or 2.1)")
    actions = importlib.import_module(f"ocppgen.generated.{package}.actions")
    version: VersionSpec = actions.VERSION
    table = importlib.import_module(f"ocppgen.generated.{package}.usecases").USE_CASES
    if table:
        return version, table
    if name == "1.6":
        return version, _feature_profiles(version)
    v201 = importlib.import_module("ocppgen.generated.v201.usecases").USE_CASES
    return version, _borrowed(version, v201)


# -- probes --------------------------------------------------------------------------------------

_GET_HEARTBEAT_INTERVAL_2X = {
    "getVariableData": [
        {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}}
    ]
}


def probe_call(version: str, sut: Role) -> tuple[str, dict[str, Any]]:
    """A plain CALL of a core action the SUT answers: any answer shows the connection lives."""
    if sut is Role.CSMS:
        return "Heartbeat", {}
    if version == "1.6":
        return "GetConfiguration", {"key": ["HeartbeatInterval"]}
    return "GetVariables", _GET_HEARTBEAT_INTERVAL_2X


def own_role_call(version: str, sut: Role) -> tuple[str, dict[str, Any]]:
    """A valid CALL of an action only the SUT's own role sends (it must refuse it)."""
    if sut is Role.CHARGING_STATION:
        return "Heartbeat", {}
    return "Reset", {"type": "Soft" if version == "1.6" else "OnIdle"}


# -- scenarios -----------------------------------------------------------------------------------

Responder = Callable[[Any], Callable[[Any], Awaitable[Any]]]


@dataclass(frozen=True)
class ScenarioSet:
    """The scenario functions of one version (see conformance/scenarios.py for their roles)."""

    csms_boot: Callable[[Any], Awaitable[bool]]
    csms_scenarios: Callable[[Any], Awaitable[None]]
    station_answer: Responder  # the tester as a station answers the CSMS under test
    csms_answer: Responder  # the tester as the CSMS answers the station under test
    station_boot: Callable[..., Awaitable[bool]]
    station_scenarios: Callable[[Any, Any], Awaitable[None]]
    station_reset: Callable[[Any, Any], Awaitable[None]]  # the disruptive one, last
    reset_use_case: str  # the group that must be in the profile for `station_reset` to run
    session_checks: Callable[[Any, Any], None]


def scenario_set(name: str) -> ScenarioSet:
    """1.6: conformance/scenarios_v16.py; 2.0.1 and 2.1: conformance/scenarios.py. Both
    modules offer the same functions (imported here, late: they import the checks)."""
    v16 = name == "1.6"
    module = importlib.import_module(
        "ocppgen.conformance.scenarios_v16" if v16 else "ocppgen.conformance.scenarios"
    )
    return ScenarioSet(
        csms_boot=module.csms_boot,
        csms_scenarios=module.csms_scenarios,
        station_answer=module.station_answer,
        csms_answer=module.csms_answer,
        station_boot=module.station_boot,
        station_scenarios=module.station_scenarios,
        station_reset=module.station_reset,
        reset_use_case="Core" if v16 else "B11",
        session_checks=module.session_checks,
    )
