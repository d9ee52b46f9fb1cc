"""The EPIC language server: LSP handlers that fetch a document, ask `epic_lang.ide`, and
convert the answer.

All the intelligence lives in `epic_lang`; this module only knows the protocol. Started as
`epic lsp` or `python -m lsp_server`, on stdio. Every handler is guarded: an exception is
logged and answered with an error for that request only, and the server keeps serving.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import logging
import os
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInternalError
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path

from epic_lang.analysis.epic_imports import EPIC_MODULE, epic_module, load_epic_module
from epic_lang.diagnostics import has_errors
from epic_lang.ide.completion import complete
from epic_lang.ide.document import Analysis
from epic_lang.ide.formatting import Edit, Formatting, format_document, format_selection
from epic_lang.ide.hover import hover
from epic_lang.ide.imports import load_analysis
from epic_lang.ide.inlay_hints import parameter_hints
from epic_lang.ide.lenses import RunTarget, run_targets
from epic_lang.ide.lookup import Context, member_at
from epic_lang.ide.navigation import (
    RenameError,
    definition,
    prepare_rename,
    references,
    rename,
)
from epic_lang.ide.outline import folds, symbols
from epic_lang.ide.run_process import RunWorkers
from epic_lang.ide.signatures import signature_help
from epic_lang.ide.tokens import TOKEN_MODIFIERS, TOKEN_TYPES, semantic_tokens
from epic_lang.ide.workspace import (
    top_level_at,
    workspace_references,
    workspace_rename,
    workspace_symbols,
)
from epic_lang.modules.files import SourceFiles, importers
from epic_lang.modules.project import epic_files_below
from epic_lang.process_settings import freeze_long_lived_objects
from epic_lang.source import Span
from lsp_server import backend, convert, runs
from lsp_server.convert import Positions
from lsp_server.lanes import Lanes, settle
from lsp_server.protocol import EpicProtocol, Refusal
from lsp_server.settings import Settings

logger = logging.getLogger("epic.lsp")
T = TypeVar("T")

VERSION = "0.1.0"
DEFAULT_DEBOUNCE_MS = 25
# The lane (lanes.py) where the importers of a changed file are looked for.
IMPORTERS_LANE = "epic:importers"
# The lane of requests about the whole workspace (workspace/symbol).
WORKSPACE_LANE = "epic:workspace"
# How far below each workspace folder `.epic` files are looked for, and how many at most.
WORKSPACE_DEPTH = 12
WORKSPACE_FILES = 5000

# Lens commands (PROTOCOL.md section 1): the VS Code extension implements `epic.*` itself;
# generic clients ask for lenses that call the server's own `epic.server.*` commands with
# the initialization option {"lensCommands": "server"}.
LENS_COMMANDS = (
    ("▶ Run", "run"),
    ("▶ Run sequentially", "runSequential"),
    ("⏱ Trace", "trace"),
)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The analysis of one version of a document, with its position converter."""

    analysis: Analysis
    positions: Positions


class EpicLanguageServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("epic-lsp", VERSION, protocol_cls=EpicProtocol)
        self.snapshots: dict[str, Snapshot] = {}
        self.pending_checks: dict[str, asyncio.Task[None]] = {}
        self.runtime_diagnostics: dict[str, list[types.Diagnostic]] = {}
        self.settings = Settings()
        self.server_lenses = False
        self.workers = RunWorkers()
        self.run_cancels = runs.ProgressCancels()
        self.lanes = Lanes()
        # The files as the editor sees them: open buffers over the disk (fed by didOpen,
        # didChange and didClose); the checks read imported files from here.
        self.files = SourceFiles()
        self.pending_importers: dict[str, asyncio.Task[None]] = {}
        self.pending_closed: dict[str, asyncio.Task[None]] = {}
        # Closed files whose diagnostics were published (their importee changed on disk).
        self.closed_published: set[str] = set()
        # The document version whose formatting was refused, and told to the user.
        self.format_refusals: dict[str, tuple[int | None, str]] = {}
        self.changed_buffers: set[str] = set()
        self.debounce = float(os.environ.get("EPIC_LSP_DEBOUNCE_MS", DEFAULT_DEBOUNCE_MS)) / 1000.0

    # -- documents ---------------------------------------------------------------------

    def path_of(self, uri: str) -> str | None:
        return to_fs_path(uri) if uri.startswith("file:") else None

    def snapshot(self, uri: str) -> Snapshot:
        """The analysis of the document's current text, made once per version; its parts
        are computed on first use (see `ready`)."""
        document = self.workspace.get_text_document(uri)
        text = document.source
        current = self.snapshots.get(uri)
        if current is not None and current.analysis.text is text:
            return current
        analysis = Analysis(
            text, self.path_of(uri), current.analysis if current else None, self.files
        )
        encoding = self.workspace.position_encoding or types.PositionEncodingKind.Utf16
        snapshot = Snapshot(analysis, Positions(text, analysis.lines, encoding))
        self.snapshots[uri] = snapshot
        return snapshot

    def ready(self, uri: str) -> Snapshot:
        """The snapshot with its analysis computed, safe to read from any thread; called in
        the document's lane (lanes.py), since computing it may take long."""
        snapshot = self.snapshot(uri)
        settle(snapshot.analysis)
        return snapshot

    def load_module(self, path: str) -> Analysis | None:
        """A file's analysis: of the editor's unsaved text when it is open, else of the disk's.
        Called from lanes, so it is settled (another lane may be computing it)."""
        uri = from_fs_path(path)
        if uri is not None and uri in self.workspace.text_documents:
            return self.ready(uri).analysis
        found = load_analysis(path, self.files)
        return None if found is None else settle(found)

    def context(self) -> Context:
        return Context(loader=self.load_module, trusted_python=self.settings.trusted_python)

    # -- diagnostics -------------------------------------------------------------------

    def schedule_check(self, uri: str, delay: float) -> None:
        """(Re)starts the per-document timer: a burst of edits costs one check."""
        previous = self.pending_checks.pop(uri, None)
        if previous is not None:
            previous.cancel()
        self.pending_checks[uri] = asyncio.ensure_future(self._check_later(uri, delay))

    async def _check_later(self, uri: str, delay: float) -> None:
        """Publishes the diagnostics of the document's current version, if it is still open;
        the check itself runs in the document's lane. A change meanwhile cancels it."""
        if delay > 0:
            await asyncio.sleep(delay)
        try:
            if uri in self.workspace.text_documents:
                document = self.workspace.get_text_document(uri)
                text, version = document.source, document.version
                found = await self.lanes.run(uri, lambda: self._diagnostics(uri, text))
                if found is not None and uri in self.workspace.text_documents:
                    self.text_document_publish_diagnostics(
                        types.PublishDiagnosticsParams(uri, found, version=version)
                    )
                    self.importers_due(uri)
        except Exception:
            logger.exception("checking %s failed", uri)
        finally:
            if self.pending_checks.get(uri) is asyncio.current_task():
                del self.pending_checks[uri]

    def _diagnostics(self, uri: str, text: str) -> list[types.Diagnostic] | None:
        """The diagnostics of `text`, or None when the document has changed since."""
        snapshot = self.ready(uri)
        if snapshot.analysis.text != text:
            return None
        self.offer(snapshot.analysis)
        found = [convert.diagnostic(d, snapshot.positions) for d in snapshot.analysis.diagnostics]
        return found + self.runtime_diagnostics.get(uri, [])

    def publish(self, uri: str) -> None:
        """Publishes the document's diagnostics again (its runtime errors changed)."""
        self.schedule_check(uri, 0)

    # -- files that import a changed one -------------------------------------------------

    def buffer_changed(self, uri: str) -> None:
        """The overlay takes the document's text (or drops it, once closed). The open files
        that import this one are checked again once this one's check is done (so that they
        reuse its analysis), or at once after a close."""
        path = self.path_of(uri)
        if path is None:
            return
        if uri in self.workspace.text_documents:
            self.files.open(path, self.workspace.get_text_document(uri).source)
            self.changed_buffers.add(uri)
        else:
            self.files.close(path)
            self.changed_buffers.discard(uri)
            self._recheck_importers_of(path)

    async def watch_epic_files(self) -> None:
        """Asks the client to report changes of `.epic` files on disk (a save from another
        program, a checkout), so that open files importing them are checked again."""
        workspace_caps = self.client_capabilities.workspace
        watched = workspace_caps.did_change_watched_files if workspace_caps else None
        if watched is None or not watched.dynamic_registration:
            return
        options = types.DidChangeWatchedFilesRegistrationOptions(
            [types.FileSystemWatcher(glob_pattern="**/*.epic")]
        )
        registration = types.Registration(
            "epic-files", types.WORKSPACE_DID_CHANGE_WATCHED_FILES, options
        )
        try:
            await asyncio.wait_for(
                self.client_register_capability_async(types.RegistrationParams([registration])),
                timeout=10,
            )
        except Exception as error:  # without it, only open buffers' changes re-check importers
            logger.warning("watching .epic files failed: %s", error)

    def files_changed_on_disk(self, uris: list[str]) -> None:
        """Files changed on disk: the open files importing them are checked again (the disk's
        text is read again by `files`; an open file's buffer still wins over its disk)."""
        for uri in uris:
            path = self.path_of(uri)
            if path is not None and uri not in self.workspace.text_documents:
                self._recheck_importers_of(path)
                self.closed_importers_due(path)

    def offer(self, analysis: Analysis) -> None:
        """Lets the checks of importers reuse the settled analysis of an open file's text
        instead of parsing the text again (what they need of it is an `EpicModule`)."""
        if analysis.path is not None:
            module = epic_module(analysis.path, analysis.module, has_errors(analysis.syntax_errors))
            self.files.offer(analysis.path, EPIC_MODULE, analysis.text, module)

    def importers_due(self, uri: str) -> None:
        """Called when the document's current text has been checked."""
        path = self.path_of(uri)
        if uri in self.changed_buffers and path is not None:
            self.changed_buffers.discard(uri)
            self._recheck_importers_of(path)

    def _recheck_importers_of(self, path: str) -> None:
        if not any(self.path_of(uri) != path for uri in self.workspace.text_documents):
            return
        previous = self.pending_importers.pop(path, None)
        if previous is not None:
            previous.cancel()
        self.pending_importers[path] = asyncio.ensure_future(self._recheck_importers(path))

    async def _recheck_importers(self, path: str) -> None:
        """Finds the importers in a lane of their own (it may parse files), then gives each a
        new analysis of its unchanged text (the old one's diagnostics are stale) and checks
        it."""
        others = {
            found: uri
            for uri in list(self.workspace.text_documents)
            if (found := self.path_of(uri)) is not None and found != path
        }
        try:
            stale = await self.lanes.run(
                IMPORTERS_LANE, lambda: importers(path, others, self._imports_of)
            )
        except Exception:
            logger.exception("finding the importers of %s failed", path)
            return
        finally:
            if self.pending_importers.get(path) is asyncio.current_task():
                del self.pending_importers[path]
        for importer in stale:
            uri = others[importer]
            current = self.snapshots.get(uri)
            if current is not None:
                analysis = current.analysis
                fresh = Analysis(analysis.text, analysis.path, analysis, self.files)
                self.snapshots[uri] = Snapshot(fresh, current.positions)
            self.schedule_check(uri, 0)

    def workspace_files(self) -> list[str]:
        """The `.epic` files of the workspace folders, and the open documents' files."""
        roots = [
            path
            for folder in self.workspace.folders.values()
            if (path := self.path_of(folder.uri)) is not None
        ]
        if not roots and self.workspace.root_path:
            roots = [self.workspace.root_path]
        found: list[str] = []
        for root in roots:
            found += epic_files_below(root, max_depth=WORKSPACE_DEPTH, max_files=WORKSPACE_FILES)
        found += [
            path for uri in self.workspace.text_documents if (path := self.path_of(uri)) is not None
        ]
        return list(dict.fromkeys(found))

    def closed_importers_due(self, path: str) -> None:
        """A file was saved or changed on disk: the closed workspace files that import it
        get their diagnostics published (a save and the watcher's report of it cost one
        check: the later request replaces the earlier)."""
        previous = self.pending_closed.pop(path, None)
        if previous is not None:
            previous.cancel()
        self.pending_closed[path] = asyncio.ensure_future(self._check_closed_importers(path))

    async def _check_closed_importers(self, path: str) -> None:
        await asyncio.sleep(self.debounce)
        try:
            found = await self.lanes.run(IMPORTERS_LANE, lambda: self._closed_diagnostics(path))
        except Exception:
            logger.exception("checking the importers of %s failed", path)
            return
        finally:
            if self.pending_closed.get(path) is asyncio.current_task():
                del self.pending_closed[path]
        for uri, diagnostics in found:
            if uri not in self.workspace.text_documents:
                self.closed_published.add(uri)
                self.text_document_publish_diagnostics(
                    types.PublishDiagnosticsParams(uri, diagnostics)
                )

    def _closed_diagnostics(self, path: str) -> list[tuple[str, list[types.Diagnostic]]]:
        """The diagnostics of the closed workspace files that import `path` (directly or
        not), and of `path` itself if it is closed and was published before."""
        closed = [
            p
            for p in self.workspace_files()
            if (uri := from_fs_path(p)) is not None and uri not in self.workspace.text_documents
        ]
        stale = importers(path, closed, self._imports_of)
        own = from_fs_path(path)
        if own in self.closed_published and own not in self.workspace.text_documents:
            stale.append(path)
        found = []
        for file in stale:
            analysis = load_analysis(file, self.files)
            uri = from_fs_path(file)
            if analysis is None or uri is None:
                continue
            positions = Positions(analysis.text, settle(analysis).lines)
            found.append((uri, [convert.diagnostic(d, positions) for d in analysis.diagnostics]))
        return found

    def _imports_of(self, path: str) -> tuple[str, ...]:
        found = load_epic_module(path, self.files)
        return () if found is None else found.imports

    # -- configuration -----------------------------------------------------------------

    async def refresh_settings(self, scope_uri: str | None = None) -> Settings:
        """Asks the client for the `epic` section; keeps the last answer on failure."""
        workspace_caps = self.client_capabilities.workspace
        if workspace_caps is None or not workspace_caps.configuration:
            return self.settings
        try:
            answer = await asyncio.wait_for(
                self.workspace_configuration_async(
                    types.ConfigurationParams(
                        items=[types.ConfigurationItem(section="epic", scope_uri=scope_uri)]
                    )
                ),
                timeout=10,
            )
        except Exception as error:  # a client that cannot answer leaves the settings as they are
            logger.warning("workspace/configuration failed: %s", error)
            return self.settings
        self.settings_changed(Settings.from_client(answer[0] if answer else None))
        return self.settings

    def settings_changed(self, settings: Settings) -> None:
        """Keeps the new settings; inlay hints shown with the old ones are asked for again."""
        hints_changed = settings.parameter_hints != self.settings.parameter_hints
        self.settings = settings
        workspace_caps = self.client_capabilities.workspace
        inlay = workspace_caps.inlay_hint if workspace_caps else None
        if hints_changed and inlay is not None and inlay.refresh_support:
            self.workspace_inlay_hint_refresh(None)


