"""Optimizers, as TF1's `tf.train` has them: `minimize(loss)` gives an op that, when run, does a
forward pass, a backward pass and one update of every trainable variable the loss depends on.
`compute_gradients` and `apply_gradients` are the two halves, for code that looks at or changes
the gradients in between."""

import numpy as np

from .gradient_nodes import gradients
from .gradients import compute_gradients
from .guard import reference
from .nodes import Node, Operation, Variable
from .order import topological_order


class Optimizer:
    """The update rule is `update(variable, gradient)`; the rest is shared."""

    def __init__(self, learning_rate):
        if not (isinstance(learning_rate, (int, float, np.floating)) and learning_rate > 0):
            raise ValueError(f"{type(self).__name__}: learning_rate must be a positive number, got {learning_rate!r}")
        self.learning_rate = learning_rate

    def minimize(self, loss, var_list=None):
        """An op that, when run, does a forward pass, a backward pass and one update."""
        _check_loss(loss, "minimize")
        return _Minimize(loss, self, _variables(loss, var_list, "minimize"))

    def compute_gradients(self, loss, var_list=None):
        """[(gradient node, variable), ...] for the trainable variables `loss` depends on."""
        _check_loss(loss, "compute_gradients")
        variables = _variables(loss, var_list, "compute_gradients")
        return list(zip(gradients(loss, variables), variables, strict=True))

    def apply_gradients(self, grads_and_vars):
        """An op that, when run, moves each variable by its gradient's value (pairs with None skipped)."""
        pairs = [(g, v) for g, v in grads_and_vars if g is not None]
        for g, v in pairs:
            if not (isinstance(g, Node) and isinstance(v, Variable)):
                raise TypeError(f"apply_gradients: expected (gradient node, Variable) pairs, got ({g!r}, {v!r})")
        if not pairs:
            raise ValueError("apply_gradients: no gradients given (every gradient is None)")
        return _Apply(self, pairs)

    def apply(self, grads, variables):
        """Move each of `variables` by its gradient in `grads` ({variable: array})."""
        for var in variables:
            if grads[var].shape != var.value.shape:
                raise ValueError(
                    f"the gradient of {var!r} has shape {grads[var].shape}, but the variable has {var.value.shape}"
                )
        self.step(grads, variables)

    def step(self, grads, variables):
        for var in variables:
            self.update(var, grads[var])

    def update(self, var, grad):
        raise NotImplementedError


@reference("gradient_descent_step", "sf.train.GradientDescentOptimizer's step")
def gradient_descent_step(grads, variables, learning_rate):
    for var in variables:
        var.value -= learning_rate * grads[var]  # in place: no new array per step


class GradientDescentOptimizer(Optimizer):
    """w ← w − η ∇w."""

    def step(self, grads, variables):
        gradient_descent_step(grads, variables, self.learning_rate)

    def update(self, var, grad):
        self.step({var: grad}, [var])


class MomentumOptimizer(Optimizer):
    """v ← μ v + ∇w, then w ← w − η v (TF1's form; with Nesterov, w ← w − η (∇w + μ v))."""

    def __init__(self, learning_rate, momentum, use_nesterov=False):
        super().__init__(learning_rate)
        if not (isinstance(momentum, (int, float, np.floating)) and 0 <= momentum < 1):
            raise ValueError(f"MomentumOptimizer: momentum must be a number in [0, 1), got {momentum!r}")
        self.momentum, self.use_nesterov = momentum, use_nesterov
        self.velocity = {}

    def update(self, var, grad):
        v = self.velocity.get(var)
        v = self.velocity[var] = grad.copy() if v is None else self.momentum * v + grad
        var.value -= self.learning_rate * (grad + self.momentum * v if self.use_nesterov else v)


class AdamOptimizer(Optimizer):
    """Adam (Kingma & Ba), in TF1's form: m ← β₁m + (1−β₁)∇w, v ← β₂v + (1−β₂)∇w², and
    w ← w − η·√(1−β₂ᵗ)/(1−β₁ᵗ) · m/(√v + ε) at step t."""

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8):
        super().__init__(learning_rate)
        self.beta1, self.beta2, self.epsilon = beta1, beta2, epsilon
        self.moments = {}  # variable -> (step, m, v)

    def update(self, var, grad):
        t, m, v = self.moments.get(var, (0, 0.0, 0.0))
        t, m, v = t + 1, self.beta1 * m + (1 - self.beta1) * grad, self.beta2 * v + (1 - self.beta2) * grad * grad
        self.moments[var] = (t, m, v)
        rate = self.learning_rate * np.sqrt(1 - self.beta2**t) / (1 - self.beta1**t)
        var.value -= rate * m / (np.sqrt(v) + self.epsilon)


class _Minimize(Operation):
    runs_after_forward = True

    def __init__(self, loss, optimizer, variables):
        super().__init__(loss, name="minimize")
        self.optimizer, self.variables = optimizer, variables

    def compute_in_run(self, values):
        grads = compute_gradients(self.input_nodes[0], values)
        self.optimizer.apply(grads, [var for var in self.variables if grads.get(var) is not None])
        return None


class _Apply(Operation):
    runs_after_forward = True  # after every other op of the run has read the variables

    def __init__(self, optimizer, pairs):
        super().__init__(*(g for g, _ in pairs), name="apply_gradients")
        self.optimizer, self.pairs = optimizer, pairs

    def compute_in_run(self, values):
        grads = {var: np.asarray(values[g], dtype=np.float64) for g, var in self.pairs}
        self.optimizer.apply(grads, [var for _, var in self.pairs])
        return None


def _check_loss(loss, where):
    if not isinstance(loss, Node):
        raise TypeError(f"{where}: the loss must be a node, got {loss!r} ({type(loss).__name__})")


def _variables(loss, var_list, where):
    if var_list is None:
        var_list = [n for n in topological_order(loss) if isinstance(n, Variable) and n.trainable]
    if not var_list:
        raise ValueError(f"{where}: {loss!r} depends on no trainable Variable, so there is nothing to train")
    return list(var_list)
