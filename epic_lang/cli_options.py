"""The options that every command running EPIC programs takes (`epic run`, `epic map`).

Written once so that a flag means the same thing, with the same help, wherever it appears.
"""

from __future__ import annotations

import argparse


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
