"""The static checks of a module: everything `epic check` reports besides syntax errors.

There is no type checker. The checks read the resolution side table (`scope.resolve`) and
report unknown names (with a "did you mean"), names defined twice, repeated parameters,
calls of a known function with a wrong number of arguments or an unknown keyword, unused
`let`s, and imports whose target does not exist. Everything is linear in the size of the
tree, so the language server can re-check on every keystroke.

The editor checks its whole module at once (`check_parsed`); `epic check` checks one
declaration at a time (`check_source`, by `check_stream.py`) so as never to hold a large
file's whole tree. Both run the one `Checker`, so each rule is written once and both report
the same problems.

The modules that check imports and suggest them are imported where they are used, so only a
file with imports or unknown names loads them, and `check_stream` only by `epic check`: `epic
run` checks its file too, and each module costs every start about a quarter of a millisecond.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from epic_lang.analysis.builtins import BuiltinInfo, builtins_table
from epic_lang.analysis.cost_traps import CODE as COST_TRAP
from epic_lang.analysis.cost_traps import CostTraps
from epic_lang.analysis.scope import Binding, Resolution, resolve
from epic_lang.diagnostics import Diagnostic, Fix, Severity, has_errors, replace_fix
from epic_lang.modules.files import DISK, SourceFiles
from epic_lang.modules.resolver import folder_of, resolve_import
from epic_lang.process_settings import collector_paused
from epic_lang.source import Span, with_lf_breaks
from epic_lang.syntax import ast
from epic_lang.syntax.parser import ParseResult, parse

if TYPE_CHECKING:
    from epic_lang.analysis.python_imports import PythonFunction

ERROR = Severity.ERROR
WARNING = Severity.WARNING

# Every code the checks report, with what it means (for the reference and editors).
CODES: dict[str, str] = {
    "unknown-name": "a name that no definition, parameter, let, pattern or built-in binds",
    "duplicate-definition": "a top-level name (def, let or import alias) defined twice",
    "duplicate-parameter": "two parameters of one def or fn with the same name",
    "duplicate-binding": "one pattern binding the same name twice",
    "arity": "a call of a known function with too many or too few arguments",
    "unknown-keyword": "a keyword argument that the called function has no parameter for",
    "duplicate-argument": "a parameter given twice in one call (by position and keyword)",
    "positional-option": "an option of an LLM external passed by position (options are "
    "keyword-only: `llm(p, max_tokens=50)`)",
    "bad-schema": "an `llm_json` schema written as a literal record that is not a valid schema",
    "unused-let": "a local `let` whose name is never used (warning; `_name` silences it)",
    "missing-import": "an imported EPIC file, Python file or Python module that does not exist",
    "bad-import": "an imported Python file that cannot be read or parsed",
    "unknown-member": "`m.name` where the imported module `m` defines no `name`",
    "unreachable-case": "a `case` after one that matches everything (warning)",
    "too-deep": "a declaration nested too deeply to check completely (warning)",
    "cost-trap": "a `let` that calls an external, used only in one branch that may not be "
    "taken (warning)",
    "unpack-shape": "a destructuring `let` whose value, written out, has another shape",
}


def _close_matches(word: str, candidates: list[str], n: int) -> list[str]:
    """difflib's closest names, loaded only for a name to correct: it costs every start a
    millisecond otherwise."""
    import difflib

    return difflib.get_close_matches(word, candidates, n=n)


def _closest(word: str, candidates: list[str]) -> list[str]:
    """The best "did you mean" for `word`: difflib's closest names, where one with the same
    letters as `word` (two letters swapped: `mpa` for `map`) beats another as close (`max`)."""
    close = _close_matches(word, candidates, n=3)
    return sorted(close, key=lambda name: sorted(name) != sorted(word))[:1]


# How many distinct unknown words of one file get a "did you mean" from the global names.
SUGGESTION_BUDGET = 50

# A signature the arity check can use: (name, has_default) per parameter.
Signature = tuple[tuple[str, bool], ...]


def check_source(text: str, path: str | None = None) -> list[Diagnostic]:
    """Syntax errors and static checks of a file's text, in source order: `check_parsed`'s,
    found holding one declaration's tree at a time (`check_stream`)."""
    # The collector stays paused from the parse to the last check, as each of them pauses
    # it: re-enabled in between, it walked the whole new tree (about 0.3 s per MB).
    from epic_lang.analysis.check_stream import check_stream

    with collector_paused():
        found = check_stream(text, path, Checker(text, path))
        return check_parsed(parse(text, path), text, path) if found is None else found


