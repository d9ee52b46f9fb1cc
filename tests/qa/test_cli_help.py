"""The `epic` command's help and usage errors: a command named first gets the only sub-parser
(cli.py), so anything else must still list every command."""

from __future__ import annotations

import pytest

from epic_lang.cli import COMMANDS, main


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["--help"])
    assert stopped.value.code == 0
    shown = capsys.readouterr().out
    assert [name for name in COMMANDS if f"    {name}" not in shown] == []


def test_a_mistyped_command_names_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["rnu", "x.epic"])
    assert stopped.value.code == 2
    message = capsys.readouterr().err
    assert "invalid choice: 'rnu'" in message
    assert [name for name in COMMANDS if f"'{name}'" not in message] == []


def test_a_command_s_help_shows_its_own_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["run", "--help"])
    assert stopped.value.code == 0
    shown = capsys.readouterr().out
    assert shown.startswith("usage: epic run ")
    assert "--entry ENTRY" in shown
