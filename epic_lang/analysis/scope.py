"""Name resolution: which binding every name in a module refers to, in one linear pass.

The result is a side table over the syntax tree (the tree itself is never changed), in the
manner of jlox's resolver. The checks read it for unknown names, unused lets and call arity;
the language server reads it for go-to-definition, find-references, rename, hover and
completion. Scoping follows docs/language.md §3-4: top-level names (defs, lets, import aliases) are
visible everywhere in the module and may refer to each other; a block `let` is visible from
the line after it to the end of its block; `let ... in`, parameters and pattern variables are
visible in their body; a parameter's default sees the parameters before it. Names inside
f-string holes are resolved like any other.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from typing import Literal

from epic_lang.analysis.builtins import BuiltinInfo, builtins_table
from epic_lang.records import field, record
from epic_lang.source import NO_SPAN, Span
from epic_lang.syntax import ast

BindingKind = Literal["def", "let", "import", "param", "local", "pattern"]

# A binding node: what introduced the name (for hover's "bound here" and for the checks).
BindingNode = (
    ast.Def
    | ast.LetDecl
    | ast.Import
    | ast.Param
    | ast.BlockLet
    | ast.LetIn
    | ast.Try
    | ast.Pattern
)


@record(frozen=True, slots=True, eq=False)
class Binding:
    """One place where a name is bound. Compared by identity: two bindings are the same only
    if they are the same object. `visible` is the offset range where the name is in scope
    (both ends included, so that completion at the end of a body still sees it). `kind` is
    `def`, `let` (top-level), `import`, `param`, `local` (block `let`, `let ... in` or
    the error name of `catch`) or `pattern` (also a name of a destructuring `let`)."""

    name: ast.Name
    kind: BindingKind
    node: BindingNode = field(repr=False)
    visible: tuple[int, int] = (0, 0)


Target = Binding | BuiltinInfo


@record(frozen=True, slots=True)
class Unresolved:
    """A use of a name that is bound nowhere, with the local names that were in scope there
    (top-level and built-in names are added by whoever suggests a correction)."""

    var: ast.Var
    local_names: tuple[str, ...]


@record(frozen=True, slots=True)
class Occurrence:
    """A name in the source (a binding or a use) and what it refers to."""

    span: Span
    target: Target
    is_binding: bool


@record(slots=True)
class Resolution:
    """The side table of one module.

    - `targets`: every resolved `Var` use -> its `Binding` or `BuiltinInfo`.
    - `uses`: every `Binding` -> the `Var`s that refer to it (empty list if none).
    - `keyword_uses`: parameter `Binding` of a top-level def -> the keyword-argument `Name`s
      that name it in calls (`f(x, sep=",")`), so that renaming a parameter renames them.
    - `unresolved`: uses of unknown names, in source order.
    - `top_level`: the first top-level binding of each name; `redefinitions`: later ones.
    - `clashes`: a parameter or pattern variable whose name an earlier one of the same
      parameter list or pattern already binds.
    - `calls`: every call, and every pipe (`x |> f` calls `f`), in source order.
    - `members`: every `alias.name` field access whose object is an import alias;
      `open_members`: those whose object is an unknown name.
    - `matches`: every `match`, in source order.
    - `unpacks`: the pattern and value of every destructuring `let`, in source order.
    - `too_deep`: declarations nested too deeply to resolve completely (their names are
      still bound; uses inside them may be missing).
    - `params_of`: the binding of a top-level def -> its parameters' bindings by name.
    """

    module: ast.Module
    bindings: list[Binding] = field(default_factory=list)
    targets: dict[ast.Var, Target] = field(default_factory=dict)
    uses: dict[Binding, list[ast.Var]] = field(default_factory=dict)
    keyword_uses: dict[Binding, list[ast.Name]] = field(default_factory=dict)
    unresolved: list[Unresolved] = field(default_factory=list)
    top_level: dict[str, Binding] = field(default_factory=dict)
    redefinitions: list[Binding] = field(default_factory=list)
    clashes: list[Binding] = field(default_factory=list)
    calls: list[ast.Call | ast.Pipe] = field(default_factory=list)
    members: list[tuple[ast.Field, Binding]] = field(default_factory=list)
    open_members: list[ast.Field] = field(default_factory=list)
    matches: list[ast.Match] = field(default_factory=list)
    unpacks: list[tuple[ast.Pattern, ast.Expr]] = field(default_factory=list)
    too_deep: list[ast.Def | ast.LetDecl] = field(default_factory=list)
    params_of: dict[Binding, dict[str, Binding]] = field(default_factory=dict)
    _occurrences: list[Occurrence] = field(default_factory=list, init=False, repr=False)
    _occurrence_starts: list[int] | None = field(default=None, init=False, repr=False)

    def binding_of(self, name: ast.Name) -> Binding | None:
        """The binding introduced by this `Name` node, if it is a binding."""
        occurrence = self.at(name.span.start)
        if occurrence and occurrence.is_binding and occurrence.span == name.span:
            return occurrence.target  # type: ignore[return-value]
        return None

    def names_in_scope(self, offset: int) -> dict[str, Target]:
        """Every name visible at `offset`, mapped to what it means there: built-ins, then
        top-level names, then local names, an inner binding hiding an outer one."""
        names: dict[str, Target] = dict(builtins_table())
        names.update(self.top_level)
        local = [
            b
            for b in self.bindings
            if b.kind in ("param", "local", "pattern") and b.visible[0] <= offset <= b.visible[1]
        ]
        local.sort(key=lambda b: b.visible[0])
        for binding in local:
            names[binding.name.text] = binding
        return names

    def local_names_at(self, offset: int) -> dict[str, Binding]:
        """Only the parameters, lets and pattern variables visible at `offset`."""
        return {
            name: target
            for name, target in self.names_in_scope(offset).items()
            if isinstance(target, Binding) and target.kind in ("param", "local", "pattern")
        }

    def at(self, offset: int) -> Occurrence | None:
        """The binding or use whose name covers `offset` (hover, definition, rename)."""
        if self._occurrence_starts is None:
            occurrences = [Occurrence(b.name.span, b, True) for b in self.bindings]
            occurrences += [Occurrence(v.span, t, False) for v, t in self.targets.items()]
            occurrences += [
                Occurrence(name.span, binding, False)
                for binding, names in self.keyword_uses.items()
                for name in names
            ]
            occurrences.sort(key=lambda o: o.span.start)
            self._occurrences = occurrences
            self._occurrence_starts = [o.span.start for o in occurrences]
        # Names never overlap, so only the last one starting at or before `offset` can
        # cover it (its end counts, so a cursor just after a name is on it).
        index = bisect_right(self._occurrence_starts, offset) - 1
        if index >= 0 and offset <= self._occurrences[index].span.end:
            return self._occurrences[index]
        return None

    def references(self, target: Binding) -> list[Span]:
        """The spans of the binding's name, its uses and keyword arguments naming it."""
        spans = [target.name.span]
        spans += [v.span for v in self.uses.get(target, ())]
        spans += [n.span for n in self.keyword_uses.get(target, ())]
        return sorted(spans, key=lambda s: s.start)


