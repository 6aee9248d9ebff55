"""Ops, their gradients (each checked against central differences), backpropagation and training."""

import matplotlib
import numpy as np
import pytest

import scratchflow as sf

matplotlib.use("Agg")
rng = np.random.default_rng(0)
N, D = rng.normal(size=(4, 3)), rng.normal(size=(3, 5))
POSITIVE = rng.uniform(0.5, 2.0, size=(4, 3))

# (name, builder, input values): shapes chosen to exercise broadcasting and every axis case
GRADIENT_CASES = [
    ("add same shape", sf.add, [N, rng.normal(size=(4, 3))]),
    ("add bias row", sf.add, [N, rng.normal(size=3)]),
    ("add column", sf.add, [N, rng.normal(size=(4, 1))]),
    ("add scalar", sf.add, [N, 0.7]),
    ("multiply same shape", sf.multiply, [N, rng.normal(size=(4, 3))]),
    ("multiply row", sf.multiply, [N, rng.normal(size=3)]),
    ("multiply column", sf.multiply, [rng.normal(size=(4, 1)), N]),
    ("negative", sf.negative, [N]),
    ("log", sf.log, [POSITIVE]),
    ("reduce_sum all", sf.reduce_sum, [N]),
    ("reduce_sum axis 0", lambda a: sf.reduce_sum(a, axis=0), [N]),
    ("reduce_sum axis 1", lambda a: sf.reduce_sum(a, axis=1), [N]),
    ("reduce_sum axis -1", lambda a: sf.reduce_sum(a, axis=-1), [N]),
    ("reduce_sum axes (0, 2)", lambda a: sf.reduce_sum(a, axis=(0, 2)), [rng.normal(size=(2, 3, 4))]),
    ("matmul matrix matrix", sf.matmul, [N, D]),
    ("matmul matrix vector", sf.matmul, [N, rng.normal(size=3)]),
    ("matmul vector matrix", sf.matmul, [rng.normal(size=4), N]),
    ("matmul vector vector", sf.matmul, [rng.normal(size=3), rng.normal(size=3)]),
    ("sigmoid", sf.sigmoid, [3 * N]),
    ("softmax", sf.softmax, [3 * N]),
    ("softmax one row", sf.softmax, [rng.normal(size=5)]),
    ("tanh", sf.tanh, [2 * N]),
    ("relu", sf.relu, [N + 0.01 * np.sign(N)]),  # kept away from the kink at 0
]


@pytest.mark.parametrize("name, build, inputs", GRADIENT_CASES, ids=[c[0] for c in GRADIENT_CASES])
def test_registered_gradient_matches_central_differences(name, build, inputs):
    sf.check_gradient(build, inputs, rtol=1e-6)


def wrong_sigmoid_gradient(op, grad, inputs, output):  # the blog's erratum σ(a)·σ(1 − a)
    a = inputs[0]
    return [grad * output * (1 / (1 + np.exp(-(1 - a))))]


def add_gradient_without_broadcast_sum(op, grad, inputs, output):
    return [grad, grad]


def reduce_sum_gradient_without_keepdims(op, grad, inputs, output):
    return [np.broadcast_to(grad, inputs[0].shape)]


@pytest.mark.parametrize(
    "build, inputs, wrong, says",
    [
        (sf.sigmoid, [N], wrong_sigmoid_gradient, r"sigmoid: gradient for input 0: at index"),
        (sf.add, [N, np.ones(3)], add_gradient_without_broadcast_sum, r"input 1: the gradient has shape \(4, 3\) but"),
        (lambda a: sf.reduce_sum(a, axis=1), [N], reduce_sum_gradient_without_keepdims, r"broadcast"),
        (sf.negative, [N], lambda op, grad, inputs, output: [grad], r"negative: gradient for input 0"),
        (sf.tanh, [N], lambda op, grad, inputs, output: [grad * (1 - output)], r"tanh: gradient for input 0"),
        (sf.relu, [N], lambda op, grad, inputs, output: [grad], r"relu: gradient for input 0"),
        (sf.matmul, [N, D], lambda op, grad, i, o: [grad @ i[1].T], r"one gradient per input \(2\)"),
    ],
)
def test_gradient_checker_fails_on_a_wrong_gradient(build, inputs, wrong, says):
    """Negative control: the checker is only worth something if it catches mistakes."""
    with pytest.raises((AssertionError, ValueError), match=says):
        sf.check_gradient(build, inputs, gradient=wrong)


