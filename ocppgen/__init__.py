"""ocppgen: typed OCPP bindings generated from the official schemas, and an OCPP-J runtime."""

from importlib.metadata import PackageNotFoundError, version

try:  # the one place the version is written is pyproject.toml
    __version__ = version("ocppgen")
except PackageNotFoundError:  # imported from a tree that was never installed
    __version__ = "0+unknown"