SERVER = EpicLanguageServer()


def _report_failure(name: str, error: Exception) -> None:
    """Logs the traceback on stderr and a one-line message in the client's log."""
    logger.exception("%s failed", name)
    try:
        SERVER.window_log_message(
            types.LogMessageParams(
                type=types.MessageType.Error,
                message=f"EPIC language server: {name} failed: {error}",
            )
        )
    except Exception:
        logger.exception("could not report the failure to the client")


def guarded(handler: Callable[..., Any]) -> Callable[..., Any]:
    """For a request: an unexpected exception is logged and answered with a JSON-RPC error
    for this request only, so one bad request never stops the server."""

    def failure(error: Exception) -> JsonRpcException:
        _report_failure(handler.__name__, error)
        return JsonRpcInternalError(f"{handler.__name__} failed: {error}")

    if asyncio.iscoroutinefunction(handler):

        @functools.wraps(handler)
        async def wrapper_async(*args: Any) -> Any:
            try:
                return await handler(*args)
            except (JsonRpcException, asyncio.CancelledError):
                raise
            except Exception as error:
                raise failure(error) from None

        return wrapper_async

    @functools.wraps(handler)
    def wrapper(*args: Any) -> Any:
        try:
            return handler(*args)
        except JsonRpcException:
            raise
        except Exception as error:
            raise failure(error) from None

    return wrapper


