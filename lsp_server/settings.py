"""The client's `epic` configuration section (vscode-extension/PROTOCOL.md, section 4)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Settings:
    """`trusted_python` allows importing (so running) Python modules for hover, completion
    and runs, and sending an API key from runs (`backend_from_options(trusted=...)`); until
    the client says so it is False. `llm` holds `baseUrl`, `model` and `apiKey` for
    `backend_from_options(settings=...)`, empty values left out so that the environment
    still applies. `parameter_hints` (`inlayHints.parameterNames`) turns the inlay hints of
    parameter names on and off."""

    trusted_python: bool = False
    llm: dict[str, str] = field(default_factory=dict)
    parameter_hints: bool = True

    @classmethod
    def from_client(cls, value: Any) -> Settings:
        """Reads the section leniently: a client may send null, or anything at all."""
        if not isinstance(value, dict):
            return cls()
        llm = value.get("llm")
        llm = llm if isinstance(llm, dict) else {}
        hints = value.get("inlayHints")
        hints = hints if isinstance(hints, dict) else {}
        return cls(
            trusted_python=value.get("trustedPython") is True,
            llm={k: v for k, v in llm.items() if isinstance(v, str) and v},
            parameter_hints=hints.get("parameterNames") is not False,
        )