def check_parsed(
    parsed: ParseResult,
    text: str,
    path: str | None = None,
    resolution: Resolution | None = None,
    files: SourceFiles = DISK,
    *,
    defined: frozenset[str] = frozenset(),
) -> list[Diagnostic]:
    """`check_source` for a text already parsed (and maybe resolved), as an editor has it:
    the checks of the whole module at once, by the same `Checker` as `epic check`'s, so that
    both always report the same problems.

    After syntax errors the declarations that did parse are still checked, but a name that
    the text defines somewhere (in a declaration that failed to parse) is not reported as
    unknown, and a problem whose span contains a syntax error is left to that error.
    `defined`: names defined outside the text (a program's `@external` callables).
    Relative imports are looked up beside `path` (without a path they are not checked), in
    `files` (with the editor's unsaved buffers in the language server)."""
    # Like the parser, pause the cyclic collector: the checks allocate many small objects
    # and no garbage cycles, and collections would walk the whole tree again and again.
    with collector_paused():
        checker = Checker(text, path, files, defined)
        resolution = resolution or resolve(parsed.module)
        checker.run(resolution)
        return checker.finish(resolution, parsed)


_DEFINED_IN_TEXT = re.compile(r"^(?:def|let)\s+([A-Za-z_][A-Za-z0-9_]*)", re.MULTILINE)


