"""The record of a run's external calls: data for the API and the editor, Chrome trace-event
JSON for Perfetto, a terminal Gantt chart, the one-line summary, and the critical path.

`after` is cheap causality: the id of the external call whose completion resumed the thread
that sent this call (or null when it was sent before any call had completed). Following
`after` links backwards gives a chain of calls that had to happen one after another, so the
longest such chain, by summed durations, is a lower bound on the wall time of any schedule.
"""

from __future__ import annotations

import json
from typing import Any

from epic_lang.plurals import plural
from epic_lang.records import field, record


@record(slots=True)
class CallRecord:
    """One external call; `start`/`end` are seconds from the start of the run."""

    id: int
    name: str
    kind: str
    path: str | None
    line: int
    col: int
    start: float
    end: float | None = None
    status: str = "running"
    args: str = ""
    result: str = ""
    after: int | None = None
    discarded: bool = False
    prompt_tokens: int | None = None
    completion_tokens: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "kind": self.kind,
            "path": self.path,
            "line": self.line,
            "col": self.col,
            "start": self.start,
            "end": self.end if self.end is not None else self.start,
            "status": self.status,
            "args": self.args,
            "result": self.result,
            "after": self.after,
            "discarded": self.discarded,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
        }


@record(frozen=True, slots=True)
class OutputEvent:
    """A line the program printed (`print`, or `log` with its `label`), at `time` seconds
    from the start of the run, from the user's code at `path:line:col`."""

    time: float
    text: str
    label: str | None
    path: str | None
    line: int
    col: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "time": self.time,
            "text": self.text,
            "label": self.label,
            "path": self.path,
            "line": self.line,
            "col": self.col,
        }


@record(slots=True)
class Trace:
    """All external calls of one run, in the order they were sent, and the lines it printed."""

    calls: list[CallRecord] = field(default_factory=list)
    wall: float = 0.0
    events: list[OutputEvent] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "wall": self.wall,
            "calls": [c.to_dict() for c in self.calls],
            "events": [e.to_dict() for e in self.events],
        }

    def to_chrome(self) -> dict[str, Any]:
        return chrome_trace(self.to_dict())

    def summary(self) -> str:
        return summary_line(self.to_dict())


SHORT_EVENT = 80


def chrome_trace(trace: dict[str, Any]) -> dict[str, Any]:
    """Chrome trace-event JSON: one complete event ("X") per call, on a lane of its own
    among the calls overlapping it, with flow arrows for `after` links."""
    events: list[dict[str, Any]] = [
        {"ph": "M", "pid": 1, "name": "process_name", "args": {"name": "epic run"}},
    ]
    lanes = assign_lanes(trace["calls"])
    for call, lane in zip(trace["calls"], lanes, strict=True):
        start_us = call["start"] * 1e6
        dur_us = max(0.0, (call["end"] - call["start"]) * 1e6)
        events.append(
            {
                "name": call["name"],
                "cat": call["kind"],
                "ph": "X",
                "pid": 1,
                "tid": lane + 1,
                "ts": start_us,
                "dur": dur_us,
                "args": {
                    "id": call["id"],
                    "site": f"{call['path'] or '<input>'}:{call['line']}:{call['col']}",
                    "status": call["status"],
                    "args": call["args"],
                    "result": call["result"],
                    "after": call["after"],
                    "discarded": call.get("discarded", False),
                    "prompt_tokens": call.get("prompt_tokens"),
                    "completion_tokens": call.get("completion_tokens"),
                },
            }
        )
    for event in trace.get("events", ()):
        events.append(
            {
                "name": event["text"][:SHORT_EVENT],
                "cat": "output",
                "ph": "i",
                "s": "g",
                "pid": 1,
                "tid": 0,
                "ts": event["time"] * 1e6,
                "args": {"site": f"{event['path'] or '<input>'}:{event['line']}:{event['col']}"},
            }
        )
    for lane in sorted(set(lanes)):
        events.append(
            {
                "ph": "M",
                "pid": 1,
                "tid": lane + 1,
                "name": "thread_name",
                "args": {"name": f"lane {lane + 1}"},
            }
        )
    return {"traceEvents": events, "displayTimeUnit": "ms"}


def assign_lanes(calls: list[dict[str, Any]]) -> list[int]:
    """The smallest lane free at each call's start, so overlapping calls stack."""
    lane_end: list[float] = []
    lanes = []
    for call in calls:
        for i, end in enumerate(lane_end):
            if end <= call["start"]:
                lane_end[i] = call["end"]
                lanes.append(i)
                break
        else:
            lane_end.append(call["end"])
            lanes.append(len(lane_end) - 1)
    return lanes


def summary_line(trace: dict[str, Any]) -> str:
    """`epic: 12 calls, wall 1.23s, call time 4.56s, parallelism 3.7x`; a run without calls
    has no call time to compare: `epic: no calls, wall 0.01s`."""
    calls = trace["calls"]
    summed = sum(c["end"] - c["start"] for c in calls)
    wall = trace["wall"]
    if not calls:
        return f"epic: no calls, wall {wall:.3f}s"
    parallelism = summed / wall if wall > 0 else 0.0
    return (
        f"epic: {plural(len(calls), 'call')}, wall {wall:.3f}s, "
        f"call time {summed:.3f}s, parallelism {parallelism:.1f}x"
    )


def critical_path(trace: dict[str, Any]) -> tuple[float, list[int]]:
    """The longest chain of calls linked by `after`, by summed durations: a lower bound on
    the wall time of any schedule of these calls. Returns (seconds, ids in call order)."""
    calls = {c["id"]: c for c in trace["calls"]}
    best: dict[int, float] = {}
    for cid in sorted(calls):
        c = calls[cid]
        before = best.get(c["after"], 0.0) if c["after"] is not None else 0.0
        best[cid] = before + (c["end"] - c["start"])
    if not best:
        return 0.0, []
    last = max(best, key=lambda i: best[i])
    chain = []
    node: int | None = last
    while node is not None:
        chain.append(node)
        node = calls[node]["after"]
    return best[last], chain[::-1]


def timeline(trace: dict[str, Any], width: int = 60) -> str:
    """A terminal Gantt chart: one row per call, `#` while it was in flight."""
    calls = trace["calls"]
    if not calls:
        return "(no external calls)"
    end = max(max(c["end"] for c in calls), trace["wall"], 1e-9)
    label_width = min(28, max(len(_label(c)) for c in calls))
    rows = []
    for c in calls:
        a = int(c["start"] / end * width)
        b = max(a + 1, int(round(c["end"] / end * width)))
        mark = "#" if c["status"] == "ok" else "x"
        bar = " " * a + mark * (b - a)
        rows.append(
            f"{_label(c)[:label_width]:<{label_width}} |{bar:<{width}}| "
            f"{(c['end'] - c['start']) * 1000:7.1f} ms"
        )
    rows.append(f"{'':<{label_width}} 0{'':<{width - 1}}{end:.3f}s")
    return "\n".join(rows)


def _label(c: dict[str, Any]) -> str:
    return f"{c['id']} {c['name']}:{c['line']}"


def write_chrome(trace: dict[str, Any], path: str) -> None:
    with open(path, "w", encoding="utf-8") as f:
        json.dump(chrome_trace(trace), f)
