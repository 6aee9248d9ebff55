"""Building multi-layer perceptrons, so notebooks and tests don't repeat the loop."""

import numpy as np

from .guard import reference
from .math_ops import add, matmul
from .nn_ops import sigmoid, softmax
from .nodes import Variable


@reference("build_mlp", "sf.layers.mlp")
def mlp(x, sizes, activation=sigmoid, output=softmax, seed=0):
    """An MLP on the input node x: layer sizes e.g. [2, 3, 2]; returns (output node, [(W, b), ...]).

    Weights are N(0, 1)/√fan_in, drawn layer by layer from `np.random.RandomState(seed)` (the
    initialisation of Britz's moons network); biases start at zero. Hidden layers use
    `activation`, the last one `output`.
    """
    if len(sizes) < 2:
        raise ValueError(f"mlp: sizes needs an input and an output size, got {sizes!r}")
    rng = np.random.RandomState(seed)
    params, h = [], x
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        W = Variable(rng.randn(fan_in, fan_out) / np.sqrt(fan_in), name=f"W{i + 1}")
        b = Variable(np.zeros(fan_out), name=f"b{i + 1}")
        params.append((W, b))
        h = (activation if i < len(sizes) - 2 else output)(add(matmul(h, W), b))
    return h, params
