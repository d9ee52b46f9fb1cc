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

The work is proportional to the external references and the uses of costly defs, so that
checking stays linear and cheap on every keystroke; only a `let` that is a candidate is
walked down from its declaration, along the spans of its uses.
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


def cost_traps(
    resolution: Resolution, text: str, path: str | None, externals: frozenset[str]
) -> list[Diagnostic]:
    """The cost-trap warnings of a module, each with its fix when one can be made."""
    costly = _costly_offsets(resolution, externals)
    if not costly:
        return []
    module = resolution.module
    decl_starts = [decl.span.start for decl in module.decls]
    found = []
    for binding in resolution.bindings:
        node = binding.node
        if binding.kind != "local" or not isinstance(node, ast.BlockLet):
            continue
        uses = resolution.uses.get(binding)
        if not uses or isinstance(node.value, ast.Lambda):
            continue
        value = node.value.span
        first = bisect_left(costly, value.start)
        if first == len(costly) or costly[first] >= value.end:
            continue
        # Every arm holding a use starts between the `let` and that use: without an `if`
        # or `match` written there, there is nothing to walk (the common case, cheaply).
        last_use = max(use.span.end for use in uses)
        if not _CONDITIONAL.search(text, node.span.end, last_use):
            continue
        decl = module.decls[bisect_right(decl_starts, node.span.start) - 1]
        found_block = _block_of(decl, node)
        if found_block is None:
            continue
        branch = _only_branch(found_block, uses)
        if branch is None:
            continue
        where = branch.describe(text)
        fix = _move_fix(resolution, text, decl, node, branch)
        found.append(
            Diagnostic(
                Severity.WARNING,
                binding.name.span,
                MESSAGE.format(name=binding.name.text, where=where),
                CODE,
                path,
                () if fix is None else (fix,),
            )
        )
    return found


def _costly_offsets(resolution: Resolution, externals: frozenset[str]) -> list[int]:
    """The sorted offsets of every reference to an external or to a costly def."""
    module = resolution.module
    decls = module.decls
    decl_starts = [decl.span.start for decl in decls]
    direct: list[ast.Var] = [u.var for u in resolution.unresolved if u.var.name in externals]
    for var, target in resolution.targets.items():
        if isinstance(target, BuiltinInfo):
            if target.kind == "llm":
                direct.append(var)
        elif isinstance(target.node, ast.Import) and target.node.python:
            direct.append(var)
    owners = {
        id(decl): binding
        for decl in decls
        if (binding := resolution.top_level.get(_decl_name(decl))) is not None
        and binding.node is decl
    }

    def owner(var: ast.Var) -> Binding | None:
        index = bisect_right(decl_starts, var.span.start) - 1
        return owners.get(id(decls[index])) if index >= 0 else None

    references = list(direct)
    costly_defs: set[Binding] = set()
    pending = [found for var in direct if (found := owner(var)) is not None]
    while pending:
        binding = pending.pop()
        if binding in costly_defs or binding.kind != "def":
            continue
        costly_defs.add(binding)
        for use in resolution.uses.get(binding, ()):
            references.append(use)
            found = owner(use)
            if found is not None:
                pending.append(found)
    return sorted(var.span.start for var in references)


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
