"""Mini-batch training: an epoch visits every example once, in a new random order, a batch at a time."""

import numpy as np
from tqdm.auto import trange

from .guard import reference


@reference("minibatches", "sf.train.minibatches")
def minibatches(n, batch_size, rng):
    """One epoch's batches: the indices 0..n-1 in an order drawn from `rng` (a np.random.Generator),
    cut into consecutive batches of `batch_size`; the last one is smaller when batch_size does not
    divide n (it is kept: every example counts once per epoch)."""
    if not (isinstance(batch_size, (int, np.integer)) and batch_size > 0):
        raise ValueError(f"minibatches: batch_size must be a positive integer, got {batch_size!r}")
    order = rng.permutation(n)
    return [order[start : start + batch_size] for start in range(0, n, batch_size)]


@reference("train_epochs", "sf.train.train_epochs")
def train_epochs(session, step, loss, x, c, X, C, epochs, batches, progress=False):
    """Train for `epochs` epochs; `batches()` gives one epoch's index arrays. Each batch gets one
    `step`, fed its rows of X and C; its loss is taken in the same run, before the step. Returns
    each epoch's loss per example: the sum of its batch losses divided by len(X)."""
    history = np.empty(epochs)
    for epoch in trange(epochs, desc="epochs", disable=not progress, mininterval=0.25):
        total = 0.0
        for rows in batches():
            total += session.run([loss, step], {x: X[rows], c: C[rows]})[0]
        history[epoch] = total / len(X)
    return history
