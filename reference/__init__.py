"""Reference applications built only on ocppgen's public API: a CSMS and a Charging Station."""
