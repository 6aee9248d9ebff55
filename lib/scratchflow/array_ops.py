"""Ops that rearrange, compare or convert values (no arithmetic): TF1's transpose, reshape, argmax,
equal and cast."""

import numpy as np

from .dtypes import as_dtype
from .nodes import Operation


class transpose(Operation):
    """The axes of x reversed (a matrix transposed), or permuted by `perm`."""

    def __init__(self, a, perm=None, name=None):
        super().__init__(a, name=name)
        self.perm = None if perm is None else tuple(perm)

    def compute(self, a):
        return np.transpose(a, self.perm)


class reshape(Operation):
    """x with a new shape (one entry may be -1: whatever fits), the same entries in the same order."""

    def __init__(self, tensor, shape, name=None):
        super().__init__(tensor, name=name)
        self.shape = tuple(shape)

    def compute(self, x):
        return np.reshape(x, self.shape)


class argmax(Operation):
    """The index of the largest entry along `axis` (TF1's default is axis 0)."""

    differentiable = False

    def __init__(self, input, axis=None, name=None, dimension=None):  # noqa: A002 (TF1's name)
        super().__init__(input, name=name)
        self.axis = 0 if axis is None and dimension is None else (dimension if axis is None else axis)

    def compute(self, x):
        return np.argmax(x, axis=self.axis)


class equal(Operation):
    """x == y, element-wise (with broadcasting): an array of booleans."""

    differentiable = False

    def compute(self, x, y):
        return np.equal(x, y)


class cast(Operation):
    """x converted to `dtype` (e.g. booleans to 0.0/1.0 for an accuracy); floats are float64."""

    def __init__(self, x, dtype, name=None):
        super().__init__(x, name=name)
        self.dtype = as_dtype(dtype, f"cast {self.name!r}")
        self.differentiable = self.dtype.kind == "f"

    def compute(self, x):
        return np.asarray(x).astype(self.dtype)
