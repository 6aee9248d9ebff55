"""Datasets: generated offline from a seed, so every run sees the same points, and one real set."""

from pathlib import Path

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


def xor_clouds(rng=0, n=25, noise=0.2):
    """Four groups of n points with noise·N(0, 1): blue at (0, 1) and (1, 0), red at (0, 0) and (1, 1).

    No line separates the classes. `rng` is a seed or a `np.random.RandomState` (the tutorial draws
    the weights from the same stream after the data). Returns X (4n, 2), blue first, and one-hot
    labels C: blue = [1, 0], red = [0, 1].
    """
    rng = np.random.RandomState(rng) if np.isscalar(rng) else rng
    red = np.concatenate([noise * rng.randn(n, 2) + [0, 0], noise * rng.randn(n, 2) + [1, 1]])
    blue = np.concatenate([noise * rng.randn(n, 2) + [0, 1], noise * rng.randn(n, 2) + [1, 0]])
    return np.concatenate([blue, red]), np.repeat(np.eye(2), 2 * n, axis=0)


def xor_table():
    """The XOR truth table: inputs (4, 2) and one-hot outputs (4, 2), class 1 where x1 ≠ x2."""
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    return X, np.eye(2)[(X[:, 0] != X[:, 1]).astype(int)]


def moons(n=200, noise=0.2, seed=0):
    """Two interleaving half circles with Gaussian noise, as scikit-learn's
    `make_moons(n, noise=noise, random_state=seed)` makes them (same stream, same points).

    Returns X (n, 2) and integer labels y (n,): 0 for the upper moon, 1 for the lower one.
    """
    rng = np.random.RandomState(seed)
    n_out, n_in = n // 2, n - n // 2
    upper = np.linspace(0, np.pi, n_out)
    lower = np.linspace(0, np.pi, n_in)
    X = np.vstack([np.append(np.cos(upper), 1 - np.cos(lower)), np.append(np.sin(upper), 0.5 - np.sin(lower))]).T
    y = np.hstack([np.zeros(n_out, dtype=int), np.ones(n_in, dtype=int)])
    order = np.arange(n)
    rng.shuffle(order)
    X, y = X[order], y[order]
    return X + rng.normal(scale=noise, size=X.shape), y


def digits(test_fraction=0.25, seed=0):
    """The 8×8 handwritten digits (UCI, CC BY 4.0; see scratchflow/data/README.md), split into a
    training and a test set, stratified: each digit keeps its share in both, chosen by a seeded
    shuffle.

    Returns X_train, C_train, X_test, C_test: rows of 64 pixels scaled to [0, 1] (reshape a row to
    (8, 8) to see it) and one-hot labels with 10 columns (argmax gives the digit).
    """
    if not 0 < test_fraction < 1:
        raise ValueError(f"digits: test_fraction must be between 0 and 1, got {test_fraction!r}")
    with np.load(Path(__file__).parent / "data" / "digits.npz") as data:
        images, labels = data["images"], data["labels"]
    rng = np.random.default_rng(seed)
    train, test = [], []
    for digit in range(10):
        rows = rng.permutation(np.flatnonzero(labels == digit))
        cut = round(len(rows) * test_fraction)
        test.append(rows[:cut])
        train.append(rows[cut:])
    train, test = rng.permutation(np.concatenate(train)), rng.permutation(np.concatenate(test))
    X = images.reshape(len(images), 64) / 16.0
    C = np.eye(10)[labels]
    return X[train], C[train], X[test], C[test]
