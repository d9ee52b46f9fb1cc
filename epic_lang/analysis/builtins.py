"""The one table of built-in names: pure built-ins, LLM externals and prelude functions.

Each name's parameters (in order, with their defaults as EPIC source text), doc and example
are written here once, and everything reads them: the static checks (arity and keywords),
the evaluator (which binds the arguments of pure built-ins and LLM externals by this table
and adds only the implementations), hover, completion, signature help and `docs/builtins.md`.
Prelude functions are read from the `##` doc comments and parameter lists of
`epic_lang/core/prelude.epic`, parsed on first use of `BUILTINS` (so that importing this
module costs nothing and the prelude's own tooling can import it too).

The `control` built-ins (`_try`, `first`, `after`, `print`, `log`) steer evaluation: they
start work in handler scopes, wait for values to be complete or write output
(docs/language.md §13). `_try` is what `try ... catch` means; its name starts with `_`
because programs normally write the syntax, but it can be called like any built-in.

Parameters can be passed by position or by keyword, as for a `def`, except the options of
the LLM externals: their parameters after `positional` are keyword-only (`llm(p, 50)` is an
error; `llm(p, max_tokens=50)` says what 50 is), shown as `*` in their signatures.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from epic_lang.records import record

BuiltinKind = Literal["builtin", "prelude", "llm", "control"]


@record(frozen=True, slots=True)
class BuiltinInfo:
    """A built-in name as the tools show it. `params` holds `(name, default)` pairs where the
    default is EPIC source text (`"none"`, `"0.8"`) or None for a required parameter."""

    name: str
    params: tuple[tuple[str, str | None], ...]
    doc: str
    kind: BuiltinKind
    example: str | None = None
    positional: int | None = None  # how many parameters may be passed by position; None: all
    param_docs: tuple[tuple[str, str], ...] = ()

    @property
    def signature(self) -> str:
        """`name(a, *, b=default)`, as hover and signature help print it."""
        return f"{self.name}({', '.join(self.parameter_labels)})"

    @property
    def parameter_labels(self) -> tuple[str, ...]:
        """Each parameter as the signature shows it, with `*` before the keyword-only ones."""
        parts = [p if d is None else f"{p}={d}" for p, d in self.params]
        if self.positional is not None and self.positional < len(parts):
            parts.insert(self.positional, "*")
        return tuple(parts)

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
        "Every non-overlapping match of `pattern` in `s`, as Python's `re.findall` gives "
        "them, so that Python habits carry over: a list of strings (the whole match, or "
        "with one group the text of that group); with several groups, a tuple of their "
        'texts per match. A group that took no part in a match gives `""`; '
        "`regex_find_groups` gives lists of groups of any pattern, with `none` for it.",
        'regex_findall("[0-9]", "a1b2")  # ["1", "2"]\n'
        'regex_findall("x=([0-9]+)", "x=1, x=22")  # ["1", "22"]\n'
        'regex_findall("([a-z])([0-9])", "a1 b2")  # [("a", "1"), ("b", "2")]\n'
        'regex_findall("(a)|b", "ab")  # ["a", ""]',
    ),
    _b("keys", "r", "The keys of record `r`, in order.", 'keys({a: 1, b: 2})  # ["a", "b"]'),
    _b("values", "r", "The values of record `r`, in key order.", "values({a: 1, b: 2})  # [1, 2]"),
    _b(
        "get",
        "r, key, default=none",
        "The value of `key` in record `r`, or `default` when `r` has no such key.",
        'get({a: 1}, "b", default=0)  # 0',
    ),
    _b(
        "lines",
        "s",
        "The lines of `s`, without their newlines. Of a stream of text (`llm_stream`), a "
        "stream whose lines become values one by one, each as soon as its newline arrives, so "
        "that `map(f, lines(s))` starts `f` on a line while the rest is being generated; of "
        "a string, the list of its lines.",
        'lines("a\\nb\\n")  # ["a", "b"]',
    ),
    _b(
        "text",
        "s",
        "The whole text of a stream (waiting for its end): the concatenated pieces of an "
        "`llm_stream`, the lines of `lines(...)` joined with newlines; a string unchanged.",
        'text("Hi")  # "Hi"',
    ),
    _b(
        "stream_next",
        "s",
        "The first element of stream `s` and the rest of it, `(element, rest)`, or `none` at "
        "the end. It waits only for that element, for functions that walk a stream one "
        "element at a time (as `map` does); of a list, its first element and the rest of it.",
        "stream_next([1, 2])  # (1, [2])",
    ),
    _b(
        "is_stream",
        "x",
        "Whether `x` is a stream (`llm_stream`, `lines`), without waiting for its end.",
        'is_stream(lines("a"))  # false',
    ),
    _b(
        "regex_groups",
        "pattern, s",
        "The groups of the first match of `pattern` in `s`, as a list of strings (`none` for "
        "a group that took no part in the match), or `none` when `pattern` does not occur; a "
        "pattern without groups gives the whole match as its one group.",
        'regex_groups("([a-z]+)=([0-9]+)", "x: n=42")  # ["n", "42"]',
    ),
    _b(
        "regex_find_groups",
        "pattern, s",
        "The groups of every non-overlapping match of `pattern` in `s`, as a list of lists "
        "(as in `regex_groups`).",
        'regex_find_groups("([a-z])([0-9])", "a1 b2")  # [["a", "1"], ["b", "2"]]',
    ),
    _b("abs", "x", "The absolute value of a number.", "abs(-3)  # 3"),
    _b(
        "round",
        "x, digits=0",
        "`x` rounded to `digits` decimal places, halves to even as in Python; with "
        "`digits=0` the result is an int, otherwise a number of `x`'s type. A negative "
        "`digits` rounds to tens, hundreds, ...",
        "round(2.675, digits=2)  # 2.67\nround(3.5)  # 4",
    ),
    _b(
        "unique",
        "xs",
        "The elements of `xs` without repeats, each where it first occurs. Elements are "
        "compared with `==`, so `1` and `1.0` are one element. The set-like built-ins "
        "(`unique`, `union`, `intersection`, `difference`) take and give such lists.",
        "unique([3, 1, 3, 2, 1])  # [3, 1, 2]",
    ),
    _b(
        "union",
        "xs, ys",
        "The elements of `xs` and then those of `ys`, without repeats.",
        "union([1, 2], [2, 3])  # [1, 2, 3]",
    ),
    _b(
        "intersection",
        "xs, ys",
        "The elements of `xs` that are also in `ys`, without repeats, in `xs`'s order.",
        "intersection([1, 2, 3], [3, 1])  # [1, 3]",
    ),
    _b(
        "difference",
        "xs, ys",
        "The elements of `xs` that are not in `ys`, without repeats, in `xs`'s order.",
        "difference([1, 2, 3], [2])  # [1, 3]",
    ),
    _b(
        "counter",
        "xs",
        "How often each element of `xs` occurs, as a list of `(element, count)` pairs, most "
        "frequent first; elements that occur equally often keep the order in which they "
        "first occur.",
        'counter(["b", "a", "b"])  # [("b", 2), ("a", 1)]',
    ),
    _b(
        "most_common",
        "xs",
        "The element that occurs most often in `xs` (the one that occurs first among those "
        "that tie): a majority vote. An empty `xs` is an error.",
        'most_common(["4", "5", "4"])  # "4"',
    ),
    _b(
        "fail",
        "message",
        "Fails with `message` (of kind `user`): the nearest `try` around it handles it, "
        "otherwise the run stops with it, like any runtime error.",
        '_try(fn() => fail("too long"), fn(err) => err.kind)  # "user"',
    ),
)

CONTROL_BUILTINS: tuple[BuiltinInfo, ...] = (
    BuiltinInfo(
        "_try",
        _params("body, handler"),
        "What `try body catch err => handler` means: `body()`, or, when anything it started "
        "fails, `handler(err)` with `err` the record `{kind, message, site, stack}`. The "
        "target of the `try` syntax; callable directly too. Under opportunistic evaluation "
        "it catches the failures of everything `body` started, and it is over only when all "
        "of that has finished (docs/language.md §13).",
        "control",
        "_try(fn() => json_parse(text), fn(err) => {error: err.message})",
    ),
    BuiltinInfo(
        "first",
        _params("alternatives"),
        "The value of the first of the zero-argument functions `alternatives` to succeed: "
        "all start at once and, once one has its value, the others are cancelled (their "
        "calls in flight too). One that fails does not win; when all fail, `first` fails "
        "with the first one's error. In `--mode sequential` they run one after another.",
        "control",
        'first([fn() => llm(prompt), fn() => llm(prompt, model="backup")])',
    ),
    BuiltinInfo(
        "after",
        _params("x, f"),
        "`f()`, called only once `x` is complete (every part of it known): orders two "
        "effects, such as a write before a read, that have no data dependency.",
        "control",
        "after(db.write(key, value), fn() => db.read(key))",
    ),
    BuiltinInfo(
        "print",
        _params("x"),
        "Writes `x` (a string as it is, anything else as an EPIC literal) on stderr, in the "
        "editor's run output and in the trace, once `x` is complete; returns `x`, so it can "
        "wrap any expression.",
        "control",
        'print(llm(f"Summarise: {text}"))',
    ),
    BuiltinInfo(
        "log",
        _params("label, x"),
        "Like `print`, with a label: writes `label: x` and returns `x`.",
        "control",
        'log("draft", llm(prompt))',
    ),
)

_LLM_OPTIONS = "system=none, model=none, temperature=0.0, max_tokens=256, stop=[], timeout=none"
# What each parameter of the LLM externals means: hover on `max_tokens=` in a call shows one.
_LLM_PARAM_DOCS: tuple[tuple[str, str], ...] = (
    ("prompt", "the text sent to the model"),
    ("messages", "the conversation: a list of `{role: ..., content: ...}` records"),
    ("system", "a system prompt, sent before the prompt"),
    ("model", "the model to ask, instead of the configured one"),
    ("temperature", "the sampling temperature (0 picks the most likely tokens)"),
    ("max_tokens", "the length limit of the answer, in tokens"),
    ("stop", "a list of strings that end the answer where the model writes one"),
    ("timeout", "the call's deadline in seconds, retries included (default: `--call-timeout`)"),
    ("regex", "a regular expression (Python syntax) the whole answer must match"),
    ("schema", "the JSON Schema (or shorthand record) the answer must match"),
    ("options", "the strings the answer must be one of"),
    ("n", "how many answers to sample"),
    ("k", "how many of the most likely next tokens to return"),
)
_LLM_OPTIONS_DOC = (
    "\n\nOptions (keyword-only): `system` is a system prompt, `model` overrides the configured "
    "model, `temperature` the sampling temperature, `max_tokens` the length limit of the "
    "answer, `stop` a list of strings that end it, `timeout` the call's deadline in seconds, "
    "retries included (default: `--call-timeout`, else none); a call past it fails with kind "
    '"timeout".'
)


def _llm(name: str, required: str, options: str, doc: str, example: str) -> BuiltinInfo:
    """An LLM external: its required parameters may be given by position, its options only by
    keyword."""
    params = _params(f"{required}, {options}")
    return BuiltinInfo(
        name, params, doc, "llm", example, len(_params(required)), param_docs=_LLM_PARAM_DOCS
    )


LLM_BUILTINS: tuple[BuiltinInfo, ...] = (
    _llm(
        "llm",
        "prompt",
        f"{_LLM_OPTIONS}, regex=none",
        "Sends `prompt` to the configured language model and returns its answer as a string. "
        "The call goes out as soon as its arguments are known. With `regex`, the answer must "
        "match it as a whole (Python syntax): the local model is constrained to it while it "
        "decodes; a server's answer (the OpenAI API has no such constraint) is checked after, "
        'and one that does not match fails with kind "json".' + _LLM_OPTIONS_DOC,
        'llm(f"Summarise: {text}", max_tokens=64)\nllm("Rate it 1-5:", regex="[1-5]")',
    ),
    _llm(
        "llm_stream",
        "prompt",
        _LLM_OPTIONS,
        "Sends `prompt` to the model as `llm` does and returns its answer as a stream of "
        "pieces of text that become values while the rest is still being generated. "
        "`lines(s)`, `map`, `filter` and `stream_next` work on the pieces (or lines) as they "
        "arrive; anything else (`len`, `+`, `str`, an external's argument) sees the whole "
        "answer, the same string `llm` would give. `--mode sequential` waits for the whole "
        "answer." + _LLM_OPTIONS_DOC,
        'map(fn(l) => llm(f"Expand: {l}"), lines(llm_stream("List 5 topics, one per line.")))',
    ),
    _llm(
        "llm_chat",
        "messages",
        _LLM_OPTIONS,
        "Sends a conversation, a list of `{role: ..., content: ...}` records, to the model and "
        "returns the next assistant message as a string." + _LLM_OPTIONS_DOC,
        'llm_chat([{role: "user", content: "Hi"}])',
    ),
    _llm(
        "llm_sample",
        "prompt, n",
        _LLM_OPTIONS.replace("temperature=0.0", "temperature=0.8"),
        "Samples `n` independent answers to `prompt` and returns them as a list of strings; "
        "the samples are requested at once." + _LLM_OPTIONS_DOC,
        'llm_sample(f"Plan how to solve: {problem}", n=3)',
    ),
    _llm(
        "llm_next",
        "prompt",
        "k=5, timeout=none",
        "The `k` most likely next tokens after `prompt`, as a list of `(token, logprob)` "
        "pairs, most likely first: the building block of constrained decoding in EPIC. "
        "`timeout` is the call's deadline in seconds (keyword-only, as `k`).",
        'llm_next("The capital of France is", k=3)',
    ),
    _llm(
        "llm_json",
        "prompt, schema",
        _LLM_OPTIONS,
        "Asks for JSON matching `schema` and returns it parsed (objects as records). The schema "
        'is JSON Schema written as a record (`{type: "array", items: {type: "string"}}`) '
        'or the shorthand `{name: "string", age: "integer", tags: ["string"]}` (a record with '
        'no JSON Schema keyword among its keys; types `"string"`, `"integer"`, `"number"`, '
        '`"boolean"`, a one-item list for an array, a record for an object; every field '
        "required). Servers get it as OpenAI's `response_format` (`json_schema`), the local "
        "model as a grammar; the answer is checked against the schema either way, and one "
        'that is not JSON or does not match fails with kind "json", naming where and why.'
        + _LLM_OPTIONS_DOC,
        'llm_json(f"Extract the person: {text}", {name: "string", age: "integer"})',
    ),
    _llm(
        "llm_choice",
        "prompt, options",
        _LLM_OPTIONS,
        "Asks the model to pick one of `options` (a non-empty list of distinct strings) and "
        "returns exactly that string. Servers get a `response_format` JSON Schema whose `enum` "
        "is the options, the local model a grammar of them; an answer that is not one of "
        'them fails with kind "json".' + _LLM_OPTIONS_DOC,
        'llm_choice(f"Sentiment of: {review}", ["positive", "negative", "neutral"])',
    ),
)


@lru_cache(maxsize=1)
def builtins_table() -> dict[str, BuiltinInfo]:
    """Every built-in name: pure built-ins, LLM externals, then the prelude's public defs.

    A prelude def that has the name of a pure built-in does not replace it; names starting
    with `_` are the prelude's private helpers and are left out."""
    table = {info.name: info for info in (*PURE_BUILTINS, *LLM_BUILTINS, *CONTROL_BUILTINS)}
    for info in prelude_builtins():
        table.setdefault(info.name, info)
    return table


