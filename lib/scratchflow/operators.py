"""Python's operators on nodes, as TensorFlow 1 gives them to tensors: `x @ W + b`, `-y * log(p)`.

A number or an array on either side becomes a constant. `==` stays identity (as in TF1: nodes are
dictionary keys, e.g. in `feed_dict`); element-wise comparison is `sf.equal`.
"""


def _op(name, swap=False):
    def operator(self, other):
        from . import array_ops, math_ops  # here: the ops are built on the Node class

        op = getattr(math_ops, name, None) or getattr(array_ops, name)
        return op(other, self) if swap else op(self, other)

    operator.__name__ = name
    return operator


class Operators:
    # Without this, `np.ones(2) + node` would make NumPy loop over the array, adding each number
    # to the node; None makes NumPy hand the operation to the node's reflected operator.
    __array_ufunc__ = None

    __add__, __radd__ = _op("add"), _op("add", swap=True)
    __sub__, __rsub__ = _op("subtract"), _op("subtract", swap=True)
    __mul__, __rmul__ = _op("multiply"), _op("multiply", swap=True)
    __truediv__, __rtruediv__ = _op("divide"), _op("divide", swap=True)
    __matmul__, __rmatmul__ = _op("matmul"), _op("matmul", swap=True)

    def __neg__(self):
        from .math_ops import negative

        return negative(self)

    def __pow__(self, exponent):
        raise TypeError(
            "scratchflow has no `**` on nodes (TF1's tf.pow); for a square use sf.square(x), else sf.multiply"
        )

    def __getitem__(self, index):
        raise TypeError(
            "scratchflow has no slicing of nodes (TF1's tensor[...] / tf.strided_slice); "
            "slice the array you feed, or compute with whole arrays"
        )
