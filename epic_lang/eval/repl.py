"""`epic repl`: an interactive session with the same evaluator as `epic run`.

Each input is a declaration (`def`, `import`, `let`) or an expression. Declarations accumulate
into the session's program; an expression becomes the body of a fresh zero-parameter `def`
appended to it (in parentheses, so it may span lines), and runs opportunistically (or as
`--mode` says) through the one LLM backend of the session, made at the first LLM call, so the
local model loads once per session. A `let` runs once: its value is kept as a literal when it
is data, so an LLM answer is not asked for again at every later input; a function value keeps
its source, which is cheap to evaluate again.

Input continues while it is unfinished: a first line the parser finds cut short (an open
bracket, `def f(x) =`), and any input of more than one line until a blank line, as in
Python's REPL. History goes through readline to `$XDG_STATE_HOME/epic/repl_history`
(`~/.local/state/epic/repl_history`). Prompts are shown only on a terminal, so piped input
gives plain output: values on stdout, errors on stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from epic_lang.cli_options import add_run_arguments

PROMPT = ">>> "
CONTINUATION = "... "
ENTRY = "__epic_repl__"
HISTORY_LENGTH = 1000
HELP = """\
Type an expression to see its value, or a declaration to keep it for later inputs:
  def twice(x) = x * 2          functions (an indented body continues until a blank line)
  let answer = llm("Hi")        values: computed once, then kept
  import "./lib.epic" as lib    EPIC modules (and `import python`), relative to this folder
Commands: :help  :defs (what the session holds)  :reset (forget it)  :quit (or Ctrl-D)
Ctrl-C stops a running evaluation, or discards the input being typed."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_run_arguments(parser)


def history_path(env: dict[str, str] | os._Environ[str] = os.environ) -> Path:
    """The history file, in the user's state directory (XDG)."""
    base = env.get("XDG_STATE_HOME") or ""
    if not os.path.isabs(base):
        base = os.path.join(env.get("HOME") or str(Path.home()), ".local", "state")
    return Path(base) / "epic" / "repl_history"


class Session:
    """The declarations typed so far, and the backend of the session."""

    def __init__(
        self, args: argparse.Namespace, out: Callable[[str], None], err: Callable[[str], None]
    ) -> None:
        self.args = args
        self.out = out
        self.err = err
        self.decls: list[str] = []
        self.names: list[str] = []
        self.backend: Any = None
        self.path = os.path.join(os.getcwd(), "<repl>.epic")

    def program_text(self, extra: str = "") -> str:
        return "".join(f"{decl}\n\n" for decl in self.decls) + extra

    def make_backend(self) -> Any:
        if self.backend is None:
            from epic_lang.llm.config import backend_from_options

            self.backend = backend_from_options(
                llm_url=self.args.llm,
                model=self.args.model,
                cache=self.args.cache,
                batch=self.args.batch,
                program_path=self.path,
            )
            self.err(f"backend: {self.backend.describe()}")
        return self.backend

    async def evaluate(self, expression: str) -> Any:
        """The EPIC value of the expression after the session's declarations."""
        from epic_lang.eval.program import load_source

        text = self.program_text(f"def {ENTRY}() = (\n{expression}\n)\n")
        program = load_source(text, self.path)
        # Made here, not by the run (which would close it at its end), so that it lives as
        # long as the session: the local model loads once, connections are kept.
        backend = self.make_backend() if program.uses_llm else self.backend
        result = await program.arun(
            ENTRY, mode=self.args.mode, backend=backend, backend_factory=self.make_backend
        )
        return result.epic_value

    def check(self, decl: str) -> None:
        """Raises `EpicLoadError` when the session with `decl` added does not load."""
        from epic_lang.eval.program import load_source

        load_source(self.program_text(decl + "\n"), self.path)

    def keep(self, decl: str, name: str) -> None:
        """Adds a declaration, replacing an earlier one of the same name."""
        if name in self.names:
            index = self.names.index(name)
            del self.decls[index], self.names[index]
        self.decls.append(decl)
        self.names.append(name)

    async def submit(self, source: str) -> None:
        """Handles one complete input."""
        from epic_lang.syntax import ast
        from epic_lang.syntax.parser import parse

        parsed = parse(source, self.path)
        decls = parsed.module.decls
        if not parsed.diagnostics and decls:
            for decl in decls:
                text = source[decl.span.start : decl.span.end]
                if isinstance(decl, ast.LetDecl):
                    await self.let(
                        decl.name.text, source[decl.value.span.start : decl.value.span.end], text
                    )
                else:
                    name = decl.alias.text if isinstance(decl, ast.Import) else decl.name.text
                    self.check(text)
                    self.keep(text, name)
            return
        from epic_lang.eval.values import format_value

        self.out(format_value(await self.evaluate(source)))

    async def let(self, name: str, expression: str, source: str) -> None:
        value = await self.evaluate(expression)
        from epic_lang.eval.values import format_value

        literal = _literal(value)
        self.keep(f"let {name} = {literal}" if literal is not None else source, name)
        self.out(f"{name} = {format_value(value)}")

    async def aclose(self) -> None:
        if self.backend is not None:
            await self.backend.aclose()


