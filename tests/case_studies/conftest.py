"""A sim-server that records every request body, so tests can compare the calls that the EPIC
programs and the Python baselines make (as multisets of canonical JSON bodies)."""

from __future__ import annotations

import asyncio
import json
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

from epic_lang.llm.config import backend_from_options
from epic_lang.testing.sim_http import start_http_server
from epic_lang.testing.sim_rules import load_rules
from epic_lang.testing.sim_server import SimApp, SimConfig

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
RULES = EXAMPLES / "rules"
if str(ROOT) not in sys.path:  # the baselines import `bench.baselines` and `examples`
    sys.path.insert(0, str(ROOT))


@dataclass
class RecordingServer:
    base_url: str
    log: list[str] = field(default_factory=list)

    def calls(self) -> Counter[str]:
        """The requests since the last `clear`, as a multiset of canonical bodies."""
        return Counter(self.log)

    def clear(self) -> None:
        self.log.clear()


@contextmanager
def recording_sim_server(rules: str, latency_ms: float = 0.0) -> Iterator[RecordingServer]:
    """The sim-server of `epic sim-server --rules examples/rules/<rules>` in a thread."""
    app = SimApp(SimConfig(latency_ms=latency_ms, rules=load_rules(RULES / rules)))
    box: dict[str, Any] = {}
    ready = threading.Event()

    async def handler(request: web.BaseRequest) -> web.StreamResponse:
        if request.method == "POST" and "completions" in request.path:
            body = json.loads(await request.read())
            box["server"].log.append(request.path + " " + json.dumps(body, sort_keys=True))
        return await app(request)

    async def serve() -> None:
        server = await start_http_server(handler, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        box["server"] = RecordingServer(f"http://127.0.0.1:{port}/v1")
        box["loop"], box["stop"] = asyncio.get_running_loop(), asyncio.Event()
        ready.set()
        async with server:
            await box["stop"].wait()

    thread = threading.Thread(target=lambda: asyncio.run(serve()), daemon=True)
    thread.start()
    ready.wait()
    try:
        yield box["server"]
    finally:
        box["loop"].call_soon_threadsafe(box["stop"].set)
        thread.join()


def run_epic(name: str, mode: str, base_url: str, **kwargs: Any) -> Any:
    """Runs examples/<name>.epic's `main` against `base_url`; returns (value as JSON, trace)."""
    from epic_lang.eval import load

    async def go() -> Any:
        backend = backend_from_options(llm_url=base_url)
        try:
            return await load(EXAMPLES / f"{name}.epic").arun(
                "main", mode=mode, backend=backend, **kwargs
            )
        finally:
            await backend.aclose()

    result = asyncio.run(go())
    return as_json(result.value), result.trace


def as_json(value: Any) -> Any:
    return json.loads(json.dumps(value))
