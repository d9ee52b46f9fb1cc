"""lark's LALR(1) tables, driven by our own loop.

lark builds the tables and the callbacks (from grammar.lark and the `Builder`); this module
re-shapes them for speed and runs them. The loop is lark's `ParserState.feed_token` inlined
over a whole token list, with three changes that together halve the parse time of a large
file: actions and gotos are split into plain dicts of ints, a reduction carries its size,
callback and target directly (no hashing of lark's Rule objects), and a single-child rule
written `?rule` in the grammar, whose callback would return its child unchanged, is not called.

lark itself is imported only to build the tables: importing it and loading its grammar cache
cost about 40 ms, more than a whole `epic check` of a small file. The re-shaped tables, with
each callback described by what lark composed it of (a `Builder` method, lark's child filter
with its list of kept children, its single-child shortcut, a tree of an inlined `__rule`), are
kept as JSON in the user's cache (`epic_lang.user_cache`), keyed by the grammar and the
builder's rule names; a new process rebuilds the same callbacks from that description.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from epic_lang import user_cache
from epic_lang.records import record
from epic_lang.syntax.builder import Builder
from epic_lang.syntax.lexer import Tok

GRAMMAR_PATH = Path(__file__).with_name("grammar.lark")
STARTS = ("decl", "hole")
# Bumped when the shape of the cached description changes.
_DESCRIPTION_VERSION = "2"

# A reduction: (number of symbols, callback or None for "keep the child", rule name).
Reduce = tuple[int, Callable[[list], object] | None, str]


@record(frozen=True, slots=True)
class Tables:
    """The automaton as entered from one start symbol; all start symbols share its `actions`
    and `gotos` (lark builds one table with a start and an end state per start symbol)."""

    actions: dict[int, dict[str, int | Reduce]]
    gotos: dict[int, dict[str, int]]
    start_state: int
    end_state: int


def _rule_methods() -> frozenset[str]:
    return frozenset(n for n in vars(Builder) if not n.startswith("_"))


@functools.cache
def tables() -> dict[str, Tables]:
    """The tables for the start symbols `decl` and `hole`, built once per process, from the
    user's cache when it has them."""
    grammar = GRAMMAR_PATH.read_text(encoding="utf-8")
    methods = _rule_methods()
    key = "\n".join([_DESCRIPTION_VERSION, grammar, *sorted(methods)])
    cached = user_cache.load("lalr-tables", key)
    if cached is not None:
        try:
            return _from_description(cached, methods)
        except (TypeError, ValueError, KeyError, IndexError):
            pass  # a damaged entry: build again and overwrite it
    description = _describe(grammar)
    user_cache.store("lalr-tables", key, description)
    return _from_description(description, methods)


def _describe(grammar: str) -> dict[str, Any]:
    """The tables lark builds for `grammar`, as JSON data (see `_callback` for callbacks)."""
    from lark import Lark
    from lark.grammar import Rule
    from lark.lexer import Lexer
    from lark.parsers.lalr_analysis import Shift

    class TokensOnly(Lexer):
        """Lark wants a lexer class for declared terminals; ours runs before lark is called."""

        def __init__(self, conf: object) -> None:
            pass

        def lex(self, lexer_state: Any, parser_state: Any) -> Iterator[Any]:  # pragma: no cover
            return iter(())

    parser = Lark(
        grammar,
        parser="lalr",
        lexer=TokensOnly,
        start=list(STARTS),
        transformer=Builder(),
        maybe_placeholders=True,
    )
    # One automaton serves every start symbol: lark builds a single table with a start and
    # an end state per start symbol, so it is described (and loaded) once.
    confs = {
        start: parser.parse_interactive(start=start).parser_state.parse_conf for start in STARTS
    }
    conf = confs[STARTS[0]]
    if any(
        c.states is not conf.states or c.callbacks is not conf.callbacks for c in confs.values()
    ):
        raise TypeError("lalr.py expects lark to share one table between the start symbols")
    # A reduction is stored once and named in the actions by -1 - its index.
    reductions: list[list[Any]] = []
    reduction_index: dict[Rule, int] = {}
    # lark annotates the callbacks as keyed by rule name; they are keyed by `Rule`.
    callbacks: dict[Rule, Any] = conf.callbacks  # type: ignore[assignment]
    for rule, callback in callbacks.items():
        keep_child = (
            len(rule.expansion) == 1
            and rule.options.expand1
            and not rule.expansion[0].name.startswith("_")
        )
        reduction_index[rule] = -1 - len(reductions)
        reductions.append(
            [
                len(rule.expansion),
                None if keep_child else _callback_description(callback),
                str(rule.origin.name),
            ]
        )
    actions: dict[str, dict[str, int]] = {}
    gotos: dict[str, dict[str, int]] = {}
    for state, row in conf.states.items():
        actions[str(state)] = {}
        gotos[str(state)] = {}
        for symbol, (action, arg) in row.items():
            name = str(symbol)
            if action is not Shift:
                actions[str(state)][name] = reduction_index[arg]
            elif name.isupper() or name == "$END":
                actions[str(state)][name] = arg
            else:
                gotos[str(state)][name] = arg
    return {
        "reductions": reductions,
        "actions": actions,
        "gotos": gotos,
        "starts": {start: [c.start_state, c.end_state] for start, c in confs.items()},
    }