def _literal(value: Any) -> str | None:
    """The value as EPIC source when it is plain data; None for functions and the like."""
    from epic_lang.eval.values import ChurchBool, format_value

    def plain(v: Any) -> bool:
        t = type(v)
        if v is None or t in (str, int, bool, ChurchBool):
            return True
        if t is float:
            return math.isfinite(v)
        if t in (list, tuple):
            return all(plain(x) for x in v)
        if t is dict:
            return all(isinstance(k, str) and plain(x) for k, x in v.items())
        return False

    return format_value(value) if plain(value) else None


# A line ending so is cut short: the expression or block goes on below.
_OPEN_ENDINGS = ("=", "=>", "+", "-", "*", "/", "%", "|>", "&&", "||", ",", "(", "[", "{")
_OPEN_WORDS = {"then", "else", "with", "in", "and", "or", "not", "case"}


def needs_more(lines: list[str]) -> bool:
    """Whether the input is unfinished. A block (a first line ending like `def f(x) =` or
    `if c then`) ends at a blank line; other input as soon as no bracket is left open and
    the last line does not end like `+` or `,`."""
    if not lines[0].strip() or lines[0].lstrip().startswith(":"):
        return False
    if _open_ending(lines[0]) and lines[0].rstrip()[-1:] not in "([{,":
        return len(lines) == 1 or lines[-1].strip() != ""
    if len(lines) > 1 and not lines[-1].strip():
        return False
    from epic_lang.syntax.lexer import tokenize

    text = "\n".join(lines)
    if any("to close the" in d.message for d in tokenize(text).diagnostics):
        return True
    return _open_ending(lines[-1])


def _open_ending(line: str) -> bool:
    text = line.rstrip()
    words = text.split()
    return text.endswith(_OPEN_ENDINGS) or (bool(words) and words[-1] in _OPEN_WORDS)


def _setup_history() -> Callable[[], None]:
    """Loads the history; returns what saves it."""
    try:
        import readline
    except ImportError:  # Windows without pyreadline: no history, the rest works
        return lambda: None
    path = history_path()
    with contextlib.suppress(OSError):
        readline.read_history_file(path)
    readline.set_history_length(HISTORY_LENGTH)

    def save() -> None:
        with contextlib.suppress(OSError):
            path.parent.mkdir(parents=True, exist_ok=True)
            readline.write_history_file(path)

    return save


def main(args: argparse.Namespace) -> int:
    interactive = sys.stdin.isatty()
    save_history = _setup_history() if interactive else (lambda: None)

    def out(text: str) -> None:
        print(text, flush=True)

    def err(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    session = Session(args, out, err)
    if interactive:
        err("EPIC REPL: :help for help, :quit or Ctrl-D to leave")
    with asyncio.Runner() as runner:
        try:
            _loop(session, runner, interactive)
        finally:
            save_history()
            runner.run(session.aclose())
    return 0


def _read(prompt: str, interactive: bool) -> str:
    if interactive:
        return input(prompt)
    line = sys.stdin.readline()
    if not line:
        raise EOFError
    return line.rstrip("\n")


def _loop(session: Session, runner: asyncio.Runner, interactive: bool) -> None:
    from epic_lang.eval.errors import EpicRuntimeError
    from epic_lang.eval.program import EpicLoadError

    lines: list[str] = []
    while True:
        try:
            line = _read(CONTINUATION if lines else PROMPT, interactive)
        except EOFError:
            if not lines:
                if interactive:
                    session.err("")
                return
            line = ""  # the end of input finishes what was being typed
        except KeyboardInterrupt:
            session.err("\n(input discarded)")
            lines = []
            continue
        lines.append(line)
        if needs_more(lines):
            continue
        source = "\n".join(lines).strip("\n")
        lines = []
        if not source.strip():
            continue
        if source.strip().startswith(":"):
            if not _command(session, source.strip()):
                return
            continue
        try:
            runner.run(session.submit(source))
        except KeyboardInterrupt:
            session.err("interrupted")
        except EpicLoadError as failure:
            for diagnostic in failure.diagnostics:
                session.err(f"error: {diagnostic.message}")
        except EpicRuntimeError as failure:
            session.err(f"error: {failure.message}")


def _command(session: Session, command: str) -> bool:
    """Runs a `:command`; False to end the session."""
    name = command.split()[0]
    if name in (":quit", ":q", ":exit"):
        return False
    if name == ":help":
        session.out(HELP)
    elif name == ":defs":
        session.out("\n".join(session.decls) if session.decls else "(nothing yet)")
    elif name == ":reset":
        session.decls.clear()
        session.names.clear()
        session.out("(the session's declarations are forgotten)")
    else:
        session.err(f"unknown command {name}; :help lists them")
    return True
