"""Tests of the reference CSMS."""
