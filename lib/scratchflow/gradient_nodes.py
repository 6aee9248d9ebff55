"""`sf.gradients(ys, xs)`, TF1's `tf.gradients`: nodes whose values are ∂(sum of ys)/∂x for each x.

One op computes them all, from the values of everything `ys` depends on (its inputs), with the
registered gradient functions; one small op per x picks its gradient out.
"""

import numpy as np

from .gradients import RegisterGradient, checked, gradient_function
from .guard import reference
from .nodes import Node, Operation
from .order import topological_order


class _Gradients(Operation):
    def __init__(self, ys, xs, order, reach):
        super().__init__(*order, name="gradients")
        self.order, self.reach, self.ys, self.xs = order, reach, ys, xs

    @reference("compute_gradients", "sf.gradients", in_kernel=False)
    def compute(self, *values):
        values = dict(zip(self.order, values, strict=True))
        grads = {}
        for y in self.ys:
            grads[y] = grads.get(y, 0.0) + np.ones(np.shape(values[y]))
        for op in reversed(self.order):
            if op not in grads or not op.input_nodes or op not in self.reach:
                continue
            inputs = [values[n] for n in op.input_nodes]
            input_grads = checked(op, gradient_function(op)(op, grads[op], inputs, values[op]), inputs)
            for node, g in zip(op.input_nodes, input_grads, strict=True):
                if g is not None and node in self.reach:
                    grads[node] = g if node not in grads else grads[node] + g
        # A connected x reached through no differentiable path (an argmax, say) gets zeros.
        return tuple(grads[x] if x in grads else np.zeros(np.shape(values[x])) for x in self.xs)


class _Pick(Operation):
    def __init__(self, gradients, index):
        super().__init__(gradients, name=f"gradient_of_{gradients.xs[index].name}")
        self.index = index

    def compute(self, grads):
        return grads[self.index]


def gradients(ys, xs):
    """A list with, for each x of `xs`, a node computing ∂(sum of `ys`)/∂x, or None where `ys` does
    not depend on x (as tf.gradients). `ys` and `xs` are nodes or lists of nodes."""
    ys, xs = _as_list(ys, "ys"), _as_list(xs, "xs")
    order = topological_order(ys)
    reach = _reach(order, xs)
    connected = [x for x in xs if x in reach and _leads_to(x, ys, reach)]
    if not connected:
        return [None] * len(xs)
    op, picks = _Gradients(ys, connected, order, reach), {}
    for i, x in enumerate(connected):
        picks.setdefault(x, _Pick(op, i))
    return [picks.get(x) for x in xs]


@RegisterGradient("_Gradients")
@RegisterGradient("_Pick")
def _second_derivative(op, grad, inputs, output):
    raise NotImplementedError(
        f"scratchflow cannot differentiate {op!r}: gradients of gradients (second derivatives) are not supported"
    )


def _reach(order, xs):
    """The nodes of `order` a gradient can flow back from to one of the xs (the xs included)."""
    reach = set(xs)
    for node in order:
        if node.differentiable and any(n in reach for n in node.input_nodes):
            reach.add(node)
    return reach


def _leads_to(x, ys, reach):
    """Whether one of the ys is reached from x through differentiable ops."""
    stack, seen = [x], {x}
    while stack:
        node = stack.pop()
        if node in ys:
            return True
        for consumer in node.consumers:
            if consumer in reach and consumer not in seen and consumer.differentiable:
                seen.add(consumer)
                stack.append(consumer)
    return False


def _as_list(nodes, what):
    nodes = [nodes] if isinstance(nodes, Node) else list(nodes)
    for node in nodes:
        if not isinstance(node, Node):
            raise TypeError(f"sf.gradients: {what} must be nodes, got {node!r} ({type(node).__name__})")
    return nodes