def logged(handler: Callable[..., Any]) -> Callable[..., Any]:
    """For a notification: an unexpected exception is logged, and nothing else happens."""
    if asyncio.iscoroutinefunction(handler):

        @functools.wraps(handler)
        async def wrapper_async(*args: Any) -> None:
            try:
                await handler(*args)
            except Exception as error:
                _report_failure(handler.__name__, error)

        return wrapper_async

    @functools.wraps(handler)
    def wrapper(*args: Any) -> None:
        try:
            handler(*args)
        except Exception as error:
            _report_failure(handler.__name__, error)

    return wrapper


def about_document(handler: Callable[..., T]) -> Callable[..., Awaitable[T]]:
    """For a request about one document: `handler(ls, snapshot, params)` runs in that
    document's lane (lanes.py) on its computed analysis, so the loop keeps answering other
    requests meanwhile and `$/cancelRequest` is answered at once."""

    @functools.wraps(handler)
    async def wrapper(ls: EpicLanguageServer, params: Any) -> T:
        uri = params.text_document.uri
        return await ls.lanes.run(uri, lambda: handler(ls, ls.ready(uri), params))

    return wrapper


def _edits(edits: list[Edit], positions: Positions) -> list[types.TextEdit]:
    return [types.TextEdit(positions.range(e.start, e.end), e.new_text) for e in edits]


def _location(ls: EpicLanguageServer, uri: str, path: str | None, span: Any) -> types.Location:
    """A location in this document (path None) or in another file, ranges converted with
    that file's own text."""
    if path is None:
        return types.Location(uri, ls.snapshot(uri).positions.span(span))
    target_uri = from_fs_path(path) or uri
    if target_uri in ls.workspace.text_documents:
        return types.Location(target_uri, ls.snapshot(target_uri).positions.span(span))
    other = load_analysis(path, ls.files)
    if other is None:
        return types.Location(target_uri, types.Range(types.Position(0, 0), types.Position(0, 0)))
    return types.Location(target_uri, Positions(other.text, other.lines).span(span))


# -- lifecycle and synchronisation ---------------------------------------------------------


@SERVER.feature(types.INITIALIZE)
@guarded
def on_initialize(ls: EpicLanguageServer, params: types.InitializeParams) -> None:
    options = params.initialization_options
    if isinstance(options, dict):
        ls.server_lenses = options.get("lensCommands") == "server"
        if "settings" in options:
            ls.settings = Settings.from_client(options["settings"])


@SERVER.feature(types.SHUTDOWN)
@guarded
async def on_shutdown(ls: EpicLanguageServer, *args: Any) -> None:
    """Runs still going end now (pygls cancels their requests; the workers die here)."""
    await ls.workers.aclose()


