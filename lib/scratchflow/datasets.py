"""Datasets, generated offline from a seed, so every run sees the same points."""

import numpy as np


def two_clouds(n=50, seed=0):
    """Two Gaussian clouds of n points each (unit variance): blue around (2, 2), red around (−2, −2).

    Returns X, shape (2n, 2), blue points first, and one-hot labels C, shape (2n, 2): blue = [1, 0],
    red = [0, 1].
    """
    rng = np.random.default_rng(seed)
    blue = rng.normal(size=(n, 2)) + 2
    red = rng.normal(size=(n, 2)) - 2
    X = np.concatenate([blue, red])
    C = np.repeat(np.eye(2), n, axis=0)
    return X, C
