"""The backend a run would use, for display: the editor's status-bar item and the line at the
top of each run's output.

`description` is the very text `epic run` prints on its `backend:` line (the backend's own
`describe()`, made by `config.backend_from_options` as a run makes it), so the editor and the
command line never disagree; it names where a key comes from and never holds the key.
Nothing is loaded or connected to make it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from epic_lang.llm.config import UnusableSettingsBackend, backend_from_options, resolve
from epic_lang.llm.credentials import LLMConfigError

LOCAL = "local"
SERVER = "server"
UNUSABLE = "unusable"


@dataclass(frozen=True, slots=True)
class BackendSummary:
    """`kind` is `local`, `server` or `unusable`; `base_url` has no user:password part."""

    kind: str
    description: str
    base_url: str | None = None
    model: str | None = None
    config_file: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "description": self.description,
            "baseUrl": self.base_url,
            "model": self.model,
            "configFile": self.config_file,
        }


def summarise_backend(
    settings: dict[str, Any] | None,
    program_path: str | os.PathLike[str] | None,
    trusted: bool,
) -> BackendSummary:
    """What `backend_from_options(settings=..., program_path=..., trusted=...)` would use."""
    backend = backend_from_options(settings=settings, program_path=program_path, trusted=trusted)
    description = backend.describe()
    if isinstance(backend, UnusableSettingsBackend):
        return BackendSummary(UNUSABLE, description)
    try:
        config = resolve(settings=settings, program_path=program_path, trusted=trusted)
    except LLMConfigError as problem:  # the files changed between the two readings
        return BackendSummary(UNUSABLE, f"none usable: {problem}")
    where = str(config.config_file) if config.config_file else None
    if config.base_url is None:
        return BackendSummary(LOCAL, description, None, None, where)
    from epic_lang.llm.openai_client import safe_url

    return BackendSummary(SERVER, description, safe_url(config.base_url), config.model, where)
