"""The evaluators (docs/language.md §11): `load`, `run_source` and `Program` are the entry points.

Names are re-exported lazily so that `import epic_lang.eval` stays cheap for tools that only
need, say, value formatting.
"""

from __future__ import annotations

from epic_lang.lazy_exports import lazy_getattr

_EXPORTS = {
    "load": "epic_lang.eval.program",
    "load_source": "epic_lang.eval.program",
    "run_source": "epic_lang.eval.program",
    "Program": "epic_lang.eval.program",
    "RunResult": "epic_lang.eval.program",
    "EpicLoadError": "epic_lang.eval.program",
    "EpicRuntimeError": "epic_lang.eval.errors",
    "external": "epic_lang.eval.externals",
    "Trace": "epic_lang.eval.trace",
    "critical_path": "epic_lang.eval.trace",
}

__all__ = sorted(_EXPORTS)


__getattr__ = lazy_getattr(__name__, _EXPORTS)
