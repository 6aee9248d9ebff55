"""scratchflow: the small TensorFlow-1-like library built in *Deep Learning from Scratch*."""

from . import checks
from .draw import draw_graph
from .graph import Graph, get_default_graph, reset_default_graph
from .math_ops import add, matmul
from .nodes import Node, Operation, Variable, placeholder
from .order import topological_order
from .session import Session

__all__ = [
    "Graph",
    "Node",
    "Operation",
    "Session",
    "Variable",
    "add",
    "checks",
    "draw_graph",
    "get_default_graph",
    "matmul",
    "placeholder",
    "reset_default_graph",
    "topological_order",
]
