"""Proxies and TLS from the environment, with real servers on loopback: `HTTP_PROXY` and
`HTTPS_PROXY` are honoured and `NO_PROXY` bypasses them (a small recording forward proxy);
`https` works against a local TLS server whose self-signed CA is given by `SSL_CERT_FILE`
(made by trustme); and through a proxy, an `https` request is tunnelled with `CONNECT`, so
the proxy never sees the API key."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
import trustme
from aiohttp import web

from epic_lang.llm.client_settings import ClientOptions
from epic_lang.llm.interface import LLMRequest
from epic_lang.llm.openai_client import LLMHTTPError, OpenAIBackend
from epic_lang.llm.retry import RetryPolicy
from epic_lang.testing.sim_server import SimApp, SimConfig

KEY = "sk-test-0123456789abcdef"
PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")
PROXY_CREDENTIALS = b"Proxy-Authorization: Basic dXNlcjpwQHNz"  # user:p@ss


@dataclass
class RecordingProxy:
    """A forward proxy: `CONNECT host:port` opens a tunnel, any other request (absolute-form)
    is passed to its origin. `received` holds every byte clients sent to it."""

    url: str = ""
    heads: list[bytes] = field(default_factory=list)
    received: bytearray = field(default_factory=bytearray)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()
            return
        self.heads.append(head)
        self.received += head
        method, target, _ = head.split(b"\r\n", 1)[0].split(b" ", 2)
        if method == b"CONNECT":
            host, port = target.decode().rsplit(":", 1)
        else:
            origin = urlsplit(target.decode())
            host, port = origin.hostname or "", str(origin.port or 80)
        up_reader, up_writer = await asyncio.open_connection(host, int(port))
        if method == b"CONNECT":
            writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        else:
            up_writer.write(head)  # absolute-form, which HTTP/1.1 servers accept
        await asyncio.gather(
            self._pipe(reader, up_writer, record=True), self._pipe(up_reader, writer)
        )

    async def _pipe(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, record: bool = False
    ) -> None:
        try:
            while data := await reader.read(65536):
                if record:
                    self.received += data
                writer.write(data)
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()


@pytest.fixture
def clean_proxy_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)


@pytest.fixture
async def proxy(clean_proxy_environment: None) -> AsyncIterator[RecordingProxy]:
    recorder = RecordingProxy()
    server = await asyncio.start_server(recorder.handle, "127.0.0.1", 0)
    recorder.url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    async with server:
        yield recorder


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def trusted_ca(ca: trustme.CA, tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`SSL_CERT_FILE` names the test CA (and nothing else)."""
    path = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    monkeypatch.setenv("SSL_CERT_FILE", str(path))
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)


@pytest.fixture
async def tls_sim(ca: trustme.CA, clean_proxy_environment: None) -> AsyncIterator[str]:
    """The sim-server's answers over TLS on loopback, as `https://localhost:PORT/v1`,
    requiring the API key `KEY`."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost").configure_cert(context)
    handler = web.Server(SimApp(SimConfig(api_key=KEY)), access_log=None)
    server = await asyncio.get_running_loop().create_server(handler, "127.0.0.1", 0, ssl=context)
    async with server:
        yield f"https://localhost:{server.sockets[0].getsockname()[1]}/v1"
        await handler.shutdown(0.1)


@pytest.fixture
def plain_sim(start_sim, clean_proxy_environment: None) -> Iterator[str]:
    yield start_sim([{"match": "", "answer": "plain"}]).base_url


async def ask(url: str, key: str | None = None) -> object:
    backend = OpenAIBackend(url, "sim", key, key_source="the test")
    try:
        return await backend.complete(LLMRequest("llm", prompt="hello"))
    finally:
        await backend.aclose()


async def test_http_proxy_from_the_environment_is_used(proxy, plain_sim, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", proxy.url.replace("//", "//user:p%40ss@"))
    assert await ask(plain_sim) == "plain"
    assert len(proxy.heads) == 1
    request_line = proxy.heads[0].split(b"\r\n", 1)[0].decode()
    assert request_line == f"POST {plain_sim}/chat/completions HTTP/1.1"
    assert PROXY_CREDENTIALS in proxy.heads[0]


async def test_no_proxy_bypasses_the_proxy(proxy, plain_sim, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("NO_PROXY", "localhost,127.0.0.1")
    assert await ask(plain_sim) == "plain"
    assert proxy.heads == []


async def test_the_backend_line_names_the_proxy(proxy, monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://user:secret@proxy.example:3128")
    described = OpenAIBackend("https://api.example/v1", "m").describe()
    assert "through the proxy http://proxy.example:3128" in described
    assert "secret" not in described
    monkeypatch.setenv("NO_PROXY", ".example")
    assert "proxy" not in OpenAIBackend("https://api.example/v1", "m").describe()


async def test_a_proxy_that_is_not_http_is_a_clear_error(proxy, monkeypatch):
    monkeypatch.setenv("ALL_PROXY", "socks5://127.0.0.1:1080")
    with pytest.raises(Exception, match="socks5://127.0.0.1:1080 named by the environment is"):
        await ask("http://127.0.0.1:9/v1")


async def test_https_with_a_certificate_from_ssl_cert_file(tls_sim, trusted_ca):
    assert isinstance(await ask(tls_sim, KEY), str)


async def test_an_untrusted_certificate_fails_at_once_and_says_what_to_do(
    tls_sim, monkeypatch, tmp_path
):
    other = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(other))
    monkeypatch.setenv("SSL_CERT_FILE", str(other))
    with pytest.raises(LLMHTTPError, match="TLS certificate is not trusted") as caught:
        await asyncio.wait_for(ask(tls_sim, KEY), 30)  # not retried for a minute
    assert "SSL_CERT_FILE" in str(caught.value)


async def test_https_through_a_proxy_is_tunnelled_and_the_proxy_never_sees_the_key(
    proxy, tls_sim, trusted_ca, monkeypatch
):
    monkeypatch.setenv("HTTPS_PROXY", proxy.url.replace("//", "//user:p%40ss@"))
    assert isinstance(await ask(tls_sim, KEY), str)  # the server checked the key
    port = urlsplit(tls_sim).port
    assert [head.split(b"\r\n", 1)[0] for head in proxy.heads] == [
        f"CONNECT localhost:{port} HTTP/1.1".encode()
    ]
    assert PROXY_CREDENTIALS in proxy.heads[0]  # the proxy's own, and only those
    assert proxy.heads[0].count(b"Authorization") == 1
    assert KEY.encode() not in proxy.received
    assert b"chat/completions" not in proxy.received  # the request itself went encrypted


async def test_a_proxy_that_never_answers_connect_fails_at_the_connect_timeout(
    clean_proxy_environment, monkeypatch
):
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # reads the CONNECT request, answers nothing
        writer.close()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}")
    options = ClientOptions(connect_timeout=0.2, retry=RetryPolicy(max_attempts=1))
    backend = OpenAIBackend("https://localhost:9/v1", "sim", options=options)
    async with server:
        with pytest.raises(LLMHTTPError, match=r"no connection within 0.2 s, connect_timeout"):
            await backend.complete(LLMRequest("llm", prompt="hello"))
        await backend.aclose()
