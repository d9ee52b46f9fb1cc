"""Which API key, if any, goes with a run's requests: EPIC's key policy.

Keys belong to the user: the editor's secret storage, the environment (`EPIC_LLM_API_KEY`,
`OPENAI_API_KEY`) and the user's own settings file hold or name them. A project folder's
`epic.toml` or `[tool.epic]` is written by whoever wrote the project, and cloning or opening a
folder must not send the user's key to a server that folder picked. So:

- a base URL the user chose (`--llm`, the editor's user setting, `EPIC_LLM_BASE_URL`,
  `OPENAI_BASE_URL`, `base_url` in the user settings file) gets the user's key;
- a base URL a project names gets a key only when the user approved its origin (scheme, host
  and port, compared exactly) under `[servers."<origin>"]` in the user settings file, or when it
  has the origin of the user's own `base_url` there; otherwise it is called without a key, and
  the backend's description (the `backend:` line of `epic run`) says how to allow it;
- a project may not name the variable a key is read from (`api_key_env`): only the user
  settings file may;
- in a workspace the editor does not trust, no key is sent at all (see `config.resolve`).
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from epic_lang.llm.interface import LLMError

USER_KEYS = {"base_url", "model", "api_key_env", "servers"}
SERVER_KEYS = {"api_key_env"}
DEFAULT_PORTS = {"http": 80, "https": 443}
USUAL_KEY_VARIABLES = ("EPIC_LLM_API_KEY", "OPENAI_API_KEY")

Origin = tuple[str, str, int]


class LLMConfigError(LLMError):
    """The configuration cannot be used; the message names the file or variable at fault."""


def origin_of(url: str) -> Origin | None:
    """(scheme, host, port) of an http(s) URL, or None for anything else. Hosts are compared
    case-insensitively, ports with the scheme's default filled in; nothing else is normalised,
    so `https://a.example.evil` is not `https://a.example`."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    return scheme, parts.hostname.lower(), port or DEFAULT_PORTS[scheme]


def show_origin(origin: Origin) -> str:
    scheme, host, port = origin
    host = f"[{host}]" if ":" in host else host
    return f"{scheme}://{host}" if port == DEFAULT_PORTS[scheme] else f"{scheme}://{host}:{port}"


@dataclass(frozen=True, slots=True)
class UserConfig:
    """The user's own settings file. `approvals` maps each origin the user allows keys to go
    to onto the variable whose value it gets (None: the usual key)."""

    path: Path
    values: dict[str, Any] = field(default_factory=dict)
    approvals: dict[Origin, str | None] = field(default_factory=dict)


def user_config_path(env: Mapping[str, str]) -> Path:
    """`$XDG_CONFIG_HOME/epic/config.toml`, else `~/.config/epic/config.toml`."""
    base = env.get("XDG_CONFIG_HOME") or ""
    if not os.path.isabs(base):
        home = env.get("HOME") or str(Path.home())
        base = os.path.join(home, ".config")
    return Path(base) / "epic" / "config.toml"


def read_settings_toml(path: Path) -> dict[str, Any]:
    """A settings file's TOML (the user's or a project's), or an error that names the file."""
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise LLMConfigError(f"{path}: cannot read the EPIC settings: {exc}") from exc


def read_user_config(env: Mapping[str, str]) -> UserConfig:
    """The user settings file, or an empty one when there is none."""
    path = user_config_path(env)
    if not path.is_file():
        return UserConfig(path)
    values = read_settings_toml(path)
    if "api_key" in values:
        raise LLMConfigError(
            f"{path}: do not write API keys in files; set `api_key_env` to the name of an "
            "environment variable that holds the key"
        )
    _no_unknown(path, values, USER_KEYS, "")
    for name in sorted(USER_KEYS - {"servers"}):
        if name in values and (not isinstance(values[name], str) or not values[name]):
            raise LLMConfigError(f"{path}: `{name}` must be a non-empty string")
    return UserConfig(path, values, _approvals(path, values.get("servers", {})))


def _no_unknown(path: Path, values: dict[str, Any], known: set[str], where: str) -> None:
    unknown = sorted(set(values) - known)
    if unknown:
        raise LLMConfigError(
            f"{path}: unknown EPIC settings {', '.join(unknown)}{where} "
            f"(known: {', '.join(sorted(known))})"
        )


def _approvals(path: Path, servers: Any) -> dict[Origin, str | None]:
    if not isinstance(servers, dict):
        raise LLMConfigError(f'{path}: `servers` must be a table of [servers."<origin>"] tables')
    approvals: dict[Origin, str | None] = {}
    for url, entry in servers.items():
        origin = origin_of(url)
        if origin is None:
            raise LLMConfigError(f"{path}: [servers.{url!r}] is not an http(s) origin")
        if not isinstance(entry, dict):
            raise LLMConfigError(f"{path}: [servers.{url!r}] must be a table")
        _no_unknown(path, entry, SERVER_KEYS, f" in [servers.{url!r}]")
        variable = entry.get("api_key_env")
        if variable is not None and (not isinstance(variable, str) or not variable):
            raise LLMConfigError(f"{path}: `api_key_env` in [servers.{url!r}] must be a name")
        approvals[origin] = variable
    return approvals


@dataclass(frozen=True, slots=True)
class KeyChoice:
    """The key for a run (kept out of `repr`), where it came from, and, when the user has a
    key that is not sent, why not (for the `backend:` line and for 401 answers)."""

    api_key: str | None = field(default=None, repr=False)
    source: str | None = None
    withheld: str | None = None


def _usual_key(
    user: UserConfig, editor_key: str | None, env: Mapping[str, str]
) -> tuple[str | None, str | None]:
    if editor_key:
        return editor_key, "editor settings"
    for name in USUAL_KEY_VARIABLES:
        if env.get(name):
            return env[name], name
    variable = user.values.get("api_key_env")
    if variable:
        if not env.get(variable):
            raise LLMConfigError(f"{user.path}: api_key_env names {variable}, which is not set")
        return env[variable], str(variable)
    return None, None


def choose_key(
    base_url: str | None,
    named_by: Path | None,
    user: UserConfig,
    editor_key: str | None,
    env: Mapping[str, str],
    trusted: bool = True,
) -> KeyChoice:
    """The key sent to `base_url`. `named_by` is the project file that named the server, None
    when the user chose it; `trusted` is False in an editor workspace the user has not trusted."""
    if base_url is None:
        return KeyChoice()
    if not trusted:
        return KeyChoice(withheld="the workspace is not trusted")
    origin = origin_of(base_url)
    shown = show_origin(origin) if origin is not None else base_url
    approved = origin is not None and origin in user.approvals
    variable = user.approvals.get(origin) if origin is not None else None
    if named_by is not None and variable:
        if not env.get(variable):
            raise LLMConfigError(
                f"{user.path}: [servers.{shown!r}] api_key_env names {variable}, which is not set"
            )
        return KeyChoice(env[variable], variable)
    key, source = _usual_key(user, editor_key, env)
    own = origin_of(str(user.values.get("base_url") or ""))
    if not key or named_by is None or approved or (origin is not None and origin == own):
        return KeyChoice(key, source)
    return KeyChoice(
        withheld=f"{named_by} names this server; to send it your key, add "
        f'[servers."{shown}"] to {user.path}'
    )
