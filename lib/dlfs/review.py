"""Flag student code that reaches for the grading harness, for an instructor to review.

Test cells run in the student's kernel, so code in that kernel can in principle fake them (rebind
`check_close`, patch `np.allclose`, hook IPython). The sandbox cannot stop that; this static
review of every cell the student changed or added finds the plain and the lightly disguised forms.
A flag never changes a score (an honest learner must not lose points to a false alarm): it goes
into the `detail` column as "review: ...".
"""

import ast
import builtins

import nbformat

from dlfs import copies
from dlfs.parsing import parse

# Modules a learner of this course has a reason to import.
ALLOWED_IMPORTS = {
    "numpy", "math", "scratchflow", "matplotlib", "collections", "itertools", "functools", "random",
    "statistics", "typing", "dataclasses", "time", "tqdm", "ipywidgets", "networkx", "tensorflow", "keras",
}  # fmt: skip
# Ways into the interpreter's machinery that no answer in this course needs.
FORBIDDEN_NAMES = {
    "exec", "eval", "compile", "__import__", "getattr", "setattr", "delattr", "vars", "globals", "locals",
    "open", "breakpoint", "get_ipython", "__builtins__", "memoryview", "exit", "quit",
}  # fmt: skip
# scratchflow's modules that run the checks: the guard of the references, the records of grading.
GRADING_MACHINERY = {"guard", "record", "Delegation"}
ALLOWED_DUNDERS = {"__init__", "__name__", "__doc__", "__repr__", "__str__", "__len__", "__call__"}


def review(submitted, source):
    """Reasons (strings) why `submitted` (a notebook) should be looked at by a person. `source` is
    the instructor's notebook: its locked cells are trusted, its test cells tell which names the
    tests rely on."""
    trusted = {c.source for c in source.cells if not _meta(c).get("solution")}
    answers = [c.source for c in source.cells if _meta(c).get("solution") and c.cell_type == "code"]
    tests = [c.source for c in source.cells if _meta(c).get("grade") and c.cell_type == "code"]
    # Names the tests read but neither bind themselves nor leave to the learner (check_close, np,
    # AssertionError...): rebinding one can fake a test.
    exceptions = {n for n, v in vars(builtins).items() if isinstance(v, type) and issubclass(v, BaseException)}
    protected = (_loaded(tests) | exceptions) - _bound(tests) - _bound(answers)
    # Everything the student wrote: answers, added cells, edited given cells (test cells are
    # restored by nbgrader before grading, so they are not the student's).
    student = [
        c for c in submitted.cells if c.cell_type == "code" and c.source not in trusted and not _meta(c).get("grade")
    ]
    imported = _imported(c.source for c in submitted.cells if c.cell_type == "code")
    reasons, trees = [], []
    for c in student:
        where = _meta(c).get("grade_id") or "an added cell"
        tree = _parse(c.source)
        if tree is None:
            continue  # it will fail to run, and be graded as such
        trees.append(tree)
        for line, what in _Finder(protected, imported).find(tree):
            reasons.append(f"{what} ({where}, line {line})")
        for line, name in copies.copies(tree):
            reasons.append(f"copies the reference {name} (the same code after renaming; {where}, line {line})")
    named = " ".join(reasons)
    for name in copies.spread(trees):  # a copy split over cells and helpers, or with a helper inlined
        if f"copies the reference {name} " not in named:
            reasons.append(
                f"copies the reference {name} (nearly all of its statements, after renaming, in the cells you wrote)"
            )
    return sorted(set(reasons), key=reasons.index)


def review_file(path, source_path):
    return review(nbformat.read(path, as_version=4), nbformat.read(source_path, as_version=4))


