"""`@record` classes are the dataclasses they declare, with methods generated ahead of time.

Every declaration is compared with the class `@dataclass` itself makes of it: the same
fields, signature, repr, equality, hashing, immutability, pickling and `replace()`.
"""

from __future__ import annotations

import dataclasses
import inspect
import pickle
from typing import Any

import pytest

from epic_lang import records, records_codegen

DECLARATIONS = {
    (d.module, d.qualname): d for found in records_codegen.declarations().values() for d in found
}


def test_generated_methods_are_up_to_date() -> None:
    sources = records_codegen.generated_sources()
    on_disk = set(records_codegen.OUTPUT.glob("*.py"))
    assert on_disk == set(sources), "run `python -m epic_lang.records_codegen`"
    for path, text in sources.items():
        assert path.read_text(encoding="utf-8") == text, (
            f"{path.name} is stale: run `python -m epic_lang.records_codegen`"
        )


@pytest.mark.parametrize("key", sorted(DECLARATIONS), ids=lambda k: f"{k[0]}.{k[1]}")
def test_record_behaves_as_its_dataclass(key: tuple[str, str]) -> None:
    declaration = DECLARATIONS[key]
    written = declaration.written
    assert records._generated_methods(declaration) is not None
    made = getattr(__import__(key[0], fromlist=["_"]), key[1].split(".")[0])
    for part in key[1].split(".")[1:]:
        made = getattr(made, part)
    reference = records.as_dataclass(written, declaration, slots=True)
    assert made.__slots__ == reference.__slots__
    assert made.__match_args__ == reference.__match_args__
    assert made.__doc__ == reference.__doc__
    assert str(inspect.signature(made)) == str(inspect.signature(reference))
    assert dataclasses.is_dataclass(made)
    assert [_field(f) for f in dataclasses.fields(made)] == [
        _field(f) for f in dataclasses.fields(reference)
    ]
    assert (made.__hash__ is None) == (reference.__hash__ is None)

    args = _arguments(reference)
    mine, theirs = made(**args), reference(**args)
    if "__repr__" not in declaration.explicit:  # a class's own may need real values
        assert repr(mine) == repr(theirs)
    assert not hasattr(mine, "__dict__")
    assert (mine == made(**args)) == declaration.eq
    if reference.__hash__ is not None and declaration.eq:
        assert hash(mine) == hash(theirs)
    assert [getattr(mine, n, None) for n in made.__slots__] == [
        getattr(theirs, n, None) for n in reference.__slots__
    ]
    changed = dataclasses.replace(mine, **args)
    assert type(changed) is made
    assert [getattr(changed, n, None) for n in made.__slots__] == [
        getattr(mine, n, None) for n in made.__slots__
    ]
    if declaration.frozen:
        name = made.__slots__[0]
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(mine, name, None)
        with pytest.raises(dataclasses.FrozenInstanceError):
            delattr(mine, name)
        copied = pickle.loads(pickle.dumps(mine))
        assert [getattr(copied, n) for n in made.__slots__] == [
            getattr(mine, n) for n in made.__slots__
        ]


def _field(f: dataclasses.Field[Any]) -> tuple[Any, ...]:
    return (f.name, f.type, f.default, f.default_factory, f.init, f.repr, f.compare, f.hash)


def _arguments(cls: type) -> dict[str, Any]:
    """A distinct picklable value for every parameter of `cls`."""
    return {
        f.name: f"{f.name} value"
        for f in dataclasses.fields(cls)
        if f.init  # type: ignore[arg-type]
    }


def test_a_stale_declaration_falls_back_to_dataclass() -> None:
    @records.record(frozen=True, slots=True)
    class Undeclared:
        value: int

    assert type(vars(Undeclared)["__dataclass_fields__"]) is dict  # made by @dataclass
    assert Undeclared(1) == Undeclared(1) and repr(Undeclared(1)).endswith("Undeclared(value=1)")
