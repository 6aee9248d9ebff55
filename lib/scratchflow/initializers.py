"""Where values start, in TF1's words: `zeros`, `ones`, seeded random draws, and the initializer op.

Our Variables hold their values from the moment they are made, so `global_variables_initializer()`
is an op that does nothing; TF1 code runs it, and may keep doing so.
"""

import numpy as np

from .dtypes import as_dtype
from .graph import get_default_graph
from .nodes import Operation, constant


def zeros(shape, dtype=np.float64, name=None):
    return constant(np.zeros(tuple(shape), as_dtype(dtype, "zeros")), name=name or "zeros")


def ones(shape, dtype=np.float64, name=None):
    return constant(np.ones(tuple(shape), as_dtype(dtype, "ones")), name=name or "ones")


def set_random_seed(seed):
    """The default graph's seed: random ops made after it without a seed of their own draw
    reproducibly (each its own stream), as with TF1's graph-level seed."""
    get_default_graph().seed = seed


class _Random(Operation):
    """New draws at every run, from a generator of its own: seeded by `seed`, else by the graph's
    seed and the op's position in the graph, else (as in TF1) not reproducibly."""

    def __init__(self, shape, seed, name):
        super().__init__(name=name)
        self.shape = tuple(shape)
        if seed is None and self.graph.seed is not None:
            seed = [self.graph.seed, len(self.graph.operations)]
        self.rng = np.random.default_rng(seed)


class random_normal(_Random):
    """Draws from the normal distribution N(mean, stddev²)."""

    def __init__(self, shape, mean=0.0, stddev=1.0, dtype=np.float64, seed=None, name=None):
        as_dtype(dtype, "random_normal")
        super().__init__(shape, seed, name)
        self.mean, self.stddev = mean, stddev

    def compute(self):
        return self.rng.normal(self.mean, self.stddev, self.shape)


class random_uniform(_Random):
    """Draws from the uniform distribution on [minval, maxval) (maxval 1 if not given)."""

    def __init__(self, shape, minval=0.0, maxval=None, dtype=np.float64, seed=None, name=None):
        as_dtype(dtype, "random_uniform")
        super().__init__(shape, seed, name)
        self.minval, self.maxval = minval, 1.0 if maxval is None else maxval

    def compute(self):
        return self.rng.uniform(self.minval, self.maxval, self.shape)


class global_variables_initializer(Operation):
    """An op that does nothing when run (our Variables already hold their initial values)."""

    def __init__(self, name="init"):
        super().__init__(name=name)

    def compute(self):
        return None
