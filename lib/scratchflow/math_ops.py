"""Arithmetic operations."""

import numpy as np

from .guard import reference
from .nodes import Operation


class add(Operation):
    """x + y, element-wise; NumPy broadcasting lets a bias row be added to every row of a batch."""

    @reference("add")
    def compute(self, x, y):
        return x + y


class matmul(Operation):
    """The matrix product a @ b."""

    @reference("matmul")
    def compute(self, a, b):
        try:
            return a @ b
        except (ValueError, TypeError):
            pass  # explain below, in words; the message of `@` names neither the op nor the rows
        a, b = np.asarray(a), np.asarray(b)
        if a.ndim == 0 or b.ndim == 0:
            raise ValueError(
                f"matmul {self.name!r}: cannot multiply shapes {a.shape} and {b.shape}: "
                "both inputs need at least one dimension (use sf.multiply for scalars)"
            )
        inner_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
        if a.shape[-1] != inner_b:
            raise ValueError(
                f"matmul {self.name!r}: cannot multiply shapes {a.shape} and {b.shape}: "
                f"the first has {a.shape[-1]} columns but the second has {inner_b} rows"
            )
        return np.matmul(a, b)


class multiply(Operation):
    """x * y, element-wise (with broadcasting)."""

    @reference("multiply")
    def compute(self, x, y):
        return x * y


class negative(Operation):
    """-x, element-wise."""

    @reference("negative")
    def compute(self, x):
        return -x


class log(Operation):
    """The natural logarithm, element-wise."""

    @reference("log")
    def compute(self, x):
        return np.log(x)


class subtract(Operation):
    """x − y, element-wise (with broadcasting)."""

    def compute(self, x, y):
        return np.subtract(x, y)


class divide(Operation):
    """x / y, element-wise (with broadcasting)."""

    def compute(self, x, y):
        return np.divide(x, y)


class square(Operation):
    """x², element-wise."""

    def compute(self, x):
        return np.square(x)


class exp(Operation):
    """eˣ, element-wise."""

    def compute(self, x):
        return np.exp(x)


class _Reduction(Operation):
    """A reduction over all entries (axis=None) or some axes, with TF1's arguments: `axis` (an int,
    or a list of them), `keepdims`, and the older spellings `reduction_indices` and `keep_dims`."""

    def __init__(self, x, axis=None, keepdims=False, name=None, reduction_indices=None, keep_dims=None):
        super().__init__(x, name=name)
        if reduction_indices is not None:
            if axis is not None:
                raise ValueError(f"{type(self).__name__}: give axis or reduction_indices, not both")
            axis = reduction_indices
        self.axis = tuple(axis) if isinstance(axis, (list, tuple)) else axis
        self.keepdims = bool(keepdims or keep_dims)


class reduce_sum(_Reduction):
    """The sum of the entries of x: all of them (axis=None), or along an axis (or a tuple of axes)."""

    @reference("reduce_sum")
    def compute(self, x):
        if isinstance(x, np.ndarray):
            return x.sum(axis=self.axis, keepdims=self.keepdims)
        return np.sum(x, axis=self.axis, keepdims=self.keepdims)


class reduce_mean(_Reduction):
    """The mean of the entries of x: all of them (axis=None), or along an axis (or a tuple of axes)."""

    def compute(self, x):
        return np.mean(x, axis=self.axis, keepdims=self.keepdims)
