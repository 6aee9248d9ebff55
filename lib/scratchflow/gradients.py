"""Backpropagation: a registry of op gradients, and the gradients of a loss in one reverse pass.

A gradient function has the signature `gradient(op, grad, inputs, output)`: `grad` is ∂loss/∂output,
`inputs` the values of op's inputs and `output` op's own value. It returns one array per input,
∂loss/∂input, or None for an input that needs none.
"""

from weakref import WeakKeyDictionary

import numpy as np

from .guard import reference
from .order import topological_order

_registry = {}  # op type name -> gradient function
_by_class = {}  # op class -> gradient function, filled on first use
_plans = WeakKeyDictionary()  # loss -> (registry version, backward plan)
_version = 0  # bumped by every registration, so cached plans pick up new gradients


class RegisterGradient:
    """Decorator registering the gradient of an op type: `@RegisterGradient("sigmoid")`."""

    def __init__(self, op_type):
        self.op_type = op_type

    def __call__(self, gradient):
        global _version
        _registry[self.op_type] = gradient
        _by_class.clear()
        _version += 1
        return gradient


def gradient_function(op):
    """The registered gradient of `op`'s type (or of the nearest base class that has one)."""
    cls = type(op)
    gradient = _by_class.get(cls)
    if gradient is None:
        found = next((_registry[c.__name__] for c in cls.__mro__ if c.__name__ in _registry), None)
        if found is None:
            raise LookupError(
                f"no gradient registered for {op!r} (op type {cls.__name__!r}); register one with "
                f'@sf.RegisterGradient("{cls.__name__}")'
            )
        gradient = _by_class[cls] = found
    return gradient


@reference("compute_gradients", "sf.compute_gradients", in_kernel=False)
def _backward_plan(loss):
    # The ops between the variables and the loss, loss first, each with its gradient function and
    # the inputs whose gradient someone needs. Ops off the loss path (an accuracy op reading the
    # same weights) are never visited; a node consumed at several depths is visited once, after
    # all its consumers: that is what reverse topological order guarantees. The graph above a
    # loss never changes, so the plan is made once (and again only if a gradient is registered).
    cached = _plans.get(loss)
    if cached is not None and cached[0] == _version:
        return cached[1]
    plan = [
        (op, gradient, _ours(gradient), tuple((i, n) for i, n in enumerate(op.input_nodes) if n.depends_on_variable))
        for op in reversed(topological_order(loss))
        if op.input_nodes and op.depends_on_variable
        for gradient in [gradient_function(op)]
    ]
    _plans[loss] = (_version, plan)
    return plan


@reference("compute_gradients", "sf.compute_gradients")
def compute_gradients(loss, values):
    """∂loss/∂node for every node on a path from a Variable to `loss`, as {node: array}.

    `values` holds the forward values of the run (from `Session.forward`). Gradients arriving at a
    node from several consumers are summed (the total derivative).
    """
    grads = {loss: np.ones(np.shape(values[loss]))}
    for op, gradient, ours, wanted in _backward_plan(loss):
        inputs = [values[n] for n in op.input_nodes]
        input_grads = gradient(op, grads[op], inputs, values[op])
        if not ours:
            checked(op, input_grads, inputs)
        for i, node in wanted:
            g = input_grads[i]
            if g is not None:
                total = grads.get(node)
                grads[node] = g if total is None else total + g
    return grads


def _ours(gradient):
    # The library's own gradients are tested; only a learner's is checked at every step.
    return getattr(gradient, "__module__", "").startswith("scratchflow.")


def checked(op, input_grads, inputs):
    """`input_grads` if it is what a gradient function must return, else an error naming the op.

    A bare array instead of a list would be indexed by row, silently giving each input a row of
    it (e.g. W's gradient [[5, 7], [5, 7]] for [[5, 7], [9, 11]]): never let that through.
    """
    # The fast path runs at every step of every training loop: plain attribute reads, no np.shape.
    if type(input_grads) in (list, tuple) and len(input_grads) == len(inputs):
        for g, x in zip(input_grads, inputs, strict=True):
            if g is not None and _shape(g) != _shape(x):
                break
        else:
            return input_grads
    _refuse(op, input_grads, inputs)


def _shape(a):
    return a.shape if type(a) is np.ndarray else np.shape(a)


def _refuse(op, input_grads, inputs):
    if not isinstance(input_grads, (list, tuple)) or len(input_grads) != len(inputs):
        got = (
            f"a {type(input_grads).__name__} of {len(input_grads)} entries"
            if isinstance(input_grads, (list, tuple))
            else f"{type(input_grads).__name__} {np.shape(input_grads)}"
        )
        raise TypeError(
            f"the gradient function of {op!r} returned {got}; it must return a list with one entry per "
            f"input ({len(inputs)}): each ∂loss/∂input, shaped like that input, or None"
        )
    for i, (g, x) in enumerate(zip(input_grads, inputs, strict=True)):
        if g is not None and np.shape(g) != np.shape(x):
            raise ValueError(
                f"the gradient function of {op!r} returned, for input {i} {op.input_nodes[i]!r} of shape "
                f"{np.shape(x)}, an array of shape {np.shape(g)}; each entry must have its input's shape "
                "(sum over the axes along which the input was broadcast)"
            )
