"""`epic sim-server`: a simulated OpenAI-compatible LLM API for tests, demos and benchmarks.

It speaks real HTTP on loopback, so the client code under test is the production code. It
answers `/v1/chat/completions` and `/v1/completions` (a list of prompts, `n`, `logprobs`
top-k, `stop`, `max_tokens`, `response_format` with a JSON schema (`sim_schema.py`),
streaming as server-sent events) after a configurable latency
(fixed, per output token, plus a seeded random draw), from a rules file or a seeded fallback,
can inject faults (429 with `Retry-After`, 500, silence, `content: null`, huge answers, and
outages started by `POST /faults`), and reports `/stats`: the request count and the peak
number of requests in flight (`POST /stats/reset` clears them).

Tests start it in a thread with `running_sim_server(SimConfig(...))`, benchmarks in a separate
process with `spawned_sim_server(...)` so that it does not share the client's interpreter lock.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from epic_lang.llm.file_limit import raise_open_file_limit
from epic_lang.testing.sim_http import HTTPServer, json_response, start_http_server
from epic_lang.testing.sim_rules import (
    SimRule,
    SimRulesError,
    cut,
    fallback_text,
    load_rules,
    rule_text,
    seeded_rng,
    token_logprobs,
    tokens,
)
from epic_lang.testing.sim_schema import response_schema, schema_answer

JITTERS = ("none", "uniform", "exponential", "normal")
OUTAGE_MODES = ("refuse", "503")
HOLD_LIMIT_S = 60.0  # the longest `hold_until` keeps a completion waiting


@dataclass(frozen=True, slots=True)
class SimConfig:
    """Latency in milliseconds: `latency_ms` + `per_token_ms` x output tokens + a draw from
    the `jitter` distribution with scale `jitter_ms` (seeded by `seed`). A streamed answer
    (`stream: true`) also waits `per_line_ms` before each of its lines, and then sends the
    line in pieces that each end after their whitespace, so a line is complete as soon as its
    last piece (with the newline) arrives; an answer not streamed waits for all its lines."""

    latency_ms: float = 0.0
    per_token_ms: float = 0.0
    per_line_ms: float = 0.0  # streamed answers: the time each line takes, before its pieces
    jitter: str = "none"
    jitter_ms: float = 0.0
    seed: int = 0
    rules: tuple[SimRule, ...] = ()
    model: str = "sim"
    api_key: str | None = field(default=None, repr=False)
    # Completions are held until this many have arrived (0: never held): a test that wants N
    # requests in flight at once then gets them however slowly a busy machine sends them,
    # instead of hoping a latency outlasts the sending.
    hold_until: int = 0


@dataclass(slots=True)
class SimStats:
    requests: int = 0
    prompts: int = 0
    in_flight: int = 0
    peak_in_flight: int = 0
    prompt_tokens: int = 0  # the sums of the `usage` of every answer sent
    completion_tokens: int = 0
    by_status: Counter[str] = field(default_factory=Counter)
    by_path: Counter[str] = field(default_factory=Counter)

    def to_dict(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "prompts": self.prompts,
            "in_flight": self.in_flight,
            "peak_in_flight": self.peak_in_flight,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "by_status": dict(self.by_status),
            "by_path": dict(self.by_path),
        }


@dataclass(frozen=True, slots=True)
class _Call:
    route: str  # "chat" or "completions"
    prompts: list[str]
    n: int
    max_tokens: int
    temperature: float
    stop: list[str]
    logprobs: int | None
    stream: bool
    model: str
    include_usage: bool = False  # `stream_options.include_usage`: a last chunk with usage
    schema: dict[str, Any] | None = None  # from `response_format`: fallback answers follow it


class _ClientError(Exception):
    pass


def _error(status: int, message: str, kind: str = "invalid_request_error") -> web.Response:
    return json_response(status, {"error": {"message": message, "type": kind}})


class SimApp:
    """The request handler; all state lives on the server's event loop."""

    def __init__(self, config: SimConfig) -> None:
        self.config = config
        self.stats = SimStats()
        self._jitter_rng = random.Random(config.seed)
        self._rule_uses: Counter[int] = Counter()
        self._occurrences: Counter[str] = Counter()
        self._ids = 0
        self.listener: HTTPServer | None = None  # set once listening, for refused connections
        self._outage_until = 0.0  # an outage answering 503 lasts until this loop time
        self._outages: set[asyncio.Task[None]] = set()
        self._arrived = 0  # completions since the start, for `hold_until`
        self._all_arrived: asyncio.Event | None = None

    async def __call__(self, request: web.BaseRequest) -> web.StreamResponse:
        path = request.path.rstrip("/")
        path = path[3:] if path.startswith("/v1/") else path
        if path in ("/chat/completions", "/completions"):
            if request.method != "POST":
                return _error(405, f"use POST for {request.path}")
            return await self._complete(
                "chat" if path == "/chat/completions" else "completions", request
            )
        if path == "/faults" and request.method == "POST":
            return self._start_outage(await request.read())
        if path == "/stats" and request.method == "GET":
            return json_response(200, self.stats.to_dict())
        if (path, request.method) in (("/stats/reset", "POST"), ("/stats", "DELETE")):
            in_flight = self.stats.in_flight
            self.stats = SimStats(in_flight=in_flight, peak_in_flight=in_flight)
            return json_response(200, self.stats.to_dict())
        if path == "/models":
            return json_response(
                200,
                {
                    "object": "list",
                    "data": [{"id": self.config.model, "object": "model", "owned_by": "epic-sim"}],
                },
            )
        if path in ("/health", ""):
            return json_response(200, {"status": "ok"})
        return _error(404, f"no route {request.method} {request.path}")

    def _start_outage(self, raw: bytes) -> web.Response:
        """`{"outage_s": 3, "mode": "refuse"}`: refuse connections for 3 s (requests already
        received are answered); mode "503" answers every request 503 instead."""
        try:
            body = json.loads(raw or b"{}")
            seconds = float(body["outage_s"])
            mode = body.get("mode", "refuse")
        except (ValueError, TypeError, KeyError) as exc:
            return _error(400, f'expected {{"outage_s": seconds, "mode": ...}}: {exc}')
        if mode not in OUTAGE_MODES or not 0 <= seconds < float("inf"):
            return _error(400, f"mode must be one of {OUTAGE_MODES}, outage_s 0 or more")
        if mode == "503":
            self._outage_until = asyncio.get_running_loop().time() + seconds
        elif self.listener is not None:
            task = asyncio.get_running_loop().create_task(self.listener.refuse_connections(seconds))
            self._outages.add(task)
            task.add_done_callback(self._outages.discard)
        return json_response(200, {"outage_s": seconds, "mode": mode})

    async def _complete(self, route: str, request: web.BaseRequest) -> web.StreamResponse:
        stats = self.stats
        stats.requests += 1
        stats.by_path[route] += 1
        stats.in_flight += 1
        stats.peak_in_flight = max(stats.peak_in_flight, stats.in_flight)
        try:
            await self._hold()
            response = await self._answer(route, request)
            stats.by_status[str(response.status)] += 1
            return response
        finally:
            self.stats.in_flight -= 1  # a streamed answer has been sent whole by now

    async def _hold(self) -> None:
        """Waits until `hold_until` completions have arrived (at most `HOLD_LIMIT_S`), then
        lets all of them go."""
        if not self.config.hold_until:
            return
        if self._all_arrived is None:
            self._all_arrived = asyncio.Event()
        self._arrived += 1
        if self._arrived >= self.config.hold_until:
            self._all_arrived.set()
        # Not forever: a client that never sends them all gets its answers after a minute, and
        # the test sees fewer in flight than it wanted rather than hanging.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._all_arrived.wait(), HOLD_LIMIT_S)

    async def _answer(self, route: str, request: web.BaseRequest) -> web.StreamResponse:
        if asyncio.get_running_loop().time() < self._outage_until:
            return _error(503, "simulated outage", "server_error")
        key = self.config.api_key
        if key is not None and request.headers.get("authorization") != f"Bearer {key}":
            return _error(401, "Incorrect API key provided.", "authentication_error")
        try:
            call = self._parse(route, await request.read())
        except _ClientError as exc:
            return _error(400, str(exc))
        self.stats.prompts += len(call.prompts)
        matches = [self._rule_for(call.route, prompt) for prompt in call.prompts]
        for found in matches:
            if found is not None and found[0].silent:
                await asyncio.Event().wait()  # read, never answered
            if found is not None and found[0].status is not None:
                return await self._fault(found[0])
        choices: list[dict[str, Any]] = []
        output_tokens = 0
        for index, (prompt, found) in enumerate(zip(call.prompts, matches, strict=True)):
            for j in range(call.n):
                choice = self._choice(call, prompt, found, j)
                choice["index"] = index * call.n + j
                output_tokens = max(output_tokens, choice.pop("_tokens"))
                choices.append(choice)
        base = max(
            (f[0].latency_ms for f in matches if f is not None and f[0].latency_ms is not None),
            default=self.config.latency_ms,
        )
        body = self._envelope(call, choices)
        self.stats.prompt_tokens += body["usage"]["prompt_tokens"]
        self.stats.completion_tokens += body["usage"]["completion_tokens"]
        padding = max((f[0].body_mb or 0.0 for f in matches if f is not None), default=0.0)
        if padding:
            body["padding"] = " " * int(padding * 2**20)
        if call.stream:
            cut = min(
                (f[0].cut_after for f in matches if f is not None and f[0].cut_after is not None),
                default=None,
            )
            return await _send_events(request, self._stream(call, body, base, cut))
        # An answer not streamed takes as long as its stream would have, every line included.
        lines = max((_line_count(c) for c in choices), default=0)
        await asyncio.sleep(
            self._latency(base, output_tokens) + lines * self.config.per_line_ms / 1000
        )
        return json_response(200, body)

    def _parse(self, route: str, raw: bytes) -> _Call:
        try:
            body = json.loads(raw or b"{}")
        except ValueError as exc:
            raise _ClientError(f"the body is not JSON: {exc}") from exc
        if not isinstance(body, dict):
            raise _ClientError("the body must be a JSON object")
        if route == "chat":
            messages = body.get("messages")
            if not isinstance(messages, list) or not messages:
                raise _ClientError("`messages` must be a non-empty list")
            last = messages[-1]
            content = last.get("content") if isinstance(last, dict) else None
            if not isinstance(content, str):
                raise _ClientError("the last message must have a string `content`")
            prompts = [content]
            logprobs = None
        else:
            prompt = body.get("prompt", "")
            prompts = [prompt] if isinstance(prompt, str) else prompt
            if not isinstance(prompts, list) or not all(isinstance(p, str) for p in prompts):
                raise _ClientError("`prompt` must be a string or a list of strings")
            raw_logprobs = body.get("logprobs")
            logprobs = None if raw_logprobs is None else int(raw_logprobs)
        # OpenAI's defaults: 16 tokens for legacy completions, "until done" for chat.
        default_max_tokens = 16 if route == "completions" else 1024
        stop = body.get("stop") or []
        stop = [stop] if isinstance(stop, str) else list(stop)
        try:
            return _Call(
                route=route,
                prompts=prompts,
                n=max(1, int(body.get("n") or 1)),
                max_tokens=int(body.get("max_tokens") or default_max_tokens),
                temperature=float(body.get("temperature", 1.0)),
                stop=[str(s) for s in stop],
                logprobs=logprobs,
                stream=bool(body.get("stream", False)),
                include_usage=_include_usage(body.get("stream_options")),
                model=str(body.get("model") or self.config.model),
                schema=response_schema(body.get("response_format")),
            )
        except (TypeError, ValueError) as exc:
            raise _ClientError(f"bad parameter: {exc}") from exc

    def _rule_for(self, route: str, prompt: str) -> tuple[SimRule, re.Match[str]] | None:
        for index, rule in enumerate(self.config.rules):
            if rule.endpoint not in (None, route):
                continue
            match = rule.pattern.search(prompt)
            if match is None:
                continue
            if rule.times is not None:
                if self._rule_uses[index] >= rule.times:
                    continue
                self._rule_uses[index] += 1
            return rule, match
        return None

    async def _fault(self, rule: SimRule) -> web.Response:
        assert rule.status is not None
        headers: tuple[tuple[str, str], ...] = ()
        if rule.retry_after is not None:
            headers = (
                ("Retry-After", str(max(0, round(rule.retry_after)))),
                ("retry-after-ms", str(int(rule.retry_after * 1000))),
            )
        if rule.latency_ms:
            await asyncio.sleep(rule.latency_ms / 1000)
        message = rule.message or f"simulated error {rule.status}"
        kind = "rate_limit_error" if rule.status == 429 else "server_error"
        return json_response(rule.status, {"error": {"message": message, "type": kind}}, headers)

    def _choice(
        self, call: _Call, prompt: str, found: tuple[SimRule, re.Match[str]] | None, j: int
    ) -> dict[str, Any]:
        text = rule_text(found[0], found[1], j) if found is not None else None
        if text is None:
            if call.temperature == 0:
                rng = seeded_rng(self.config.seed, prompt)
            else:
                self._occurrences[prompt] += 1
                occurrence = self._occurrences[prompt]
                rng = seeded_rng(self.config.seed, prompt, call.temperature, j, occurrence)
            text = fallback_text(rng) if call.schema is None else schema_answer(call.schema, rng)
        text, finish = cut(text, call.stop, call.max_tokens)
        choice: dict[str, Any] = {"finish_reason": finish, "_tokens": len(tokens(text))}
        if call.route == "chat":
            null = found is not None and found[0].null_content
            choice["message"] = {"role": "assistant", "content": None if null else text}
            choice["logprobs"] = None
            if null:
                choice["finish_reason"] = "content_filter"
        else:
            choice["text"] = text
            choice["logprobs"] = None
            if call.logprobs is not None:
                first_top = found[0].top_logprobs if found is not None else ()
                offered: tuple[tuple[str, float], ...] = ()
                if found is not None and found[0].continuation is not None:
                    first_top, offered = (), first_top
                rng = seeded_rng(self.config.seed, prompt, "logprobs", j)
                choice["logprobs"] = token_logprobs(text, call.logprobs, rng, first_top, offered)
        return choice

    def _envelope(self, call: _Call, choices: list[dict[str, Any]]) -> dict[str, Any]:
        self._ids += 1
        prompt_tokens = sum(len(tokens(p)) for p in call.prompts)
        completion_tokens = sum(
            len(tokens((c["message"]["content"] or "") if call.route == "chat" else c["text"]))
            for c in choices
        )
        return {
            "id": f"{'chatcmpl' if call.route == 'chat' else 'cmpl'}-sim-{self._ids}",
            "object": "chat.completion" if call.route == "chat" else "text_completion",
            "created": int(time.time()),
            "model": call.model,
            "choices": choices,
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
        }

    def _latency(self, base_ms: float, output_tokens: int) -> float:
        config = self.config
        ms = base_ms + config.per_token_ms * output_tokens
        scale = config.jitter_ms
        if config.jitter == "uniform":
            ms += self._jitter_rng.uniform(0.0, scale)
        elif config.jitter == "exponential" and scale > 0:
            ms += self._jitter_rng.expovariate(1.0 / scale)
        elif config.jitter == "normal":
            ms += abs(self._jitter_rng.gauss(0.0, scale))
        return max(0.0, ms) / 1000.0

    async def _stream(
        self, call: _Call, body: dict[str, Any], base_ms: float, cut_after: int | None = None
    ) -> AsyncIterator[bytes]:
        """Server-sent events: the first token after the base latency, then one token per
        `per_token_ms` (and `per_line_ms` before each line), then the usage when the client
        asked for it (`stream_options.include_usage`), then `[DONE]`. With `cut_after`, the
        connection drops after that many pieces of text (`_Cut`)."""
        chat = call.route == "chat"
        head = {k: body[k] for k in ("id", "created", "model")}
        head["object"] = "chat.completion.chunk" if chat else "text_completion"
        await asyncio.sleep(self._latency(base_ms, 0))
        sent = 0  # pieces of text
        for choice in body["choices"]:
            text = choice["message"]["content"] if chat else choice["text"]
            parts: list[tuple[float, dict[str, Any]]] = [(0.0, {"role": "assistant"})]
            parts = parts if chat else []
            parts += [
                (delay, {"content": t} if chat else {"text": t})
                for delay, t in self._pieces(text or "")
            ]
            for delay, part in parts:
                if delay:
                    await asyncio.sleep(delay)
                if cut_after is not None and sent == cut_after:
                    raise _Cut
                if "role" not in part:
                    sent += 1
                delta = {"delta": part} if chat else {**part, "logprobs": None}
                event = {
                    **head,
                    "choices": [{"index": choice["index"], **delta, "finish_reason": None}],
                }
                yield b"data: " + json.dumps(event).encode() + b"\n\n"
            end: dict[str, Any] = {"delta": {}} if chat else {"text": ""}
            event = {
                **head,
                "choices": [
                    {"index": choice["index"], **end, "finish_reason": choice["finish_reason"]}
                ],
            }
            yield b"data: " + json.dumps(event).encode() + b"\n\n"
        if call.include_usage:
            event = {**head, "choices": [], "usage": body["usage"]}
            yield b"data: " + json.dumps(event).encode() + b"\n\n"
        yield b"data: [DONE]\n\n"

    def _pieces(self, text: str) -> list[tuple[float, str]]:
        """The pieces of a streamed answer, each with the seconds to wait before it."""
        per_token = self.config.per_token_ms / 1000
        per_line = self.config.per_line_ms / 1000
        if not per_line:
            return [(per_token if i else 0.0, t) for i, t in enumerate(tokens(text))]
        return [
            (per_line if i == 0 else per_token, piece)
            for line in text.splitlines(keepends=True)
            for i, piece in enumerate(_PIECE.findall(line))
        ]


