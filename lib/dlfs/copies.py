"""Answers that are copies of the library's reference: the same code after renaming.

The references (marked `@reference` in scratchflow) are readable on purpose; an answer that is one
of them with other names did not do the exercise. Only references of more than a few statements
count: a one-line formula written the same way is no copy.
"""

import ast
import builtins
import copy
import functools
import inspect
import textwrap
from collections import Counter

from dlfs.parsing import parse

MIN_STATEMENTS = 5
MODULES = {"sf", "scratchflow", "np", "numpy"}


def copies(tree):
    """[(line, reference name)] for each function in `tree` whose body is a reference's body."""
    known = _references()
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            shape = _shape(node)
            if shape in known:
                found.append((node.lineno, known[shape]))
    return found


@functools.cache
def _references():
    import scratchflow

    shapes = {}
    for module in vars(scratchflow).values():
        if not inspect.ismodule(module) or not module.__name__.startswith("scratchflow"):
            continue
        for obj in _functions(module):
            original = inspect.unwrap(obj)
            tree = parse(textwrap.dedent(inspect.getsource(original)))
            node = tree.body[0]
            if sum(isinstance(n, ast.stmt) for n in ast.walk(node)) - 1 >= MIN_STATEMENTS:
                shapes[_shape(node)] = obj.spelling
    return shapes


def _functions(module):
    for obj in vars(module).values():
        if getattr(obj, "reference_of", None):
            yield obj
        elif inspect.isclass(obj) and obj.__module__ == module.__name__:
            yield from (f for f in vars(obj).values() if getattr(f, "reference_of", None))


def _shape(function):
    """The body's structure with every name replaced by its order of first appearance."""
    body = [s for s in function.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
    names = {}
    for arg in function.args.posonlyargs + function.args.args + function.args.kwonlyargs:
        names.setdefault(arg.arg, f"v{len(names)}")

    class Rename(ast.NodeTransformer):
        def visit_Attribute(self, node):
            if isinstance(node.value, ast.Name) and node.value.id in MODULES:
                return self.visit_Name(ast.Name(id=node.attr, ctx=node.ctx))  # sf.Node is Node
            return self.generic_visit(node)

        def visit_Name(self, node):
            return ast.Name(id=names.setdefault(node.id, f"v{len(names)}"), ctx=node.ctx)

        def visit_arg(self, node):
            return ast.arg(arg=names.setdefault(node.arg, f"v{len(names)}"))

    module = ast.Module(body=[Rename().visit(parse(ast.unparse(s)).body[0]) for s in body], type_ignores=[])
    return ast.dump(module, annotate_fields=False)


SPREAD_SHARE = 0.9  # of a reference's statements found in the learner's code, in any cells and order


def spread(trees):
    """[reference name] for each reference whose statements (each after renaming) nearly all appear
    in the learner's code, however split over cells and helpers, or with a helper of it inlined."""
    have = Counter(s for tree in trees for s in _statements(tree.body))
    found = []
    for wanted, name in _fingerprints():
        need = Counter(wanted)
        if sum(min(n, have[s]) for s, n in need.items()) >= SPREAD_SHARE * sum(need.values()):
            found.append(name)
    return list(dict.fromkeys(found))


@functools.cache
def _fingerprints():
    import scratchflow

    prints = []
    for module in vars(scratchflow).values():
        if inspect.ismodule(module) and module.__name__.startswith("scratchflow"):
            for obj in _functions(module):
                node = parse(textwrap.dedent(inspect.getsource(inspect.unwrap(obj)))).body[0]
                wanted = _statements(node.body)
                if len(wanted) >= MIN_STATEMENTS:
                    prints.append((tuple(wanted), obj.spelling))
    return prints


def _statements(body):
    """Each statement under `body`, nested ones included, as its own shape: a compound statement
    by its head alone, names renamed by their order in that statement (builtins and the library's
    names kept); docstrings, definitions and statements that say nothing (`return x`, `pass`) left out."""
    shapes = []
    for top in body:
        for node in ast.walk(top):
            if not isinstance(node, ast.stmt) or isinstance(node, SILENT):
                continue
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
                continue
            if isinstance(node, ast.Return) and isinstance(node.value, (ast.Name, type(None))):
                continue
            head = parse(ast.unparse(_head(node))).body[0]
            shapes.append(ast.dump(_Renamer().visit(head), annotate_fields=False))
    return shapes


SILENT = (  # statements that say nothing by themselves (a try's own parts are counted)
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.ClassDef,
    ast.Import,
    ast.ImportFrom,
    ast.Pass,
    ast.Break,
    ast.Continue,
    ast.Try,
)


def _head(node):
    """A compound statement without the statements inside it."""
    node = copy.copy(node)
    for field in ("body", "orelse", "finalbody", "handlers"):
        if isinstance(getattr(node, field, None), list):
            setattr(node, field, [ast.Pass()] if field == "body" else [])
    return node


class _Renamer(ast.NodeTransformer):
    """Names by their order of first appearance, except builtins and the library's own names;
    `sf.X` and `np.X` as `X`."""

    def __init__(self):
        import scratchflow

        library = {name for name, value in vars(scratchflow).items() if not inspect.ismodule(value)}
        self.kept, self.names = set(dir(builtins)) | library, {}

    def visit_Attribute(self, node):
        if isinstance(node.value, ast.Name) and node.value.id in MODULES:
            return self.visit_Name(ast.Name(id=node.attr, ctx=node.ctx))
        return self.generic_visit(node)

    def visit_Name(self, node):
        if node.id in self.kept:
            return node
        return ast.Name(id=self.names.setdefault(node.id, f"v{len(self.names)}"), ctx=node.ctx)
