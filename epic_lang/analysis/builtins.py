"""The one table of built-in names: pure built-ins, LLM externals and prelude functions.

Each name's parameters (in order, with their defaults as EPIC source text), doc and example
are written here once, and everything reads them: the static checks (arity and keywords),
the evaluator (which binds the arguments of pure built-ins and LLM externals by this table
and adds only the implementations), hover, completion, signature help and `docs/builtins.md`.
Prelude functions are read from the `##` doc comments and parameter lists of
`epic_lang/core/prelude.epic`, parsed on first use of `BUILTINS` (so that importing this
module costs nothing and the prelude's own tooling can import it too).

No built-in has a keyword-only parameter (the language has none): every parameter can be
passed by position or by keyword, as for a `def`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

BuiltinKind = Literal["builtin", "prelude", "llm"]


@dataclass(frozen=True, slots=True)
class BuiltinInfo:
    """A built-in name as the tools show it. `params` holds `(name, default)` pairs where the
    default is EPIC source text (`"none"`, `"0.8"`) or None for a required parameter."""

    name: str
    params: tuple[tuple[str, str | None], ...]
    doc: str
    kind: BuiltinKind
    example: str | None = None
    param_docs: tuple[tuple[str, str], ...] = ()

    @property
    def signature(self) -> str:
        """`name(a, b=default)`, as hover and signature help print it."""
        parts = [p if d is None else f"{p}={d}" for p, d in self.params]
        return f"{self.name}({', '.join(parts)})"

    def param_doc(self, param: str) -> str | None:
        """What one parameter means (hover on `max_tokens=` in a call), if the table says."""
        return dict(self.param_docs).get(param)

    @property
    def required(self) -> int:
        """How many parameters a call must pass (the ones without a default)."""
        return sum(1 for _, default in self.params if default is None)


def _b(name: str, params: str, doc: str, example: str) -> BuiltinInfo:
    return BuiltinInfo(name, _params(params), doc, "builtin", example)


def _params(text: str) -> tuple[tuple[str, str | None], ...]:
    """Parses the small parameter lists written in this file: `s, sep=none`."""
    result: list[tuple[str, str | None]] = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, eq, default = part.partition("=")
        result.append((name.strip(), default.strip() if eq else None))
    return tuple(result)


PURE_BUILTINS: tuple[BuiltinInfo, ...] = (
    _b(
        "len",
        "x",
        "The number of items of a list, tuple or record, or characters of a string.",
        "len([1, 2, 3])  # 3",
    ),
    _b(
        "str",
        "x",
        "The value as a string: strings unchanged, everything else as an EPIC literal.",
        'str(42)  # "42"',
    ),
    _b(
        "int",
        "x",
        "An integer from a number (truncating) or from a string of digits.",
        'int("7")  # 7',
    ),
    _b("float", "x", "A float from a number or from a string.", 'float("2.5")  # 2.5'),
    _b(
        "range",
        "a, b=none",
        "The list of integers from 0 to `a` (exclusive), or from `a` to "
        "`b` (exclusive) when `b` is given.",
        "range(3)  # [0, 1, 2]\nrange(2, 5)  # [2, 3, 4]",
    ),
    _b(
        "split",
        "s, sep=none",
        "The parts of `s` between occurrences of `sep`; with no "
        "separator, the words of `s` (split on runs of whitespace).",
        'split("a,b", sep=",")  # ["a", "b"]',
    ),
    _b(
        "join",
        'xs, sep=""',
        "The strings of `xs` joined with `sep` between them.",
        'join(["a", "b"], sep="-")  # "a-b"',
    ),
    _b("strip", "s", "`s` without leading and trailing whitespace.", 'strip("  hi\\n")  # "hi"'),
    _b("lower", "s", "`s` in lower case.", 'lower("Hi")  # "hi"'),
    _b("upper", "s", "`s` in upper case.", 'upper("Hi")  # "HI"'),
    _b(
        "replace",
        "s, old, new",
        "`s` with every occurrence of `old` replaced by `new`.",
        'replace("a-b-c", "-", "+")  # "a+b+c"',
    ),
    _b(
        "startswith",
        "s, prefix",
        "Whether `s` begins with `prefix`.",
        'startswith("epic", "ep")  # true',
    ),
    _b(
        "endswith", "s, suffix", "Whether `s` ends with `suffix`.", 'endswith("epic", "ic")  # true'
    ),
    _b(
        "find",
        "s, sub",
        "The index of the first occurrence of `sub` in `s`, or -1 when it does not occur.",
        'find("hello", "l")  # 2',
    ),
    _b(
        "json_parse",
        "s",
        "The EPIC value of a JSON text (objects become records, arrays lists, null `none`).",
        'json_parse("{\\"a\\": [1, 2]}")  # {a: [1, 2]}',
    ),
    _b(
        "json_dump",
        "x",
        "The value as compact JSON text (tuples become arrays, `none` null).",
        'json_dump([1, 2])  # "[1,2]"',
    ),
    _b(
        "regex_match",
        "pattern, s",
        "Whether the regular expression `pattern` (Python syntax) matches the whole of `s`.",
        'regex_match("[0-9]+", "42")  # true',
    ),
    _b(
        "regex_search",
        "pattern, s",
        "The first match of `pattern` in `s` as a string, or `none` when there is none.",
        'regex_search("[0-9]+", "score: 8/10")  # "8"',
    ),
    _b(
        "regex_findall",
        "pattern, s",
        "Every non-overlapping match of `pattern` in `s`, as a list of strings.",
        'regex_findall("[0-9]", "a1b2")  # ["1", "2"]',
    ),
    _b("keys", "r", "The keys of record `r`, in order.", 'keys({a: 1, b: 2})  # ["a", "b"]'),
    _b("values", "r", "The values of record `r`, in key order.", "values({a: 1, b: 2})  # [1, 2]"),
    _b(
        "get",
        "r, key, default=none",
        "The value of `key` in record `r`, or `default` when `r` has no such key.",
        'get({a: 1}, "b", default=0)  # 0',
    ),
)

_LLM_OPTIONS = "system=none, model=none, temperature=0.0, max_tokens=256, stop=[]"
# What each option of the LLM externals means: hover on `max_tokens=` shows one, and the
# functions' docs list them all.
_LLM_OPTION_DOCS: tuple[tuple[str, str], ...] = (
    ("prompt", "the text sent to the model"),
    ("messages", "the conversation: a list of `{role: ..., content: ...}` records"),
    ("system", "a system prompt, sent before the prompt"),
    ("model", "the model to ask, instead of the configured one"),
    ("temperature", "the sampling temperature (0 picks the most likely tokens)"),
    ("max_tokens", "the length limit of the answer, in tokens"),
    ("stop", "a list of strings that end the answer where the model writes one"),
    ("n", "how many answers to sample"),
    ("k", "how many of the most likely next tokens to return"),
)
_LLM_OPTIONS_DOC = (
    "\n\nOptions: " + "; ".join(f"`{name}`: {doc}" for name, doc in _LLM_OPTION_DOCS[:5]) + "."
)

LLM_BUILTINS: tuple[BuiltinInfo, ...] = (
    BuiltinInfo(
        "llm",
        _params(f"prompt, {_LLM_OPTIONS}"),
        "Sends `prompt` to the configured language model and returns its answer as a string. "
        "The call goes out as soon as its arguments are known." + _LLM_OPTIONS_DOC,
        "llm",
        'llm(f"Summarise: {text}", max_tokens=64)',
        param_docs=_LLM_OPTION_DOCS,
    ),
    BuiltinInfo(
        "llm_chat",
        _params(f"messages, {_LLM_OPTIONS}"),
        "Sends a conversation, a list of `{role: ..., content: ...}` records, to the model and "
        "returns the next assistant message as a string." + _LLM_OPTIONS_DOC,
        "llm",
        'llm_chat([{role: "user", content: "Hi"}])',
        param_docs=_LLM_OPTION_DOCS,
    ),
    BuiltinInfo(
        "llm_sample",
        _params("prompt, n, temperature=0.8, system=none, model=none, max_tokens=256, stop=[]"),
        "Samples `n` independent answers to `prompt` and returns them as a list of strings; "
        "the samples are requested at once." + _LLM_OPTIONS_DOC,
        "llm",
        'llm_sample(f"Plan how to solve: {problem}", n=3)',
        param_docs=_LLM_OPTION_DOCS,
    ),
    BuiltinInfo(
        "llm_next",
        _params("prompt, k=5"),
        "The `k` most likely next tokens after `prompt`, as a list of `(token, logprob)` "
        "pairs, most likely first: the building block of constrained decoding in EPIC.",
        "llm",
        'llm_next("The capital of France is", k=3)',
        param_docs=_LLM_OPTION_DOCS,
    ),
)


@lru_cache(maxsize=1)
def builtins_table() -> dict[str, BuiltinInfo]:
    """Every built-in name: pure built-ins, LLM externals, then the prelude's public defs.

    A prelude def that has the name of a pure built-in does not replace it; names starting
    with `_` are the prelude's private helpers and are left out."""
    table = {info.name: info for info in (*PURE_BUILTINS, *LLM_BUILTINS)}
    for info in prelude_builtins():
        table.setdefault(info.name, info)
    return table


def prelude_builtins() -> tuple[BuiltinInfo, ...]:
    """The public functions of `prelude.epic` with their `##` docs and parameters (defaults
    as written in the prelude's source)."""
    from importlib.resources import files

    from epic_lang.core.prelude import prelude_syntax
    from epic_lang.syntax import ast

    text = files("epic_lang.core").joinpath("prelude.epic").read_text(encoding="utf-8")
    infos = []
    for decl in prelude_syntax().decls:
        if isinstance(decl, ast.Def) and not decl.name.text.startswith("_"):
            params = tuple(
                (
                    p.name.text,
                    None if p.default is None else text[p.default.span.start : p.default.span.end],
                )
                for p in decl.params
            )
            infos.append(BuiltinInfo(decl.name.text, params, decl.doc or "", "prelude"))
    return tuple(infos)


def __getattr__(name: str) -> dict[str, BuiltinInfo]:
    """`BUILTINS` is computed on first access, because it needs the parsed prelude."""
    if name == "BUILTINS":
        return builtins_table()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
