"""The reference CSMS: persistence, OCPP 2.0.1 CSMS behaviour and an operator HTTP API."""
