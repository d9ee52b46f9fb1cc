"""Converters between `epic_lang`'s editor terms and LSP types.

`epic_lang` speaks in character offsets (code points) and 1-based lines and columns; LSP speaks
in 0-based lines and columns counted in the negotiated encoding's code units (UTF-16 unless the
client offers another). This module is the only place that knows the difference.
"""

from __future__ import annotations

from bisect import bisect_right

from lsprotocol import types

from epic_lang.diagnostics import Diagnostic, Severity
from epic_lang.source import LineIndex, Span

_SEVERITY = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFO: types.DiagnosticSeverity.Information,
    Severity.HINT: types.DiagnosticSeverity.Hint,
}


def _units(text: str, encoding: str) -> int:
    """How many code units of `encoding` the string takes."""
    if text.isascii() or encoding == types.PositionEncodingKind.Utf32:
        return len(text)
    if encoding == types.PositionEncodingKind.Utf8:
        return len(text.encode("utf-8", "surrogatepass"))
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


class Positions:
    """Offset <-> LSP position conversion for one text."""

    def __init__(
        self, text: str, index: LineIndex, encoding: str = types.PositionEncodingKind.Utf16
    ) -> None:
        self.text = text
        self.starts = index.line_starts
        self.encoding = encoding

    def position(self, offset: int) -> types.Position:
        offset = max(0, min(offset, len(self.text)))
        line = bisect_right(self.starts, offset) - 1
        start = self.starts[line]
        return types.Position(line, _units(self.text[start:offset], self.encoding))

    def offset(self, position: types.Position) -> int:
        """The character offset of an LSP position; positions past a line's end clamp to it."""
        if position.line >= len(self.starts):
            return len(self.text)
        start = self.starts[position.line]
        end = (
            self.starts[position.line + 1] - 1
            if position.line + 1 < len(self.starts)
            else len(self.text)
        )
        line = self.text[start:end].rstrip("\r")
        if line.isascii() or self.encoding == types.PositionEncodingKind.Utf32:
            return start + min(position.character, len(line))
        units = 0
        for i, ch in enumerate(line):
            if units >= position.character:
                return start + i
            units += _units(ch, self.encoding)
        return start + len(line)

    def range(self, start: int, end: int) -> types.Range:
        return types.Range(self.position(start), self.position(end))

    def span(self, span: Span) -> types.Range:
        return self.range(span.start, span.end)


def diagnostic(diag: Diagnostic, positions: Positions) -> types.Diagnostic:
    return types.Diagnostic(
        range=positions.span(diag.span),
        message=diag.message,
        severity=_SEVERITY[diag.severity],
        code=diag.code,
        source="epic",
    )


def code_actions(diag: Diagnostic, positions: Positions, uri: str) -> list[types.CodeAction]:
    """The diagnostic's fixes as quick fixes; the only fix of a diagnostic is preferred (the
    one an editor applies with "fix all" or a single keystroke)."""
    lsp_diagnostic = diagnostic(diag, positions)
    return [
        types.CodeAction(
            title=fix.title,
            kind=types.CodeActionKind.QuickFix,
            diagnostics=[lsp_diagnostic],
            is_preferred=len(diag.fixes) == 1,
            edit=types.WorkspaceEdit(
                changes={
                    uri: [
                        types.TextEdit(positions.span(edit.span), edit.new_text)
                        for edit in fix.edits
                    ]
                }
            ),
        )
        for fix in diag.fixes
    ]


def range_json(lsp_range: types.Range) -> dict[str, dict[str, int]]:
    """A range as plain JSON, for the custom `epic/run` answer."""
    return {
        "start": {"line": lsp_range.start.line, "character": lsp_range.start.character},
        "end": {"line": lsp_range.end.line, "character": lsp_range.end.character},
    }