async def _send_events(
    request: web.BaseRequest, events: AsyncIterator[bytes]
) -> web.StreamResponse:
    """A chunked `text/event-stream` answer, each part sent as soon as `events` yields it."""
    response = web.StreamResponse(
        headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
    )
    await response.prepare(request)
    try:
        async for event in events:
            await response.write(event)
    except _Cut:
        assert request.transport is not None
        request.transport.abort()
        return response
    await response.write_eof()
    return response


class _Cut(Exception):
    """The fault of a `cut_after` rule: the connection drops mid-answer."""


_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


_PIECE = re.compile(r"\S+\s*|\s+")


class SimServerHandle:
    """A running sim-server: its OpenAI base URL, its statistics, and its process id when it
    runs in a child process (for measuring its CPU time)."""

    def __init__(self, base_url: str, pid: int | None = None) -> None:
        self.base_url = base_url
        self.pid = pid
        self.root = base_url.removesuffix("/v1")

    def stats(self) -> dict[str, Any]:
        return self._ask("GET", "/stats")

    def reset_stats(self) -> None:
        self._ask("POST", "/stats/reset")

    def start_outage(self, seconds: float, mode: str = "refuse") -> None:
        """Make the server unavailable for `seconds` (see `SimApp._start_outage`)."""
        self._ask("POST", "/faults", {"outage_s": seconds, "mode": mode})

    def _ask(self, method: str, path: str, body: Any = None) -> Any:
        """One control request, blocking (the standard library's client: these come from
        tests and benchmarks outside any event loop), never through a proxy the environment
        names. Raises `urllib.error.HTTPError` for an error status."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.root + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        with _DIRECT.open(request, timeout=10) as answer:
            return json.loads(answer.read())


@contextmanager
def running_sim_server(
    config: SimConfig | None = None, host: str = "127.0.0.1"
) -> Iterator[SimServerHandle]:
    """Run a sim-server on a free port in a background thread with its own event loop."""
    raise_open_file_limit()
    ready = threading.Event()
    box: dict[str, Any] = {}

    async def serve() -> None:
        app = SimApp(config or SimConfig())
        server = app.listener = await start_http_server(app, host, 0)
        box["port"] = server.port
        box["loop"] = asyncio.get_running_loop()
        box["stop"] = stop = asyncio.Event()
        ready.set()
        async with server:
            await stop.wait()

    def run() -> None:
        try:
            asyncio.run(serve())
        except BaseException as exc:  # reported to the thread that waits for `ready`
            box["error"] = exc
            ready.set()

    thread = threading.Thread(target=run, name="epic-sim-server", daemon=True)
    thread.start()
    ready.wait()
    if "error" in box:
        raise box["error"]
    try:
        yield SimServerHandle(f"http://{host}:{box['port']}/v1")
    finally:
        box["loop"].call_soon_threadsafe(box["stop"].set)
        thread.join()


@contextmanager
def spawned_sim_server(*args: str) -> Iterator[SimServerHandle]:
    """Run `epic sim-server --port 0 ARGS` as a child process (its own interpreter lock)."""
    command = [sys.executable, "-m", "epic_lang", "sim-server", "--port", "0", *args]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        found = re.search(r"(http://\S+/v1)", line)
        if found is None:
            raise RuntimeError(f"sim-server did not start: {line.strip()!r}")
        yield SimServerHandle(found.group(1), process.pid)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _line_count(choice: dict[str, Any]) -> int:
    message = choice.get("message")
    text = (message or {}).get("content") if "message" in choice else choice.get("text")
    return len((text or "").splitlines())


def _include_usage(options: Any) -> bool:
    return isinstance(options, dict) and options.get("include_usage") is True


def _port(text: str) -> int:
    """A TCP port number, checked here so that a typo is a usage error, not a traceback."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"a port is between 0 and 65535, got {value}")
    return value


