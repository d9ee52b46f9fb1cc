"""A key-value store with side effects, for `ordered_effects.epic`: writes and reads that
have no data dependency between them, which EPIC orders only when told to (`after`).

Kept in memory so that the example leaves no files behind; a real store (a file, a database)
behaves the same way."""

import time

_data: dict[str, str] = {}


def write(key: str, value: str) -> str:
    time.sleep(0.05)  # a slow write: without `after`, a read would overtake it
    _data[key] = value
    return value


def read(key: str) -> str | None:
    return _data.get(key)


def clear() -> bool:
    _data.clear()
    return True
