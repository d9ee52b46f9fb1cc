"""Name resolution: what every name refers to, and which names are visible where."""

from __future__ import annotations

from epic_lang.analysis.builtins import BUILTINS
from epic_lang.analysis.scope import Binding, Resolution, resolve
from epic_lang.syntax.parser import parse

SOURCE = """\
import python "math" as math

## Greets.
def greet(name, greeting="hi") =
    let line = f"{greeting}, {name}"
    let len = fn(s) => 0
    line + str(len(line))

def main() =
    let who = "ann"
    let shout = fn(text) => upper(text)
    match [who] with
        case [first, ...rest] => greet(first, greeting=shout("yo")) + str(rest)
        case _ => math.sqrt(2.0)

let later = main
"""


def resolved() -> Resolution:
    parsed = parse(SOURCE)
    assert not parsed.diagnostics
    return resolve(parsed.module)


def at(text: str, nth: int = 0) -> int:
    """The offset of the `nth` occurrence of `text` in SOURCE."""
    offset = -1
    for _ in range(nth + 1):
        offset = SOURCE.index(text, offset + 1)
    return offset


def test_top_level_table() -> None:
    result = resolved()
    assert list(result.top_level) == ["math", "greet", "main", "later"]
    assert [b.kind for b in result.top_level.values()] == ["import", "def", "def", "let"]
    assert not result.unresolved and not result.redefinitions


def test_uses_point_to_their_binding() -> None:
    result = resolved()
    greet = result.top_level["greet"]
    assert [v.span.start for v in result.uses[greet]] == [at("greet(first")]
    name_use = result.at(at("name}"))
    assert name_use is not None and not name_use.is_binding
    assert isinstance(name_use.target, Binding) and name_use.target.kind == "param"
    assert name_use.target.name.span.start == at("name,")


def test_names_in_fstring_holes_are_uses() -> None:
    result = resolved()
    greeting = result.at(at("greeting}")).target
    assert isinstance(greeting, Binding) and greeting.name.span.start == at("greeting=")


def test_builtins_and_local_shadowing() -> None:
    result = resolved()
    upper_use = result.at(at("upper("))
    assert upper_use is not None and upper_use.target is BUILTINS["upper"]
    # `len` in greet's last line is the local lambda, not the built-in.
    local_len = result.at(at("len(line)"))
    assert isinstance(local_len.target, Binding) and local_len.target.kind == "local"


def test_keyword_arguments_link_to_parameters() -> None:
    result = resolved()
    greet = result.top_level["greet"]
    greeting = result.params_of[greet]["greeting"]
    spans = [s.start for s in result.references(greeting)]
    assert spans == [at("greeting="), at("greeting}"), at("greeting=shout")]
    occurrence = result.at(at("greeting=shout"))
    assert occurrence is not None and occurrence.target is greeting


def test_names_in_scope_by_offset() -> None:
    result = resolved()
    in_case = result.names_in_scope(at("greet(first"))
    assert {"first", "rest", "who", "shout"} <= set(in_case)
    # Another function's locals are not in scope (`text` here is the built-in).
    assert "line" not in in_case and in_case["text"] is BUILTINS["text"]
    assert in_case["map"] is BUILTINS["map"] and in_case["main"] is result.top_level["main"]
    # A block let is visible after its line, not in its own value.
    before = result.local_names_at(at('"ann"'))
    assert "who" not in before
    after = result.local_names_at(at("fn(text)"))
    assert "who" in after and "shout" not in after
    # Pattern variables of one case are not visible in another (there `first` is the
    # built-in).
    assert result.names_in_scope(at("math.sqrt"))["first"] is BUILTINS["first"]
    # A local hides a built-in of the same name.
    assert isinstance(result.names_in_scope(at("line +"))["len"], Binding)


def test_members_of_imports() -> None:
    result = resolved()
    [(field, binding)] = result.members
    assert field.name.text == "sqrt" and binding is result.top_level["math"]


def test_calls_and_unused() -> None:
    result = resolved()
    callee_names = [getattr(c.func, "name", None) for c in result.calls]
    assert "greet" in callee_names and "upper" in callee_names
    unused = [b.name.text for b, uses in result.uses.items() if not uses]
    assert "later" in unused and "main" not in unused


def test_binding_of_a_name_node() -> None:
    result = resolved()
    greet = result.top_level["greet"]
    assert result.binding_of(greet.name) is greet


def test_broken_file_still_resolves_what_parsed() -> None:
    parsed = parse("def ok(x) = x\n\ndef broken( = \n\ndef main() = ok(1)\n")
    result = resolve(parsed.module)
    assert "ok" in result.top_level and "main" in result.top_level
    assert not result.unresolved
