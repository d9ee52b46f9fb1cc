"""Offsets <-> LSP positions in each position encoding."""

from __future__ import annotations

import pytest
from lsprotocol import types

from epic_lang.source import LineIndex
from lsp_server.convert import Positions

TEXT = 'ab\n"😀é" + x\r\nlast'
UTF16, UTF8, UTF32 = (
    types.PositionEncodingKind.Utf16,
    types.PositionEncodingKind.Utf8,
    types.PositionEncodingKind.Utf32,
)


def positions(encoding: str) -> Positions:
    return Positions(TEXT, LineIndex(TEXT), encoding)


@pytest.mark.parametrize(("encoding", "character"), [(UTF16, 8), (UTF8, 11), (UTF32, 7)])
def test_x_after_an_emoji(encoding: str, character: int) -> None:
    offset = TEXT.index("x")
    assert positions(encoding).position(offset) == types.Position(1, character)
    assert positions(encoding).offset(types.Position(1, character)) == offset


def test_round_trip_every_offset() -> None:
    for encoding in (UTF16, UTF8, UTF32):
        convert = positions(encoding)
        for offset in range(len(TEXT) + 1):
            if TEXT[offset - 1 : offset] == "\r":
                continue  # between \r and \n is not a position an editor can name
            assert convert.offset(convert.position(offset)) == offset


def test_positions_past_the_end_clamp() -> None:
    convert = positions(UTF16)
    assert convert.offset(types.Position(0, 99)) == 2
    assert convert.offset(types.Position(1, 99)) == TEXT.index("\r")
    assert convert.offset(types.Position(9, 0)) == len(TEXT)


@pytest.mark.parametrize(("encoding", "character"), [(UTF16, 6), (UTF8, 8), (UTF32, 6)])
def test_a_lone_surrogate_counts_as_one_unit(encoding: str, character: int) -> None:
    """A client may send a document holding a lone surrogate (JSON's `"\\ud800"`); positions
    after it are computed rather than ending the request in UnicodeEncodeError."""
    text = '"a\ud800b" + x'
    convert = Positions(text, LineIndex(text), encoding)
    assert convert.position(text.index("+")) == types.Position(0, character)
