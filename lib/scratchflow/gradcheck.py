"""Checking gradients against central differences: (f(x + ε) − f(x − ε)) / 2ε."""

import numpy as np

from . import record, tally
from .checks import shape_in_words
from .gradients import compute_gradients, gradient_function
from .graph import Graph
from .guard import Delegation, forward_pass_banned, reference
from .nodes import Variable
from .session import Session


def check_gradient(build, inputs, gradient=None, eps=1e-6, rtol=1e-5, atol=1e-7, seed=0):
    """Check one op's gradient function; raise AssertionError saying where it is wrong.

    `build(*nodes)` makes the op from its input nodes, e.g. `lambda a: sf.reduce_sum(a, axis=1)`;
    `inputs` are the input values; `gradient` is the function to check (default: the registered
    one). The op's output is weighted by random numbers R, so that f = Σ R·op(inputs) is a scalar
    whose gradient exercises every entry. Returns None, like an assert: a graded test cell that
    displayed a number would have nbgrader read it as a partial score.

    The op's forward pass refuses to run while the gradient does: the exercises ask for the
    derivative's formula. When grading (`scratchflow.record`), the op's output and the gradients are
    written down for the grader instead of being compared with central differences here.
    """
    with Graph().as_default():
        nodes = [Variable(x, name=f"input{i}") for i, x in enumerate(inputs)]
        op = build(*nodes)
        session = Session()
        values = session.forward(op)
        weights = np.random.default_rng(seed).normal(size=np.shape(values[op]))
        own = gradient is not None
        gradient = gradient or gradient_function(op)
        # The op's inputs: the Variables made from `inputs`, and any constant that `build` added
        # (labels, say). Only the Variables' gradients are compared.
        input_values = [values[n] for n in op.input_nodes]
        checked_at = [op.input_nodes.index(n) if n in op.input_nodes else i for i, n in enumerate(nodes)]
        name = type(op).__name__
        try:
            if own:
                with forward_pass_banned(type(op)):
                    analytic = gradient(op, weights, input_values, values[op])
            else:
                analytic = gradient(op, weights, input_values, values[op])
        except (NotImplementedError, Delegation):
            raise  # an exercise not done yet, or the reference asked for: say just that
        except Exception as error:
            shapes = ", ".join(str(np.shape(v)) for v in input_values)
            raise AssertionError(
                f"the gradient of {type(op).__name__} raised {type(error).__name__}: {error}\n"
                f"(the incoming grad had shape {weights.shape}; the inputs had shapes {shapes})"
            ) from error
        if record.active():
            grads = list(analytic) if isinstance(analytic, (list, tuple)) else [analytic]
            if len(grads) == len(input_values):  # the Variables' gradients only, as compared below
                grads = [grads[i] for i in checked_at]
            shape_of = [list(np.shape(input_values[i])) for i in checked_at]
            record.write(
                "gradient",
                f"the gradient of {name}",
                output=record.encode(values[op]),
                grads=[record.encode(g) for g in grads],
                inputs=shape_of,
            )
            return
        if analytic is None or not isinstance(analytic, (list, tuple)) or len(analytic) != len(input_values):
            raise AssertionError(
                f"the gradient of {type(op).__name__} must return a list with one gradient per input "
                f"({len(input_values)}), got {analytic!r}"
            )
        compared = []
        for i, node in zip(checked_at, nodes, strict=True):
            got = analytic[i]
            expected = _numerical(lambda: float(np.sum(weights * session.run(op))), node.value, eps)
            _compare(got, expected, f"{type(op).__name__}: gradient for input {i}", rtol, atol)
            compared.append((np.ravel(got), np.ravel(expected)))
        tally.passed(*(np.concatenate(side) for side in zip(*compared, strict=True)))


@reference("compute_gradients", "the numerical gradients of sf.gradcheck", in_kernel=False)
def check_graph_gradients(loss, feed_dict=None, variables=None, eps=1e-6, rtol=1e-5, atol=1e-7):
    """Check `compute_gradients(loss)` for every variable (or those given); raise where it is wrong."""
    session = Session(loss.graph)
    grads = compute_gradients(loss, session.forward(loss, feed_dict))
    if variables is None:
        variables = [v for v in loss.graph.variables if v in grads]
    for var in variables:
        expected = _numerical(lambda: float(np.sum(session.run(loss, feed_dict))), var.value, eps)
        got = grads.get(var, np.zeros_like(var.value))
        _compare(got, expected, f"gradient of {loss.name!r} with respect to {var.name!r}", rtol, atol)


@reference("compute_gradients", "the numerical gradients of sf.gradcheck", in_kernel=False)
def numerical_gradient(loss, variable, feed_dict=None, eps=1e-6):
    """∂loss/∂variable by central differences (no backpropagation: a yardstick for it)."""
    session = Session(loss.graph)
    return _numerical(lambda: float(np.sum(session.run(loss, feed_dict))), variable.value, eps)


@reference("compute_gradients", "the numerical gradients of sf.gradcheck", in_kernel=False)
def _numerical(f, x, eps):
    """∂f/∂x by central differences, perturbing the array x in place (and restoring it)."""
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        old = x[index]
        x[index] = old + eps
        up = f()
        x[index] = old - eps
        down = f()
        x[index] = old
        grad[index] = (up - down) / (2 * eps)
    return grad


def _compare(got, expected, what, rtol, atol):
    if got is None:
        raise AssertionError(f"{what}: got None, expected {shape_in_words(expected.shape)}")
    got = np.asarray(got, dtype=np.float64)
    if got.shape != expected.shape:
        # The advice on broadcasting only where the input could have been broadcast to that shape.
        try:
            broadcast = np.broadcast_shapes(expected.shape, got.shape) == got.shape
        except ValueError:
            broadcast = False
        raise AssertionError(
            f"{what}: the gradient has shape {got.shape} but its input has shape {expected.shape} "
            "(a gradient always has the shape of what it differentiates with respect to"
            + ("; the input was broadcast, so sum over the broadcast axes)" if broadcast else ")")
        )
    bad = np.abs(got - expected) > atol + rtol * np.abs(expected)
    if bad.any():
        index = tuple(int(i) for i in np.argwhere(bad)[0])
        raise AssertionError(
            f"{what}: at index {index} the gradient is {got[index]:.6g}, but central differences give "
            f"{expected[index]:.6g} ({int(bad.sum())} of {bad.size} entries wrong)"
        )
