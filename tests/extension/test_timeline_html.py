"""The timeline page (`epic run --trace-html`, and the VS Code webview, which uses the same
template) drawn by a real headless Chromium from the real trace of a case study."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from epic_lang.eval import load
from epic_lang.eval.timeline_html import render_timeline_html
from epic_lang.eval.trace import critical_path
from epic_lang.llm.interface import LLMRequest
from epic_lang.testing.fake import FakeBackend

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")


def _game24_reply(request: LLMRequest) -> str:
    """Proposes three steps from the first two numbers left, and judges every state "likely",
    so that the search really branches and every round sends calls."""
    prompt = request.prompt or ""
    found = re.search(r"Input: ([0-9 ]+)", prompt)
    if not found:
        return "likely"
    nums = [int(n) for n in found.group(1).split()]
    if len(nums) < 2:
        return ""
    a, b, rest = nums[0], nums[1], nums[2:]
    lines = []
    for sign, value in (("+", a + b), ("*", a * b), ("-", abs(a - b))):
        left = " ".join(str(n) for n in [value, *rest])
        lines.append(f"{a} {sign} {b} = {value} (left: {left})")
    return "\n".join(lines)


def _latency(request: LLMRequest) -> float:
    return 0.01 + (sum(map(ord, request.prompt or "")) % 5) * 0.004


@pytest.fixture(scope="module")
def case_study_trace() -> dict[str, Any]:
    program = load(str(ROOT / "examples" / "tree_of_thoughts.epic"))
    backend = FakeBackend(latency=_latency, reply=_game24_reply)
    result = program.run("main", breadth=2, samples=2, backend=backend)
    trace = result.trace.to_dict()
    assert len(trace["calls"]) >= 8, "the search must branch for the chart to show anything"
    return trace


def _chromium(*args: str, timeout: float = 90) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    command = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-dev-shm-usage",
        *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=True)


def test_page_is_self_contained_and_filled(case_study_trace: dict[str, Any]) -> None:
    page = render_timeline_html(case_study_trace, title="main() in tree_of_thoughts.epic")
    assert "EPIC_NONCE" not in page and "/*EPIC_TRACE*/null" not in page
    nonce = re.search(r"script-src 'nonce-([0-9a-f]+)'", page)
    assert nonce and page.count(f'nonce="{nonce.group(1)}"') == 2
    assert not re.search(r"""(src|href)\s*=\s*["']?https?:""", page), "no network resources"
    assert "<title>EPIC timeline: main() in tree_of_thoughts.epic</title>" in page


def test_trace_text_cannot_close_the_script() -> None:
    call = {
        "id": 0,
        "name": "llm",
        "kind": "llm",
        "path": None,
        "line": 1,
        "col": 1,
        "start": 0.0,
        "end": 0.1,
        "status": "ok",
        "args": "'EPIC_TITLE'",
        "result": "</script><script>alert(1)</script>",
        "after": None,
    }
    page = render_timeline_html({"wall": 0.1, "calls": [call]}, title="<b>x</b>")
    assert page.count("</script>") == 2
    assert "&lt;b&gt;x&lt;/b&gt;" in page
    data = re.search(r"var trace = (.*);\n", page)
    assert data and json.loads(data.group(1))["calls"][0] == call


@needs_chromium
def test_chromium_draws_one_bar_per_call(case_study_trace: dict[str, Any], tmp_path: Path) -> None:
    page = tmp_path / "timeline.html"
    page.write_text(render_timeline_html(case_study_trace, title="tree of thoughts"), "utf-8")
    dom = _chromium("--window-size=1200,900", "--dump-dom", page.as_uri()).stdout
    bars = re.findall(r'<rect class="(bar [^"]*)"[^>]*data-id="(\d+)"', dom)
    assert sorted(int(i) for _, i in bars) == sorted(c["id"] for c in case_study_trace["calls"])
    critical = [int(i) for cls, i in bars if "critical" in cls.split()]
    # The chart's critical path is trace.py's (the longest chain by summed durations), which
    # need not end at the call that ends last.
    assert sorted(critical) == sorted(critical_path(case_study_trace)[1])
    assert len(critical) >= 2, "three rounds of search chain calls through `after`"
    kinds = {c["kind"] for c in case_study_trace["calls"]}
    assert all(any(f"kind-{k}" in cls for cls, _ in bars) for k in kinds)
    assert "parallelism" in dom and "summed call time" in dom


@needs_chromium
def test_chromium_screenshot(case_study_trace: dict[str, Any], tmp_path: Path) -> None:
    page = tmp_path / "timeline.html"
    page.write_text(render_timeline_html(case_study_trace, title="tree of thoughts"), "utf-8")
    shot = tmp_path / "timeline.png"
    _chromium("--window-size=1200,900", "--hide-scrollbars", f"--screenshot={shot}", page.as_uri())
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG") and len(data) > 10_000


@needs_chromium
def test_chromium_shows_printed_lines_tokens_and_discarded_calls(tmp_path: Path) -> None:
    source = """
def main() =
    let a = log("first", llm("one two three"))
    let b = _try(fn() => [llm("slow words here"), llm("FAIL now")], fn(e) => e.kind)
    [a, b]
"""
    from epic_lang.eval import load_source

    backend = FakeBackend(latency=0.02, fail_on=("FAIL",))
    trace = load_source(source, "t.epic").run("main", backend=backend, output=lambda _: None)
    data = trace.trace.to_dict()
    tokens = sum((c["prompt_tokens"] or 0) + (c["completion_tokens"] or 0) for c in data["calls"])
    assert tokens > 0 and data["events"]
    page = tmp_path / "timeline.html"
    page.write_text(render_timeline_html(data, title="printing"), "utf-8")
    dom = _chromium("--window-size=1200,900", "--dump-dom", page.as_uri()).stdout
    assert re.search(r'<line class="event"', dom)
    assert "printed" in dom and "t.epic:3" in dom and "first: " in dom
    assert re.search(rf">tokens<.*?>{tokens}<", dom, re.S)
    assert ">discarded<" in dom
