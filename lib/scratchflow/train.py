"""TF1's `tf.train` (the optimizers), and a loop that records the loss and shows progress."""

import numpy as np
from tqdm.auto import trange

from .minibatch import minibatches, train_epochs
from .missing import report_missing
from .optimizers import AdamOptimizer, GradientDescentOptimizer, MomentumOptimizer, Optimizer

__all__ = [
    "AdamOptimizer", "GradientDescentOptimizer", "MomentumOptimizer", "Optimizer", "fit", "minibatches", "train_epochs",
]  # fmt: skip


def fit(session, train_op, loss, feed_dict, steps, progress=True, description="training"):
    """Run `train_op` `steps` times; return the loss before each step (from the same forward pass)."""
    history = np.empty(steps)
    for step in trange(steps, desc=description, disable=not progress, mininterval=0.25):
        history[step] = session.run([loss, train_op], feed_dict)[0]
    return history


__getattr__ = report_missing("sf.train", __all__)
