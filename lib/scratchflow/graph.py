"""A computational graph: the container every node is created in."""

from contextlib import contextmanager


class Graph:
    """Holds the operations, placeholders and variables of one computation."""

    def __init__(self):
        self.operations = []
        self.placeholders = []
        self.variables = []
        self._name_counts = {}
        self.seed = None  # the graph-level seed of random ops (sf.set_random_seed)

    def unique_name(self, base):
        """`base` the first time, then `base_1`, `base_2`, ... (as TensorFlow names ops)."""
        n = self._name_counts.get(base, 0)
        self._name_counts[base] = n + 1
        return base if n == 0 else f"{base}_{n}"

    @contextmanager
    def as_default(self):
        """Within `with graph.as_default():` new nodes go into this graph."""
        _stack.append(self)
        try:
            yield self
        finally:
            _stack.pop()

    def __repr__(self):
        return (
            f"<Graph: {len(self.operations)} operations, {len(self.placeholders)} placeholders, "
            f"{len(self.variables)} variables>"
        )


_stack = [Graph()]  # the bottom entry is the module-level default graph


def get_default_graph():
    """The graph new nodes go into: the innermost `as_default()`, else the global one."""
    return _stack[-1]


def reset_default_graph():
    """Replace the global default graph by an empty one (handy when re-running notebook cells)."""
    if len(_stack) > 1:
        raise RuntimeError("reset_default_graph() cannot be called inside `with graph.as_default():`")
    _stack[0] = Graph()
    return _stack[0]
