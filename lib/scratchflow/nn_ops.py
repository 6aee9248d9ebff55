"""Activation functions."""

import numpy as np

from .guard import reference
from .nodes import Operation


class sigmoid(Operation):
    """σ(a) = 1 / (1 + e^(-a)), element-wise."""

    @reference("sigmoid")
    def compute(self, a):
        # exp(-log(1 + e^-a)): never overflows, and stays accurate far into both tails
        return np.exp(-np.logaddexp(0.0, -a))


class softmax(Operation):
    """Row-wise softmax: each row of a turned into probabilities that sum to 1."""

    @reference("softmax")
    def compute(self, a):
        # Subtracting the row maximum changes nothing mathematically but keeps exp() finite.
        e = np.exp(a - a.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)


class tanh(Operation):
    """tanh(a) = 2σ(2a) − 1, element-wise: like the sigmoid, but centred on 0, with range (−1, 1)."""

    @reference("tanh")
    def compute(self, a):
        return np.tanh(a)


class relu(Operation):
    """max(0, a), element-wise."""

    @reference("relu")
    def compute(self, a):
        return np.maximum(a, 0.0)
