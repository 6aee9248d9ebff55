"""The gradients of the ops scratchflow adds for TensorFlow 1 code (array_ops, and the arithmetic
beyond the course's exercises). Same signature as in op_gradients.py."""

import numpy as np

from .gradients import RegisterGradient
from .op_gradients import _unreduce, unbroadcast


@RegisterGradient("subtract")
def _subtract_gradient(op, grad, inputs, output):
    x, y = inputs
    return [unbroadcast(grad, np.shape(x)), unbroadcast(-grad, np.shape(y))]


@RegisterGradient("divide")
def _divide_gradient(op, grad, inputs, output):
    x, y = inputs
    return [unbroadcast(grad / y, np.shape(x)), unbroadcast(-grad * x / (y * y), np.shape(y))]


@RegisterGradient("square")
def _square_gradient(op, grad, inputs, output):
    return [2.0 * grad * inputs[0]]


@RegisterGradient("exp")
def _exp_gradient(op, grad, inputs, output):
    return [grad * output]


@RegisterGradient("reduce_mean")
def _reduce_mean_gradient(op, grad, inputs, output):
    shape = np.shape(inputs[0])
    count = np.prod(shape) / max(np.size(output), 1)  # entries averaged into each output entry
    return [np.broadcast_to(_unreduce(op, grad, shape) / count, shape).copy()]


@RegisterGradient("transpose")
def _transpose_gradient(op, grad, inputs, output):
    return [np.transpose(grad, None if op.perm is None else np.argsort(op.perm))]


@RegisterGradient("reshape")
def _reshape_gradient(op, grad, inputs, output):
    return [np.reshape(grad, np.shape(inputs[0]))]


@RegisterGradient("cast")
def _cast_gradient(op, grad, inputs, output):
    # Between floats the value passes unchanged; to or from integers or booleans nothing flows.
    both_float = np.asarray(inputs[0]).dtype.kind == "f" and op.dtype.kind == "f"
    return [grad if both_float else None]


@RegisterGradient("argmax")
@RegisterGradient("equal")
def _no_gradient(op, grad, inputs, output):
    return [None] * len(inputs)  # piecewise constant: no gradient flows back (as in TF)
