"""The cost trap: a block `let` whose value calls an external, used only in one branch of an
`if` or `match` that may not be taken.

Evaluation is strict and opportunistic (docs/language.md §11, "The cost trap"): the call of a
`let`'s value is sent as soon as its arguments are known, whether or not the branch that uses
it is taken, so `let summary = llm(...)` above `if short then text else summary` pays for a
summary it may throw away. The check warns on the `let`'s name and offers to move the `let`
into the branch.

What counts as an external: the LLM built-ins, members of `import python` modules, names a
program declares as externals (`assume_defined`), and every top-level `def` that refers to
one of these, directly or through other defs. A value that is itself a `fn` calls nothing.

The work is linear, so that checking stays cheap on every keystroke: a `let` whose value
refers to no LLM built-in and no top-level name, or with no `if` or `match` written between
it and its uses, is passed over at once; only the others are walked down from their
declaration, along the spans of their uses.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right

from epic_lang.analysis.builtins import BuiltinInfo
from epic_lang.analysis.scope import Binding, Resolution
from epic_lang.diagnostics import Diagnostic, Fix, Severity, TextEdit
from epic_lang.ide.walk import children, iter_nodes
from epic_lang.records import record
from epic_lang.source import Span
from epic_lang.syntax import ast

CODE = "cost-trap"
_CONDITIONAL = re.compile(r"\b(?:if|match)\b")
MESSAGE = (
    "the value of `{name}` calls an external (LLM or Python), which is sent even when "
    "{where} is not taken, and only that branch uses `{name}`: move the `let` into it"
)


@record(frozen=True, slots=True, eq=False)
class _Branch:
    """One arm of a conditional: `node` is the `If` or `Match`, `arm` the arm's index (the
    `then` arm of an `If` is 0, `else` 1; a `Match` counts its cases)."""

    node: ast.If | ast.Match
    arm: int

    def same_arm(self, other: _Branch) -> bool:
        """By identity: equal-looking nodes at two places are two arms."""
        return self.node is other.node and self.arm == other.arm

    @property
    def body(self) -> ast.Expr:
        node = self.node
        if isinstance(node, ast.If):
            return node.then if self.arm == 0 else node.orelse
        return node.cases[self.arm].body

    def describe(self, text: str) -> str:
        node = self.node
        if isinstance(node, ast.If):
            arm = "`then`" if self.arm == 0 else "`else`"
            return f"the {arm} branch of the `if` on line {node.span.line}"
        pattern = node.cases[self.arm].pattern.span
        return f"`case {text[pattern.start : pattern.end]}` on line {pattern.line}"


class CostTraps:
    """The cost-trap check over the resolutions of a module: of the whole module at once (the
    editor), or of one declaration after another (`epic check`, which drops each tree).

    Which defs call an external is known only once every declaration is seen, so each
    resolution leaves compact summaries: per top-level def, the top-level names it refers to
    and whether it calls an LLM built-in; per candidate `let` (used in one arm only), the same
    of its value, with its warning ready. `finish` keeps the candidates that call an external.
    """

    def __init__(self, text: str, path: str | None, externals: frozenset[str]) -> None:
        self.text = text
        self.path = path
        self.externals = externals
        self.defs: dict[str, _Calls] = {}
        self.candidates: list[tuple[_Calls, Diagnostic]] = []

    def add(self, resolution: Resolution) -> None:
        """Summarises the declarations of `resolution` (none in what `check_stream` settles
        at the end: its uses were summarised with their declarations)."""
        decls = resolution.module.decls
        if not decls:
            return
        refs = _references(resolution)
        for decl, found in zip(decls, refs, strict=True):
            first = resolution.top_level.get(_decl_name(decl))
            if isinstance(decl, ast.Def) and first is not None and first.name is decl.name:
                calls = _calls(found)
                if calls.llm or calls.names:  # (else it is never costly)
                    self.defs[decl.name.text] = calls
        decl_starts = [decl.span.start for decl in decls]
        ordered: dict[int, list[tuple[int, str | None]]] = {}
        for binding in resolution.bindings:
            node = binding.node
            if binding.kind != "local" or not isinstance(node, ast.BlockLet):
                continue
            uses = resolution.uses.get(binding)
            if not uses or isinstance(node.value, ast.Lambda):
                continue
            # Every arm holding a use starts between the `let` and that use: without an `if`
            # or `match` written there, there is nothing to walk (the common case, cheaply).
            last_use = max(use.span.end for use in uses)
            if not _CONDITIONAL.search(self.text, node.span.end, last_use):
                continue
            index = bisect_right(decl_starts, node.span.start) - 1
            if index not in ordered:
                ordered[index] = sorted(refs[index], key=_offset)
            value = node.value.span
            in_decl = ordered[index]
            low = bisect_left(in_decl, value.start, key=_offset)
            high = bisect_left(in_decl, value.end, key=_offset)
            if low < high:
                warning = self._warning(resolution, decls[index], binding, node, uses)
                if warning is not None:
                    self.candidates.append((_calls(in_decl[low:high]), warning))

    def _warning(
        self,
        resolution: Resolution,
        decl: ast.Decl,
        binding: Binding,
        let: ast.BlockLet,
        uses: list[ast.Var],
    ) -> Diagnostic | None:
        """The warning for `let`, should its value call an external; None if its uses are
        not all in one arm."""
        found_block = _block_of(decl, let)
        if found_block is None:
            return None
        branch = _only_branch(found_block, uses)
        if branch is None:
            return None
        where = branch.describe(self.text)
        fix = _move_fix(resolution, self.text, decl, let, branch)
        return Diagnostic(
            Severity.WARNING,
            binding.name.span,
            MESSAGE.format(name=binding.name.text, where=where),
            CODE,
            self.path,
            () if fix is None else (fix,),
        )

    def finish(self, top_level: dict[str, Binding]) -> list[Diagnostic]:
        """The warnings of the candidates whose value calls an external or a def that does,
        directly or through other defs; `top_level` holds every top-level name."""

        def external(name: str) -> bool:
            binding = top_level.get(name)
            if binding is None:
                return name in self.externals
            return isinstance(binding.node, ast.Import) and binding.node.python

        def direct(calls: _Calls) -> bool:
            return calls.llm or any(external(name) for name in calls.names)

        users: dict[str, list[str]] = {}
        pending = []
        for name, calls in self.defs.items():
            for used in calls.names:
                users.setdefault(used, []).append(name)
            if direct(calls):
                pending.append(name)
        costly: set[str] = set()
        while pending:
            name = pending.pop()
            if name not in costly:
                costly.add(name)
                pending += users.get(name, ())
        return [
            warning
            for calls, warning in self.candidates
            if direct(calls) or not costly.isdisjoint(calls.names)
        ]


@record(frozen=True, slots=True)
class _Calls:
    """What a def or a value refers to that may be external: an LLM built-in (`llm`), and
    top-level or unknown names (externals, Python imports, defs that call them)."""

    llm: bool
    names: frozenset[str]


def _offset(ref: tuple[int, str | None]) -> int:
    return ref[0]


def _calls(refs: list[tuple[int, str | None]]) -> _Calls:
    names = frozenset(name for _, name in refs if name is not None)
    return _Calls(any(name is None for _, name in refs), names)


def _references(resolution: Resolution) -> list[list[tuple[int, str | None]]]:
    """Per declaration, the (offset, name) of each use of a top-level or unknown name, and
    (offset, None) of each use of an LLM built-in."""
    decls = resolution.module.decls
    starts = [decl.span.start for decl in decls]
    refs: list[list[tuple[int, str | None]]] = [[] for _ in decls]
    one = len(decls) == 1
    for var, target in resolution.targets.items():
        if isinstance(target, BuiltinInfo):
            if target.kind != "llm":
                continue
            name = None
        elif target.kind in _TOP_LEVEL:
            name = target.name.text
        else:
            continue
        at = var.span.start
        refs[0 if one else bisect_right(starts, at) - 1].append((at, name))
    for unresolved in resolution.unresolved:
        at = unresolved.var.span.start
        refs[0 if one else bisect_right(starts, at) - 1].append((at, unresolved.var.name))
    return refs


_TOP_LEVEL = frozenset(["def", "let", "import"])


def _decl_name(decl: ast.Decl) -> str:
    return decl.alias.text if isinstance(decl, ast.Import) else decl.name.text


def _block_of(decl: ast.Decl, let: ast.BlockLet) -> ast.Block | None:
    """The block whose `let` lines hold `let`, found along the spans that contain it."""
    node: object = decl
    while node is not None:
        if isinstance(node, ast.Block) and any(line is let for line in node.lets):
            return node
        node = next(
            (
                child
                for child in children(node)
                if child.span.start <= let.span.start and let.span.end <= child.span.end
            ),
            None,
        )
    return None


def _only_branch(block: ast.Block, uses: list[ast.Var]) -> _Branch | None:
    """The innermost arm that holds every use, when it is inside the block (and not inside a
    `fn`, whose body may run many times)."""
    common: list[_Branch] | None = None
    for use in uses:
        path = _branches_to(block, use.span.start)
        if common is None:
            common = path
        else:
            same = 0
            while same < min(len(common), len(path)) and common[same].same_arm(path[same]):
                same += 1
            common = common[:same]
        if not common:
            return None
    return common[-1] if common else None


def _branches_to(block: ast.Block, offset: int) -> list[_Branch]:
    """The arms passed going down from `block` to the name at `offset`, outermost first,
    up to the first `fn`."""
    path: list[_Branch] = []
    node: object = block
    while node is not None and not isinstance(node, ast.Var):
        if isinstance(node, ast.Lambda):
            break
        child = next(
            (c for c in children(node) if c.span.start <= offset < c.span.end),
            None,
        )
        if isinstance(node, ast.If) and child is not None and child is not node.cond:
            path.append(_Branch(node, 0 if child is node.then else 1))
        elif isinstance(node, ast.Match) and isinstance(child, ast.Case):
            arm = next(i for i, case in enumerate(node.cases) if case is child)
            path.append(_Branch(node, arm))
        node = child
    return path


# -- the fix: move the `let` line into the arm ---------------------------------------------


def _move_fix(
    resolution: Resolution, text: str, decl: ast.Decl, let: ast.BlockLet, branch: _Branch
) -> Fix | None:
    """Deletes the `let` line and writes it again at the top of the arm (as a `let` line of
    the arm's block, or as `(let x = v in body)` for an arm on one line). None when the
    result would not parse, or when a name the value uses means something else there."""
    line_start = let.span.start - (let.span.col - 1)
    if text[line_start : let.span.start].strip():
        return None  # the `let` shares its line with other code
    line_end = text.find("\n", let.span.end)
    line_end = len(text) if line_end < 0 else line_end + 1
    moved = text[let.span.start : line_end].rstrip()
    body = branch.body
    there = resolution.names_in_scope(body.span.start)
    for var in iter_nodes(let.value):
        if isinstance(var, ast.Var) and there.get(var.name) is not resolution.targets.get(var):
            return None
    body_line = body.span.start - (body.span.col - 1)
    body_indent = text[body_line : body.span.start]
    if isinstance(body, ast.Block) and not body_indent.strip():
        lines = _reindent(moved, let.span.col - 1, len(body_indent))
        insert = TextEdit(_point(body_line, body.span.line), f"{body_indent}{lines}\n")
    elif isinstance(branch.node, ast.Match) and body.span.line == body.span.end_line:
        # `case p => body` becomes `case p =>` over a block of the `let` and the body.
        case = branch.node.cases[branch.arm]
        arrow = text.find("=>", case.pattern.span.end, body.span.start)
        if arrow < 0:
            return None
        case_line = case.span.start - (case.span.col - 1)
        indent = text[case_line : case.span.start] + "    "
        lines = _reindent(moved, let.span.col - 1, len(indent))
        inner = text[body.span.start : body.span.end]
        insert = TextEdit(
            _span_in(text, arrow + 2, body.span.end),
            f"\n{indent}{lines}\n{indent}{inner}",
        )
    elif "\n" not in moved:
        # An `if` arm is one expression: it becomes `(let x = value in arm)`.
        value = text[let.value.span.start : let.value.span.end]
        inner = text[body.span.start : body.span.end]
        insert = TextEdit(body.span, f"(let {let.name.text} = {value} in {inner})")
    else:
        return None
    delete = TextEdit(_between(let, line_start, line_end), "")
    edits = (delete, insert) if delete.span.start < insert.span.start else (insert, delete)
    if not _parses_after(text, decl, edits):
        return None
    return Fix(f"Move `{let.name.text}` into {branch.describe(text)}", edits)


def _reindent(moved: str, old: int, new: int) -> str:
    """The `let` text with its continuation lines moved from indentation `old` to `new`."""
    first, *rest = moved.split("\n")
    shifted = [first]
    for line in rest:
        if new >= old:
            shifted.append(" " * (new - old) + line)
        else:
            cut = len(line) - len(line.lstrip(" "))
            shifted.append(line[min(cut, old - new) :])
    return "\n".join(shifted)


def _span_in(text: str, start: int, end: int) -> Span:
    """The span of `text[start:end]` with its lines and columns (a fix is rare: counting is
    fine here)."""
    line = text.count("\n", 0, start) + 1
    end_line = line + text.count("\n", start, end)
    col = start - text.rfind("\n", 0, start)
    end_col = end - text.rfind("\n", 0, end)
    return Span(start, end, line, col, end_line, end_col)


def _point(offset: int, line: int) -> Span:
    return Span(offset, offset, line, 1, line, 1)


def _between(let: ast.BlockLet, start: int, end: int) -> Span:
    """The whole lines of the `let`, from its line's start to the next line's start."""
    return Span(start, end, let.span.line, 1, let.span.end_line + 1, 1)


def _parses_after(text: str, decl: ast.Decl, edits: tuple[TextEdit, ...]) -> bool:
    """Whether the declaration, with the edits applied, parses without errors."""
    from epic_lang.syntax.parser import parse

    start, end = decl.span.start, decl.span.end
    pieces, at = [], start
    for edit in edits:
        pieces += [text[at : edit.span.start], edit.new_text]
        at = edit.span.end
    pieces.append(text[at:end])
    return not parse("".join(pieces)).diagnostics
