"""The three kinds of node: operations, placeholders and variables."""

import numbers

import numpy as np

from .dtypes import as_dtype
from .graph import get_default_graph
from .operators import Operators


class Node(Operators):
    """Something whose value a session can compute: it knows its inputs and its consumers."""

    input_nodes = ()
    # Whether a Variable is among this node's ancestors (itself included). Fixed when the node
    # is built, it tells backpropagation which branches can be skipped.
    depends_on_variable = False
    # A training step needs every value of the run, not just its inputs': the session runs such
    # an op after all ordinary ops of the run, with `compute_in_run(values)`.
    runs_after_forward = False
    # False for ops through which no gradient flows (argmax, equal): sf.gradients, like
    # tf.gradients, then gives None for what is reached only through them.
    differentiable = True

    def __init__(self, name, graph):
        self.graph = graph
        self.name = graph.unique_name(name or type(self).__name__)
        self.consumers = []

    def __repr__(self):
        return f"<{type(self).__name__} {self.name!r}>"


class placeholder(Node):
    """A value supplied from outside at run time, through `feed_dict`. TF1's order of arguments:
    `placeholder(sf.float32, shape=[None, 2], name="x")`; the dtype may be left out."""

    def __init__(self, dtype=None, shape=None, name=None):
        if isinstance(dtype, (list, tuple)):
            raise TypeError(
                f"placeholder: the first argument is the dtype, as in TensorFlow 1, but got {dtype!r}; "
                "give the shape by name: sf.placeholder(sf.float32, shape=[None, 2])"
            )
        super().__init__(name, get_default_graph())
        self.dtype = None if dtype is None else as_dtype(dtype, f"placeholder {self.name!r}")
        self.shape = None if shape is None else tuple(shape)
        self.graph.placeholders.append(self)

    def check_feed(self, value):
        """Return `value` as an array, or raise if it does not fit the declared shape."""
        value = np.asarray(value, dtype=self.dtype)
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
    """A value that belongs to the graph and persists across runs (e.g. the weights).

    `initial_value` may be an array or a node without placeholders (`sf.random_normal([2, 3])`),
    evaluated once, now: the variable holds its value from the start, so TF1's initializer op
    has nothing left to do. `trainable=False` keeps it out of `minimize` and of gradients.
    """

    def __init__(self, initial_value, trainable=True, *, name=None, dtype=None):
        if not isinstance(trainable, bool):
            raise TypeError(
                f"Variable: trainable must be True or False, got {trainable!r}; give a name by keyword, name=..."
            )
        super().__init__(name, get_default_graph())
        if isinstance(initial_value, Node):
            from .session import Session  # here: session.py itself builds on this module

            initial_value = Session(initial_value.graph).run(initial_value)
        # A copy: later in-place updates must neither truncate nor touch the caller's array.
        self.value = np.array(initial_value, dtype=as_dtype(dtype or np.float64, f"Variable {self.name!r}"))
        self.trainable = trainable
        self.depends_on_variable = trainable
        self.graph.variables.append(self)


class constant(Node):
    """A fixed value that is part of the graph; unlike a Variable, training never changes it.
    TF1's arguments: `constant(0.0, shape=[2, 3])` fills the shape; floats are float64."""

    def __init__(self, value, dtype=None, shape=None, name=None):
        super().__init__(name, get_default_graph())
        value = np.array(value, dtype=as_dtype(dtype or np.float64, f"constant {self.name!r}"))
        if shape is not None:
            shape = tuple(shape)
            value = np.broadcast_to(value, shape).copy() if value.size == 1 else value.reshape(shape)
        self.value = value
        self.value.flags.writeable = False


class Operation(Node):
    """A node computed from the values of its input nodes; subclasses define `compute`."""

    def __init__(self, *input_nodes, name=None):
        graph = _graph_of(type(self).__name__, input_nodes)
        input_nodes = tuple(as_node(node, graph) for node in input_nodes)
        super().__init__(name, graph)
        self.input_nodes = input_nodes
        self.depends_on_variable = any(node.depends_on_variable for node in input_nodes)
        for node in input_nodes:
            node.consumers.append(self)
        self.graph.operations.append(self)

    def compute(self, *input_values):
        raise NotImplementedError(f"{type(self).__name__}.compute is not implemented")


def as_node(value, graph):
    """`value` if it is a node, else a constant of `graph` holding it (a number or an array)."""
    if isinstance(value, Node):
        return value
    with graph.as_default():
        return constant(value)


def _graph_of(op_name, input_nodes):
    """The graph an op joins: its inputs' (all the same one), or the default graph. Numbers and
    arrays become constants, as TensorFlow converts them; anything else is refused."""
    for i, node in enumerate(input_nodes):
        if not (isinstance(node, (Node, numbers.Number, np.ndarray)) or _numeric_list(node)):
            raise TypeError(
                f"{op_name}: input {i} is {node!r} ({type(node).__name__}), not a node, a number or an array; "
                "a fixed value is sf.constant(...), a trainable one sf.Variable(...), one fed at run time "
                "sf.placeholder()"
            )
    graphs = {node.graph for node in input_nodes if isinstance(node, Node)}
    if len(graphs) > 1:
        names = ", ".join(repr(node) for node in input_nodes)
        raise ValueError(
            f"{op_name}: its inputs {names} belong to different graphs; "
            "build all nodes of one computation inside the same `with graph.as_default():` block"
        )
    return graphs.pop() if graphs else get_default_graph()


def _numeric_list(value):
    if not isinstance(value, (list, tuple)):
        return False
    try:
        return np.asarray(value).dtype.kind in "biuf"
    except ValueError:  # ragged
        return False


def _shape_str(shape):
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + (",)" if len(shape) == 1 else ")")