@SERVER.feature(types.INITIALIZED)
@logged
async def on_initialized(ls: EpicLanguageServer, params: types.InitializedParams) -> None:
    await ls.refresh_settings()
    await ls.watch_epic_files()


@SERVER.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
@logged
def on_watched_files(ls: EpicLanguageServer, params: types.DidChangeWatchedFilesParams) -> None:
    ls.files_changed_on_disk([change.uri for change in params.changes])


@SERVER.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
@logged
async def on_configuration(
    ls: EpicLanguageServer, params: types.DidChangeConfigurationParams
) -> None:
    caps = ls.client_capabilities.workspace
    if caps is not None and caps.configuration:
        await ls.refresh_settings()
    elif isinstance(params.settings, dict):
        ls.settings_changed(Settings.from_client(params.settings.get("epic")))


@SERVER.feature(types.TEXT_DOCUMENT_DID_OPEN)
@logged
def did_open(ls: EpicLanguageServer, params: types.DidOpenTextDocumentParams) -> None:
    ls.buffer_changed(params.text_document.uri)
    ls.schedule_check(params.text_document.uri, 0)


@SERVER.feature(types.TEXT_DOCUMENT_DID_CHANGE)
@logged
def did_change(ls: EpicLanguageServer, params: types.DidChangeTextDocumentParams) -> None:
    uri = params.text_document.uri
    ls.runtime_diagnostics.pop(uri, None)
    ls.buffer_changed(uri)
    ls.schedule_check(uri, ls.debounce)


@SERVER.feature(types.TEXT_DOCUMENT_DID_SAVE)
@logged
def did_save(ls: EpicLanguageServer, params: types.DidSaveTextDocumentParams) -> None:
    path = ls.path_of(params.text_document.uri)
    if path is not None:
        ls.closed_importers_due(path)


@SERVER.feature(types.TEXT_DOCUMENT_DID_CLOSE)
@logged
def did_close(ls: EpicLanguageServer, params: types.DidCloseTextDocumentParams) -> None:
    uri = params.text_document.uri
    pending = ls.pending_checks.pop(uri, None)
    if pending is not None:
        pending.cancel()
    ls.snapshots.pop(uri, None)
    ls.format_refusals.pop(uri, None)
    ls.lanes.forget(uri)
    ls.runtime_diagnostics.pop(uri, None)
    ls.buffer_changed(uri)
    ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))


# -- reading features ----------------------------------------------------------------------


@SERVER.feature(types.TEXT_DOCUMENT_HOVER)
@guarded
@about_document
def on_hover(
    ls: EpicLanguageServer, snap: Snapshot, params: types.HoverParams
) -> types.Hover | None:
    found = hover(snap.analysis, snap.positions.offset(params.position), ls.context())
    if found is None:
        return None
    return types.Hover(
        contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=found.markdown),
        range=snap.positions.span(found.span),
    )


@SERVER.feature(types.TEXT_DOCUMENT_DEFINITION)
@guarded
@about_document
def on_definition(
    ls: EpicLanguageServer, snap: Snapshot, params: types.DefinitionParams
) -> list[types.Location]:
    uri = params.text_document.uri
    found = definition(snap.analysis, snap.positions.offset(params.position), ls.context())
    return [_location(ls, uri, loc.path, loc.span) for loc in found]


@SERVER.feature(types.TEXT_DOCUMENT_REFERENCES)
@guarded
@about_document
def on_references(
    ls: EpicLanguageServer, snap: Snapshot, params: types.ReferenceParams
) -> list[types.Location]:
    """A top-level name's uses in every workspace file that imports its module; any other
    name's in its file."""
    uri = params.text_document.uri
    offset = snap.positions.offset(params.position)
    include = params.context.include_declaration
    symbol = top_level_at(snap.analysis, offset, ls.load_module)
    if symbol is None:
        spans = references(snap.analysis, offset, include)
        return [types.Location(uri, snap.positions.span(s)) for s in spans]
    found = workspace_references(symbol, ls.workspace_files(), ls.load_module, include)
    return [_location(ls, uri, path, span) for path, spans in found.items() for span in spans]


@SERVER.feature(types.TEXT_DOCUMENT_PREPARE_RENAME)
@guarded
@about_document
def on_prepare_rename(
    ls: EpicLanguageServer, snap: Snapshot, params: types.PrepareRenameParams
) -> types.Range:
    offset = snap.positions.offset(params.position)
    member = member_at(snap.analysis, offset)
    if member is not None and top_level_at(snap.analysis, offset, ls.load_module) is not None:
        return snap.positions.span(member.field.name.span)
    try:
        span = prepare_rename(snap.analysis, offset)
    except RenameError as error:
        raise _refused(error) from None
    return snap.positions.span(span)