class _Finder(ast.NodeVisitor):
    def __init__(self, protected, imported):
        self.protected, self.imported, self.found = protected, imported, []
        self.local = [set()]

    def find(self, tree):
        self.visit(tree)
        return self.found

    def flag(self, node, what):
        self.found.append((getattr(node, "lineno", 0), what))

    def visit_Import(self, node):
        for alias in node.names:
            self._check_import(node, alias.name)

    def visit_ImportFrom(self, node):
        self._check_import(node, "." if node.level else node.module or "")

    def _check_import(self, node, module):
        if module.split(".")[0] not in ALLOWED_IMPORTS:
            self.flag(node, f"imports {module}")

    def visit_Name(self, node):
        if node.id in FORBIDDEN_NAMES:
            self.flag(node, f"uses {node.id}")
        elif isinstance(node.ctx, (ast.Store, ast.Del)) and self._global(node.id) and node.id in self.protected:
            self.flag(node, f"rebinds {node.id}, which the tests use")

    def visit_Attribute(self, node):
        if node.attr.startswith("__") and node.attr not in ALLOWED_DUNDERS:
            self.flag(node, f"uses .{node.attr}")
        elif node.attr in GRADING_MACHINERY or (node.attr.startswith("_") and _rooted_in(node, self.imported)):
            self.flag(node, f"uses {ast.unparse(node)}, the grading machinery or a library's private part")
        if isinstance(node.ctx, (ast.Store, ast.Del)):
            self._check_target(node)
        self.generic_visit(node)

    def visit_Subscript(self, node):
        if isinstance(node.ctx, (ast.Store, ast.Del)):
            self._check_target(node)
        self.generic_visit(node)

    def _check_target(self, node):
        root = node
        while isinstance(root, (ast.Attribute, ast.Subscript)):
            root = root.value
        if (
            isinstance(root, ast.Name)
            and self._global(root.id)
            and (root.id in self.imported or root.id in self.protected)
        ):
            self.flag(node, f"changes {ast.unparse(node)}, which the tests use")

    def visit_Assign(self, node):
        if isinstance(node.value, ast.Name) and node.value.id in self.imported:
            self.flag(node, f"aliases the module {node.value.id}")
        self.generic_visit(node)

    def visit_FunctionDef(self, node):
        self._define(node)
        self.local.append({a.arg for a in ast.walk(node.args) if isinstance(a, ast.arg)} | _stored(node.body))
        self.generic_visit(node)
        self.local.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node):
        self.local.append({a.arg for a in ast.walk(node.args) if isinstance(a, ast.arg)})
        self.generic_visit(node)
        self.local.pop()

    def visit_ClassDef(self, node):
        self._define(node)
        self.local.append(set())
        self.generic_visit(node)
        self.local.pop()

    def _define(self, node):
        if node.name.startswith("__") and node.name not in ALLOWED_DUNDERS:
            self.flag(node, f"defines {node.name}")
        elif len(self.local) == 1 and node.name in self.protected:
            self.flag(node, f"rebinds {node.name}, which the tests use")

    def visit_Global(self, node):
        self.flag(node, "uses global")

    visit_Nonlocal = visit_Global

    def _global(self, name):
        return not any(name in scope for scope in self.local[1:])


def _rooted_in(node, names):
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return isinstance(node, ast.Name) and node.id in names


def _meta(cell):
    return cell.metadata.get("nbgrader", {})


def _parse(source):
    from IPython.core.inputtransformer2 import TransformerManager

    try:  # magics and shell escapes become get_ipython() calls, which are flagged
        return parse(TransformerManager().transform_cell(source))
    except (SyntaxError, ValueError):
        return None


def _trees(sources):
    return [t for t in map(_parse, sources) if t is not None]


def _loaded(sources):
    return {n.id for t in _trees(sources) for n in ast.walk(t) if isinstance(n, ast.Name)}


def _bound(sources):
    names = set()
    for tree in _trees(sources):
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
            elif isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)):
                names.add(node.name)
    return names


def _stored(body):
    return {n.id for stmt in body for n in ast.walk(stmt) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}


def _imported(sources):
    names = set()
    for tree in _trees(sources):
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names |= {(a.asname or a.name).split(".")[0] for a in node.names}
    return names
