"""The `epic` command: one sub-command per part of the toolchain.

Each sub-command lives beside the phase it drives and exposes `add_arguments(parser)` and
`main(args) -> int`; this module only wires them up, importing each lazily so that
`epic check` never pays for the evaluator or the HTTP client.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import Any

from epic_lang.process_settings import collector_paused, ctrl_c_stops_runs

COMMANDS: dict[str, tuple[str, str]] = {
    "run": ("epic_lang.eval.command", "run a program and print its result"),
    "repl": ("epic_lang.eval.repl", "an interactive session with the same evaluator"),
    "map": ("epic_lang.dataset.command", "run a function over every record of a dataset"),
    "check": ("epic_lang.analysis.command", "report syntax errors and static problems"),
    "fmt": ("epic_lang.format.command", "format files in the canonical style"),
    "sim-server": ("epic_lang.testing.sim_server", "serve a simulated OpenAI-compatible API"),
    "cache": ("epic_lang.llm.cache_command", "manage the on-disk LLM call cache"),
    "lsp": ("lsp_server.server", "run the language server on stdio"),
}


class _PrintVersion(argparse.Action):
    """`--version`, looking the version up only when asked: reading the package metadata
    costs tens of milliseconds, which every other command would otherwise pay."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, *args: object) -> None:
        from epic_lang.version import version

        print(f"epic {version()}")
        parser.exit()


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(
        prog="epic", description="EPIC: LLM programs that run their independent parts at once."
    )
    parser.add_argument("--version", action=_PrintVersion, help="print the version and exit")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    chosen = argv[0] if argv else None
    # A named command gets the only sub-parser (each costs about 0.15 ms, and editors and
    # `epic map` workers start the CLI again and again); anything else, such as `--help` or
    # a mistyped command, needs them all to list them.
    names = [chosen] if chosen in COMMANDS else list(COMMANDS)
    for name in names:
        module_name, help_text = COMMANDS[name]
        sub = subparsers.add_parser(name, help=help_text, description=help_text)
        sub.set_defaults(_module=module_name)
        if name == chosen:
            # The command's modules make tens of thousands of objects that live as long as
            # the process, and the collector would walk them again and again while they
            # load: about 2 ms of every start-up.
            with collector_paused():
                command = importlib.import_module(module_name)
            command.add_arguments(sub)
    args = parser.parse_args(argv)
    try:
        with ctrl_c_stops_runs():
            return importlib.import_module(args._module).main(args)
    except KeyboardInterrupt:
        print("epic: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
