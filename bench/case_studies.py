"""The three case studies side by side (issue 6), measured in one run against `epic sim-server`
with a realistic latency model (a fixed cost per call plus a cost per output token, with seeded
jitter), in a child process so that it does not share the client's interpreter lock.

For each case study it runs the plain sequential Python baseline, the hand-optimised asyncio
baseline, the EPIC program in sequential mode and in opportunistic mode; checks that all four
give the same answer with the same number of requests; computes the critical-path lower bound
from the opportunistic run's trace (the longest chain of calls linked by "sent after"); and
prints one table. Goals: >= 5x over sequential on Tree-of-Thoughts with breadth 5, within
1.05x of the bound and within 1.03x of asyncio.

Then the constrained-decoding case study two ways, both EPIC opportunistic against the same
sim-server: token by token with `llm_next` and a Python grammar
(`examples/constrained_decoding.epic`), and one `llm_json` call per prompt with the schema
sent as `response_format` (`examples/constrained_decoding_schema.epic`); it checks that they
give the same records and prints their requests and wall times.

Run: `python bench/case_studies.py` (about a minute; `--trace-dir DIR` also writes each
opportunistic trace as Perfetto JSON and as the HTML timeline).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `bench.baselines` and `examples` are imported from the tree
    sys.path.insert(0, str(ROOT))

from bench.baselines import (  # noqa: E402
    constrained_async,
    constrained_sequential,
    tool_use_async,
    tool_use_sequential,
    tot_async,
    tot_sequential,
)
from epic_lang.eval import load  # noqa: E402
from epic_lang.eval.timeline_html import render_timeline_html  # noqa: E402
from epic_lang.eval.trace import critical_path, write_chrome  # noqa: E402
from epic_lang.llm.config import backend_from_options  # noqa: E402
from epic_lang.testing.sim_server import SimServerHandle, spawned_sim_server  # noqa: E402

GOALS = {"speed-up (ToT)": 5.0, "over bound": 1.05, "over asyncio": 1.03}


@dataclass(frozen=True)
class Case:
    name: str
    rules: str
    sequential: Callable[..., Any]
    concurrent: Callable[..., Any]
    kwargs: dict[str, Any]


CASES = (
    Case(
        "tree_of_thoughts",
        "game24.json",
        tot_sequential.main,
        tot_async.main,
        {"breadth": 5, "samples": 3},
    ),
    Case("tool_use", "tool_use.json", tool_use_sequential.main, tool_use_async.main, {}),
    Case(
        "constrained_decoding",
        "constrained_decoding.json",
        constrained_sequential.main,
        constrained_async.main,
        {},
    ),
)


@dataclass(frozen=True)
class Measured:
    wall: float
    requests: int
    value: Any
    trace: dict[str, Any] | None = None
    client_cpu: float = 0.0  # CPU seconds of this process during the run
    server_cpu: float = 0.0  # CPU seconds of the sim-server process during the run


def server_cpu_seconds(pid: int | None) -> float:
    """utime + stime of the sim-server child, from /proc (0 where there is no /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def as_json(value: Any) -> Any:
    return json.loads(json.dumps(value))


def run_python(server: SimServerHandle, main: Callable[..., Any], kwargs: dict) -> Measured:
    server.reset_stats()
    start = time.perf_counter()
    value = main(server.base_url, **kwargs)
    wall = time.perf_counter() - start
    return Measured(wall, server.stats()["requests"], as_json(value))


def run_epic(server: SimServerHandle, case: Case, mode: str) -> Measured:
    return run_example(server, case.name, mode, case.kwargs)


def run_example(server: SimServerHandle, name: str, mode: str, kwargs: dict[str, Any]) -> Measured:
    program = load(ROOT / "examples" / f"{name}.epic")

    async def go() -> Any:
        backend = backend_from_options(llm_url=server.base_url)
        try:
            start = time.perf_counter()
            result = await program.arun("main", mode=mode, backend=backend, **kwargs)
            return result, time.perf_counter() - start
        finally:
            await backend.aclose()

    server.reset_stats()
    cpu, served = time.process_time(), server_cpu_seconds(server.pid)
    result, wall = asyncio.run(go())
    cpu, served = time.process_time() - cpu, server_cpu_seconds(server.pid) - served
    value, requests = as_json(result.value), server.stats()["requests"]
    return Measured(wall, requests, value, result.trace.to_dict(), cpu, served)


def median_run(repeat: int, run: Callable[[], Measured]) -> Measured:
    runs = sorted((run() for _ in range(repeat)), key=lambda m: m.wall)
    return runs[len(runs) // 2]


def measure(case: Case, server_args: list[str], repeat: int, trace_dir: Path | None) -> dict:
    rules = str(ROOT / "examples" / "rules" / case.rules)
    with spawned_sim_server("--rules", rules, *server_args) as server:
        rows = {
            "python": run_python(server, case.sequential, case.kwargs),
            "asyncio": median_run(repeat, lambda: run_python(server, case.concurrent, case.kwargs)),
            "asyncio+": median_run(
                repeat, lambda: run_python(server, case.concurrent, {**case.kwargs, "fast": True})
            ),
            "epic seq": run_epic(server, case, "sequential"),
            "epic opp": median_run(repeat, lambda: run_epic(server, case, "opportunistic")),
        }
    reference = rows["epic seq"]
    for label, row in rows.items():
        if row.value != reference.value or row.requests != reference.requests:
            raise SystemExit(
                f"{case.name}: {label} differs from EPIC sequential "
                f"({row.requests} vs {reference.requests} requests)"
            )
    opportunistic = rows["epic opp"]
    assert opportunistic.trace is not None
    bound, _chain = critical_path(opportunistic.trace)
    if trace_dir is not None:
        trace_dir.mkdir(parents=True, exist_ok=True)
        write_chrome(opportunistic.trace, str(trace_dir / f"{case.name}.json"))
        html = render_timeline_html(opportunistic.trace, title=f"main() in {case.name}.epic")
        (trace_dir / f"{case.name}.html").write_text(html, encoding="utf-8")
    return {"rows": rows, "bound": bound}


# The constrained-decoding case study two ways: (example, label).
VARIANTS = (
    ("constrained_decoding", "llm_next + Python grammar"),
    ("constrained_decoding_schema", "llm_json (schema as response_format)"),
)


def measure_variants(server_args: list[str], repeat: int) -> dict[str, Measured]:
    """Both variants, opportunistic, median of `repeat`, against one sim-server; they must
    give the same records (the token-by-token one as JSON texts)."""
    rules = str(ROOT / "examples" / "rules" / "constrained_decoding.json")
    with spawned_sim_server("--rules", rules, *server_args) as server:
        rows = {
            name: median_run(
                repeat, lambda name=name: run_example(server, name, "opportunistic", {})
            )
            for name, _ in VARIANTS
        }
    by_tokens = [json.loads(item["json"]) for item in rows["constrained_decoding"].value]
    if by_tokens != rows["constrained_decoding_schema"].value:
        raise SystemExit(
            f"the two constrained-decoding variants differ: {by_tokens} vs "
            f"{rows['constrained_decoding_schema'].value}"
        )
    return rows


def variants_table(rows: dict[str, Measured]) -> str:
    lines = [
        "| constrained decoding | requests | wall | vs llm_next |",
        "| --- | --- | --- | --- |",
    ]
    base = rows[VARIANTS[0][0]]
    for name, label in VARIANTS:
        row = rows[name]
        ratio = (
            "-"
            if row is base
            else f"{base.requests / row.requests:.1f}x fewer requests, "
            f"{base.wall / row.wall:.1f}x less wall time"
        )
        lines.append(f"| {label} | {row.requests} | {row.wall:.2f} s | {ratio} |")
    return "\n".join(lines)


def table(results: dict[str, dict]) -> str:
    head = (
        "case study",
        "calls",
        "python",
        "asyncio",
        "asyncio+",
        "EPIC seq",
        "EPIC opp",
        "bound",
        "speed-up",
        "opp/bound",
        "opp/asyncio",
    )
    lines = [" | ".join(head), " | ".join("---" for _ in head)]
    for name, result in results.items():
        rows, bound = result["rows"], result["bound"]
        opp = rows["epic opp"].wall
        lines.append(
            " | ".join(
                [
                    name,
                    str(rows["epic seq"].requests),
                    *(
                        f"{rows[k].wall:.2f} s"
                        for k in ("python", "asyncio", "asyncio+", "epic seq", "epic opp")
                    ),
                    f"{bound:.2f} s",
                    f"{rows['epic seq'].wall / opp:.2f}x",
                    f"{opp / bound:.3f}",
                    f"{opp / min(rows['asyncio'].wall, rows['asyncio+'].wall):.3f}",
                ]
            )
        )
    return "\n".join("| " + line + " |" for line in lines)


def cost_table(results: dict[str, dict]) -> str:
    """Where EPIC opportunistic spends what the bound does not count: CPU of the client (the
    evaluator plus the HTTP client, one thread) and of the sim-server, per request."""
    lines = [
        "| case study | EPIC opp wall - bound | client CPU | per request | sim-server CPU |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name, result in results.items():
        opp = result["rows"]["epic opp"]
        lines.append(
            f"| {name} | {(opp.wall - result['bound']) * 1000:.0f} ms "
            f"| {opp.client_cpu * 1000:.0f} ms | {opp.client_cpu / opp.requests * 1000:.2f} ms "
            f"| {opp.server_cpu * 1000:.0f} ms |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--latency-ms", type=float, default=100.0)
    parser.add_argument("--per-token-ms", type=float, default=2.0)
    parser.add_argument("--jitter-ms", type=float, default=20.0, help="uniform, seeded")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="runs of the concurrent versions (the median is shown)",
    )
    parser.add_argument("--only", choices=[c.name for c in CASES], action="append")
    parser.add_argument("--trace-dir", type=Path, help="write the opportunistic traces here")
    args = parser.parse_args()
    server_args = [
        "--latency-ms",
        str(args.latency_ms),
        "--per-token-ms",
        str(args.per_token_ms),
        "--jitter",
        "uniform",
        "--jitter-ms",
        str(args.jitter_ms),
        "--seed",
        str(args.seed),
    ]
    results = {}
    for case in CASES:
        if args.only and case.name not in args.only:
            continue
        results[case.name] = measure(case, server_args, args.repeat, args.trace_dir)
        print(f"measured {case.name}", file=sys.stderr, flush=True)
    print(
        f"sim-server: {args.latency_ms:g} ms + {args.per_token_ms:g} ms/token "
        f"+ uniform jitter 0-{args.jitter_ms:g} ms (seed {args.seed}); "
        f"concurrent versions: median of {args.repeat}"
    )
    print(table(results))
    print(
        "asyncio: the hand-written version on httpx's default transport; asyncio+: the same on "
        "aiohttp, which EPIC's client uses; opp/asyncio divides by the faster of the two."
    )
    print()
    print(cost_table(results))
    print(
        "goals: "
        + ", ".join(f"{k} {'>=' if k.startswith('speed') else '<='} {v}" for k, v in GOALS.items())
    )
    if not args.only or "constrained_decoding" in args.only:
        print()
        print(variants_table(measure_variants(server_args, args.repeat)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
