"""Writes game24.json, the sim-server rules that make examples/tree_of_thoughts.epic meaningful.

A real solver enumerates every state the search can reach from the puzzle and writes, for
each, the answer a good model would give: up to eight next steps for the proposal prompt and
a sure/likely/impossible judgement for the value prompt. The search then really has to find
24 through the model's answers. Run it again after changing the puzzle or the prompts:
    python3 examples/rules/make_game24_rules.py "4 9 10 13"
"""

from __future__ import annotations

import functools
import json
import re
import sys
from pathlib import Path

PROPOSALS_PER_STATE = 8


def fmt(numbers: tuple[int, ...]) -> str:
    return " ".join(str(n) for n in numbers)


def moves(numbers: tuple[int, ...]) -> list[tuple[str, tuple[int, ...]]]:
    """Every integer step from `numbers`: (the step as the model writes it, the numbers left)."""
    out = []
    for i in range(len(numbers)):
        for j in range(i + 1, len(numbers)):
            a, b = max(numbers[i], numbers[j]), min(numbers[i], numbers[j])
            rest = [n for k, n in enumerate(numbers) if k not in (i, j)]
            results = [(f"{a} + {b}", a + b), (f"{a} * {b}", a * b), (f"{a} - {b}", a - b)]
            if b and a % b == 0:
                results.append((f"{a} / {b}", a // b))
            for text, value in results:
                left = tuple(sorted([*rest, value]))
                out.append((f"{text} = {value} (left: {fmt(left)})", left))
    return out


@functools.cache
def solvable(numbers: tuple[int, ...]) -> bool:
    if len(numbers) == 1:
        return numbers[0] == 24
    return any(solvable(left) for _, left in moves(numbers))


def proposals(numbers: tuple[int, ...]) -> list[tuple[str, tuple[int, ...]]]:
    """The steps a decent model proposes: distinct results, some leading to 24, some not."""
    seen, good, bad = set(), [], []
    for step, left in moves(numbers):
        if left in seen:
            continue
        seen.add(left)
        (good if solvable(left) else bad).append((step, left))
    chosen = good[:3] + bad[: PROPOSALS_PER_STATE - min(3, len(good))]
    return chosen[:PROPOSALS_PER_STATE]


def judgement(numbers: tuple[int, ...]) -> str:
    if solvable(numbers):
        return "sure"
    return "likely" if len(numbers) > 2 and sum(numbers) >= 24 else "impossible"


def rules_for(puzzle: tuple[int, ...]) -> list[dict[str, str]]:
    rules, todo, done = [], [tuple(sorted(puzzle))], set()
    while todo:
        state = todo.pop()
        if state in done:
            continue
        done.add(state)
        rules.append(
            {
                "match": f"Input: {re.escape(fmt(state))}\\nPossible next steps",
                "answer": "\n".join(step for step, _ in proposals(state)),
            }
        )
        rules.append(
            {"match": f"Numbers: {re.escape(fmt(state))}\\nJudgement", "answer": judgement(state)}
        )
        if len(state) > 1:
            todo.extend(left for _, left in proposals(state))
    return rules


def main() -> None:
    puzzle = tuple(int(n) for n in (sys.argv[1] if len(sys.argv) > 1 else "4 9 10 13").split())
    rules = rules_for(puzzle)
    out = Path(__file__).with_name("game24.json")
    out.write_text(json.dumps({"rules": rules}, indent=1) + "\n")
    solved = solvable(tuple(sorted(puzzle)))
    print(f"{out}: {len(rules)} rules, puzzle {fmt(puzzle)} solvable={solved}")


if __name__ == "__main__":
    main()
