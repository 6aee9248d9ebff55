"""Datasets, generated offline from a seed, so every run sees the same points."""

import numpy as np


def two_clouds(n=50, seed=0, centre=2.0):
    """Two Gaussian clouds of n points each (unit variance): blue around (2, 2), red around (−2, −2)
    (or around ±(centre, centre): with centre 0.5 they overlap).

    Returns X, shape (2n, 2), blue points first, and one-hot labels C, shape (2n, 2): blue = [1, 0],
    red = [0, 1].
    """
    rng = np.random.default_rng(seed)
    blue = rng.normal(size=(n, 2)) + centre
    red = rng.normal(size=(n, 2)) - centre
    X = np.concatenate([blue, red])
    C = np.repeat(np.eye(2), n, axis=0)
    return X, C
