"""Which LLM backend a run uses, resolved the way users expect.

Each setting is taken from the first place that gives it: explicit options (`epic run --llm
URL --model NAME`), then an editor's settings (`baseUrl`, `model`, `apiKey`), then the
environment (`EPIC_LLM_BASE_URL`, `EPIC_LLM_MODEL`, `EPIC_LLM_API_KEY`, and OpenAI's own
`OPENAI_BASE_URL`, `OPENAI_API_KEY`), then the nearest `epic.toml` or `pyproject.toml` with a
`[tool.epic]` table next to or above the program, then the user's own settings file
(`~/.config/epic/config.toml`). With no base URL anywhere, the local SmolLM2-135M model runs
in-process.

Keys are never read from files, and which key goes to which server is decided by
`credentials.py`: a server named by a project gets no key unless the user approved it.

```toml
[tool.epic]                       # in pyproject.toml; in epic.toml the keys are top-level
base_url = "http://127.0.0.1:8000/v1"
model = "my-model"
max_concurrency = 256             # optional: requests in flight at once
read_timeout = 60                 # optional, with the other client settings of
max_retries = 5                   #   client_settings.py: timeouts, retries, limits
cache = true                      # optional: as `epic run --cache`
batch = true                      # optional: as `epic run --batch`
```
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from epic_lang.llm.client_settings import CLIENT_KEYS, ClientOptions, client_options
from epic_lang.llm.credentials import (
    LLMConfigError,
    choose_key,
    read_settings_toml,
    read_user_config,
)
from epic_lang.llm.interface import LLMBackend, LLMRequest, LLMResult, TokenUsage

if TYPE_CHECKING:  # the client (and aiohttp) is imported only when a run needs it
    from epic_lang.llm.openai_client import OpenAIBackend

FILE_KEYS = {
    "base_url",
    "model",
    "cache",
    "batch",
} | CLIENT_KEYS


@dataclass(frozen=True, slots=True)
class FileConfig:
    path: Path
    values: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ResolvedConfig:
    """The settings of one run. `key_source` says where the key came from (for messages);
    the key itself is kept out of `repr`."""

    base_url: str | None
    model: str | None
    api_key: str | None = field(default=None, repr=False)
    key_source: str | None = None
    key_withheld: str | None = None
    cache: bool = False
    batch: bool = False
    client: ClientOptions = field(default_factory=ClientOptions)
    config_file: Path | None = None


def _validated(path: Path, values: Any) -> FileConfig:
    if not isinstance(values, dict):
        raise LLMConfigError(f"{path}: the EPIC settings must be a table")
    if "api_key" in values:
        raise LLMConfigError(
            f"{path}: do not write API keys in files; set the key in your environment "
            "(EPIC_LLM_API_KEY) or name its variable with `api_key_env` in your own settings "
            "file, ~/.config/epic/config.toml"
        )
    if "api_key_env" in values:
        raise LLMConfigError(
            f"{path}: a project cannot choose which of your environment variables is sent as "
            "a key: move `api_key_env` to your own settings file, ~/.config/epic/config.toml "
            '(under [servers."<origin of the server>"] for a server named here)'
        )
    unknown = sorted(set(values) - FILE_KEYS)
    if unknown:
        raise LLMConfigError(
            f"{path}: unknown EPIC settings {', '.join(unknown)} "
            f"(known: {', '.join(sorted(FILE_KEYS))})"
        )
    return FileConfig(path, values)


def find_file_config(program_path: str | os.PathLike[str] | None) -> FileConfig | None:
    """The nearest `epic.toml`, or `pyproject.toml` with `[tool.epic]`, in the program's
    directory or above it (the current directory when there is no program)."""
    start = Path(program_path).resolve().parent if program_path else Path.cwd().resolve()
    for directory in (start, *start.parents):
        epic_toml = directory / "epic.toml"
        if epic_toml.is_file():
            data = read_settings_toml(epic_toml)
            return _validated(epic_toml, data.get("tool", {}).get("epic", data))
        pyproject = directory / "pyproject.toml"
        if pyproject.is_file():
            data = read_settings_toml(pyproject)
            section = data.get("tool", {}).get("epic")
            if section is not None:
                return _validated(pyproject, section)
    return None


def _first(*pairs: tuple[Any, str]) -> tuple[Any, str | None]:
    for value, source in pairs:
        if value not in (None, ""):
            return value, source
    return None, None


def resolve(
    llm_url: str | None = None,
    model: str | None = None,
    cache: bool = False,
    batch: bool = False,
    program_path: str | os.PathLike[str] | None = None,
    settings: dict[str, Any] | None = None,
    environ: dict[str, str] | None = None,
    trusted: bool = True,
) -> ResolvedConfig:
    """All settings of a run, each from the first place that gives it. `trusted` is False for
    a run in an editor workspace the user has not trusted: then no key is sent, and a server
    named by the project is refused rather than called."""
    env = os.environ if environ is None else environ
    editor = settings or {}
    found = find_file_config(program_path)
    user = read_user_config(env)
    in_file = found.values if found else {}
    file_name = str(found.path) if found else "the settings file"
    users_url, _ = _first(
        (llm_url, "--llm"),
        (editor.get("baseUrl"), "editor settings"),
        (env.get("EPIC_LLM_BASE_URL"), "EPIC_LLM_BASE_URL"),
        (env.get("OPENAI_BASE_URL"), "OPENAI_BASE_URL"),
    )
    project_url = in_file.get("base_url") if users_url is None else None
    if project_url is not None and found is not None and not trusted:
        raise LLMConfigError(
            f"{file_name} names the server {project_url}, and EPIC does not call servers "
            "named by a workspace you have not trusted: trust the workspace, or set "
            "epic.llm.baseUrl in your user settings"
        )
    base_url = users_url or project_url or user.values.get("base_url") or None
    chosen_model, _ = _first(
        (model, "--model"),
        (editor.get("model"), "editor settings"),
        (env.get("EPIC_LLM_MODEL"), "EPIC_LLM_MODEL"),
        (in_file.get("model"), file_name),
        (user.values.get("model"), str(user.path)),
    )
    key = choose_key(
        base_url,
        found.path if project_url and found else None,
        user,
        editor.get("apiKey"),
        env,
        trusted,
    )
    return ResolvedConfig(
        base_url=base_url,
        model=chosen_model,
        api_key=key.api_key,
        key_source=key.source,
        key_withheld=key.withheld,
        cache=cache or bool(in_file.get("cache", False)),
        batch=batch or bool(in_file.get("batch", False)),
        client=client_options(in_file, file_name),
        config_file=found.path if found else None,
    )


class UnusableSettingsBackend:
    """Stands in for a backend whose settings cannot be used, so that the problem reaches the
    user as an EPIC error at the first LLM call (with its call site), and `epic run`'s
    backend line says what is wrong, instead of a crash before the program starts."""

    def __init__(self, problem: LLMConfigError) -> None:
        self.problem = str(problem)
        self.usage = TokenUsage()  # never sends anything

    def describe(self) -> str:
        return f"none usable: {self.problem}"

    async def complete(self, request: LLMRequest) -> LLMResult:
        raise LLMConfigError(self.problem)

    async def stream(self, request: LLMRequest) -> AsyncIterator[str]:
        raise LLMConfigError(self.problem)
        yield ""  # an async generator, as the protocol's `stream` is

    async def aclose(self) -> None:
        return None


def backend_from_options(
    llm_url: str | None = None,
    model: str | None = None,
    cache: bool = False,
    batch: bool = False,
    program_path: str | os.PathLike[str] | None = None,
    settings: dict[str, Any] | None = None,
    trusted: bool = True,
) -> LLMBackend:
    """The backend a run uses (see the module docstring for where settings come from, and
    `resolve` for `trusted`). Nothing is loaded or connected yet: that happens on the first
    call. Never raises: unusable settings give a backend whose calls fail with the reason."""
    try:
        config = resolve(llm_url, model, cache, batch, program_path, settings, trusted=trusted)
        return _backend(config, program_path)
    except LLMConfigError as problem:
        return UnusableSettingsBackend(problem)


def server_backend(config: ResolvedConfig, options: ClientOptions) -> OpenAIBackend:
    """The client of the server `config` names (its `base_url` is set), with `options`: the
    one place that hands the user's key to a backend, with where it came from."""
    from epic_lang.llm.openai_client import OpenAIBackend

    assert config.base_url is not None
    return OpenAIBackend(
        config.base_url,
        config.model,
        config.api_key,
        key_source=config.key_source,
        no_key_reason=config.key_withheld,
        options=options,
    )


def _backend(config: ResolvedConfig, program_path: str | os.PathLike[str] | None) -> LLMBackend:
    backend: LLMBackend
    if config.base_url is None:
        if config.model is not None:
            raise LLMConfigError(
                f"the model {config.model!r} needs a server: give its base URL with --llm, "
                "EPIC_LLM_BASE_URL or `base_url` in epic.toml (without one, EPIC runs its "
                "local SmolLM2 model)"
            )
        from epic_lang.llm.local_model import LocalModelBackend

        backend = LocalModelBackend()
        identity = backend.identity()
    else:
        server = server_backend(config, replace(config.client, batch=config.batch))
        identity = server.identity()
        backend = server
    if config.cache:
        from epic_lang.llm.cache import CachedBackend, CallCache, cache_dir

        backend = CachedBackend(backend, CallCache(cache_dir(program_path)), identity)
    return backend