@SERVER.feature(types.TEXT_DOCUMENT_RENAME)
@guarded
@about_document
def on_rename(
    ls: EpicLanguageServer, snap: Snapshot, params: types.RenameParams
) -> types.WorkspaceEdit:
    """A top-level name is renamed in its file and in every workspace file importing it; a
    rename that would change what another name means is refused with the reason."""
    uri = params.text_document.uri
    offset = snap.positions.offset(params.position)
    spans: dict[str | None, list[Span]]
    try:
        symbol = top_level_at(snap.analysis, offset, ls.load_module)
        if symbol is None:
            spans = {None: rename(snap.analysis, offset, params.new_name)}
        else:
            found = workspace_rename(symbol, params.new_name, ls.workspace_files(), ls.load_module)
            spans = dict(found.items())
    except RenameError as error:
        raise _refused(error) from None
    changes: dict[str, list[types.TextEdit]] = {}
    for path, file_spans in spans.items():
        for span in file_spans:
            location = _location(ls, uri, path, span)
            changes.setdefault(location.uri, []).append(
                types.TextEdit(location.range, params.new_name)
            )
    return types.WorkspaceEdit(changes=changes)


def _refused(error: RenameError) -> Refusal:
    """A refused rename is an answer, not a failure: the client shows the reason, and the
    server logs no traceback."""
    return Refusal(str(error))


@SERVER.feature(types.WORKSPACE_SYMBOL)
@guarded
async def on_workspace_symbol(
    ls: EpicLanguageServer, params: types.WorkspaceSymbolParams
) -> list[types.WorkspaceSymbol]:
    found = await ls.lanes.run(
        WORKSPACE_LANE,
        lambda: workspace_symbols(params.query, ls.workspace_files(), ls.load_module),
    )
    answer = []
    for item in found:
        target = from_fs_path(item.path)
        if target is None:
            continue
        positions = Positions(item.analysis.text, item.analysis.lines)
        answer.append(
            types.WorkspaceSymbol(
                name=item.symbol.name,
                kind=_SYMBOL_KIND[item.symbol.kind],
                location=types.Location(target, positions.span(item.symbol.name_span)),
                container_name=os.path.basename(item.path),
            )
        )
    return answer


@SERVER.feature(
    types.TEXT_DOCUMENT_CODE_ACTION,
    types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]),
)
@guarded
@about_document
def on_code_action(
    ls: EpicLanguageServer, snap: Snapshot, params: types.CodeActionParams
) -> list[types.CodeAction]:
    """The fixes of the diagnostics that touch the range (the fixes are made with the
    diagnostics, so `epic check` lists the same ones)."""
    only = params.context.only
    if only is not None and not any(
        types.CodeActionKind.QuickFix.value.startswith(kind) for kind in only
    ):
        return []
    start = snap.positions.offset(params.range.start)
    end = snap.positions.offset(params.range.end)
    uri = params.text_document.uri
    return [
        action
        for diag in snap.analysis.diagnostics
        if diag.fixes and diag.span.start <= end and start <= diag.span.end
        for action in convert.code_actions(diag, snap.positions, uri)
    ]


@SERVER.feature(types.TEXT_DOCUMENT_INLAY_HINT)
@guarded
@about_document
def on_inlay_hint(
    ls: EpicLanguageServer, snap: Snapshot, params: types.InlayHintParams
) -> list[types.InlayHint]:
    if not ls.settings.parameter_hints:
        return []
    start = snap.positions.offset(params.range.start)
    end = snap.positions.offset(params.range.end)
    return [
        types.InlayHint(
            position=snap.positions.position(hint.offset),
            label=hint.label,
            kind=types.InlayHintKind.Parameter,
            padding_right=True,
        )
        for hint in parameter_hints(snap.analysis, start, end, ls.context())
    ]


_SYMBOL_KIND = {
    "function": types.SymbolKind.Function,
    "variable": types.SymbolKind.Variable,
    "module": types.SymbolKind.Module,
}


@SERVER.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
@guarded
@about_document
def on_document_symbol(
    ls: EpicLanguageServer, snap: Snapshot, params: types.DocumentSymbolParams
) -> list[types.DocumentSymbol]:
    return [
        types.DocumentSymbol(
            name=s.name,
            kind=_SYMBOL_KIND[s.kind],
            range=snap.positions.span(s.span),
            selection_range=snap.positions.span(s.name_span),
            detail=s.detail,
        )
        for s in symbols(snap.analysis.module)
    ]


_FOLD_KIND = {
    "region": types.FoldingRangeKind.Region,
    "comment": types.FoldingRangeKind.Comment,
    "imports": types.FoldingRangeKind.Imports,
}


@SERVER.feature(types.TEXT_DOCUMENT_FOLDING_RANGE)
@guarded
@about_document
def on_folding_range(
    ls: EpicLanguageServer, snap: Snapshot, params: types.FoldingRangeParams
) -> list[types.FoldingRange]:
    return [
        types.FoldingRange(
            start_line=f.start_line - 1, end_line=f.end_line - 1, kind=_FOLD_KIND[f.kind]
        )
        for f in folds(snap.analysis.module)
    ]


