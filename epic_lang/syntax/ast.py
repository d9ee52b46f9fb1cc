"""The surface syntax tree: what the parser builds and the formatter, checks and desugarer read.

Every node is a frozen dataclass with the exact `span` of the source it came from. Nothing here
is lark's: the parser converts lark's tree into these nodes so that later phases (and the
language server) never depend on the parsing library. Parentheses leave no node; the formatter
puts them back from precedence. Comments are not in the tree but in `Module.comments`, in
source order, and the formatter places them again by position.
"""

from __future__ import annotations

from typing import Literal as TLiteral

from epic_lang.records import record
from epic_lang.source import Span


@record(frozen=True, slots=True)
class Name:
    """An identifier where it is *bound* (def name, parameter, let name, import alias,
    pattern variable, keyword-argument name, field name)."""

    text: str
    span: Span


@record(frozen=True, slots=True)
class Comment:
    """A `#` comment; `text` includes the leading `#` (and the second `#` of a doc line)."""

    text: str
    span: Span


# ---------------------------------------------------------------------------------------------
# Expressions


@record(frozen=True, slots=True)
class Var:
    """A use of a name."""

    name: str
    span: Span


@record(frozen=True, slots=True)
class Literal:
    """`none`, `true`, `false`, an int, a float or a plain string.

    `raw` is the literal as written (`0x1f`, `1_000`, `'single'`), kept so that the formatter
    can print it unchanged; tree equality compares `value` and its type, not `raw`."""

    value: None | bool | int | float | str
    raw: str
    span: Span


@record(frozen=True, slots=True)
class FHole:
    """One `{expr}` or `{expr:spec}` hole of an f-string; `expr` has spans in the file."""

    expr: Expr
    format_spec: str | None
    span: Span


@record(frozen=True, slots=True)
class FString:
    """`f"text {hole} text"`: `parts` alternate literal text (escapes already decoded) and
    holes, in order; empty text parts are omitted. `quote` is the opening delimiter as
    written (`"`, `'`, `\"\"\"` or `'''`) so that the formatter can print it back."""

    parts: tuple[str | FHole, ...]
    quote: str
    span: Span


@record(frozen=True, slots=True)
class Param:
    """A parameter of a `def` or `fn`, with an optional default."""

    name: Name
    default: Expr | None
    span: Span


@record(frozen=True, slots=True)
class Lambda:
    """`fn(x, y) => body`."""

    params: tuple[Param, ...]
    body: Expr
    span: Span


@record(frozen=True, slots=True)
class If:
    cond: Expr
    then: Expr
    orelse: Expr
    span: Span


@record(frozen=True, slots=True)
class LetIn:
    """`let name = value in body` inside one expression."""

    name: Name
    value: Expr
    body: Expr
    span: Span


@record(frozen=True, slots=True)
class LetInUnpack:
    """`let (a, b) = value in body`: `let ... in` that destructures `value` with a tuple,
    list or record pattern (docs/language.md §3)."""

    pattern: Pattern
    value: Expr
    body: Expr
    span: Span


@record(frozen=True, slots=True)
class BlockLet:
    """One `let name = value` line of a block."""

    name: Name
    value: Expr
    span: Span


@record(frozen=True, slots=True)
class BlockUnpack:
    """One `let (a, b) = value` line of a block: destructures with a tuple, list or record
    pattern; its names are visible from the next line to the end of the block."""

    pattern: Pattern
    value: Expr
    span: Span


@record(frozen=True, slots=True)
class Block:
    """An indented body: `let` lines, then the final expression."""

    lets: tuple[BlockLet | BlockUnpack, ...]
    result: Expr
    span: Span


@record(frozen=True, slots=True)
class Case:
    """`case pattern => body`."""

    pattern: Pattern
    body: Expr
    span: Span


@record(frozen=True, slots=True)
class Match:
    subject: Expr
    cases: tuple[Case, ...]
    span: Span


@record(frozen=True, slots=True)
class Try:
    """`try body catch name => handler`: the value of `body`, or, if evaluating it fails,
    `handler` with `name` bound to the error record (docs/language.md §5)."""

    body: Expr
    name: Name
    handler: Expr
    span: Span


@record(frozen=True, slots=True)
class Pipe:
    """`left |> right`, which means `right(left)`; when `right` is a call with a `_`
    argument (a `Placeholder`), `left` goes there instead: `xs |> map(f, _)`."""

    left: Expr
    right: Expr
    span: Span


@record(frozen=True, slots=True)
class BoolOp:
    op: TLiteral["and", "or"]
    left: Expr
    right: Expr
    span: Span


@record(frozen=True, slots=True)
class Not:
    operand: Expr
    span: Span


CompareOp = TLiteral["==", "!=", "<", "<=", ">", ">=", "in", "not in"]


@record(frozen=True, slots=True)
class Compare:
    op: CompareOp
    left: Expr
    right: Expr
    span: Span


