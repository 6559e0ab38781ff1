"""ocppgen: typed OCPP bindings generated from the official schemas, and an OCPP-J runtime."""

__version__ = "0.1.0"
