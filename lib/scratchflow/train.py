"""Training: gradient descent, and a loop that records the loss and shows progress."""

import numpy as np
from tqdm.auto import trange

from .gradients import compute_gradients
from .nodes import Node, Operation, Variable
from .order import topological_order


class GradientDescentOptimizer:
    """Moves every variable a step of size `learning_rate` against its gradient."""

    def __init__(self, learning_rate):
        if not (isinstance(learning_rate, (int, float, np.floating)) and learning_rate > 0):
            raise ValueError(
                f"GradientDescentOptimizer: learning_rate must be a positive number, got {learning_rate!r}"
            )
        self.learning_rate = learning_rate

    def minimize(self, loss, var_list=None):
        """An op that, when run, does a forward pass, a backward pass and one update."""
        if not isinstance(loss, Node):
            raise TypeError(f"minimize: the loss must be a node, got {loss!r} ({type(loss).__name__})")
        return _Minimize(loss, self, var_list)


class _Minimize(Operation):
    runs_after_forward = True

    def __init__(self, loss, optimizer, var_list):
        super().__init__(loss, name="minimize")
        self.optimizer = optimizer
        self.variables = (
            [n for n in topological_order(loss) if isinstance(n, Variable)] if var_list is None else list(var_list)
        )
        if not self.variables:
            raise ValueError(f"minimize: {loss!r} depends on no Variable, so there is nothing to train")

    def compute_in_run(self, values):
        grads = compute_gradients(self.input_nodes[0], values)
        rate = self.optimizer.learning_rate
        for var in self.variables:
            grad = grads.get(var)
            if grad is None:
                continue
            if grad.shape != var.value.shape:
                raise ValueError(
                    f"the gradient of {var!r} has shape {grad.shape}, but the variable has {var.value.shape}"
                )
            var.value -= rate * grad  # in place: no new array per step
        return None


def fit(session, train_op, loss, feed_dict, steps, progress=True, description="training"):
    """Run `train_op` `steps` times; return the loss before each step (from the same forward pass)."""
    history = np.empty(steps)
    for step in trange(steps, desc=description, disable=not progress, mininterval=0.25):
        history[step] = session.run([loss, train_op], feed_dict)[0]
    return history