def resolve(module: ast.Module) -> Resolution:
    """Resolves every name of `module`; linear in the size of the tree."""
    return _Resolver(module).run()


class DeclarationResolver:
    """Resolves a module one declaration at a time, as a parse stream hands them out, so that
    no more than one declaration's tree need be held (`epic check` on a large file).

    Each declaration gets a `Resolution` of its own, sharing `top_level`: the names of the
    declarations so far. A name that a later declaration defines is unresolved there; the
    caller settles it once `top_level` is complete. `uses` holds the uses of the
    declaration's own bindings only, and keyword arguments are not linked."""

    def __init__(self, size: int) -> None:
        """`size`: the length of the module's text, where top-level names are visible."""
        self.top_level: dict[str, Binding] = {}
        self._visible = (0, size)
        self._resolver = _Resolver(ast.Module((), (), NO_SPAN))

    def resolve(self, decl: ast.Decl, node: BindingNode) -> Resolution:
        """The resolution of `decl`, its top-level name bound to `node` (which may be a
        lighter stand-in for the declaration, to be kept after its tree is dropped)."""
        result = Resolution(ast.Module((decl,), (), NO_SPAN), top_level=self.top_level)
        resolver = self._resolver
        resolver.result = result
        resolver.declaration(decl, resolver.declare(decl, node, self._visible))
        return result


