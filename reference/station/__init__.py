"""The reference OCPP 2.0.1 Charging Station: `Station` (in-process API), a local control API
(`control.py`) and the `ocppgen station` subcommand (`cli.py`)."""

from ocppgen.reference.station.station import Station, StationError

__all__ = ["Station", "StationError"]