def test_forward_values_match_numpy():
    a = 3 * N
    with sf.Graph().as_default():
        x = sf.Variable(a)
        s = sf.Session()
        np.testing.assert_allclose(s.run(sf.sigmoid(x)), 1 / (1 + np.exp(-a)), rtol=1e-12)
        e = np.exp(a)
        np.testing.assert_allclose(s.run(sf.softmax(x)), e / e.sum(axis=1, keepdims=True), rtol=1e-12)
        np.testing.assert_allclose(s.run(sf.reduce_sum(x, axis=0)), a.sum(axis=0))
        np.testing.assert_allclose(s.run(sf.tanh(x)), 2 / (1 + np.exp(-2 * a)) - 1, rtol=1e-12, atol=1e-15)
        np.testing.assert_array_equal(s.run(sf.relu(x)), np.where(a > 0, a, 0.0))
        np.testing.assert_allclose(s.run(sf.negative(sf.log(sf.multiply(x, x)))), -np.log(a * a))


def test_sigmoid_and_softmax_are_stable_for_large_inputs():
    with sf.Graph().as_default(), np.errstate(over="raise", invalid="raise", divide="raise"):
        x = sf.Variable([[1000.0, 0.0, -1000.0], [-745.0, 40.0, 745.0]])
        s = sf.Session()
        np.testing.assert_allclose(s.run(sf.sigmoid(x))[0], [1.0, 0.5, 0.0], atol=1e-300)
        assert s.run(sf.sigmoid(x))[1, 0] > 0  # still positive deep in the tail
        np.testing.assert_allclose(s.run(sf.softmax(x)), [[1, 0, 0], [0, 0, 1]], atol=1e-12)


def test_sigmoid_quoted_value():
    # Sabinasz part II: the point (3, 2) with w = (1, 1), b = 0 has wᵀx = 5 and σ = 0.993307149076
    with sf.Graph().as_default():
        assert sf.Session().run(sf.sigmoid(sf.Variable(5.0))) == pytest.approx(0.993307149076, abs=1e-12)


# --- backpropagation: the original engine's three bugs -----------------------------------------


def test_node_consumed_at_two_depths():
    """Regression (1): W feeds a deep matmul and an L2 term directly; BFS raised KeyError."""
    with sf.Graph().as_default():
        x = sf.placeholder(name="x")
        W = sf.Variable(rng.normal(size=(3, 2)), name="W")
        h = sf.sigmoid(sf.matmul(sf.sigmoid(sf.matmul(x, W)), sf.Variable(rng.normal(size=(2, 3)))))
        deep = sf.reduce_sum(sf.matmul(h, W))
        loss = sf.add(deep, sf.reduce_sum(sf.multiply(W, W)))
        sf.check_graph_gradients(loss, {x: rng.normal(size=(5, 3))}, rtol=1e-6)


def test_variable_consumer_off_the_loss_path():
    """Regression (2): an accuracy op also reads W; BFS raised KeyError on it."""
    with sf.Graph().as_default():
        x, c = sf.placeholder(name="x"), sf.placeholder(name="c")
        W = sf.Variable(rng.normal(size=(2, 2)), name="W")
        p = sf.softmax(sf.matmul(x, W))
        sf.reduce_sum(sf.matmul(x, W), name="accuracy_like")  # consumes W, not on the loss path
        loss = sf.negative(sf.reduce_sum(sf.multiply(c, sf.log(p))))
        X, C = sf.datasets.two_clouds(n=5)
        grads = sf.compute_gradients(loss, sf.Session().forward(loss, {x: X, c: C}))
        assert grads[W].shape == (2, 2)
        sf.check_graph_gradients(loss, {x: X, c: C}, rtol=1e-6)


def test_minimize_before_any_forward_pass():
    """Regression (3): the very first run is the training op; the original needed a forward pass first."""
    with sf.Graph().as_default():
        w = sf.Variable([3.0], name="w")
        loss = sf.reduce_sum(sf.multiply(w, w))
        step = sf.train.GradientDescentOptimizer(0.25).minimize(loss)
        session = sf.Session()
        assert session.run(step) is None
        np.testing.assert_allclose(w.value, [3.0 - 0.25 * 6.0])


