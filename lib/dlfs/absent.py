"""Copies of scratchflow in which the references of some exercises are absent.

While `dlfs-grade` decides exercise E, the learner's kernel imports a copy of the library in which
every function marked `@reference(E)` is a stub: its body, docstring and comments are gone, and a
call raises `scratchflow.guard.absent(...)`. The sandbox binds the copy, read-only, over every
folder the kernel could import scratchflow from (`locations`), so neither the original source nor
its cached bytecode is there to import, read or find in memory.
"""

import ast
import compileall
import hashlib
import shutil
import sys
import tempfile
from pathlib import Path

import scratchflow
from dlfs.parsing import parse

LIBRARY = Path(scratchflow.__file__).resolve().parent


def marks(library=LIBRARY):
    """{exercise: [(module file, function name, spelling)]}, read from the `@reference` marks."""
    found = {}
    for path in sorted(library.glob("*.py")):
        for _node, name, shown in _marked(parse(path.read_text())):
            found.setdefault(name, []).append((path.name, _node.name, shown))
    return found


def locations():
    """Every folder the kernel could import scratchflow from: this one (an editable install's
    source) and any installed copy in the Python installations the sandbox shows."""
    found = [LIBRARY]
    for prefix in dict.fromkeys([sys.prefix, sys.base_prefix]):
        found += [p.resolve() for p in Path(prefix).glob("lib/python*/site-packages/scratchflow") if p.is_dir()]
    return list(dict.fromkeys(found))


def copy_without(names, folder, library=LIBRARY):
    """folder/<digest>/scratchflow: the library with the references of the exercises `names` absent
    (made once per set of names and library contents); returns that package folder."""
    names = sorted(set(names))
    digest = hashlib.sha256(repr(names).encode())
    for path in sorted(library.glob("*.py")):
        digest.update(path.read_bytes())
    package = Path(folder) / digest.hexdigest()[:16] / "scratchflow"
    if package.is_dir():
        return package
    # Workers of one run (and concurrent runs sharing a cache) may build the same copy at once:
    # each builds its own, and the first rename wins.
    package.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="scratchflow.", dir=package.parent)) / "scratchflow"
    shutil.copytree(library, tmp, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for path in sorted(tmp.glob("*.py")):
        source = path.read_text()
        stubbed = without(source, names)
        if stubbed != source:
            path.write_text(stubbed)
    # bytecode of the copy itself (the sandbox cannot write it), so that each kernel does not compile it again
    compileall.compile_dir(tmp, quiet=1, workers=1)
    try:
        tmp.rename(package)
    except OSError:
        if not package.is_dir():
            raise
    shutil.rmtree(tmp.parent, ignore_errors=True)
    return package


def without(source, names):
    """The module's source with each function marked as a reference of one of `names` replaced by a
    stub that raises; the rest of the module unchanged."""
    tree = parse(source)
    lines = source.splitlines(keepends=True)
    stubs = [(node, name, shown) for node, name, shown in _marked(tree) if name in names]
    for node, name, shown in sorted(stubs, key=lambda s: -s[0].lineno):
        indent = " " * node.col_offset
        stub = f"{indent}def {node.name}(*args, **kwargs):\n{indent}    raise _absent({name!r}, {shown!r})\n"
        lines[node.lineno - 1 : node.end_lineno] = [stub]
    if not stubs:
        return source
    return "".join(lines) + "\n\nfrom scratchflow.guard import absent as _absent  # noqa: E402\n"


def _marked(tree):
    """(function node, exercise, spelling) for each function with a `@reference(...)` mark, at the
    top of the module or in one of its classes."""
    for top in tree.body:
        inner = top.body if isinstance(top, ast.ClassDef) else [top]
        for node in inner:
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            qualname = f"{top.name}.{node.name}" if top is not node else node.name
            for decorator in node.decorator_list:
                func = getattr(decorator, "func", None)
                if getattr(func, "id", None) == "reference" or getattr(func, "attr", None) == "reference":
                    args = [a.value for a in decorator.args if isinstance(a, ast.Constant)]
                    name = args[0] if args else None
                    shown = args[1] if len(args) > 1 else f"sf.{qualname}"
                    yield node, name, shown