BinaryOp = TLiteral["+", "-", "*", "/", "//", "%", "**"]


@record(frozen=True, slots=True)
class BinOp:
    op: BinaryOp
    left: Expr
    right: Expr
    span: Span


@record(frozen=True, slots=True)
class Neg:
    """`-operand`."""

    operand: Expr
    span: Span


@record(frozen=True, slots=True)
class Arg:
    """A call argument; `name` is set for a keyword argument `k=v`."""

    name: Name | None
    value: Expr
    span: Span


@record(frozen=True, slots=True)
class Call:
    func: Expr
    args: tuple[Arg, ...]
    span: Span


@record(frozen=True, slots=True)
class Index:
    """`obj[index]`."""

    obj: Expr
    index: Expr
    span: Span


@record(frozen=True, slots=True)
class Slice:
    """`obj[start:stop]`; either bound may be missing."""

    obj: Expr
    start: Expr | None
    stop: Expr | None
    span: Span


@record(frozen=True, slots=True)
class Field:
    """`obj.name`: a record field or a member of an imported module."""

    obj: Expr
    name: Name
    span: Span


@record(frozen=True, slots=True)
class TupleExpr:
    """`(a, b)`, `(a,)`, and the unit value `()` (no items)."""

    items: tuple[Expr, ...]
    span: Span


@record(frozen=True, slots=True)
class ListExpr:
    items: tuple[Expr, ...]
    span: Span


@record(frozen=True, slots=True)
class RecordField:
    """`key: value` in a record literal; `quoted` when the key was written as a string."""

    key: str
    key_span: Span
    quoted: bool
    value: Expr
    span: Span


@record(frozen=True, slots=True)
class RecordExpr:
    fields: tuple[RecordField, ...]
    span: Span


@record(frozen=True, slots=True)
class RecordUpdate:
    """`{...base, k: v}`: the record `base` with the fields `k` added or replaced."""

    base: Expr
    fields: tuple[RecordField, ...]
    span: Span


@record(frozen=True, slots=True)
class Placeholder:
    """`_` as an argument of the call right of `|>`: where the piped value goes."""

    span: Span


Expr = (
    Var
    | Literal
    | FString
    | Lambda
    | If
    | LetIn
    | LetInUnpack
    | Try
    | Block
    | Match
    | Pipe
    | BoolOp
    | Not
    | Compare
    | BinOp
    | Neg
    | Call
    | Index
    | Slice
    | Field
    | TupleExpr
    | ListExpr
    | RecordExpr
    | RecordUpdate
    | Placeholder
)


# ---------------------------------------------------------------------------------------------
# Patterns


@record(frozen=True, slots=True)
class PWildcard:
    span: Span


@record(frozen=True, slots=True)
class PName:
    """Binds the matched value to `name`."""

    name: Name
    span: Span


@record(frozen=True, slots=True)
class PLiteral:
    """Matches an equal constant (`none`, booleans, numbers, strings; `-1` included)."""

    value: None | bool | int | float | str
    raw: str
    span: Span


@record(frozen=True, slots=True)
class PTuple:
    items: tuple[Pattern, ...]
    span: Span


@record(frozen=True, slots=True)
class PList:
    """`[]`, `[x, y]` or `[head, ...rest]`; `rest` is the name after `...` (`_` allowed)."""

    items: tuple[Pattern, ...]
    rest: Name | None
    span: Span


@record(frozen=True, slots=True)
class PRecordField:
    """`key: pattern`; the shorthand `{key}` is `key: key` (the pattern's span is the key's)."""

    key: str
    key_span: Span
    pattern: Pattern
    span: Span


@record(frozen=True, slots=True)
class PRecord:
    """`{name: n, age: a}`: matches a record that has at least these keys."""

    fields: tuple[PRecordField, ...]
    span: Span


Pattern = PWildcard | PName | PLiteral | PTuple | PList | PRecord


# ---------------------------------------------------------------------------------------------
# Declarations


@record(frozen=True, slots=True)
class Import:
    """`import python "math" as math` (`python=True`) or `import "./x.epic" as x`."""

    python: bool
    source: str
    source_span: Span
    alias: Name
    span: Span


@record(frozen=True, slots=True)
class Def:
    """`def name(params) = body`; `doc` is the text of the `##` lines directly above it,
    with the `## ` prefixes removed and lines joined by newlines."""

    name: Name
    params: tuple[Param, ...]
    body: Expr
    doc: str | None
    span: Span


@record(frozen=True, slots=True)
class LetDecl:
    """A top-level `let name = value`."""

    name: Name
    value: Expr
    doc: str | None
    span: Span


Decl = Import | Def | LetDecl


@record(frozen=True, slots=True)
class Module:
    """A parsed file. After syntax errors it holds the declarations that did parse."""

    decls: tuple[Decl, ...]
    comments: tuple[Comment, ...]
    span: Span
