"""Diagnostics: the one shape in which every phase reports a problem to the CLI and the editor."""

from __future__ import annotations

from enum import Enum

from epic_lang.records import record
from epic_lang.source import Span


class Severity(Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"
    HINT = "hint"


@record(frozen=True, slots=True)
class TextEdit:
    """Replace the text of `span` (in the diagnostic's file) by `new_text`; an empty span
    inserts."""

    span: Span
    new_text: str


@record(frozen=True, slots=True)
class Fix:
    """One way to repair a diagnostic, as data: `epic check` prints its title, and the
    language server offers it as a quick fix that applies `edits` (which never overlap)."""

    title: str
    edits: tuple[TextEdit, ...]


@record(frozen=True, slots=True)
class Diagnostic:
    """A problem at a span. `code` is a stable short name (`syntax`, `unknown-name`, ...)
    that users can search for and tests can match on. `fixes` are made where the problem is
    found, so that every tool offers the same repairs."""

    severity: Severity
    span: Span
    message: str
    code: str
    path: str | None = None
    fixes: tuple[Fix, ...] = ()

    def render(self, path: str | None = None) -> str:
        """The `file:line:col: severity: message [code]` line of `epic check`."""
        where = path or self.path or "<input>"
        return (
            f"{where}:{self.span.line}:{self.span.col}: "
            f"{self.severity.value}: {self.message} [{self.code}]"
        )

    def render_fixes(self) -> list[str]:
        """The `    fix: ...` lines `epic check` prints under the diagnostic."""
        return [f"    fix: {fix.title}" for fix in self.fixes]


def replace_fix(title: str, span: Span, new_text: str) -> Fix:
    """The common fix: one span's text replaced."""
    return Fix(title, (TextEdit(span, new_text),))


def has_errors(diagnostics: list[Diagnostic] | tuple[Diagnostic, ...]) -> bool:
    return any(d.severity is Severity.ERROR for d in diagnostics)