_ITEM_KIND = {
    "function": types.CompletionItemKind.Function,
    "variable": types.CompletionItemKind.Variable,
    "module": types.CompletionItemKind.Module,
    "parameter": types.CompletionItemKind.Variable,
    "keyword": types.CompletionItemKind.Keyword,
    "field": types.CompletionItemKind.Field,
    "text": types.CompletionItemKind.Text,
}


@SERVER.feature(
    types.TEXT_DOCUMENT_COMPLETION,
    types.CompletionOptions(trigger_characters=[".", "(", ","]),
)
@guarded
@about_document
def on_completion(
    ls: EpicLanguageServer, snap: Snapshot, params: types.CompletionParams
) -> types.CompletionList:
    items = complete(snap.analysis, snap.positions.offset(params.position), ls.context())
    return types.CompletionList(
        is_incomplete=False,
        items=[
            types.CompletionItem(
                label=item.label,
                kind=_ITEM_KIND[item.kind],
                detail=item.detail or None,
                documentation=(
                    types.MarkupContent(kind=types.MarkupKind.Markdown, value=item.documentation)
                    if item.documentation
                    else None
                ),
                insert_text=item.insert_text,
                sort_text=f"{item.rank}{item.label}",
            )
            for item in items
        ],
    )


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


@SERVER.feature(
    types.TEXT_DOCUMENT_SIGNATURE_HELP,
    types.SignatureHelpOptions(trigger_characters=["(", ","], retrigger_characters=["="]),
)
@guarded
@about_document
def on_signature_help(
    ls: EpicLanguageServer, snap: Snapshot, params: types.SignatureHelpParams
) -> types.SignatureHelp | None:
    found = signature_help(snap.analysis, snap.positions.offset(params.position), ls.context())
    if found is None:
        return None
    sig = found.signature
    label = sig.label
    return types.SignatureHelp(
        signatures=[
            types.SignatureInformation(
                label=label,
                documentation=(
                    types.MarkupContent(kind=types.MarkupKind.Markdown, value=sig.doc)
                    if sig.doc
                    else None
                ),
                parameters=[
                    types.ParameterInformation(
                        label=(_utf16_len(label[:start]), _utf16_len(label[:end]))
                    )
                    for _, start, end in sig.params
                ],
            )
        ],
        active_signature=0,
        active_parameter=found.active_param,
    )


@SERVER.feature(
    types.TEXT_DOCUMENT_SEMANTIC_TOKENS_FULL,
    types.SemanticTokensLegend(
        token_types=list(TOKEN_TYPES), token_modifiers=list(TOKEN_MODIFIERS)
    ),
)
@guarded
@about_document
def on_semantic_tokens(
    ls: EpicLanguageServer, snap: Snapshot, params: types.SemanticTokensParams
) -> types.SemanticTokens:
    data: list[int] = []
    previous_line = previous_char = 0
    for token in semantic_tokens(snap.analysis):
        start = snap.positions.position(token.start)
        end = snap.positions.position(token.end)
        if end.line != start.line:
            continue
        delta_line = start.line - previous_line
        delta_char = start.character - previous_char if delta_line == 0 else start.character
        modifiers = sum(1 << TOKEN_MODIFIERS.index(m) for m in token.modifiers)
        data += [
            delta_line,
            delta_char,
            end.character - start.character,
            TOKEN_TYPES.index(token.type),
            modifiers,
        ]
        previous_line, previous_char = start.line, start.character
    return types.SemanticTokens(data=data)


# -- formatting ----------------------------------------------------------------------------


@SERVER.feature(types.TEXT_DOCUMENT_FORMATTING)
@guarded
@about_document
def on_formatting(
    ls: EpicLanguageServer, snap: Snapshot, params: types.DocumentFormattingParams
) -> list[types.TextEdit]:
    uri = params.text_document.uri
    return _formatted(ls, uri, format_document(snap.analysis.text, ls.path_of(uri)), snap)


@SERVER.feature(types.TEXT_DOCUMENT_RANGE_FORMATTING)
@guarded
@about_document
def on_range_formatting(
    ls: EpicLanguageServer, snap: Snapshot, params: types.DocumentRangeFormattingParams
) -> list[types.TextEdit]:
    start = snap.positions.offset(params.range.start)
    end = snap.positions.offset(params.range.end)
    formatting = format_selection(snap.analysis.text, start, end)
    return _formatted(ls, params.text_document.uri, formatting, snap)


def _formatted(
    ls: EpicLanguageServer, uri: str, formatting: Formatting, snap: Snapshot
) -> list[types.TextEdit]:
    """The edits; a refusal is told to the user once per version of the document (format on
    save would repeat it at every save otherwise)."""
    if formatting.refusal is not None:
        version = ls.workspace.get_text_document(uri).version
        if ls.format_refusals.get(uri) != (version, snap.analysis.text):
            ls.format_refusals[uri] = (version, snap.analysis.text)
            ls.window_show_message(
                types.ShowMessageParams(
                    type=types.MessageType.Warning,
                    message=f"EPIC: {formatting.refusal}",
                )
            )
    return _edits(formatting.edits, snap.positions)


