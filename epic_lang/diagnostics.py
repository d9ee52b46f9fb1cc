"""Diagnostics: the one shape in which every phase reports a problem to the CLI and the editor."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from epic_lang.source import Span


class Severity(Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"
    HINT = "hint"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """A problem at a span. `code` is a stable short name (`syntax`, `unknown-name`, ...)
    that users can search for and tests can match on."""

    severity: Severity
    span: Span
    message: str
    code: str
    path: str | None = None

    def render(self, path: str | None = None) -> str:
        """The `file:line:col: severity: message [code]` line of `epic check`."""
        where = path or self.path or "<input>"
        return (
            f"{where}:{self.span.line}:{self.span.col}: "
            f"{self.severity.value}: {self.message} [{self.code}]"
        )


def has_errors(diagnostics: list[Diagnostic] | tuple[Diagnostic, ...]) -> bool:
    return any(d.severity is Severity.ERROR for d in diagnostics)