class _Resolver:
    """One walk over the tree with a stack of local scopes (small dicts); top-level names
    and built-ins are looked up after the locals."""

    def __init__(self, module: ast.Module) -> None:
        self.result = Resolution(module)
        self.builtins = builtins_table()
        self.scopes: list[dict[str, Binding]] = []
        self.dispatch: dict[type, Callable] = {
            ast.Var: self.var,
            ast.Literal: _nothing,
            ast.FString: self.fstring,
            ast.Lambda: self.lambda_,
            ast.If: self.if_,
            ast.LetIn: self.let_in,
            ast.LetInUnpack: self.let_in_unpack,
            ast.Try: self.try_,
            ast.Block: self.block,
            ast.Match: self.match,
            ast.Pipe: self.binary,
            ast.BoolOp: self.binary,
            ast.Compare: self.binary,
            ast.BinOp: self.binary,
            ast.Not: self.unary,
            ast.Neg: self.unary,
            ast.Call: self.call,
            ast.Index: self.index,
            ast.Slice: self.slice_,
            ast.Field: self.field_,
            ast.TupleExpr: self.items,
            ast.ListExpr: self.items,
            ast.RecordExpr: self.record,
            ast.RecordUpdate: self.record_update,
            ast.Placeholder: _nothing,
        }

    def run(self) -> Resolution:
        module = self.result.module
        whole = (module.span.start, module.span.end)
        owners = [self.declare(decl, decl, whole) for decl in module.decls]
        for decl, owner in zip(module.decls, owners, strict=True):
            self.declaration(decl, owner)
        self.link_keywords()
        return self.result

    def declare(self, decl: ast.Decl, node: BindingNode, visible: tuple[int, int]) -> Binding:
        """Binds a declaration's top-level name, `node` standing for the declaration."""
        kind: BindingKind = (
            "def"
            if isinstance(decl, ast.Def)
            else "import"
            if isinstance(decl, ast.Import)
            else "let"
        )
        name = decl.alias if isinstance(decl, ast.Import) else decl.name
        binding = self.bind(name, kind, node, visible)
        if name.text in self.result.top_level:
            self.result.redefinitions.append(binding)
        else:
            self.result.top_level[name.text] = binding
        return binding

    def declaration(self, decl: ast.Decl, owner: Binding) -> None:
        """Resolves the names inside one declaration."""
        if isinstance(decl, ast.Import):
            return
        try:
            if isinstance(decl, ast.Def):
                self.result.params_of[owner] = self.function(decl, decl.params, decl.body)
            else:
                self.expr(decl.value)
        except RecursionError:
            self.scopes.clear()
            self.result.too_deep.append(decl)

    # -- bindings and lookups -----------------------------------------------------------

    def bind(
        self, name: ast.Name, kind: BindingKind, node: BindingNode, visible: tuple[int, int]
    ) -> Binding:
        binding = Binding(name, kind, node, visible)
        self.result.bindings.append(binding)
        self.result.uses[binding] = []
        return binding

    def lookup(self, name: str) -> Target | None:
        for scope in reversed(self.scopes):
            binding = scope.get(name)
            if binding is not None:
                return binding
        return self.result.top_level.get(name) or self.builtins.get(name)

    def expr(self, node: ast.Expr) -> None:
        self.dispatch[type(node)](node)

    # -- expressions ----------------------------------------------------------------------

    def var(self, node: ast.Var) -> None:
        target = self.lookup(node.name)
        if target is None:
            local_names = tuple({n for scope in self.scopes for n in scope})
            self.result.unresolved.append(Unresolved(node, local_names))
            return
        self.result.targets[node] = target
        if isinstance(target, Binding):
            # Absent: a top-level name of another declaration, resolved one at a time.
            uses = self.result.uses.get(target)
            if uses is not None:
                uses.append(node)

    def fstring(self, node: ast.FString) -> None:
        for part in node.parts:
            if isinstance(part, ast.FHole):
                self.expr(part.expr)

    def lambda_(self, node: ast.Lambda) -> None:
        self.function(node, node.params, node.body)

    def function(
        self, node: ast.Def | ast.Lambda, params: tuple[ast.Param, ...], body: ast.Expr
    ) -> dict[str, Binding]:
        """Resolves a def or fn; returns its parameters' bindings by name."""
        scope: dict[str, Binding] = {}
        self.scopes.append(scope)
        end = node.span.end
        for param in params:
            if param.default is not None:
                self.expr(param.default)
            binding = self.bind(param.name, "param", param, (param.span.end, end))
            self.add(scope, binding)
        self.expr(body)
        self.scopes.pop()
        return scope

    def add(self, scope: dict[str, Binding], binding: Binding) -> None:
        """Adds a parameter or pattern variable to its group, noting a repeated name."""
        text = binding.name.text
        if text in scope and text != "_":
            self.result.clashes.append(binding)
        scope[text] = binding

    def if_(self, node: ast.If) -> None:
        # A long `else if` chain nests in `orelse`; walk it in a loop, not by recursion.
        link: ast.Expr = node
        while isinstance(link, ast.If):
            self.expr(link.cond)
            self.expr(link.then)
            link = link.orelse
        self.expr(link)

    def let_in(self, node: ast.LetIn) -> None:
        self.expr(node.value)
        binding = self.bind(node.name, "local", node, (node.body.span.start, node.span.end))
        self.scopes.append({node.name.text: binding})
        self.expr(node.body)
        self.scopes.pop()

    def let_in_unpack(self, node: ast.LetInUnpack) -> None:
        self.expr(node.value)
        self.result.unpacks.append((node.pattern, node.value))
        scope: dict[str, Binding] = {}
        self.pattern(node.pattern, scope, (node.body.span.start, node.span.end), "local")
        self.scopes.append(scope)
        self.expr(node.body)
        self.scopes.pop()

    def try_(self, node: ast.Try) -> None:
        self.expr(node.body)
        scope: dict[str, Binding] = {}
        if node.name.text != "_":
            visible = (node.handler.span.start, node.span.end)
            scope[node.name.text] = self.bind(node.name, "local", node, visible)
        self.scopes.append(scope)
        self.expr(node.handler)
        self.scopes.pop()

    def block(self, node: ast.Block) -> None:
        scope: dict[str, Binding] = {}
        self.scopes.append(scope)
        for let in node.lets:
            self.expr(let.value)
            visible = (let.span.end, node.span.end)
            if isinstance(let, ast.BlockUnpack):
                self.result.unpacks.append((let.pattern, let.value))
                names: dict[str, Binding] = {}
                self.pattern(let.pattern, names, visible, "local")
                scope.update(names)
            else:
                scope[let.name.text] = self.bind(let.name, "local", let, visible)
        self.expr(node.result)
        self.scopes.pop()

    def match(self, node: ast.Match) -> None:
        self.result.matches.append(node)
        self.expr(node.subject)
        for case in node.cases:
            scope: dict[str, Binding] = {}
            self.pattern(case.pattern, scope, (case.body.span.start, case.span.end))
            self.scopes.append(scope)
            self.expr(case.body)
            self.scopes.pop()

    def pattern(
        self,
        node: ast.Pattern,
        scope: dict[str, Binding],
        visible: tuple[int, int],
        kind: BindingKind = "pattern",
    ) -> None:
        """Binds the names of a pattern: of `case` (`pattern`) or of a destructuring `let`
        (`local`, so that an unused one is reported like any `let`)."""
        if isinstance(node, ast.PName):
            if node.name.text != "_":
                self.add(scope, self.bind(node.name, kind, node, visible))
        elif isinstance(node, ast.PTuple | ast.PList):
            for item in node.items:
                self.pattern(item, scope, visible, kind)
            if isinstance(node, ast.PList) and node.rest and node.rest.text != "_":
                self.add(scope, self.bind(node.rest, kind, node, visible))
        elif isinstance(node, ast.PRecord):
            for record_field in node.fields:
                self.pattern(record_field.pattern, scope, visible, kind)

    def binary(self, node: ast.BoolOp | ast.Compare | ast.BinOp | ast.Pipe) -> None:
        # Long chains (`a + b + c ...`, `x |> f |> g ...`) nest to the left; walk the left
        # spine in a loop so that a chain of any length needs no deep recursion.
        spine = []
        operand: ast.Expr = node
        while isinstance(operand, _BINARY):
            spine.append(operand)
            operand = operand.left
        self.expr(operand)
        for link in reversed(spine):
            self.expr(link.right)
            if type(link) is ast.Pipe:
                self.result.calls.append(link)

    def unary(self, node: ast.Not | ast.Neg) -> None:
        self.expr(node.operand)

    def call(self, node: ast.Call) -> None:
        self.expr(node.func)
        for arg in node.args:
            self.expr(arg.value)
        self.result.calls.append(node)

    def index(self, node: ast.Index) -> None:
        self.expr(node.obj)
        self.expr(node.index)

    def slice_(self, node: ast.Slice) -> None:
        self.expr(node.obj)
        if node.start is not None:
            self.expr(node.start)
        if node.stop is not None:
            self.expr(node.stop)

    def field_(self, node: ast.Field) -> None:
        self.expr(node.obj)
        if isinstance(node.obj, ast.Var):
            target = self.result.targets.get(node.obj)
            if isinstance(target, Binding) and target.kind == "import":
                self.result.members.append((node, target))
            elif target is None:
                self.result.open_members.append(node)

    def items(self, node: ast.TupleExpr | ast.ListExpr) -> None:
        for item in node.items:
            self.expr(item)

    def record(self, node: ast.RecordExpr | ast.RecordUpdate) -> None:
        for record_field in node.fields:
            self.expr(record_field.value)

    def record_update(self, node: ast.RecordUpdate) -> None:
        self.expr(node.base)
        self.record(node)

    # -- keyword arguments of calls of top-level defs -------------------------------------

    def link_keywords(self) -> None:
        """Links `f(k=v)` keyword names to the parameter `k` of the top-level def `f`."""
        result = self.result
        for call in result.calls:
            if not isinstance(call, ast.Call) or not isinstance(call.func, ast.Var):
                continue
            target = result.targets.get(call.func)
            if not isinstance(target, Binding) or target.kind != "def":
                continue
            params = result.params_of.get(target, {})
            for arg in call.args:
                if arg.name is not None and arg.name.text in params:
                    param = params[arg.name.text]
                    result.keyword_uses.setdefault(param, []).append(arg.name)


_BINARY = (ast.BoolOp, ast.Compare, ast.BinOp, ast.Pipe)


def _nothing(node: ast.Expr) -> None:
    """Literals bind and use no names."""
