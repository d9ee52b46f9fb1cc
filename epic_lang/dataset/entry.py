"""How a record becomes the arguments of the entry function.

A record that is an object (a JSON object, a CSV row, a Parquet row) gives its fields as
keyword arguments: each parameter takes the field of its name, fields the function does not
name are ignored (so that ids and labels can travel in the same file), and a parameter without
a default whose field is missing is an error for that record. Any other record (a JSON array,
string, number), or every record with `--whole-record`, is passed as the one argument.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from epic_lang.core import terms as core
from epic_lang.dataset.records import Record


class EntryError(Exception):
    """The entry function cannot be used at all: no such definition, or not a function."""


class RecordError(Exception):
    """This record does not fit the entry function; the message has the record's position."""


@dataclass(frozen=True, slots=True)
class Entry:
    """The function called once per record, with what is needed to build its arguments."""

    name: str
    params: tuple[str, ...]
    required: frozenset[str]
    whole_record: bool = False

    def arguments(self, record: Record, where: str) -> tuple[tuple[Any, ...], dict[str, Any]]:
        """Positional and keyword arguments for `record`; `where` is `file:line`."""
        value = record.value
        if self.whole_record or not isinstance(value, dict):
            if not self.params:
                raise RecordError(f"{where}:1: error: `{self.name}` takes no arguments")
            return (value,), {}
        missing = [p for p in self.params if p in self.required and p not in value]
        if missing:
            fields = ", ".join(f"`{p}`" for p in missing)
            noun = "field" if len(missing) == 1 else "fields"
            raise RecordError(
                f"{where}:1: error: missing {noun} {fields} (`{self.name}` takes "
                f"{', '.join(self.params)})"
            )
        # Leading fields go by position: a parameter called `name` or `mode` must not meet
        # the keyword arguments of `Program.arun` itself.
        args: list[Any] = []
        for p in self.params:
            if p not in value:
                break
            args.append(value[p])
        rest = self.params[len(args) :]
        return tuple(args), {p: value[p] for p in rest if p in value}


def find_entry(module: core.CoreModule, name: str, whole_record: bool = False) -> Entry:
    """The definition `name` of `module`, which must be a function."""
    path = module.path or "<input>"
    for defined, term in module.globals:
        if defined != name:
            continue
        if type(term) is not core.Lam:
            span = term.span
            raise EntryError(
                f"{path}:{span.line}:{span.col}: error: `{name}` is a value, not a "
                "function: `epic map` calls a function once per record"
            )
        required = frozenset(
            p for p, d in zip(term.params, term.defaults, strict=True) if d is None
        )
        if whole_record and len(required) > 1:
            span = term.span
            raise EntryError(
                f"{path}:{span.line}:{span.col}: error: --whole-record passes one "
                f"argument, but `{name}` needs {len(required)}"
            )
        return Entry(name, term.params, required, whole_record)
    raise EntryError(f"{path}: error: the program has no definition `{name}`")
