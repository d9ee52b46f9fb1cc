"""Dataclasses without code generation at import, for the modules every command loads.

`@dataclass` writes the source of `__init__`, `__eq__`, `__hash__` and `__repr__` for each
class and `exec`s it, about a third of a millisecond per class: the ninety classes that
`epic run` loads cost it some 30 ms of a start-up budget of 80 (issue 13). `@record` takes the
same arguments as `@dataclass` and gives the same class, but its methods were written once by
`python -m epic_lang.records_codegen` into `epic_lang/_records/` and are only compiled to
bytecode like any module. `dataclasses.fields()`, `replace()`, `asdict()` and `is_dataclass()`
work as on any dataclass (their `Field`s are made on first use), and mypy sees `@dataclass`.

A declaration whose generated methods are missing or out of date falls back to `@dataclass`
itself, so editing a declaration never breaks a run; `tests/qa/test_records.py` fails until the
generator has been run again.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

MISSING: Any = type("Missing", (), {"__repr__": lambda self: "MISSING"})()
FACTORY: Any = type("Factory", (), {"__repr__": lambda self: "<factory>"})()
"""The default of an `__init__` parameter whose field has a `default_factory`."""

GENERATED_PACKAGE = "epic_lang._records"
_METHODS = ("__init__", "__repr__", "__eq__", "__hash__")


class FieldSpec:
    """What `field(...)` declares; `@record` reads it and removes it from the class."""

    __slots__ = ("default", "default_factory", "init", "repr", "compare")

    def __init__(
        self, default: Any, default_factory: Any, init: bool, repr: bool, compare: bool
    ) -> None:
        self.default = default
        self.default_factory = default_factory
        self.init = init
        self.repr = repr
        self.compare = compare


def _field(
    *,
    default: Any = MISSING,
    default_factory: Any = MISSING,
    init: bool = True,
    repr: bool = True,
    compare: bool = True,
) -> Any:
    return FieldSpec(default, default_factory, init, repr, compare)


class Declaration:
    """One class as declared: its options and fields, each field as the tuple
    (name, annotation, default, factory name, init, repr, compare). `key` is what the
    generated methods were made from; they are used only for an equal key."""

    __slots__ = (
        "written",
        "module",
        "qualname",
        "frozen",
        "eq",
        "repr",
        "fields",
        "explicit",
        "key",
    )

    def __init__(self, cls: type, frozen: bool, eq: bool, repr: bool) -> None:
        namespace = cls.__dict__
        self.written = cls  # the class as written, which the generator reads
        self.module: str = cls.__module__
        self.qualname: str = cls.__qualname__
        self.frozen, self.eq, self.repr = frozen, eq, repr
        fields = []
        for name, annotation in namespace.get("__annotations__", {}).items():
            value = namespace.get(name, MISSING)
            if type(value) is FieldSpec:
                factory = value.default_factory
                fields.append(
                    (
                        name,
                        annotation,
                        value.default,
                        MISSING if factory is MISSING else factory.__name__,
                        value.init,
                        value.repr,
                        value.compare,
                    )
                )
            else:
                fields.append((name, annotation, value, MISSING, True, True, True))
        self.fields: tuple[tuple[Any, ...], ...] = tuple(fields)
        # As in `dataclasses`: a `__hash__` of None that Python set because the class
        # defines `__eq__` is not one the class wrote.
        written_hash = namespace.get("__hash__", MISSING)
        implicit = written_hash is MISSING or (written_hash is None and "__eq__" in namespace)
        self.explicit = tuple(
            name for name in _METHODS if name in namespace and (name != "__hash__" or not implicit)
        )
        self.key = (
            frozen,
            eq,
            repr,
            self.explicit,
            namespace.get("__doc__") is None,
            self.fields,
        )


def _record(
    cls: type | None = None,
    /,
    *,
    frozen: bool = False,
    eq: bool = True,
    repr: bool = True,
    slots: bool = False,
) -> Any:
    def wrap(cls: type) -> type:
        declaration = Declaration(cls, frozen, eq, repr)
        methods = _generated_methods(declaration)
        if methods is None or not slots:
            made = as_dataclass(cls, declaration, slots)
            made.__record_declaration__ = declaration  # type: ignore[attr-defined]
            return made
        return _build(cls, declaration, methods)

    return wrap if cls is None else wrap(cls)


def generated_module_name(module: str) -> str:
    return f"{GENERATED_PACKAGE}.{module.removeprefix('epic_lang.').replace('.', '_')}"


def _generated_methods(declaration: Declaration) -> Any:
    name = generated_module_name(declaration.module)
    try:
        module = sys.modules.get(name) or importlib.import_module(name)
    except ImportError:
        return None
    methods = getattr(module, declaration.qualname.replace(".", "_"), None)
    if methods is None or declaration.key != methods.KEY:
        return None
    return methods


def _build(cls: type, declaration: Declaration, methods: Any) -> type:
    """The class again with slots and the generated methods, as `@dataclass(slots=True)`
    makes it."""
    names = tuple(f[0] for f in declaration.fields)
    namespace = dict(cls.__dict__)
    for name in names:
        namespace.pop(name, None)
    namespace.pop("__dict__", None)
    namespace.pop("__weakref__", None)
    namespace["__slots__"] = names
    namespace["__match_args__"] = tuple(f[0] for f in declaration.fields if f[4])
    namespace["__dataclass_fields__"] = _LazyFields(declaration)
    namespace["__record_declaration__"] = declaration
    for name in _METHODS:
        if name in vars(methods) and name not in declaration.explicit:
            namespace[name] = vars(methods)[name]
    if namespace.get("__doc__") is None:
        namespace["__doc__"] = methods.DOC
    if declaration.frozen:
        namespace["__setattr__"] = _frozen_setattr
        namespace["__delattr__"] = _frozen_delattr
        namespace["__getstate__"] = _getstate
        namespace["__setstate__"] = _setstate
    built = type(cls)(cls.__name__, cls.__bases__, namespace)
    built.__qualname__ = cls.__qualname__
    return built


def _frozen_setattr(self: Any, name: str, value: Any) -> None:
    from dataclasses import FrozenInstanceError

    raise FrozenInstanceError(f"cannot assign to field {name!r}")


def _frozen_delattr(self: Any, name: str) -> None:
    from dataclasses import FrozenInstanceError

    raise FrozenInstanceError(f"cannot delete field {name!r}")


def _getstate(self: Any) -> list[Any]:
    """Frozen slotted instances pickle and copy as their field values (as in dataclasses)."""
    return [getattr(self, name) for name in type(self).__slots__]


def _setstate(self: Any, state: list[Any]) -> None:
    for name, value in zip(type(self).__slots__, state, strict=False):
        object.__setattr__(self, name, value)


class _LazyFields:
    """`__dataclass_fields__`, made when first asked for: `dataclasses` (with `inspect`) is
    imported only by the code that reads fields."""

    def __init__(self, declaration: Declaration) -> None:
        self.declaration = declaration
        self.value: dict[str, Any] | None = None

    def __get__(self, instance: object, owner: type | None = None) -> dict[str, Any]:
        if self.value is None:
            self.value = _dataclass_fields(self.declaration)
        return self.value


def _dataclass_fields(declaration: Declaration) -> dict[str, Any]:
    import builtins
    import dataclasses

    out = {}
    for name, annotation, default, factory, init, repr, compare in declaration.fields:
        made: Any = dataclasses.field(  # a Field, typed as its default's type
            default=dataclasses.MISSING if default is MISSING else default,
            default_factory=(
                dataclasses.MISSING if factory is MISSING else getattr(builtins, factory)
            ),
            init=init,
            repr=repr,
            compare=compare,
        )
        made.name = name
        made.type = annotation
        # What `@dataclass` sets on each of its fields; `fields()` keeps only these.
        made._field_type = dataclasses._FIELD  # type: ignore[attr-defined]
        out[name] = made
    return out


def as_dataclass(cls: type, declaration: Declaration, slots: bool) -> type:
    """The class `@dataclass` itself makes of the declaration, for one without generated
    methods (and to generate them from): made from a copy, since `@dataclass` changes the
    class it is given and `DECLARATIONS` keeps the class as written."""
    import dataclasses

    namespace = dict(cls.__dict__)
    namespace.pop("__dict__", None)
    namespace.pop("__weakref__", None)
    qualname = cls.__qualname__
    cls = type(cls)(cls.__name__, cls.__bases__, namespace)
    cls.__qualname__ = qualname
    for name, *_ in declaration.fields:
        value = cls.__dict__.get(name, MISSING)
        if type(value) is FieldSpec:
            setattr(
                cls,
                name,
                dataclasses.field(
                    default=dataclasses.MISSING if value.default is MISSING else value.default,
                    default_factory=(
                        dataclasses.MISSING
                        if value.default_factory is MISSING
                        else value.default_factory
                    ),
                    init=value.init,
                    repr=value.repr,
                    compare=value.compare,
                ),
            )
    made: type = dataclasses.dataclass(
        frozen=declaration.frozen, eq=declaration.eq, repr=declaration.repr, slots=slots
    )(cls)
    return made


if TYPE_CHECKING:
    from dataclasses import dataclass as record
    from dataclasses import field
else:
    record: Callable[..., Any] = _record
    field = _field