def test_gradients_from_several_consumers_are_summed():
    with sf.Graph().as_default():
        w = sf.Variable(2.0)
        loss = sf.add(sf.multiply(w, w), sf.multiply(w, sf.Variable(3.0)))  # w² + 3w
        grads = sf.compute_gradients(loss, sf.Session().forward(loss))
        assert grads[w] == pytest.approx(2 * 2.0 + 3.0)


def test_backward_pass_calls_each_gradient_once_and_skips_constant_branches():
    calls = []

    class traced_matmul(sf.matmul):
        pass

    @sf.RegisterGradient("traced_matmul")
    def _traced(op, grad, inputs, output):
        calls.append(op.name)
        return sf.gradient_function(sf.matmul(sf.Variable(0.0), sf.Variable(0.0)))(op, grad, inputs, output)

    with sf.Graph().as_default():
        x = sf.placeholder(name="x")
        W1, W2 = sf.Variable(rng.normal(size=(3, 4))), sf.Variable(rng.normal(size=(4, 2)))
        pre = traced_matmul(x, sf.Variable(np.eye(3)), name="constant_branch_is_still_a_variable")
        h = sf.sigmoid(traced_matmul(pre, W1, name="layer1"))
        loss = sf.reduce_sum(traced_matmul(h, W2, name="layer2"))
        feed = {x: rng.normal(size=(5, 3))}
        sf.compute_gradients(loss, sf.Session().forward(loss, feed))
        assert sorted(calls) == ["constant_branch_is_still_a_variable", "layer1", "layer2"]
        calls.clear()
        y = sf.placeholder(name="y")
        placeholders_only = sf.reduce_sum(traced_matmul(x, y, name="no_variables"))
        feed[y] = rng.normal(size=(3, 2))
        grads = sf.compute_gradients(placeholders_only, sf.Session().forward(placeholders_only, feed))
        assert calls == [] and set(grads) == {placeholders_only}


def test_missing_gradient_is_named():
    class halve(sf.Operation):
        def compute(self, x):
            return x / 2

    with sf.Graph().as_default():
        loss = halve(sf.Variable(1.0))
        with pytest.raises(
            LookupError, match=r"no gradient registered for <halve 'halve'>.*RegisterGradient\(\"halve\"\)"
        ):
            sf.compute_gradients(loss, sf.Session().forward(loss))


# --- training ---------------------------------------------------------------------------------


def perceptron(seed=0):
    X, C = sf.datasets.two_clouds()
    r = np.random.default_rng(seed)
    x, c = sf.placeholder(name="X"), sf.placeholder(name="c")
    W, b = sf.Variable(r.normal(size=(2, 2)), name="W"), sf.Variable(r.normal(size=2), name="b")
    p = sf.softmax(sf.add(sf.matmul(x, W), b))
    loss = sf.negative(sf.reduce_sum(sf.reduce_sum(sf.multiply(c, sf.log(p)), axis=1)))
    return {x: X, c: C}, W, b, p, loss, C


def test_gradient_descent_trains_the_perceptron_to_full_accuracy():
    with sf.Graph().as_default():
        feed, W, b, p, loss, C = perceptron()
        step = sf.train.GradientDescentOptimizer(0.01).minimize(loss)
        session = sf.Session()
        history = sf.train.fit(session, step, loss, feed, 100, progress=False)
        assert history.shape == (100,) and history[-1] < 0.1 * history[0]
        assert np.all(np.diff(history) <= 1e-12), "full-batch descent with a small rate never increases the loss"
        accuracy = np.mean(np.argmax(session.run(p, feed), axis=1) == np.argmax(C, axis=1))
        assert accuracy == 1.0


def test_one_step_equals_the_hand_computed_update():
    with sf.Graph().as_default():
        feed, W, b, p, loss, C = perceptron(seed=1)
        X = feed[next(k for k in feed if k.name == "X")]
        W0, b0 = W.value.copy(), b.value.copy()
        z = X @ W0 + b0
        P = np.exp(z - z.max(1, keepdims=True))
        P /= P.sum(1, keepdims=True)
        sf.Session().run(sf.train.GradientDescentOptimizer(0.1).minimize(loss), feed)
        np.testing.assert_allclose(W.value, W0 - 0.1 * X.T @ (P - C), rtol=1e-10)
        np.testing.assert_allclose(b.value, b0 - 0.1 * (P - C).sum(0), rtol=1e-10)


