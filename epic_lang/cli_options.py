"""The options that every command running EPIC programs takes (`epic run`, `epic map`).

Written once so that a flag means the same thing, with the same help, wherever it appears.
"""

from __future__ import annotations

import argparse
import math


def add_run_arguments(parser: argparse.ArgumentParser) -> None:
    """The evaluation strategy and the LLM backend's options (llm/README.md)."""
    parser.add_argument(
        "--mode",
        choices=("opportunistic", "sequential"),
        default="opportunistic",
        help="evaluation strategy",
    )
    parser.add_argument("--llm", metavar="URL", help="base URL of an OpenAI-compatible API")
    parser.add_argument("--model", metavar="NAME", help="the model name to request")
    parser.add_argument("--cache", action="store_true", help="cache LLM answers on disk")
    parser.add_argument(
        "--batch",
        action="store_true",
        help="batch concurrent LLM requests where the backend allows it",
    )
    parser.add_argument(
        "--call-timeout",
        type=_seconds,
        metavar="SECONDS",
        help="deadline of each LLM call, retries included, unless it sets timeout= "
        '(a call past it fails with kind "timeout")',
    )


def _seconds(text: str) -> float:
    """A positive, finite number of seconds; anything else is a usage error, not a traceback."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 < value < math.inf:
        raise argparse.ArgumentTypeError(f"a timeout must be above 0 seconds, got {text}")
    return value
