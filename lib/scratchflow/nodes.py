"""The three kinds of node: operations, placeholders and variables."""

import numpy as np

from .graph import get_default_graph


class Node:
    """Something whose value a session can compute: it knows its inputs and its consumers."""

    input_nodes = ()
    # Whether a Variable is among this node's ancestors (itself included). Fixed when the node
    # is built, it tells backpropagation which branches can be skipped.
    depends_on_variable = False
    # A training step needs every value of the run, not just its inputs': the session runs such
    # an op after all ordinary ops of the run, with `compute_in_run(values)`.
    runs_after_forward = False

    def __init__(self, name, graph):
        self.graph = graph
        self.name = graph.unique_name(name or type(self).__name__)
        self.consumers = []

    def __repr__(self):
        return f"<{type(self).__name__} {self.name!r}>"


class placeholder(Node):
    """A value supplied from outside at run time, through `feed_dict`."""

    def __init__(self, shape=None, name=None):
        super().__init__(name, get_default_graph())
        self.shape = None if shape is None else tuple(shape)
        self.graph.placeholders.append(self)

    def check_feed(self, value):
        """Return `value` as an array, or raise if it does not fit the declared shape."""
        value = np.asarray(value)
        fits = self.shape is None or (
            value.ndim == len(self.shape)
            and all(want in (None, got) for want, got in zip(self.shape, value.shape, strict=True))
        )
        if not fits:
            raise ValueError(
                f"placeholder {self.name!r} expects shape {_shape_str(self.shape)}, "
                f"but was fed an array of shape {value.shape}"
            )
        return value


class Variable(Node):
    """A value that belongs to the graph and persists across runs (e.g. the weights)."""

    def __init__(self, initial_value, name=None):
        super().__init__(name, get_default_graph())
        # A float copy: later in-place updates must neither truncate nor touch the caller's array.
        self.value = np.array(initial_value, dtype=np.float64)
        self.depends_on_variable = True
        self.graph.variables.append(self)


class constant(Node):
    """A fixed value that is part of the graph; unlike a Variable, training never changes it."""

    def __init__(self, value, name=None):
        super().__init__(name, get_default_graph())
        self.value = np.array(value, dtype=np.float64)
        self.value.flags.writeable = False


class Operation(Node):
    """A node computed from the values of its input nodes; subclasses define `compute`."""

    def __init__(self, *input_nodes, name=None):
        super().__init__(name, _graph_of(type(self).__name__, input_nodes))
        self.input_nodes = input_nodes
        self.depends_on_variable = any(node.depends_on_variable for node in input_nodes)
        for node in input_nodes:
            node.consumers.append(self)
        self.graph.operations.append(self)

    def compute(self, *input_values):
        raise NotImplementedError(f"{type(self).__name__}.compute is not implemented")


def _graph_of(op_name, input_nodes):
    """The graph an op joins: its inputs' (all the same one), or the default graph."""
    for i, node in enumerate(input_nodes):
        if not isinstance(node, Node):
            raise TypeError(
                f"{op_name}: input {i} is {node!r} ({type(node).__name__}), not a node; "
                "wrap a fixed number in sf.constant(...), a trainable one in sf.Variable(...)"
            )
    graphs = {node.graph for node in input_nodes}
    if len(graphs) > 1:
        names = ", ".join(repr(node) for node in input_nodes)
        raise ValueError(
            f"{op_name}: its inputs {names} belong to different graphs; "
            "build all nodes of one computation inside the same `with graph.as_default():` block"
        )
    return graphs.pop() if graphs else get_default_graph()


def _shape_str(shape):
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + (",)" if len(shape) == 1 else ")")
