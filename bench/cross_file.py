"""Cross-file benchmark: with `app.epic` importing an open 2,000-line `lib.epic`, the time from
a change of lib's unsaved buffer (renaming the function app calls, and back) to app's
re-published diagnostics, next to the time to lib's own diagnostics. App's re-check waits for
one debounce after lib's burst of edits, then reads lib's buffer (one parse per version).

Run: python3 bench/cross_file.py [--lines 2000] [--rounds 20]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from lsp import make_source
from lsprotocol import types
from pygls.lsp.client import LanguageClient

APP = 'import "./lib.epic" as lib\n\ndef main() = lib.target(1)\n'


async def bench(lines: int, rounds: int) -> None:
    client = LanguageClient("epic-bench", "0")
    published: list[tuple[str, int | None, bool, float]] = []

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def on_diagnostics(params: types.PublishDiagnosticsParams) -> None:
        unknown = any("no member" in d.message for d in params.diagnostics)
        published.append((params.uri, params.version, unknown, time.perf_counter()))

    async def first(probe: Callable[[str, int | None, bool], bool]) -> float:
        while True:
            for uri, version, unknown, at in published:
                if probe(uri, version, unknown):
                    return at
            await asyncio.sleep(0.0005)

    await client.start_io(sys.executable, "-m", "lsp_server")
    await client.initialize_async(
        types.InitializeParams(capabilities=types.ClientCapabilities(), process_id=None)
    )
    client.initialized(types.InitializedParams())
    with tempfile.TemporaryDirectory() as folder:
        lib_text = make_source(lines) + "def target(x) = x\n"
        (Path(folder) / "lib.epic").write_text(lib_text, encoding="utf-8")
        (Path(folder) / "app.epic").write_text(APP, encoding="utf-8")
        lib_uri, app_uri = (
            (Path(folder) / "lib.epic").as_uri(),
            (Path(folder) / "app.epic").as_uri(),
        )
        for uri, text in ((app_uri, APP), (lib_uri, lib_text)):
            client.text_document_did_open(
                types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "epic", 1, text))
            )
        await first(lambda uri, version, unknown: uri == lib_uri and version == 1)
        own_ms, importer_ms = [], []
        for version in range(2, rounds + 2):
            renamed = version % 2 == 0
            text = lib_text.replace("def target(", "def target2(") if renamed else lib_text
            del published[:]
            started = time.perf_counter()
            client.text_document_did_change(
                types.DidChangeTextDocumentParams(
                    types.VersionedTextDocumentIdentifier(version=version, uri=lib_uri),
                    [types.TextDocumentContentChangeWholeDocument(text)],
                )
            )
            own = await first(lambda uri, v, unknown, n=version: uri == lib_uri and v == n)
            other = await first(lambda uri, v, unknown, r=renamed: uri == app_uri and unknown == r)
            own_ms.append((own - started) * 1000)
            importer_ms.append((other - started) * 1000)
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    own, importer = statistics.median(own_ms), statistics.median(importer_ms)
    print(f"lib: {lines} lines; {rounds} unsaved renames of the function app calls")
    print(f"change -> lib's diagnostics:     {own:7.1f} ms median, {max(own_ms):7.1f} ms max")
    worst = max(importer_ms)
    print(f"change -> app's new diagnostics: {importer:7.1f} ms median, {worst:7.1f} ms max")
    print(f"ratio importer / own: {importer / own:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    asyncio.run(bench(args.lines, args.rounds))


if __name__ == "__main__":
    main()