# -- code lenses ---------------------------------------------------------------------------


@SERVER.feature(types.TEXT_DOCUMENT_CODE_LENS)
@guarded
async def on_code_lens(
    ls: EpicLanguageServer, params: types.CodeLensParams
) -> list[types.CodeLens]:
    lenses = await _code_lenses(ls, params)
    if lenses:
        ls.workers.prepare()  # a Run lens is on screen: have a worker ready for the click
    return lenses


@about_document
def _code_lenses(
    ls: EpicLanguageServer, snap: Snapshot, params: types.CodeLensParams
) -> list[types.CodeLens]:
    uri = params.text_document.uri
    prefix = "epic.server." if ls.server_lenses else "epic."
    lenses = []
    for target in run_targets(snap.analysis.module):
        if ls.server_lenses and target.required:
            continue  # a generic client has no way to ask for the arguments
        position = snap.positions.position(target.span.start)
        line_range = types.Range(position, position)
        for title, command in LENS_COMMANDS:
            lenses.append(
                types.CodeLens(
                    range=line_range,
                    command=types.Command(
                        title=title,
                        command=prefix + command,
                        arguments=[_lens_arguments(uri, target)],
                    ),
                )
            )
    return lenses


def _lens_arguments(uri: str, target: RunTarget) -> dict[str, Any]:
    """A function with parameters is run with arguments the client asks for (PROTOCOL.md
    section 1): its lens names them."""
    arguments: dict[str, Any] = {"uri": uri, "entry": target.entry}
    if target.params:
        arguments["params"] = list(target.params)
        arguments["required"] = target.required
    return arguments


# -- runs ----------------------------------------------------------------------------------


@SERVER.feature("epic/run")
@guarded
async def on_run(ls: EpicLanguageServer, params: Any) -> dict[str, Any]:
    return await runs.run(ls, params)


@SERVER.feature("epic/evaluate")
@guarded
async def on_evaluate(ls: EpicLanguageServer, params: Any) -> dict[str, Any]:
    return await runs.evaluate(ls, params)


@SERVER.feature("epic/backend")
@guarded
async def on_backend(ls: EpicLanguageServer, params: Any) -> dict[str, Any]:
    return await backend.backend(ls, params)


@SERVER.feature("epic/testConnection")
@guarded
async def on_test_connection(ls: EpicLanguageServer, params: Any) -> dict[str, Any]:
    return await backend.test_connection(ls, params)


@SERVER.feature(types.WINDOW_WORK_DONE_PROGRESS_CANCEL)
@logged
def on_progress_cancel(ls: EpicLanguageServer, params: types.WorkDoneProgressCancelParams) -> None:
    """Cancelling a run's progress cancels the run (pygls answers the notification first)."""
    ls.run_cancels.cancel(params.token)


def _run_command(mode: str) -> Callable[..., Any]:
    """`workspace/executeCommand` `epic.server.*` with the lens's `{"uri", "entry"}`
    argument, for clients without the VS Code extension; answers like `epic/run`."""

    async def run_command(ls: EpicLanguageServer, *args: Any) -> dict[str, Any]:
        fields = {**runs.params_dict(args[0] if args else None), "mode": mode}
        answer = await runs.run(ls, fields, await runs.server_progress(ls))
        runs.report_to_client(ls, str(fields.get("entry") or "main"), answer)
        return answer

    run_command.__name__ = f"run_command_{mode}"
    return guarded(run_command)


for _suffix, _mode in (
    ("run", "opportunistic"),
    ("runSequential", "sequential"),
    ("trace", "opportunistic"),
):
    SERVER.command(f"epic.server.{_suffix}")(_run_command(_mode))


# -- entry points --------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--log-level",
        default="WARNING",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="what the server logs on stderr",
    )


def main(args: argparse.Namespace) -> int:
    logging.basicConfig(
        level=getattr(logging, args.log_level),
        stream=sys.stderr,
        format="epic-lsp %(levelname)s %(name)s: %(message)s",
    )
    warm_up()
    try:
        SERVER.start_io()
    finally:
        SERVER.workers.close()
    return 0


def warm_up() -> None:
    """Loads the parser tables, the prelude and the built-ins table before the editor opens
    a file, so that the first diagnostics are as fast as the later ones. The objects made so
    far live as long as the server: freezing takes them out of every later collection,
    which keeps the collector's pauses short while a large file is re-analysed."""
    if Analysis("def main() = map(str, [1])\n").diagnostics:
        logger.warning("the warm-up program has diagnostics; the toolchain may be broken")
    freeze_long_lived_objects()
