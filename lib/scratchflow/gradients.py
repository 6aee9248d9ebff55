"""Backpropagation: a registry of op gradients, and the gradients of a loss in one reverse pass.

A gradient function has the signature `gradient(op, grad, inputs, output)`: `grad` is ∂loss/∂output,
`inputs` the values of op's inputs and `output` op's own value. It returns one array per input,
∂loss/∂input, or None for an input that needs none.
"""

from weakref import WeakKeyDictionary

import numpy as np

from .order import topological_order

_registry = {}  # op type name -> gradient function
_by_class = {}  # op class -> gradient function, filled on first use
_backward_orders = WeakKeyDictionary()  # loss -> the ops to visit, loss first


class RegisterGradient:
    """Decorator registering the gradient of an op type: `@RegisterGradient("sigmoid")`."""

    def __init__(self, op_type):
        self.op_type = op_type

    def __call__(self, gradient):
        _registry[self.op_type] = gradient
        _by_class.clear()
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


def _backward_order(loss):
    # The ops between the variables and the loss, loss first. Ops off the loss path (an accuracy
    # op reading the same weights) are never visited; a node consumed at several depths is
    # visited once, after all its consumers: that is what reverse topological order guarantees.
    order = _backward_orders.get(loss)
    if order is None:
        order = [n for n in reversed(topological_order(loss)) if n.input_nodes and n.depends_on_variable]
        _backward_orders[loss] = order
    return order


def compute_gradients(loss, values):
    """∂loss/∂node for every node on a path from a Variable to `loss`, as {node: array}.

    `values` holds the forward values of the run (from `Session.forward`). Gradients arriving at a
    node from several consumers are summed (the total derivative).
    """
    grads = {loss: np.ones_like(values[loss])}
    for op in _backward_order(loss):
        grad = grads[op]
        input_grads = gradient_function(op)(op, grad, [values[n] for n in op.input_nodes], values[op])
        for node, g in zip(op.input_nodes, input_grads, strict=True):
            if g is not None and node.depends_on_variable:
                total = grads.get(node)
                grads[node] = g if total is None else total + g
    return grads
