"""The Python tools of examples/tool_use.epic: each call from EPIC is an external call."""

from __future__ import annotations

import ast
import operator
import re
from pathlib import Path

DOCS = Path(__file__).parent / "data" / "docs"

_OPS = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
    ast.USub: operator.neg,
}


def _evaluate(node: ast.AST) -> float:
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        return node.value
    if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        return _OPS[type(node.op)](_evaluate(node.left), _evaluate(node.right))
    if isinstance(node, ast.UnaryOp) and type(node.op) in _OPS:
        return _OPS[type(node.op)](_evaluate(node.operand))
    raise ValueError("only numbers and + - * / ** are allowed")


def calculate(expression: str) -> str:
    """Evaluates arithmetic safely (no names, no calls)."""
    try:
        value = _evaluate(ast.parse(expression, mode="eval").body)
    except (SyntaxError, ValueError, ZeroDivisionError) as error:
        return f"error: {error}"
    return f"{value:g}"


def search(query: str) -> str:
    """The best matching paragraph of the local documents, by shared words."""
    words = set(re.findall(r"\w+", query.lower()))
    best, best_score = "no document matches", 0
    for path in sorted(DOCS.glob("*.txt")):
        for paragraph in path.read_text().split("\n\n"):
            score = len(words & set(re.findall(r"\w+", paragraph.lower())))
            if score > best_score:
                best, best_score = paragraph.strip(), score
    return best


_UNITS = {
    ("km", "miles"): 0.621371,
    ("miles", "km"): 1.609344,
    ("litres", "gallons"): 0.264172,
    ("gallons", "litres"): 3.785412,
    ("kg", "pounds"): 2.204623,
    ("mm", "inches"): 0.0393701,
}


def convert_units(request: str) -> str:
    """Converts `<number> <unit> in <unit>`; temperatures too (`100 C in F`)."""
    match = re.fullmatch(r"\s*([-\d.e+]+)\s*(\w+)\s+(?:in|to)\s+(\w+)\s*", request)
    if not match:
        return "error: write `<number> <unit> in <unit>`"
    amount, source, target = float(match[1]), match[2].lower(), match[3].lower()
    if (source, target) == ("c", "f"):
        return f"{amount * 9 / 5 + 32:g} F"
    if (source, target) == ("f", "c"):
        return f"{(amount - 32) * 5 / 9:g} C"
    factor = _UNITS.get((source, target))
    if factor is None:
        return f"error: cannot convert {source} to {target}"
    return f"{amount * factor:g} {target}"