def test_fetched_variable_is_a_snapshot():
    with sf.Graph().as_default():
        w = sf.Variable([1.0])
        loss = sf.reduce_sum(sf.multiply(w, w))
        step = sf.train.GradientDescentOptimizer(0.1).minimize(loss)
        session = sf.Session()
        before = session.run(w)
        session.run(step)
        assert before[0] == 1.0 and w.value[0] == pytest.approx(0.8)


@pytest.mark.parametrize("rate", [0, -0.1, "0.1", None])
def test_bad_learning_rate_is_refused(rate):
    with pytest.raises(ValueError, match="learning_rate must be a positive number"):
        sf.train.GradientDescentOptimizer(rate)


def test_minimize_needs_a_variable_and_a_node():
    with sf.Graph().as_default():
        x = sf.placeholder()
        with pytest.raises(ValueError, match="depends on no trainable Variable"):
            sf.train.GradientDescentOptimizer(0.1).minimize(sf.reduce_sum(x))
        with pytest.raises(TypeError, match="the loss must be a node"):
            sf.train.GradientDescentOptimizer(0.1).minimize(3.0)


# --- data and plots ---------------------------------------------------------------------------


def test_two_clouds_are_seeded_and_as_described():
    X, C = sf.datasets.two_clouds()
    X2, _ = sf.datasets.two_clouds()
    np.testing.assert_array_equal(X, X2)
    assert X.shape == (100, 2) and C.shape == (100, 2)
    np.testing.assert_array_equal(C[:50], [[1, 0]] * 50)
    np.testing.assert_allclose(X[:50].mean(0), [2, 2], atol=0.4)
    np.testing.assert_allclose(X[50:].mean(0), [-2, -2], atol=0.4)
    np.testing.assert_allclose(X[:50].std(0), [1, 1], atol=0.3)
    assert not np.array_equal(sf.datasets.two_clouds(seed=1)[0], X)
    close, _ = sf.datasets.two_clouds(centre=0.5)
    np.testing.assert_allclose(close - X, np.repeat([[-1.5, -1.5], [1.5, 1.5]], 50, axis=0))


def test_plots_draw_something():
    X, C = sf.datasets.two_clouds()
    ax = sf.plot.scatter(X, C)
    assert len(ax.collections) == 2
    sf.plot.boundary_line([1, 1], 0, ax)
    assert len(ax.lines) == 1
    sf.plot.decision_regions(lambda P: np.column_stack([P.sum(1), -P.sum(1)]), X, ax)
    assert len(ax.collections) > 2
    assert len(sf.plot.loss_curve([3, 2, 1]).lines) == 1


def test_gradient_checker_reports_a_crashing_gradient_with_shapes():
    def lost_keepdims(op, grad, inputs, output):
        return [np.broadcast_to(grad, inputs[0].shape)]

    with pytest.raises(
        AssertionError, match=r"(?s)reduce_sum raised ValueError.*incoming grad had shape \(4,\).*\(4, 3\)"
    ):
        sf.check_gradient(lambda a: sf.reduce_sum(a, axis=1), [N], gradient=lost_keepdims)


def test_gradient_checker_lets_an_unfinished_exercise_say_so():
    def unfinished(op, grad, inputs, output):
        raise NotImplementedError()

    # A learner's blank exercise shows NotImplementedError, not an AssertionError about it.
    with pytest.raises(NotImplementedError):
        sf.check_gradient(lambda a: sf.negative(a), [np.ones(3)], gradient=unfinished)


def test_shape_message_advises_summing_only_where_the_input_was_broadcast():
    with pytest.raises(AssertionError, match=r"the input was broadcast, so sum over the broadcast axes\)"):
        sf.check_gradient(sf.add, [N, np.ones(3)], gradient=add_gradient_without_broadcast_sum)
    a, b = np.ones((2, 3)), np.ones((3, 4))
    transposed = lambda op, grad, inputs, output: [inputs[1] @ grad.T, grad.T @ inputs[0]]  # noqa: E731
    with pytest.raises(AssertionError, match=r"has shape \(3, 2\) but its input has shape \(2, 3\) \(a gradient") as e:
        sf.check_gradient(sf.matmul, [a, b], gradient=transposed)
    assert "broadcast" not in str(e.value)


def test_a_scalar_is_asked_for_as_a_single_number():
    with pytest.raises(AssertionError, match=r"expected a single number \(shape \(\)\), got shape \(1,\)"):
        sf.checks.check_close([1.0], 1.0, "case")
