"""scratchflow: the small TensorFlow-1-like library built in *Deep Learning from Scratch*."""

from . import (  # noqa: F401 (op_gradients and tf1_gradients register gradients)
    checks,
    datasets,
    guard,
    layers,
    math,
    nn,
    op_gradients,
    plot,
    record,
    tf1_gradients,
    train,
    yours,
)
from .array_ops import argmax, cast, equal, reshape, transpose
from .draw import draw_graph
from .dtypes import bool, float16, float32, float64, int32, int64, uint8  # noqa: A004 (TF1's tf.bool)
from .gradcheck import check_gradient, check_graph_gradients, numerical_gradient
from .gradient_nodes import gradients
from .gradients import RegisterGradient, compute_gradients, gradient_function
from .graph import Graph, get_default_graph, reset_default_graph
from .initializers import global_variables_initializer, ones, random_normal, random_uniform, set_random_seed, zeros
from .math_ops import add, divide, exp, log, matmul, multiply, negative, reduce_mean, reduce_sum, square, subtract
from .missing import report_missing
from .nn_ops import relu, sigmoid, softmax, tanh
from .nodes import Node, Operation, Variable, constant, placeholder
from .order import topological_order
from .progress_table import progress
from .session import Session

# The names TensorFlow 1 code can use unchanged (`import scratchflow as tf`), beside tf.nn.*,
# tf.math.* and tf.train.* (see those modules' __all__).
TF1_NAMES = [
    "Graph", "RegisterGradient", "Session", "Variable", "add", "argmax", "bool", "cast", "constant", "divide",
    "equal", "exp", "float16", "float32", "float64", "get_default_graph", "global_variables_initializer",
    "gradients", "int32", "int64", "log", "matmul", "multiply", "negative", "ones", "placeholder",
    "random_normal", "random_uniform", "reduce_mean", "reduce_sum", "reset_default_graph", "reshape",
    "set_random_seed", "sigmoid", "square", "subtract", "tanh", "transpose", "uint8", "zeros",
]  # fmt: skip

__all__ = [
    "Graph", "Node", "Operation", "RegisterGradient", "Session", "Variable", "add", "argmax", "bool", "cast",
    "check_gradient", "check_graph_gradients", "checks", "compute_gradients", "constant", "datasets",
    "divide", "draw_graph", "equal", "exp", "float16", "float32", "float64", "get_default_graph",
    "global_variables_initializer", "gradient_function", "gradients", "int32", "int64", "layers", "log",
    "math", "matmul", "multiply", "negative", "nn", "numerical_gradient", "ones", "placeholder", "plot", "progress",
    "random_normal", "random_uniform", "reduce_mean", "reduce_sum", "relu", "reset_default_graph", "reshape",
    "set_random_seed", "sigmoid", "softmax", "square", "subtract", "tanh", "topological_order", "train",
    "transpose", "uint8", "yours", "zeros",
]  # fmt: skip
__getattr__ = report_missing("sf", __all__)