def _milliseconds(text: str) -> float:
    """A delay: a finite number, 0 or more."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of milliseconds: {text!r}") from None
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"a delay must be 0 or more, got {text}")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=_port, default=8000, help="port (0: any free port)")
    parser.add_argument(
        "--latency-ms", type=_milliseconds, default=0.0, help="fixed latency per request"
    )
    parser.add_argument(
        "--per-token-ms", type=_milliseconds, default=0.0, help="extra latency per output token"
    )
    parser.add_argument(
        "--per-line-ms",
        type=_milliseconds,
        default=0.0,
        help="streamed answers: extra latency before each line",
    )
    parser.add_argument(
        "--jitter", choices=JITTERS, default="none", help="distribution of a random extra latency"
    )
    parser.add_argument("--jitter-ms", type=_milliseconds, default=0.0, help="scale of --jitter")
    parser.add_argument("--seed", type=int, default=0, help="seed for answers and jitter")
    parser.add_argument("--rules", metavar="FILE", help="rules file (.json or .toml)")
    parser.add_argument("--model", default="sim", help="model name reported by /v1/models")
    parser.add_argument(
        "--require-key-env",
        metavar="VAR",
        help="require the API key held in environment variable VAR",
    )


def config_from_args(args: argparse.Namespace) -> SimConfig:
    rules = load_rules(args.rules) if args.rules else ()
    api_key = None
    if args.require_key_env:
        api_key = os.environ.get(args.require_key_env)
        if not api_key:
            raise SimRulesError(f"environment variable {args.require_key_env} is not set")
    return SimConfig(
        latency_ms=args.latency_ms,
        per_token_ms=args.per_token_ms,
        per_line_ms=args.per_line_ms,
        jitter=args.jitter,
        jitter_ms=args.jitter_ms,
        seed=args.seed,
        rules=rules,
        model=args.model,
        api_key=api_key,
    )


async def _serve_forever(config: SimConfig, host: str, port: int) -> None:
    app = SimApp(config)
    server = app.listener = await start_http_server(app, host, port)
    bound = server.port
    print(
        f"epic sim-server: listening on http://{host}:{bound}/v1 "
        f"(latency {config.latency_ms:g} ms, {len(config.rules)} rules)",
        flush=True,
    )
    async with server:
        await asyncio.Event().wait()  # until the process is stopped


def main(args: argparse.Namespace) -> int:
    try:
        config = config_from_args(args)
    except SimRulesError as exc:
        print(f"epic sim-server: error: {exc}", file=sys.stderr)
        return 2
    raise_open_file_limit()
    try:
        asyncio.run(_serve_forever(config, args.host, args.port))
    except OSError as exc:
        print(
            f"epic sim-server: error: cannot listen on {args.host}:{args.port}: "
            f"{exc.strerror or exc}",
            file=sys.stderr,
        )
        return 1
    return 0
