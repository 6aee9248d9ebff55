"""The gradient of every op (see gradients.py for the signature)."""

import numpy as np

from .gradients import RegisterGradient
from .guard import reference


@reference("sum_to_shape", "sf.op_gradients.unbroadcast")
def unbroadcast(grad, shape):
    """Sum `grad` over the axes along which an input of `shape` was broadcast."""
    if grad.shape == shape:
        return grad
    if len(shape) == 1 and grad.ndim == 2 and shape[0] == grad.shape[1]:
        return grad.sum(axis=0)  # the common case, a bias row added to a batch
    extra = grad.ndim - len(shape)
    axes = tuple(range(extra)) + tuple(extra + i for i, n in enumerate(shape) if n == 1 and grad.shape[extra + i] != 1)
    return grad.sum(axis=axes).reshape(shape)


@RegisterGradient("add")
@reference("add_gradient", "the registered gradient of add (sf.gradient_function)")
def _add_gradient(op, grad, inputs, output):
    return [unbroadcast(grad, np.shape(x)) for x in inputs]


@RegisterGradient("multiply")
@reference("multiply_gradient", "the registered gradient of multiply (sf.gradient_function)")
def _multiply_gradient(op, grad, inputs, output):
    x, y = inputs
    return [unbroadcast(grad * y, np.shape(x)), unbroadcast(grad * x, np.shape(y))]


@RegisterGradient("negative")
@reference("negative_gradient", "the registered gradient of negative (sf.gradient_function)")
def _negative_gradient(op, grad, inputs, output):
    return [-grad]


@RegisterGradient("log")
@reference("log_gradient", "the registered gradient of log (sf.gradient_function)")
def _log_gradient(op, grad, inputs, output):
    return [grad / inputs[0]]


@RegisterGradient("reduce_sum")
@reference("reduce_sum_gradient", "the registered gradient of reduce_sum (sf.gradient_function)")
def _reduce_sum_gradient(op, grad, inputs, output):
    shape = np.shape(inputs[0])
    out = np.empty(shape)
    out[...] = _unreduce(op, grad, shape)  # a broadcasting assignment: cheaper than np.broadcast_to
    return [out]


@reference("reduce_sum_gradient", "sf.op_gradients._unreduce", in_kernel=False)
def _unreduce(op, grad, shape):
    """`grad` of a reduction's output, with the reduced axes put back as length 1 (to broadcast)."""
    if op.axis is None or getattr(op, "keepdims", False):
        return grad
    axes = (op.axis,) if np.isscalar(op.axis) else op.axis
    return np.expand_dims(grad, tuple(a % len(shape) for a in axes))


@RegisterGradient("matmul")
@reference("matmul_gradient", "the registered gradient of matmul (sf.gradient_function)")
def _matmul_gradient(op, grad, inputs, output):
    a, b = inputs
    if a.ndim == 2 and b.ndim == 2:  # the common case, without reshaping
        return [grad @ b.T, a.T @ grad]
    # vectors: a (n,) is a 1×n row, b (n,) an n×1 column; the gradients take their shapes back
    a2, b2 = np.atleast_2d(a), (b[:, None] if b.ndim == 1 else b)
    g2 = np.reshape(grad, (a2.shape[0], b2.shape[1]))
    return [np.reshape(g2 @ b2.T, a.shape), np.reshape(a2.T @ g2, b.shape)]


@RegisterGradient("sigmoid")
@reference("sigmoid_gradient", "the registered gradient of sigmoid (sf.gradient_function)")
def _sigmoid_gradient(op, grad, inputs, output):
    return [grad * output * (1.0 - output)]  # σ'(a) = σ(a)(1 − σ(a))


@RegisterGradient("softmax")
@reference("softmax_gradient", "the registered gradient of softmax (sf.gradient_function)")
def _softmax_gradient(op, grad, inputs, output):
    return [output * (grad - (grad * output).sum(axis=-1, keepdims=True))]


@RegisterGradient("tanh")
@reference("tanh_gradient", "the registered gradient of tanh (sf.gradient_function)")
def _tanh_gradient(op, grad, inputs, output):
    return [grad * (1.0 - output * output)]  # tanh'(a) = 1 − tanh(a)²


@RegisterGradient("relu")
@reference("relu_gradient", "the registered gradient of relu (sf.gradient_function)")
def _relu_gradient(op, grad, inputs, output):
    return [grad * (inputs[0] > 0)]  # 0 for a < 0 (and, by convention, at a = 0)


@RegisterGradient("softmax_cross_entropy_with_logits")
@reference("softmax_cross_entropy_gradient", "the registered gradient of sf.nn.softmax_cross_entropy_with_logits")
def _softmax_cross_entropy_gradient(op, grad, inputs, output):
    # ∂J/∂z = G (softmax(z) − c) for rows of c that sum to 1; the labels get ∂J/∂c = −G log softmax(z).
    logits, labels = inputs
    shifted = logits - logits.max(axis=-1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    g = np.expand_dims(grad, -1)
    return [g * (np.exp(log_p) * labels.sum(axis=-1, keepdims=True) - labels), -g * log_p]
