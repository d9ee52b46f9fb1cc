"""lark's LALR(1) tables, driven by our own loop.

lark builds the tables and the callbacks (from grammar.lark and the `Builder`); this module
re-shapes them for speed and runs them. The loop is lark's `ParserState.feed_token` inlined
over a whole token list, with three changes that together halve the parse time of a large
file: actions and gotos are split into plain dicts of ints, a reduction carries its size,
callback and target directly (no hashing of lark's Rule objects), and a single-child rule
written `?rule` in the grammar, whose callback would return its child unchanged, is not called.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from lark import Lark, Token
from lark.grammar import Rule
from lark.lexer import Lexer, LexerState
from lark.parsers.lalr_analysis import Shift

from epic_lang.syntax.builder import Builder

GRAMMAR_PATH = Path(__file__).with_name("grammar.lark")

# A reduction: (number of symbols, callback or None for "keep the child", rule name).
Reduce = tuple[int, Callable[[list], object] | None, str]


@dataclass(frozen=True, slots=True)
class Tables:
    """The automaton for one start symbol."""

    actions: dict[int, dict[str, int | Reduce]]
    gotos: dict[int, dict[str, int]]
    start_state: int
    end_state: int


class _TokensOnly(Lexer):
    """Lark wants a lexer class for declared terminals; ours runs before lark is called."""

    def __init__(self, conf: object) -> None:
        pass

    def lex(  # pragma: no cover - tokens are fed directly
        self, lexer_state: LexerState, parser_state: Any
    ) -> Iterator[Token]:
        return iter(())


@functools.cache
def tables() -> dict[str, Tables]:
    """The tables for the start symbols `decl` and `hole`, built once per process (lark's
    cache keeps the analysis on disk, so a new process loads them in a few milliseconds)."""
    parser = Lark(
        GRAMMAR_PATH.read_text(encoding="utf-8"),
        parser="lalr",
        lexer=_TokensOnly,
        start=["decl", "hole"],
        transformer=Builder(),
        maybe_placeholders=True,
        cache=True,
    )
    out = {}
    for start in ("decl", "hole"):
        conf = parser.parse_interactive(start=start).parser_state.parse_conf
        reductions: dict[object, Reduce] = {}
        # lark annotates the callbacks as keyed by rule name; they are keyed by `Rule`.
        callbacks = cast("dict[Rule, Callable[[list], object]]", conf.callbacks)
        for rule, callback in callbacks.items():
            keep_child = (
                len(rule.expansion) == 1
                and rule.options.expand1
                and not rule.expansion[0].name.startswith("_")
            )
            reductions[rule] = (
                len(rule.expansion),
                None if keep_child else callback,
                str(rule.origin.name),
            )
        actions: dict[int, dict[str, int | Reduce]] = {}
        gotos: dict[int, dict[str, int]] = {}
        for state, row in conf.states.items():
            actions[state] = {}
            gotos[state] = {}
            for symbol, (action, arg) in row.items():
                name = str(symbol)
                if action is not Shift:
                    actions[state][name] = reductions[arg]
                elif name.isupper() or name == "$END":
                    actions[state][name] = arg
                else:
                    gotos[state][name] = arg
        out[start] = Tables(actions, gotos, conf.start_state, conf.end_state)
    return out


class Stuck(Exception):
    """The automaton has no action for the token at `index`."""

    def __init__(self, index: int) -> None:
        super().__init__(index)
        self.index = index


def run(tables: Tables, tokens: Sequence[Token]) -> object:
    """Parse `tokens` (the last one `$END`) and return the start symbol's value."""
    actions = tables.actions
    gotos = tables.gotos
    end_state = tables.end_state
    state_stack = [tables.start_state]
    value_stack: list = []
    for index, tok in enumerate(tokens):
        kind = tok.type
        while True:
            step = actions[state_stack[-1]].get(kind)
            if step is None:
                raise Stuck(index)
            if step.__class__ is int:
                state_stack.append(step)
                value_stack.append(tok)
                break
            size, callback, origin = step  # type: ignore[misc]
            if callback is None:
                state_stack[-1] = gotos[state_stack[-2]][origin]
            else:
                if size:
                    children = value_stack[-size:]
                    del state_stack[-size:]
                    del value_stack[-size:]
                else:
                    children = []
                value_stack.append(callback(children))
                state_stack.append(gotos[state_stack[-1]][origin])
            if state_stack[-1] == end_state and kind == "$END":
                return value_stack[-1]
    raise AssertionError("the token list did not end with $END")


def replay(tables: Tables, tokens: Sequence[Token]) -> tuple[list[int], list[object]]:
    """The automaton's stacks after shifting `tokens`, without callbacks: tokens for the open
    constructs and rule names for what was reduced. Only used to explain an error, because
    LALR may reduce a little before it notices one and so lose what was open."""
    actions = tables.actions
    gotos = tables.gotos
    state_stack = [tables.start_state]
    symbols: list[object] = []
    for tok in tokens:
        while True:
            step = actions[state_stack[-1]][tok.type]
            if step.__class__ is int:
                state_stack.append(step)
                symbols.append(tok)
                break
            size, _, origin = step  # type: ignore[misc]
            if size:
                del state_stack[-size:]
                del symbols[-size:]
            symbols.append(origin)
            state_stack.append(gotos[state_stack[-1]][origin])
    return state_stack, symbols


def _accepts(tables: Tables, state_stack: list[int], terminal: str) -> bool:
    """Whether the automaton, in this state, would eventually shift `terminal`."""
    stack = list(state_stack)
    while True:
        step = tables.actions[stack[-1]].get(terminal)
        if step is None:
            return False
        if step.__class__ is int:
            return True
        size, _, origin = step  # type: ignore[misc]
        if size:
            del stack[-size:]
        stack.append(tables.gotos[stack[-1]][origin])


def expected(tables: Tables, state_stack: list[int]) -> set[str]:
    """The terminals that could really come next (LALR's table row also lists terminals that
    only some merged contexts allow)."""
    row = tables.actions[state_stack[-1]]
    return {t for t in row if t != "$END" and _accepts(tables, state_stack, t)} | (
        {"$END"} if "$END" in row and _accepts(tables, state_stack, "$END") else set()
    )