def prelude_builtins() -> tuple[BuiltinInfo, ...]:
    """The public functions of `prelude.epic` with their `##` docs and parameters (defaults
    as written in the prelude's source).

    They are read from the parsed prelude once per version of its text, and kept in the
    user's cache: parsing the prelude would be most of the time of `epic check` on a small file.
    """
    from importlib.resources import files

    from epic_lang import user_cache

    text = files("epic_lang.core").joinpath("prelude.epic").read_text(encoding="utf-8")
    key = f"1\n{text}"
    cached = _prelude_entries(user_cache.load("prelude-builtins", key))
    if cached is None:
        cached = _read_prelude(text)
        user_cache.store("prelude-builtins", key, cached)
    return tuple(BuiltinInfo(name, params, doc, "prelude") for name, params, doc in cached)


_PreludeEntry = tuple[str, tuple[tuple[str, str | None], ...], str]


def _read_prelude(text: str) -> list[_PreludeEntry]:
    from epic_lang.core.prelude import prelude_syntax
    from epic_lang.syntax import ast

    entries = []
    for decl in prelude_syntax().decls:
        if isinstance(decl, ast.Def) and not decl.name.text.startswith("_"):
            params = tuple(
                (
                    p.name.text,
                    None if p.default is None else text[p.default.span.start : p.default.span.end],
                )
                for p in decl.params
            )
            entries.append((decl.name.text, params, decl.doc or ""))
    return entries


def _prelude_entries(data: object) -> list[_PreludeEntry] | None:
    """The cached entries, or None unless `data` has exactly the shape `_read_prelude` gives
    (as JSON made it: lists for tuples)."""
    if not isinstance(data, list):
        return None
    entries = []
    for item in data:
        if not (isinstance(item, list) and len(item) == 3 and isinstance(item[1], list)):
            return None
        name, params, doc = item
        if not (isinstance(name, str) and isinstance(doc, str)):
            return None
        pairs = []
        for param in params:
            if not (
                isinstance(param, list)
                and len(param) == 2
                and isinstance(param[0], str)
                and (param[1] is None or isinstance(param[1], str))
            ):
                return None
            pairs.append((param[0], param[1]))
        entries.append((name, tuple(pairs), doc))
    return entries


def __getattr__(name: str) -> dict[str, BuiltinInfo]:
    """`BUILTINS` is computed on first access, because it needs the parsed prelude."""
    if name == "BUILTINS":
        return builtins_table()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
