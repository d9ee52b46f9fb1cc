"""`llm_stream` over real HTTP: the sim-server streaming line by line (a line's downstream call
starts before the stream has ended, read from the trace), and a hostile server whose broken
server-sent events become a clear error at the call site, never a traceback or a hang."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from epic_lang.eval.errors import EpicRuntimeError
from epic_lang.eval.program import load_source
from epic_lang.llm.client_settings import ClientOptions
from epic_lang.llm.interface import LLMRequest
from epic_lang.llm.openai_client import LLMHTTPError, OpenAIBackend
from epic_lang.llm.retry import RetryPolicy

TOPICS = "".join(f"topic {i}\n" for i in range(1, 6))

PIPELINE = """
def main() =
    let topics = lines(llm_stream("List five topics"))
    map(fn(t) => llm(f"Expand {t}"), topics)
"""


def test_lines_go_downstream_while_the_server_is_still_streaming(start_sim: Any) -> None:
    sim = start_sim([{"match": "List five", "answer": TOPICS}], per_line_ms=40)
    program = load_source(PIPELINE, "pipeline.epic")
    results = {}
    for mode in ("opportunistic", "sequential"):
        backend = OpenAIBackend(sim.base_url, "sim")
        results[mode] = program.run("main", mode=mode, backend=backend)
        usage = backend.usage
        assert usage.answers == 6 and usage.completion_tokens > 0  # the stream's usage too
    stream, *downstream = results["opportunistic"].trace.calls
    assert stream.name == "llm_stream" and len(downstream) == 5
    assert downstream[0].args == '"Expand topic 1"'
    assert downstream[0].start < stream.end  # sent while the server was still streaming
    assert downstream[3].start < stream.end
    assert results["opportunistic"].value == results["sequential"].value
    seq_stream, seq_first = results["sequential"].trace.calls[:2]
    assert seq_first.start >= seq_stream.end


def test_the_sim_server_streams_usage_and_done(start_sim: Any) -> None:
    import httpx

    sim = start_sim([{"match": "two", "answer": "a b\nc\n"}], per_line_ms=1)
    body = {
        "messages": [{"role": "user", "content": "two lines"}],
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    text = httpx.post(sim.base_url + "/chat/completions", json=body, timeout=10).text
    events = [line[6:] for line in text.splitlines() if line.startswith("data: ")]
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    pieces = [c["choices"][0]["delta"].get("content") for c in chunks if c["choices"]]
    assert [p for p in pieces if p] == ["a ", "b\n", "c\n"]
    assert (
        chunks[-1]["choices"] == [] and chunks[-1]["usage"]["completion_tokens"] == 4
    )  # the sim-server's tokens


# -- a hostile server -------------------------------------------------------------------------


def _chunk(content: str | None = None, finish: str | None = None) -> bytes:
    delta = {} if content is None else {"content": content}
    event = {"choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
    return b"data: " + json.dumps(event).encode() + b"\n\n"


GOOD = _chunk("one\n") + _chunk("two\n") + _chunk(None, "stop") + b"data: [DONE]\n\n"


@contextmanager
def hostile_server(script: list[bytes | float], length: int | None = None) -> Iterator[str]:
    """Answers every POST with status 200 and the `script`: bytes are written, numbers are
    pauses in seconds; the body is framed by closing the connection, or by a Content-Length
    of `length` (which the script may not reach: a cut connection)."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            if length is not None:
                self.send_header("Content-Length", str(length))
            self.send_header("Connection", "close")
            self.end_headers()
            try:
                for step in script:
                    if isinstance(step, float):
                        time.sleep(step)
                    else:
                        self.wfile.write(step)
                        self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                pass
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()


STREAM_LINES = """
def main() =
    let ls = lines(llm_stream("go"))
    map(upper, ls)
"""


def _run(base_url: str, **options: object) -> object:
    settings = ClientOptions(retry=RetryPolicy(max_attempts=1), **options)  # type: ignore[arg-type]
    backend = OpenAIBackend(base_url, "m", options=settings)
    return load_source(STREAM_LINES, "hostile.epic").run("main", backend=backend).value


def _error(base_url: str, **options: object) -> str:
    with pytest.raises(EpicRuntimeError) as info:
        _run(base_url, **options)
    rendered = info.value.render()
    assert "hostile.epic:3:20: error: external call `llm_stream` failed" in rendered
    assert "Traceback" not in rendered
    return rendered


def test_junk_lines_between_events_are_ignored() -> None:
    junk = [b": a comment\n", b"event: message\nid: 7\nretry: 10\n", b"garbage here\n\n"]
    with hostile_server(
        [junk[0], _chunk("one\n"), junk[1], junk[2], GOOD[len(_chunk("one\n")) :]]
    ) as url:
        assert _run(url) == ["ONE", "TWO"]


def test_an_event_that_is_not_json_is_an_error() -> None:
    with hostile_server([_chunk("one\n"), b"data: {not json\n\n"]) as url:
        assert "the server sent an event that is not JSON: '{not json'" in _error(url)


def test_a_stream_without_its_end_is_an_error() -> None:
    with hostile_server([_chunk("one\n"), _chunk("two")]) as url:
        assert "the stream ended before the answer was complete (no [DONE])" in _error(url)


def test_a_stream_that_ends_with_a_finish_reason_but_no_done_is_accepted() -> None:
    with hostile_server([_chunk("one\n"), _chunk("two\n", "stop")]) as url:
        assert _run(url) == ["ONE", "TWO"]


def test_a_cut_connection_is_an_error() -> None:
    with hostile_server([_chunk("one\n"), b'data: {"cho'], length=10_000) as url:
        assert "the connection failed mid-answer" in _error(url)


