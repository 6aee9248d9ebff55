"""TF1's `tf.math` names for scratchflow's element-wise ops."""

from .array_ops import equal
from .math_ops import add, divide, exp, log, multiply, negative, reduce_mean, reduce_sum, square, subtract
from .missing import report_missing
from .nn_ops import sigmoid, tanh

__all__ = [
    "add", "divide", "equal", "exp", "log", "multiply", "negative", "reduce_mean", "reduce_sum", "sigmoid",
    "square", "subtract", "tanh",
]  # fmt: skip
__getattr__ = report_missing("sf.math", __all__)
