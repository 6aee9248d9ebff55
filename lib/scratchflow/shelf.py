"""Passing answers kept between kernels, so that a later chapter runs them too: chapter 6 trains
its scratchflow networks with the learner's chapter 4 and 5 answers, which live in other kernels.

When a test cell passes, each answer it registers (`scratchflow.yours`) is also written here as
Python source: the answer's own definition, the definitions of the notebook's functions and
classes it uses, and the imports and plain constants they need. A test cell that fails removes
the file again. The folder is $SCRATCHFLOW_YOURS, by default ~/.scratchflow/yours; /dev/null
means none, which is what dlfs-grade's kernels get (and the checks keep nothing while grading).

Only what can be rebuilt exactly is kept: an answer that uses a notebook value of another kind
(an array, a session) is not written, and the chapter runs the reference in its place.
"""

import ast
import builtins
import contextlib
import dis
import inspect
import linecache
import os
import sys
import textwrap
import types
from pathlib import Path

HEADER = "# Written by scratchflow when the test cell of {name} passed. Edit the notebook, not this file.\n"
LITERALS = (bool, int, float, complex, str, bytes, type(None))


def folder():
    return Path(os.environ.get("SCRATCHFLOW_YOURS") or "~/.scratchflow/yours").expanduser()


def keep(name, answer, namespace):
    """Write `answer` (a function or class of the notebook) for exercise `name`; whether it could."""
    try:
        text = source(answer, namespace)
        compile(text, name, "exec")
    except (OSError, TypeError, ValueError, SyntaxError):
        drop(name)  # an older passing version must not stand in for this one
        return False
    path = folder() / f"{name}.py"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{name}.{os.getpid()}.tmp")
        tmp.write_text(HEADER.format(name=name) + text)
        tmp.replace(path)  # whole: another kernel may be reading it
    except OSError:
        return False
    return True


def drop(name):
    with contextlib.suppress(OSError):
        (folder() / f"{name}.py").unlink(missing_ok=True)


def drop_all():
    for path in folder().glob("*.py"):
        path.unlink(missing_ok=True)


def load(name):
    """The kept answer to exercise `name`, defined afresh, or None (none kept, or it fails to load)."""
    path = folder() / f"{name}.py"
    try:
        text = path.read_text()
        space = {"__name__": f"scratchflow.shelf.{name}"}
        exec(compile(text, str(path), "exec"), space)  # the learner's own code, as their notebook ran it
    except Exception:  # noqa: BLE001 (a file that no longer loads is no answer: the reference runs)
        return None
    return space.get(name)


def source(answer, namespace):
    """Python source that defines `answer` again, outside its notebook."""
    imports, constants, definitions, seen = {}, {}, [], set()

    def visit(obj):
        if id(obj) in seen:
            return
        seen.add(id(obj))
        for global_name in sorted(_globals_of(obj)):
            if global_name not in namespace:
                if hasattr(builtins, global_name):
                    continue
                raise ValueError(f"{global_name} is not defined in the notebook")
            value = namespace[global_name]
            if isinstance(value, types.ModuleType):
                imports[global_name] = f"import {value.__name__} as {global_name}"
            elif _of_the_notebook(value, namespace):
                visit(value)
            elif callable(value) and _importable(value):
                imports[global_name] = f"from {value.__module__} import {value.__qualname__} as {global_name}"
            elif isinstance(value, LITERALS) and ast.literal_eval(repr(value)) == value:
                constants[global_name] = f"{global_name} = {value!r}"
            else:
                raise ValueError(f"{global_name} is a value of the notebook that cannot be written out")
        definitions.append(_text(obj))

    visit(answer)
    head = [*sorted(imports.values()), *sorted(constants.values())]
    return "\n".join(head) + "\n\n\n" + "\n\n\n".join(definitions) + "\n"


def _of_the_notebook(value, namespace):
    module = namespace.get("__name__", "__main__")
    return (inspect.isfunction(value) or inspect.isclass(value)) and value.__module__ == module


def _importable(value):
    module = sys.modules.get(getattr(value, "__module__", None) or "")
    found = module
    for part in getattr(value, "__qualname__", "<>").split("."):
        found = getattr(found, part, None)
    return found is value


def _globals_of(obj):
    """The global names a function, or a class's methods and header, read."""
    names = set()
    codes = [obj.__code__] if inspect.isfunction(obj) else [f.__code__ for f in _methods(obj)]
    while codes:
        code = codes.pop()
        names.update(i.argval for i in dis.get_instructions(code) if i.opname in ("LOAD_GLOBAL", "LOAD_NAME"))
        codes += [c for c in code.co_consts if isinstance(c, types.CodeType)]
    if inspect.isclass(obj):  # its bases, decorators and class-level statements
        node = _class_node(obj)
        outside = [*node.bases, *node.keywords, *node.decorator_list]
        outside += [s for s in node.body if not isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef)]
        names.update(n.id for part in outside for n in ast.walk(part) if isinstance(n, ast.Name))
    return names


def _methods(cls):
    found = []
    for value in vars(cls).values():
        value = getattr(value, "__func__", value)  # staticmethod, classmethod
        if inspect.isfunction(value):
            found.append(value)
    if not found:
        raise TypeError(f"{cls.__name__} has no method to find its source by")
    return found


def _text(obj):
    if inspect.isfunction(obj):
        return textwrap.dedent(inspect.getsource(obj)).rstrip()
    node, lines = _class_node(obj, with_lines=True)
    first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
    return textwrap.dedent("".join(lines[first - 1 : node.end_lineno])).rstrip()


def _class_node(cls, with_lines=False):
    """The `class` statement of a notebook class, found through one of its methods' source file (a
    class of a cell has no file of its own)."""
    method = _methods(cls)[0]
    lines = linecache.getlines(method.__code__.co_filename)
    if not lines:
        raise OSError(f"the source of {cls.__name__} is not available")
    line = method.__code__.co_firstlineno
    tree = ast.parse("".join(lines))
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and node.name == cls.__name__ and node.lineno <= line <= node.end_lineno:
            return (node, lines) if with_lines else node
    raise OSError(f"the class statement of {cls.__name__} was not found")
