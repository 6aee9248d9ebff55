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


class softmax_cross_entropy_with_logits(Operation):
    """TF1's `tf.nn.softmax_cross_entropy_with_logits(labels=C, logits=Z)`: for each row,
    −Σ_k c_k log softmax(z)_k, the cross-entropy of the softmax of the scores z, in one op.

    Computed as Σ_k c_k (logsumexp(z) − z_k), with logsumexp(z) = m + log Σ_k e^(z_k − m) and
    m = max_k z_k: it stays finite where softmax followed by log gives log 0 = −inf. Its inputs
    are (logits, labels), in that order."""

    def __init__(self, labels=None, logits=None, name=None):
        if labels is None or logits is None:
            raise TypeError("softmax_cross_entropy_with_logits needs both labels= and logits=")
        super().__init__(logits, labels, name=name)

    @reference("softmax_cross_entropy", "sf.nn.softmax_cross_entropy_with_logits")
    def compute(self, logits, labels):
        m = logits.max(axis=-1, keepdims=True)
        log_sum = m + np.log(np.exp(logits - m).sum(axis=-1, keepdims=True))
        return np.sum(labels * (log_sum - logits), axis=-1)
