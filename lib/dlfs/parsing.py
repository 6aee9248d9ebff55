"""`ast.parse` for dlfs-grade's threads, one at a time: CPython 3.11 can fail a parse that runs while
another thread parses ("SystemError: AST constructor recursion depth mismatch", cpython#106905)."""

import ast
import threading

_lock = threading.Lock()


def parse(source, *args, **kwargs):
    with _lock:
        return ast.parse(source, *args, **kwargs)
