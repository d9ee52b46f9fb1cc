"""`epic map` benchmarks (issue 15), through the real command against `epic sim-server` (in
its own process) over loopback HTTP.

(a) local: 10,000 records, one 200 ms `llm` call each, `--concurrency 256`: wall time and
    records per second (the bound is 10,000 x 0.2 s / 256 = 7.8 s);
(b) the same on a local Ray instance with 2 workers (`--ray --workers 2`, 128 records in flight
    per worker), printed with the Ray start-up time (a 1-record run) and the wall time without it;
(c) the per-record overhead of each path: a program without LLM calls over the same 10,000
    records, (wall(N) - wall(1)) / N, locally and on Ray;
(d) streaming: a 1,000,000-line input with no LLM calls; printed: wall time and the peak RSS
    (VmHWM) of the `epic map` process, next to that of a 100,000-line run.

Best of `--repeat` runs for (a)-(c). Run: `python bench/map.py [--section local|ray|overhead|
stream] [--records N] [--repeat R]` (about 15 minutes with the 1,000,000-line run, most of it
(d)).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from epic_lang.testing.sim_server import spawned_sim_server

LABEL = 'def label(text) = llm(f"Label: {text}", max_tokens=4)\n'
PURE = "def f(id) = id + 1\n"
REPORT_HWM = (
    "import atexit, sys; from epic_lang.cli import main; atexit.register(lambda: "
    "print([l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1]))\n"
    "sys.exit(main(sys.argv[1:]))"
)


def write_data(path: Path, count: int, pad: int = 0) -> Path:
    filler = "x" * pad
    with path.open("w", encoding="utf-8") as f:
        for i in range(count):
            f.write(json.dumps({"text": f"item {i}", "id": i, "pad": filler}) + "\n")
    return path


def epic_map(folder: Path, program: str, data: Path, *args: str) -> tuple[float, int]:
    """Wall time of one `epic map` run and the peak RSS (kB) of its process."""
    out = folder / "out.jsonl"
    out.unlink(missing_ok=True)
    (folder / "prog.epic").write_text(program, encoding="utf-8")
    start = time.perf_counter()
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            REPORT_HWM,
            "map",
            "prog.epic",
            "--input",
            str(data),
            "--output",
            str(out),
            *args,
        ],
        cwd=folder,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - start
    if run.returncode != 0:
        raise SystemExit(f"epic map failed:\n{run.stderr}")
    return wall, int(run.stdout.split()[-1])


def best(repeat: int, *run: object) -> float:
    return min(epic_map(*run)[0] for _ in range(repeat))  # type: ignore[arg-type]


def section_local(folder: Path, records: int, repeat: int) -> None:
    data = write_data(folder / "data.jsonl", records)
    with spawned_sim_server("--latency-ms", "200") as sim:
        wall = best(
            repeat,
            folder,
            LABEL,
            data,
            "--entry",
            "label",
            "--concurrency",
            "256",
            "--llm",
            sim.base_url,
            "--model",
            "sim",
        )
    bound = records * 0.2 / 256
    print(
        f"(a) local: {records} records x 200 ms, 256 in flight: {wall:.2f} s "
        f"({records / wall:.0f} records/s; bound {bound:.2f} s, ratio {wall / bound:.2f})"
    )


def section_ray(folder: Path, records: int, repeat: int) -> None:
    data = write_data(folder / "data.jsonl", records)
    one = write_data(folder / "one.jsonl", 1)
    with spawned_sim_server("--latency-ms", "200") as sim:
        args = (
            "--entry",
            "label",
            "--llm",
            sim.base_url,
            "--model",
            "sim",
            "--ray",
            "--workers",
            "2",
            "--concurrency",
            "128",
        )
        startup = best(repeat, folder, LABEL, one, *args)
        wall = best(repeat, folder, LABEL, data, *args)
    print(
        f"(b) Ray, 2 workers: {records} records x 200 ms: {wall:.2f} s "
        f"({records / wall:.0f} records/s); start-up (1 record) {startup:.2f} s; "
        f"without it {wall - startup:.2f} s ({records / (wall - startup):.0f} records/s)"
    )


def section_overhead(folder: Path, records: int, repeat: int) -> None:
    data = write_data(folder / "data.jsonl", records)
    one = write_data(folder / "one.jsonl", 1)
    for name, extra in (("local", ()), ("Ray, 2 workers", ("--ray", "--workers", "2"))):
        args = ("--entry", "f", "--concurrency", "64", *extra)
        base = best(repeat, folder, PURE, one, *args)
        wall = best(repeat, folder, PURE, data, *args)
        per = (wall - base) / (records - 1) * 1e6
        print(
            f"(c) overhead, {name}: {per:.0f} us per record ({records} records without LLM "
            f"calls: {wall:.2f} s, of which {base:.2f} s start-up)"
        )


def section_stream(folder: Path, lines: int) -> None:
    small_data = write_data(folder / "small.jsonl", lines // 10, pad=200)
    small_wall, small_rss = epic_map(folder, PURE, small_data, "--entry", "f")
    small_data.unlink()
    data = write_data(folder / "big.jsonl", lines, pad=200)
    wall, rss = epic_map(folder, PURE, data, "--entry", "f")
    size = data.stat().st_size / 1e6
    print(
        f"(d) streaming: {lines} lines ({size:.0f} MB): {wall:.0f} s, peak RSS "
        f"{rss / 1024:.1f} MB; {lines // 10} lines: {small_wall:.0f} s, peak RSS "
        f"{small_rss / 1024:.1f} MB (ratio {rss / small_rss:.2f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--section", choices=("local", "ray", "overhead", "stream"))
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if args.section in (None, "local"):
            section_local(folder, args.records, args.repeat)
        if args.section in (None, "ray"):
            section_ray(folder, args.records, args.repeat)
        if args.section in (None, "overhead"):
            section_overhead(folder, args.records, args.repeat)
        if args.section in (None, "stream"):
            section_stream(folder, args.lines)


if __name__ == "__main__":
    main()
