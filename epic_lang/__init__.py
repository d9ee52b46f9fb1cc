"""EPIC: a small language for LLM programs whose independent parts run at once.

The public Python API, re-exported lazily so that `import epic_lang` costs nothing for the
command-line tools:

    import epic_lang
    program = epic_lang.load("jokes.epic")
    print(program.call("main"))

- `parse(text, path=None)` -> `ParseResult`; `check_source(text, path=None)` -> diagnostics;
  `format_source(text, path=None)` -> str
- `load(path, externals=...)`, `load_source(text, path=None, externals=...)` -> `Program`;
  `run_source(text, ...)` -> `RunResult`; `Program.call(name, *args, mode=..., backend=...)`,
  `await Program.acall(...)`
- `external`: a decorator naming a Python callable for EPIC code; the program that may call
  it is given it with `externals=[...]` (nothing is registered process-wide)
- `EpicRuntimeError`: a failed run, with `render()` for the message, position and call stack;
  `EpicLoadError`: a program that could not be loaded (its diagnostics)
"""

from __future__ import annotations

from epic_lang.lazy_exports import lazy_getattr

_EXPORTS = {
    "parse": "epic_lang.syntax.parser",
    "check_source": "epic_lang.analysis.checks",
    "format_source": "epic_lang.format.formatter",
    "load": "epic_lang.eval.program",
    "load_source": "epic_lang.eval.program",
    "run_source": "epic_lang.eval.program",
    "Program": "epic_lang.eval.program",
    "RunResult": "epic_lang.eval.program",
    "external": "epic_lang.eval.externals",
    "EpicRuntimeError": "epic_lang.eval.errors",
    "EpicLoadError": "epic_lang.eval.program",
}

__all__ = sorted(_EXPORTS)


__getattr__ = lazy_getattr(__name__, _EXPORTS)