def _callback_description(callback: Any) -> Any:
    """What lark composed `callback` of; raises on a part this module cannot rebuild, so that
    a grammar needing one fails here, where it is built, not in a user's parse."""
    from lark.parse_tree_builder import (
        ChildFilterLALR,
        ChildFilterLALR_NoPlaceholders,
        ExpandSingleChild,
    )

    if isinstance(callback, functools.partial):
        (name,) = callback.args
        return ["tree", name]
    if isinstance(callback, ExpandSingleChild):
        return ["single", _callback_description(callback.node_builder)]
    if isinstance(callback, ChildFilterLALR):
        return [
            "filter",
            [[i, expand, add_none] for i, expand, add_none in callback.to_include],
            callback.append_none,
            _callback_description(callback.node_builder),
        ]
    if isinstance(callback, ChildFilterLALR_NoPlaceholders):
        return [
            "filter",
            [[i, expand, 0] for i, expand in callback.to_include],
            0,
            _callback_description(callback.node_builder),
        ]
    if getattr(callback, "__self__", None).__class__ is Builder:
        return ["method", callback.__name__]
    raise TypeError(f"lalr.py cannot rebuild lark's callback {callback!r}")


class _Inlined:
    """The children of an inlined `__rule` (lark's `Tree`), spliced into its parent's."""

    __slots__ = ("children", "data")

    def __init__(self, data: str, children: list) -> None:
        self.data = data
        self.children = children


def _filter(
    to_include: list[tuple[int, bool, int]], append_none: int, build: Callable[[list], object]
) -> Callable[[list], object]:
    """lark's `ChildFilterLALR`: keep the listed children, splice inlined rules, and put None
    where an optional `[item]` was absent."""

    def call(children: list) -> object:
        filtered: list = []
        for i, expand, add_none in to_include:
            if add_none:
                filtered += [None] * add_none
            if expand:
                if filtered:
                    filtered += children[i].children
                else:  # the left-recursive case: take the list over
                    filtered = children[i].children
            else:
                filtered.append(children[i])
        if append_none:
            filtered += [None] * append_none
        return build(filtered)

    return call


def _single(build: Callable[[list], object]) -> Callable[[list], object]:
    """lark's `ExpandSingleChild`: a `?rule` with one child is that child."""
    return lambda children: children[0] if len(children) == 1 else build(children)


def _callback(description: Any, builder: Builder, methods: frozenset[str]) -> Any:
    kind = description[0]
    if kind == "method":
        if description[1] not in methods:
            raise ValueError(description[1])
        return getattr(builder, description[1])
    if kind == "tree":
        return functools.partial(_Inlined, str(description[1]))
    if kind == "single":
        return _single(_callback(description[1], builder, methods))
    if kind == "filter":
        to_include = [
            (int(i), bool(expand), int(add_none)) for i, expand, add_none in description[1]
        ]
        return _filter(to_include, int(description[2]), _callback(description[3], builder, methods))
    raise ValueError(kind)


def _from_description(description: Any, methods: frozenset[str]) -> dict[str, Tables]:
    builder = Builder()
    callbacks: dict[str, Any] = {}  # one function per distinct description, as lark shares them
    reductions: list[Reduce] = []
    for size, callback, origin in description["reductions"]:
        if callback is not None:
            text = repr(callback)
            if text not in callbacks:
                callbacks[text] = _callback(callback, builder, methods)
            callback = callbacks[text]
        reductions.append((int(size), callback, str(origin)))
    actions: dict[int, dict[str, int | Reduce]] = {
        int(state): {
            name: int(step) if step >= 0 else reductions[-1 - step] for name, step in row.items()
        }
        for state, row in description["actions"].items()
    }
    gotos = {
        int(state): {name: int(target) for name, target in row.items()}
        for state, row in description["gotos"].items()
    }
    starts = description["starts"]
    return {
        start: Tables(actions, gotos, int(starts[start][0]), int(starts[start][1]))
        for start in STARTS
    }


class Stuck(Exception):
    """The automaton has no action for the token at `index`."""

    def __init__(self, index: int) -> None:
        super().__init__(index)
        self.index = index


def run(tables: Tables, tokens: Sequence[Tok]) -> object:
    """Parse `tokens` (the last one `$END`) and return the start symbol's value."""
    actions = tables.actions
    gotos = tables.gotos
    end_state = tables.end_state
    # The top state is kept in `state` as well as on the stack: this loop runs once per
    # token of every parse, the formatter's proof included.
    state = tables.start_state
    state_stack = [state]
    value_stack: list = []
    push_state = state_stack.append
    push_value = value_stack.append
    for index, tok in enumerate(tokens):
        kind = tok.type
        while True:
            step = actions[state].get(kind)
            if step is None:
                raise Stuck(index)
            if step.__class__ is int:
                state = step
                push_state(state)
                push_value(tok)
                break
            size, callback, origin = step  # type: ignore[misc]
            if callback is None:
                state = state_stack[-1] = gotos[state_stack[-2]][origin]
            else:
                if size:
                    children = value_stack[-size:]
                    del state_stack[-size:]
                    del value_stack[-size:]
                else:
                    children = []
                push_value(callback(children))
                state = gotos[state_stack[-1]][origin]
                push_state(state)
            if state == end_state and kind == "$END":
                return value_stack[-1]
    raise AssertionError("the token list did not end with $END")


def replay(tables: Tables, tokens: Sequence[Tok]) -> tuple[list[int], list[object]]:
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
