"""The core calculus (docs/language.md §10): the only forms the evaluators know.

The desugarer turns the surface tree into these six forms; conditionals, booleans, `match`,
pipes and blocks are gone by then (booleans are Church-encoded, see `prelude.epic`). Every
term keeps the span of the surface syntax it came from so that a runtime error can point at
source. `Prim` is a call of a primitive operation named in `PRIMITIVES`; built-in functions
that users call by name (`len`, `llm`, ...) are not `Prim`s but global values applied with
`App`, because they are first-class (`map(len, xs)`).
"""

from __future__ import annotations

from epic_lang.records import record
from epic_lang.source import Span


@record(frozen=True, slots=True)
class Var:
    name: str
    span: Span


@record(frozen=True, slots=True)
class Const:
    """A constant: None, int, float or str. (Booleans are `Var("true")`/`Var("false")`,
    which the prelude binds to its Church booleans.)"""

    value: None | int | float | str
    span: Span


@record(frozen=True, slots=True)
class Lam:
    """`fn(params) => body`. `defaults[i]` is the default of `params[i]` or None; defaults
    are evaluated at call time in the function's defining scope, left to right, and may
    refer to earlier parameters. `name` is the `def` name (or None) for call stacks."""

    params: tuple[str, ...]
    defaults: tuple[Term | None, ...]
    body: Term
    span: Span
    name: str | None = None


@record(frozen=True, slots=True)
class App:
    """Application with positional and keyword arguments."""

    func: Term
    args: tuple[Term, ...]
    kwargs: tuple[tuple[str, Term], ...]
    span: Span


@record(frozen=True, slots=True)
class Let:
    """`let name = value in body`; not recursive."""

    name: str
    value: Term
    body: Term
    span: Span


@record(frozen=True, slots=True)
class Prim:
    """A primitive operation from `PRIMITIVES` applied to argument terms."""

    op: str
    args: tuple[Term, ...]
    span: Span


Term = Var | Const | Lam | App | Let | Prim


@record(frozen=True, slots=True)
class CoreImport:
    """An import after desugaring: the alias is bound as a global to the module value."""

    alias: str
    python: bool
    source: str
    span: Span


@record(frozen=True, slots=True)
class CoreModule:
    """One desugared file: its global definitions (all mutually visible, like `letrec`),
    in source order, and its imports. A `def` becomes a `Lam` here; a top-level `let` its
    value term (evaluated once, on first use or at start)."""

    path: str | None
    globals: tuple[tuple[str, Term], ...]
    imports: tuple[CoreImport, ...]


# The primitive operations, by name, with the number of arguments they take and whether they
# wait for their arguments (strict) or not. Constructors are lazy in their elements so that
# lists, tuples and records hold pending slots (docs/language.md §11 rule 4). Comparison primitives
# return the prelude's Church booleans.
PRIMITIVES: dict[str, tuple[int | None, bool]] = {
    # arithmetic and comparison, strict
    "add": (2, True),
    "sub": (2, True),
    "mul": (2, True),
    "div": (2, True),
    "floordiv": (2, True),
    "mod": (2, True),
    "pow": (2, True),
    "neg": (1, True),
    "eq": (2, True),
    "ne": (2, True),
    "lt": (2, True),
    "le": (2, True),
    "gt": (2, True),
    "ge": (2, True),
    "in": (2, True),
    "not_in": (2, True),
    # access: index(obj, i), slice(obj, start_or_none, stop_or_none), field(obj, name_const)
    "index": (2, True),
    "slice": (3, True),
    "field": (2, True),
    # constructors, lazy: list(items...), tuple(items...), record(k1, v1, k2, v2, ...) with
    # every key a Const str
    "list": (None, False),
    "tuple": (None, False),
    "record": (None, False),
    # f-strings: format(value, spec_const_or_none) -> str, concat(str...) -> str
    "format": (2, True),
    "concat": (None, True),
    # pattern matching support: the type test returns a Church boolean;
    # type_is(value, name_const) with name one of none bool int float str list tuple record
    # function; len_ge(value, n) and len_eq(value, n) for list/tuple length tests;
    # has_key(record, key_const); match_fail(value) raises "no case matched <value>"
    "type_is": (2, True),
    "len_ge": (2, True),
    "len_eq": (2, True),
    "has_key": (2, True),
    "match_fail": (1, True),
    # destructuring `let`: unpack_fail(value) raises "cannot unpack <value> ..."
    "unpack_fail": (1, True),
    # record update `{...r, k: v}`: record_merge(r, record(k, v)) -> r with k set; waits for
    # the two records, not for their fields
    "record_merge": (2, True),
}
