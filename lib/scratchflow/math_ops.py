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


class reduce_sum(Operation):
    """The sum of the entries of x: all of them (axis=None), or along an axis (or a tuple of axes)."""

    def __init__(self, x, axis=None, name=None):
        super().__init__(x, name=name)
        self.axis = axis

    @reference("reduce_sum")
    def compute(self, x):
        return x.sum(axis=self.axis) if isinstance(x, np.ndarray) else np.sum(x, axis=self.axis)
