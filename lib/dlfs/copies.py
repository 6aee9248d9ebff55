"""Answers that are copies of the library's reference: the same code after renaming.

The references (marked `@reference` in scratchflow) are readable on purpose; an answer that is one
of them with other names did not do the exercise. Only references of more than a few statements
count: a one-line formula written the same way is no copy.
"""

import ast
import functools
import inspect
import textwrap

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
