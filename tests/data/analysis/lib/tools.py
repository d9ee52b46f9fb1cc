"""A Python file read (never run) by the analysis tests."""

import json as _json

LIMIT = 3


def triple(x):
    return 3 * x


async def fetch(url):
    return url


if LIMIT > 2:

    def optional():
        return _json.dumps(None)


def scale(x, factor=2):
    """Multiplies `x` by `factor`."""
    return x * factor


def flexible(*args, **kwargs):
    return args
