"""Property-based conformance tester: checks someone else's Charging Station or CSMS."""
