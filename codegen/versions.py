"""The OCPP versions the generator knows, and where their inputs and outputs live."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Version:
    """One OCPP version: its name on the wire and the folders of its inputs and output."""

    name: str  # as the spec writes it: "2.0.1"
    key: str  # folder and package name: "v201"
    subprotocol: str  # WebSocket subprotocol: "ocpp2.0.1"
    # A vendor package's import path ("acme_ocpp"); empty for ocppgen's own generated/ package.
    vendor_package: str = ""
    # A spec edition other than the default (spec/editions.csv): spec/<key>/editions/<edition>/.
    edition: str = ""

    @property
    def schema_folder(self) -> str:
        """The schema files' folder, relative to the spec folder."""
        if self.edition:
            return f"{self.key}/editions/{self.edition}/schemas"
        return f"{self.key}/schemas"

    @property
    def package(self) -> str:
        """The import path of the generated package."""
        return self.vendor_package or f"ocppgen.generated.{self.key}"

    @property
    def folder(self) -> str:
        """The generated package's folder, relative to the output folder."""
        return self.vendor_package.replace(".", "/") or self.key


VERSIONS: tuple[Version, ...] = (
    Version("1.6", "v16", "ocpp1.6"),
    Version("2.0.1", "v201", "ocpp2.0.1"),
    Version("2.1", "v21", "ocpp2.1"),
)


def find_version(name: str) -> Version:
    """Look a version up by its name ("2.0.1") or key ("v201")."""
    for version in VERSIONS:
        if name in (version.name, version.key):
            return version
    known = ", ".join(v.name for v in VERSIONS)
    raise ValueError(f"unknown OCPP version {name!r}; known versions: {known}")
