"""scratchflow: the small TensorFlow-1-like library built in *Deep Learning from Scratch*."""

from . import checks, datasets, guard, layers, op_gradients, plot, record, train  # noqa: F401 (op_gradients registers)
from .draw import draw_graph
from .gradcheck import check_gradient, check_graph_gradients, numerical_gradient
from .gradients import RegisterGradient, compute_gradients, gradient_function
from .graph import Graph, get_default_graph, reset_default_graph
from .math_ops import add, log, matmul, multiply, negative, reduce_sum
from .nn_ops import relu, sigmoid, softmax, tanh
from .nodes import Node, Operation, Variable, constant, placeholder
from .order import topological_order
from .session import Session

__all__ = [
    "Graph",
    "Node",
    "Operation",
    "RegisterGradient",
    "Session",
    "Variable",
    "add",
    "check_gradient",
    "check_graph_gradients",
    "checks",
    "compute_gradients",
    "constant",
    "datasets",
    "draw_graph",
    "get_default_graph",
    "gradient_function",
    "log",
    "matmul",
    "multiply",
    "negative",
    "numerical_gradient",
    "placeholder",
    "plot",
    "reduce_sum",
    "relu",
    "reset_default_graph",
    "sigmoid",
    "softmax",
    "tanh",
    "topological_order",
    "train",
]