def sort_diagnostics(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    return sorted(diagnostics, key=lambda d: (d.span.start, d.span.end))


# The codes of each check, in the order in which problems at one span are listed, whatever
# order the checks ran in (over the whole module, or one declaration after another).
_ORDER = {
    code: rank
    for rank, codes in enumerate(
        [
            ["too-deep"],
            ["unknown-name"],
            ["duplicate-definition"],
            ["duplicate-parameter", "duplicate-binding"],
            ["unused-let"],
            ["unpack-shape"],
            ["unreachable-case"],
            ["missing-import", "bad-import"],
            ["unknown-member"],
            ["positional-option", "bad-schema", "unknown-keyword", "duplicate-argument", "arity"],
            [COST_TRAP],
        ]
    )
    for code in codes
}


class Checker:
    """The checks of one module, run over the resolutions of its declarations (one after
    another, or all at once: see `scope.DeclarationResolver`), then `finish`ed once every
    top-level name is known. Holds what the runs share: the problems found so far and what
    each import defines."""

    def __init__(
        self,
        text: str,
        path: str | None,
        files: SourceFiles = DISK,
        externals: frozenset[str] = frozenset(),
    ) -> None:
        self.text = text
        self.path = path
        self.files = files
        self.externals = externals
        self.costs = CostTraps(text, path, externals)
        self.diagnostics: list[Diagnostic] = []
        self.epic_imports: dict[Binding, dict[str, ast.Decl]] = {}
        self.python_members: dict[Binding, frozenset[str]] = {}
        self.python_functions: dict[Binding, dict[str, PythonFunction]] = {}

    def run(self, resolution: Resolution) -> None:
        """Every check of `resolution` but unknown names, which wait for `finish`."""
        _Checks(self, resolution).run()
        self.costs.add(resolution)

    def finish(self, resolution: Resolution, parsed: ParseResult) -> list[Diagnostic]:
        """Every problem: the syntax errors of `parsed`, those found by the runs, and the
        unknown names of `resolution` (whose `top_level` holds every top-level name)."""
        errors = has_errors(parsed.diagnostics)
        assume_defined = self.externals
        if errors:
            assume_defined |= frozenset(_DEFINED_IN_TEXT.findall(with_lf_breaks(self.text)))
        _Checks(self, resolution).unknown_names(parsed.module, assume_defined)
        found = [*self.diagnostics, *self.costs.finish(resolution.top_level)]
        if errors:
            # A half-typed call (`len(` at a syntax error) is not also a wrong call.
            starts = [d.span.start for d in parsed.diagnostics]
            found = [d for d in found if not any(d.span.start <= e <= d.span.end for e in starts)]
        found.sort(key=lambda d: (d.span.start, d.span.end, _ORDER[d.code]))
        return sort_diagnostics([*parsed.diagnostics, *found])


class _Checks:
    """The checks of one resolution; reports to its `Checker`."""

    def __init__(self, checker: Checker, resolution: Resolution) -> None:
        self.resolution = resolution
        self.path = checker.path
        self.files = checker.files
        self.diagnostics = checker.diagnostics
        self.epic_imports = checker.epic_imports
        self.python_members = checker.python_members
        self.python_functions = checker.python_functions

    def report(self, severity: Severity, span: Span, message: str, code: str, *fixes: Fix) -> None:
        self.diagnostics.append(Diagnostic(severity, span, message, code, self.path, fixes))

    def run(self) -> None:
        self.too_deep()
        self.redefinitions()
        self.clashes()
        self.unused_lets()
        self.unpack_shapes()
        self.unreachable_cases()
        self.imports()
        self.members()
        self.calls()

    def too_deep(self) -> None:
        for decl in self.resolution.too_deep:
            self.report(
                WARNING,
                decl.name.span,
                "this declaration is nested too deeply to check completely",
                "too-deep",
            )

    # -- names ----------------------------------------------------------------------------

    def unknown_names(self, module: ast.Module, assume_defined: frozenset[str]) -> None:
        """Names in `assume_defined` are not reported; `module` is where an import to add
        goes."""
        if not self.resolution.unresolved:
            return
        # The literals are suggested too, for Python habits like `True` and `None`.
        global_names = [*builtins_table(), *self.resolution.top_level, "true", "false", "none"]
        cache: dict[str, list[str]] = {}
        in_budget_words: set[str] = set()
        from epic_lang.analysis.import_fixes import ImportFixer

        fixer = ImportFixer(module, self.path, self.files)
        taken = frozenset([*global_names, *assume_defined])
        for unresolved in self.resolution.unresolved:
            word = unresolved.var.name
            if word in assume_defined:
                continue
            if word not in cache:
                # Suggestions cost about 1 ms per distinct word in a large file; a file with
                # more unknown words than the budget (pasted Python, say) gets hints for
                # the first ones only, so that checking stays fast while typing.
                in_budget = len(cache) < SUGGESTION_BUDGET
                cache[word] = _close_matches(word, global_names, n=3) if in_budget else []
                if in_budget:
                    in_budget_words.add(word)
            candidates = [*cache[word], *unresolved.local_names]
            best = _closest(word, candidates)
            hint = f"; did you mean `{best[0]}`?" if best else ""
            span = unresolved.var.span
            fixes = [_did_you_mean(span, best[0])] if best else []
            if word in in_budget_words:
                fixes += fixer.fixes(word, span, taken)
            self.report(ERROR, span, f"unknown name `{word}`{hint}", "unknown-name", *fixes)

    def redefinitions(self) -> None:
        for binding in self.resolution.redefinitions:
            first = self.resolution.top_level[binding.name.text]
            self.report(
                ERROR,
                binding.name.span,
                f"`{binding.name.text}` is already defined at line {first.name.span.line}",
                "duplicate-definition",
            )

    def clashes(self) -> None:
        for binding in self.resolution.clashes:
            if binding.kind == "param":
                message = f"parameter `{binding.name.text}` appears twice"
                code = "duplicate-parameter"
            else:
                message = f"`{binding.name.text}` is bound twice in this pattern"
                code = "duplicate-binding"
            self.report(ERROR, binding.name.span, message, code)

    def unused_lets(self) -> None:
        for binding, uses in self.resolution.uses.items():
            if binding.kind == "local" and not uses and not binding.name.text.startswith("_"):
                text = binding.name.text
                if isinstance(binding.node, ast.Try):
                    message = f"`{text}` is never used; write `catch _ =>` to ignore the error"
                    fix = replace_fix("Change to `_`", binding.name.span, "_")
                else:
                    message = (
                        f"`{text}` is never used (its value is still computed; "
                        f"name it `_{text}` to keep it without this warning)"
                    )
                    fix = replace_fix(f"Rename to `_{text}`", binding.name.span, f"_{text}")
                self.report(WARNING, binding.name.span, message, "unused-let", fix)

    def unpack_shapes(self) -> None:
        """A destructuring `let` of a tuple, list or record written out on the spot whose
        shape the pattern cannot match (it would fail at run time)."""
        for pattern, value in self.resolution.unpacks:
            problem = _shape_problem(pattern, value)
            if problem is not None:
                self.report(ERROR, pattern.span, problem, "unpack-shape")

    def unreachable_cases(self) -> None:
        for match in self.resolution.matches:
            for case, later in zip(match.cases, match.cases[1:], strict=False):
                if isinstance(case.pattern, ast.PWildcard | ast.PName):
                    self.report(
                        WARNING,
                        later.span,
                        "this case is never reached: the case before it matches everything",
                        "unreachable-case",
                    )
                    break

    # -- imports --------------------------------------------------------------------------

    def imports(self) -> None:
        base = folder_of(self.path)
        top_level = self.resolution.top_level
        for binding in self.resolution.bindings:
            decl = binding.node
            if not isinstance(decl, ast.Import) or top_level[binding.name.text] is not binding:
                continue
            if decl.python:
                from epic_lang.analysis.python_imports import find_python_module

                folder = None if base is None else Path(base)
                found = find_python_module(decl.source, folder, self.files)
                if not found.found:
                    self.report(ERROR, decl.source_span, found.problem or "", "missing-import")
                elif found.problem:
                    self.report(ERROR, decl.source_span, found.problem, "bad-import")
                elif found.members is not None:
                    self.python_members[binding] = found.members
                self.python_functions[binding] = found.functions
                continue
            file = resolve_import(decl.source, False, base).path
            if file is None:
                continue
            from epic_lang.analysis.epic_imports import load_epic_module

            imported = load_epic_module(file, self.files)
            if imported is None:
                self.report(
                    ERROR,
                    decl.source_span,
                    f"no EPIC file `{decl.source}` (looked for {file})",
                    "missing-import",
                )
            elif not imported.has_errors:
                self.epic_imports[binding] = imported.top_level

    def members(self) -> None:
        for node, binding in self.resolution.members:
            member = node.name.text
            known: Iterable[str] | None = self.epic_imports.get(binding)
            if known is None:
                known = self.python_members.get(binding)
            if known is None or member in known:
                continue
            alias = binding.name.text
            best = _close_matches(member, list(known), n=1)
            hint = f"; did you mean `{alias}.{best[0]}`?" if best else ""
            self.report(
                ERROR,
                node.name.span,
                f"`{alias}` has no member `{member}`{hint}",
                "unknown-member",
                *([_did_you_mean(node.name.span, best[0])] if best else []),
            )

    # -- calls ----------------------------------------------------------------------------

    def calls(self) -> None:
        # `x |> f(a)` (no `_`) is `f(a)(x)`; when `f(a)` lacks an argument, `x` was meant
        # to go into it, and the message says how.
        piped = {
            id(c.right)
            for c in self.resolution.calls
            if isinstance(c, ast.Pipe) and isinstance(c.right, ast.Call)
        }
        for call in self.resolution.calls:
            if isinstance(call, ast.Pipe):
                # `x |> f(a)` is `f(a)(x)`: the call `f(a)` is checked on its own.
                found = None if isinstance(call.right, ast.Call) else self.signature_of(call.right)
                if found is not None:
                    name, signature = found
                    pseudo = ast.Arg(None, call.left, call.left.span)
                    self.arguments(name, signature, (pseudo,), call.span)
            else:
                if self.positional_options(call.func, call.args):
                    continue  # the arguments are wrong in one way; say it once
                self.literal_schema(call.func, call.args)
                found = self.signature_of(call.func)
                if found is not None:
                    piped_into = id(call) in piped
                    self.arguments(found[0], found[1], call.args, call.span, piped_into)

    def positional_options(self, func: ast.Expr, args: tuple[ast.Arg, ...]) -> bool:
        """Reports the options of a built-in given by position where the table says they are
        keyword-only, each with a hint naming the keyword; whether there were any."""
        target = self.resolution.targets.get(func) if isinstance(func, ast.Var) else None
        if not isinstance(target, BuiltinInfo) or target.positional is None:
            return False
        positional = [a for a in args if a.name is None]
        extra = positional[target.positional :]
        given = ", ".join(f"`{p}`" for p, _ in target.params[: target.positional])
        for arg in extra:
            self.report(
                ERROR,
                arg.span,
                f"`{target.name}` takes {target.positional} positional argument"
                f"{'s' if target.positional != 1 else ''} ({given}); its options are "
                f"keyword-only: {_option_hint(target, arg.value)}",
                "positional-option",
                *_option_fixes(target, arg),
            )
        return bool(extra)

    def literal_schema(self, func: ast.Expr, args: tuple[ast.Arg, ...]) -> None:
        """An `llm_json` schema written out as a literal record is checked as the evaluator
        will check it (`structured.json_schema`), so that a typo shows before the run."""
        target = self.resolution.targets.get(func) if isinstance(func, ast.Var) else None
        if not (isinstance(target, BuiltinInfo) and target.name == "llm_json"):
            return
        positional = [a for a in args if a.name is None]
        named = [a for a in args if a.name is not None and a.name.text == "schema"]
        given = positional[1:2] or named
        if not given:
            return
        value = _literal_value(given[0].value)
        if value is _NOT_LITERAL:
            return
        from epic_lang.llm.structured import SchemaProblem, json_schema

        try:
            json_schema(value)
        except SchemaProblem as exc:
            self.report(ERROR, given[0].value.span, f"`llm_json`: {exc}", "bad-schema")

    def signature_of(self, func: ast.Expr) -> tuple[str, Signature] | None:
        """The name and parameters of a called function when they are statically known."""
        if isinstance(func, ast.Var):
            target = self.resolution.targets.get(func)
            if isinstance(target, BuiltinInfo):
                return target.name, tuple((p, d is not None) for p, d in target.params)
            if isinstance(target, Binding) and isinstance(target.node, ast.Def):
                return target.name.text, _def_signature(target.node)
            if (
                isinstance(target, Binding)
                and isinstance(target.node, ast.LetDecl | ast.BlockLet | ast.LetIn)
                and isinstance(target.node.value, ast.Lambda)
            ):
                return target.name.text, _def_signature(target.node.value)
        elif isinstance(func, ast.Field) and isinstance(func.obj, ast.Var):
            target = self.resolution.targets.get(func.obj)
            if not isinstance(target, Binding):
                return None
            member = func.name.text
            decl = self.epic_imports.get(target, {}).get(member)
            if isinstance(decl, ast.Def):
                return f"{func.obj.name}.{member}", _def_signature(decl)
            function = self.python_functions.get(target, {}).get(member)
            if function is not None and function.checkable:
                signature = tuple((p, d is not None) for p, d in function.params)
                return f"{func.obj.name}.{member}", signature
        return None

    def arguments(
        self,
        name: str,
        signature: Signature,
        args: tuple[ast.Arg, ...],
        span: Span,
        piped_into: bool = False,
    ) -> None:
        """Matches arguments to parameters as Python does: positions first, then keywords."""
        params = [p for p, _ in signature]
        positional = [a for a in args if a.name is None]
        if any(a.name is not None for a in args[: len(positional)]):
            return  # a positional argument after a keyword one: the parser reports it
        given: set[str] = set(params[: len(positional)])
        for arg in args[len(positional) :]:
            assert arg.name is not None  # the positional arguments all come first (above)
            keyword = arg.name.text
            if keyword not in params:
                best = _close_matches(keyword, params, n=1)
                hint = f"; did you mean `{best[0]}`?" if best else ""
                self.report(
                    ERROR,
                    arg.name.span,
                    f"`{name}` has no parameter `{keyword}`{hint}",
                    "unknown-keyword",
                    *([_did_you_mean(arg.name.span, best[0])] if best else []),
                )
            elif keyword in given:
                self.report(
                    ERROR,
                    arg.name.span,
                    f"`{keyword}` is given twice in this call of `{name}`",
                    "duplicate-argument",
                )
            given.add(keyword)
        if len(positional) > len(params):
            extra = positional[len(params)]
            self.report(
                ERROR,
                extra.span,
                f"`{name}` takes {_count(signature)} but {len(positional)} "
                f"{'was' if len(positional) == 1 else 'were'} given",
                "arity",
            )
        missing = [p for p, has_default in signature if not has_default and p not in given]
        if missing:
            names = ", ".join(f"`{p}`" for p in missing)
            plural = "s" if len(missing) > 1 else ""
            self.report(
                ERROR,
                span,
                f"`{name}` is missing argument{plural} {names} (it takes {_count(signature)})"
                + (_pipe_hint(name, args) if piped_into else ""),
                "arity",
            )


_NOT_LITERAL = object()


def _literal_value(node: ast.Expr) -> Any:
    """The Python value of an expression made only of literals, lists and records (as
    `to_python` would give it at run time), or `_NOT_LITERAL`."""
    if isinstance(node, ast.Literal):
        return node.value
    if isinstance(node, ast.Neg) and isinstance(node.operand, ast.Literal):
        operand = node.operand.value
        if isinstance(operand, int | float) and not isinstance(operand, bool):
            return -operand
        return _NOT_LITERAL
    if isinstance(node, ast.ListExpr):
        items = [_literal_value(item) for item in node.items]
        return _NOT_LITERAL if any(i is _NOT_LITERAL for i in items) else items
    if isinstance(node, ast.RecordExpr):
        record: dict[str, Any] = {}
        for field in node.fields:
            value = _literal_value(field.value) if isinstance(field, ast.RecordField) else None
            if not isinstance(field, ast.RecordField) or value is _NOT_LITERAL:
                return _NOT_LITERAL
            record[field.key] = value
        return record
    return _NOT_LITERAL


def _option_hint(info: BuiltinInfo, value: ast.Expr) -> str:
    """`write `max_tokens=50`` when the argument's literal fits exactly one option's default
    (an int, a float, a list), else the options it may be meant for."""
    options = info.params[info.positional or 0 :]
    fitting = [name for name, default in options if _same_kind(value, default)]
    if len(fitting) == 1:
        shown = value.raw if isinstance(value, ast.Literal) else "..."
        return f"write `{fitting[0]}={shown}`"
    return "one of " + ", ".join(
        f"`{name}=`" for name, _ in ([(n, d) for n, d in options if n in fitting] or options)
    )


def _option_fixes(info: BuiltinInfo, arg: ast.Arg) -> tuple[Fix, ...]:
    """`max_tokens=50` for a literal that fits exactly one option (the hint's `write ...`)."""
    options = info.params[info.positional or 0 :]
    fitting = [name for name, default in options if _same_kind(arg.value, default)]
    if len(fitting) != 1 or not isinstance(arg.value, ast.Literal):
        return ()
    keyword = f"{fitting[0]}={arg.value.raw}"
    return (replace_fix(f"Write `{keyword}`", arg.span, keyword),)


def _same_kind(value: ast.Expr, default: str | None) -> bool:
    """Whether a literal argument is of the kind of an option's default (written as EPIC
    source text in the built-in table); a `none` default fits only strings."""
    if isinstance(value, ast.ListExpr):
        return default is not None and default.startswith("[")
    if not isinstance(value, ast.Literal) or isinstance(value.value, bool) or default is None:
        return False
    if isinstance(value.value, str):
        return default == "none" or default.startswith('"')
    if isinstance(value.value, int):
        return default.lstrip("-").isdigit()
    if isinstance(value.value, float):
        return "." in default and default.replace(".", "", 1).lstrip("-").isdigit()
    return False


def _did_you_mean(span: Span, suggestion: str) -> Fix:
    return replace_fix(f"Change to `{suggestion}`", span, suggestion)


def _pipe_hint(name: str, args: tuple[ast.Arg, ...]) -> str:
    """For `x |> f(a)` missing an argument: where to put `_` so that `x` goes there."""
    texts = [f"{a.name.text}=..." if a.name else "..." for a in args]
    first = ", ".join(["_", *texts])
    last = ", ".join([*texts, "_"])
    return (
        f"; the piped value is not passed to `{name}`: mark its place with `_`, "
        f"as in `{name}({first})` or `{name}({last})`"
    )


def _shape_problem(pattern: ast.Pattern, value: ast.Expr) -> str | None:
    """Why a tuple, list or record literal cannot match `pattern`, or None."""
    if isinstance(pattern, ast.PTuple | ast.PList):
        kind = "tuple" if isinstance(pattern, ast.PTuple) else "list"
        literal = ast.TupleExpr if kind == "tuple" else ast.ListExpr
        if isinstance(value, ast.TupleExpr | ast.ListExpr | ast.RecordExpr) and not isinstance(
            value, literal
        ):
            return f"cannot unpack a {_kind(value)} with a {kind} pattern"
        if not isinstance(value, literal):
            return None
        want = len(pattern.items)
        rest = isinstance(pattern, ast.PList) and pattern.rest is not None
        have = len(value.items)
        if have < want or (have > want and not rest):
            at_least = "at least " if rest else ""
            return f"cannot unpack {have} item{'s' if have != 1 else ''} into {at_least}{want}"
        for item, part in zip(pattern.items, value.items, strict=False):
            inner = _shape_problem(item, part)
            if inner is not None:
                return inner
        return None
    if isinstance(pattern, ast.PRecord):
        if isinstance(value, ast.TupleExpr | ast.ListExpr):
            return f"cannot unpack a {_kind(value)} with a record pattern"
        if not isinstance(value, ast.RecordExpr):
            return None
        fields = {f.key: f.value for f in value.fields}
        for field in pattern.fields:
            if field.key not in fields:
                return f"the record has no field `{field.key}`"
            inner = _shape_problem(field.pattern, fields[field.key])
            if inner is not None:
                return inner
    return None


def _kind(value: ast.Expr) -> str:
    return {ast.TupleExpr: "tuple", ast.ListExpr: "list"}.get(type(value), "record")


def _def_signature(node: ast.Def | ast.Lambda) -> Signature:
    return tuple((p.name.text, p.default is not None) for p in node.params)


def _count(signature: Signature) -> str:
    """`1 argument`, `2 arguments`, `1 or 2 arguments`, `1 to 3 arguments`."""
    most = len(signature)
    least = sum(1 for _, has_default in signature if not has_default)
    if least == most:
        return f"{most} argument{'s' if most != 1 else ''}"
    return f"{least} {'or' if most == least + 1 else 'to'} {most} arguments"
