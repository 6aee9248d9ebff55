"""Running a graph: feed placeholders, read variables, compute operations in order."""

from .graph import Graph, get_default_graph
from .guard import reference
from .nodes import Node, Operation, Variable, constant, placeholder
from .order import topological_order


class Session:
    """Evaluates nodes of one graph (the default graph when the session is created)."""

    def __init__(self, graph=None, config=None):
        if isinstance(graph, str):  # TF1's first argument is a server address, `target`
            if graph:
                raise ValueError(f"Session: scratchflow runs in this process only; no target {graph!r}")
            graph = None
        if graph is not None and not isinstance(graph, Graph):
            raise TypeError(f"Session: expected a Graph, got {graph!r} ({type(graph).__name__})")
        self.graph = graph or get_default_graph()
        self.closed = False
        self._plans = {}  # fetch tuple -> (placeholders, stored values, operations, training ops)

    @reference("Session")
    def run(self, fetches, feed_dict=None):
        """The value of `fetches`: a node gives its value, a list or tuple of nodes a list of values,
        a dict {key: node} a dict {key: value}; lists and dicts may nest (as in TF1)."""
        if isinstance(fetches, Node):
            return _result(fetches, self._forward((fetches,), feed_dict))
        fetch_list = self._check_fetches(_flatten(fetches))
        values = self._forward(fetch_list, feed_dict)
        return _rebuild(fetches, values)

    def close(self):
        """Ends the session: later runs raise (variables keep their values, held by the graph)."""
        self.closed = True

    @reference("Session")
    def forward(self, fetches, feed_dict=None):
        """Every value computed on the way to `fetches`, as {node: value} (for backpropagation)."""
        fetch_list = (fetches,) if isinstance(fetches, Node) else self._check_fetches(fetches)
        return self._forward(fetch_list, feed_dict)

    @reference("Session", "sf.Session", in_kernel=False)
    def _forward(self, fetch_list, feed_dict):
        if self.closed:
            raise RuntimeError("Session.run: this session is closed; open a new one, sf.Session()")
        placeholders, variables, operations, after = self._plan(fetch_list)
        values = self._feed(feed_dict, placeholders)
        for var in variables:
            values[var] = var.value
        for op in operations:
            try:
                values[op] = op.compute(*[values[node] for node in op.input_nodes])
            except Exception as error:
                error.add_note(f"(while computing {op!r} of the graph)")
                raise
        for op in after:  # training steps: they see this run's values, then update variables
            values[op] = op.compute_in_run(values)
        return values

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
            ops = [node for node in order if isinstance(node, Operation)]
            after = [op for op in ops if op.runs_after_forward]
            for op in ops:
                used = [node for node in op.input_nodes if node.runs_after_forward]
                if used and not op.runs_after_forward:
                    raise ValueError(f"{op!r} uses the output of the training op {used[0]!r}, which has none")
            plan = (
                [node for node in order if isinstance(node, placeholder)],
                [node for node in order if isinstance(node, (Variable, constant))],
                [op for op in ops if not op.runs_after_forward],
                after,
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
        self.close()
        return False


def _result(node, values):
    # A variable's own array is updated in place by training: hand out a copy, as TensorFlow does.
    value = values[node]
    return value.copy() if isinstance(node, Variable) else value


def _flatten(fetches):
    """The nodes of a nested fetch, in order (a list, tuple or dict of nodes, or of such)."""
    if isinstance(fetches, Node):
        return [fetches]
    if isinstance(fetches, dict):
        return [node for value in fetches.values() for node in _flatten(value)]
    if isinstance(fetches, (list, tuple)):
        return [node for item in fetches for node in _flatten(item)]
    return [fetches]  # _check_fetches names it


def _rebuild(fetches, values):
    if isinstance(fetches, Node):
        return _result(fetches, values)
    if isinstance(fetches, dict):
        return {key: _rebuild(value, values) for key, value in fetches.items()}
    return [_rebuild(item, values) for item in fetches]
