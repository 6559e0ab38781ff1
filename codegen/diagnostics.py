"""Problems found while generating: collected across all stages and reported together."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem: the file, where in it (a JSON pointer or a table row), and what is wrong."""

    file: str
    where: str
    message: str

    def __str__(self) -> str:
        location = f"{self.file}:{self.where}" if self.where else self.file
        return f"{location}: error: {self.message}"


@dataclass
class Diagnostics:
    """A collector passed through the pipeline; any entry fails the run and nothing is written."""

    items: list[Diagnostic] = field(default_factory=list)

    def error(self, file: str, where: str, message: str) -> None:
        self.items.append(Diagnostic(file, where, message))

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self) -> None:
        if self.items:
            raise GenerationError(sorted(set(self.items)))


class GenerationError(Exception):
    """Raised with every diagnostic of the run; the CLI prints them and exits non-zero."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = diagnostics
        super().__init__("\n".join(str(d) for d in diagnostics))