def test_a_line_over_max_response_mb_is_an_error() -> None:
    huge = [b"data: " + b"x" * 65_536] * 40  # 2.5 MB without a newline
    with hostile_server([_chunk("one\n"), *huge]) as url:
        rendered = _error(url, max_response_bytes=2**20)
        assert "larger than 1 MB (max_response_mb)" in rendered


def test_a_server_that_goes_silent_mid_stream_times_out() -> None:
    with hostile_server([_chunk("one\n"), 30.0]) as url:
        assert "no answer within 0.5 s (read_timeout)" in _error(url, read_timeout=0.5)


def test_an_error_object_in_the_stream_is_the_servers_message() -> None:
    error = b'data: {"error": {"message": "overloaded, try later"}}\n\n'
    with hostile_server([_chunk("one\n"), error]) as url:
        assert "the server stopped the answer with an error: overloaded, try later" in _error(url)


def test_a_failure_before_the_first_piece_is_retried(start_sim: Any) -> None:
    rules = [
        {"match": "go", "status": 503, "times": 1},
        {"match": "go", "answer": "one\ntwo\n"},
    ]
    sim = start_sim(rules)
    policy = RetryPolicy(max_attempts=3, base_delay=0.01)
    backend = OpenAIBackend(sim.base_url, "m", options=ClientOptions(retry=policy))
    value = load_source(STREAM_LINES, "retry.epic").run("main", backend=backend).value
    assert value == ["ONE", "TWO"]
    assert sim.stats()["by_status"] == {"503": 1, "200": 1}


# -- streams share the calls' attempts: circuit, retry budget, no re-send once used ----------


def _stream_backend(url: str, **policy: Any) -> OpenAIBackend:
    return OpenAIBackend(url, "m", options=ClientOptions(retry=RetryPolicy(**policy)))


async def _streamed(backend: OpenAIBackend, prompt: str) -> str:
    return "".join([piece async for piece in backend.stream(LLMRequest("llm", prompt=prompt))])


async def test_a_stream_waits_out_an_outage_in_the_circuit_without_spending_attempts(
    start_sim: Any,
) -> None:
    # Two attempts per call. A completion finds the server down (503 for 1 s) and opens the
    # circuit; the stream, started while it is open, waits in line: the completion probes at
    # 0.5 s (still down: its second and last attempt), the stream at 1.5 s (back up). Sent
    # at once and retried on its own, the stream would spend both attempts in the outage.
    sim = start_sim([{"match": "go", "answer": "one\ntwo\n"}])
    await asyncio.to_thread(sim.start_outage, 1.0, "503")
    backend = _stream_backend(sim.base_url, max_attempts=2)
    completion = asyncio.create_task(backend.complete(LLMRequest("llm", prompt="first")))
    while not backend._state().circuit.is_open:
        await asyncio.sleep(0.01)
    streamed = await _streamed(backend, "go")
    with pytest.raises(LLMHTTPError, match="simulated outage .gave up after 2 attempts"):
        await completion
    await backend.aclose()
    assert streamed == "one\ntwo\n"
    assert sim.stats()["by_status"] == {"503": 2, "200": 1}


async def test_a_stream_cut_after_its_first_piece_fails_and_is_not_sent_again(
    start_sim: Any,
) -> None:
    sim = start_sim([{"match": "go", "answer": "one two three", "cut_after": 1}])
    backend = _stream_backend(sim.base_url, max_attempts=3, retry_unsafe=True)
    pieces: list[str] = []
    with pytest.raises(LLMHTTPError) as caught:
        async for piece in backend.stream(LLMRequest("llm", prompt="go")):
            pieces.append(piece)
    await backend.aclose()
    assert pieces == ["one"]
    assert "the connection failed mid-answer" in str(caught.value)
    assert "(not sent again: 1 piece of the answer had already been used)" in str(caught.value)
    assert sim.stats()["requests"] == 1


async def test_the_retry_budget_bounds_a_stream_as_it_bounds_a_completion(
    start_sim: Any,
) -> None:
    sim = start_sim([{"match": "", "status": 503, "message": "down for maintenance"}])
    backend = _stream_backend(
        sim.base_url, max_attempts=100, base_delay=0.05, max_delay=0.2, budget=0.5
    )
    for call in (_streamed(backend, "go"), backend.complete(LLMRequest("llm", prompt="go"))):
        with pytest.raises(LLMHTTPError) as caught:
            await call
        assert "HTTP 503: down for maintenance" in str(caught.value)
        assert "0.5 s (retry_budget)" in str(caught.value)
    await backend.aclose()
    assert sim.stats()["requests"] < 20  # 0.5 s of probes at most 0.2 s apart, twice


async def test_a_streams_timeout_ends_its_wait_for_the_circuit_without_sending_it(
    start_sim: Any,
) -> None:
    # The circuit opens for 0.5 s after the completion's failure; the stream's deadline
    # (0.3 s) comes first, so the server never sees it.
    sim = start_sim([{"match": "go", "answer": "one\n"}])
    await asyncio.to_thread(sim.start_outage, 2.0, "503")
    backend = _stream_backend(sim.base_url)
    completion = asyncio.create_task(backend.complete(LLMRequest("llm", prompt="first")))
    while not backend._state().circuit.is_open:
        await asyncio.sleep(0.01)
    program = load_source('def main() = text(llm_stream("go", timeout=0.3))\n', "t.epic")
    with pytest.raises(EpicRuntimeError) as caught:
        await program.arun("main", backend=backend)
    completion.cancel()
    await asyncio.gather(completion, return_exceptions=True)
    await backend.aclose()
    assert caught.value.kind == "timeout"
    assert sim.stats()["by_status"] == {"503": 1}  # the completion's, not the stream's
