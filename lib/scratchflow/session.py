"""Running a graph: feed placeholders, read variables, compute operations in order."""

from .graph import get_default_graph
from .nodes import Node, Operation, Variable, placeholder
from .order import topological_order


class Session:
    """Evaluates nodes of one graph (the default graph when the session is created)."""

    def __init__(self, graph=None):
        self.graph = graph or get_default_graph()
        self._plans = {}  # fetch tuple -> (placeholders, variables, operations) in order

    def run(self, fetches, feed_dict=None):
        """The value of `fetches` (a node, or a list/tuple of nodes: a list of values)."""
        single = isinstance(fetches, Node)
        fetch_list = (fetches,) if single else self._check_fetches(fetches)
        placeholders, variables, operations = self._plan(fetch_list)
        values = self._feed(feed_dict, placeholders)
        for var in variables:
            values[var] = var.value
        for op in operations:
            try:
                values[op] = op.compute(*[values[node] for node in op.input_nodes])
            except Exception as error:
                error.add_note(f"(while computing {op!r} of the graph)")
                raise
        return values[fetches] if single else [values[node] for node in fetch_list]

    def _check_fetches(self, fetches):
        if not isinstance(fetches, (list, tuple)):
            raise TypeError(
                f"Session.run: cannot fetch {fetches!r} ({type(fetches).__name__}); fetch a node, or a list of nodes"
            )
        for fetch in fetches:
            if not isinstance(fetch, Node):
                raise TypeError(f"Session.run: cannot fetch {fetch!r} ({type(fetch).__name__}); it is not a node")
        return tuple(fetches)

    def _plan(self, fetch_list):
        # The inputs of a node never change once it is built, so its order is computed once.
        plan = self._plans.get(fetch_list)
        if plan is None:
            for fetch in fetch_list:
                if fetch.graph is not self.graph:
                    raise ValueError(
                        f"Session.run: fetch {fetch!r} belongs to another graph than this session's; "
                        "create the session inside the same `with graph.as_default():` block, "
                        "or pass the graph: sf.Session(graph)"
                    )
            order = topological_order(fetch_list)
            plan = tuple(
                [node for node in order if isinstance(node, kind)] for kind in (placeholder, Variable, Operation)
            )
            self._plans[fetch_list] = plan
        return plan

    def _feed(self, feed_dict, needed):
        values = {}
        for node, value in (feed_dict or {}).items():
            if not isinstance(node, placeholder):
                what = repr(node) if isinstance(node, Node) else f"{node!r} ({type(node).__name__})"
                raise TypeError(
                    f"Session.run: feed_dict key {what} is not a placeholder; only placeholders "
                    "can be fed (a Variable keeps its own value)"
                )
            if node.graph is not self.graph:
                raise ValueError(f"Session.run: fed placeholder {node!r} belongs to another graph than this session's")
            values[node] = node.check_feed(value)
        missing = [node.name for node in needed if node not in values]
        if missing:
            names = ", ".join(repr(name) for name in missing)
            noun = "placeholder" if len(missing) == 1 else "placeholders"
            raise ValueError(
                f"Session.run: {noun} {names} not fed; give a value in feed_dict, e.g. feed_dict={{{missing[0]}: ...}}"
            )
        return values

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False
