"""scratchflow speaks TensorFlow 1: operators, the TF1 ops, `sf.gradients`, sessions, optimizers,
and chapter 6's TF1 program, each compared with NumPy, with numerical gradients and with
`tf.compat.v1` in graph mode."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import nbformat  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import tensorflow.compat.v1 as tf1  # noqa: E402
from tqdm.auto import trange  # noqa: E402

import scratchflow as sf  # noqa: E402
from course import ROOT  # noqa: E402

RNG = np.random.RandomState(0)
A, B = RNG.randn(3, 4), RNG.rand(3, 4) + 0.5  # B > 0: a divisor and a log argument

# (name, build(lib, x, y) -> node, arrays fed as x and y). Each is built in scratchflow and in TF1.
CASES = [
    ("x + y", lambda tf, x, y: x + y, A, B),
    ("x + row (broadcast)", lambda tf, x, y: x + y, A, B[0]),
    ("x - y", lambda tf, x, y: x - y, A, B),
    ("row - x", lambda tf, x, y: y - x, A, B[0]),
    ("x * y", lambda tf, x, y: x * y, A, B),
    ("x / y", lambda tf, x, y: x / y, A, B),
    ("x / column", lambda tf, x, y: x / y, A, B[:, :1]),
    ("x @ y.T", lambda tf, x, y: x @ tf.transpose(y), A, B),
    ("-x", lambda tf, x, y: -x * y, A, B),
    ("2 * x - 1 + x / 4", lambda tf, x, y: 2.0 * x - 1.0 + x / 4.0 + y, A, B),
    ("1 / y", lambda tf, x, y: 1.0 / y + x, A, B),
    ("array + x", lambda tf, x, y: B + x * y, A, B),
    ("subtract", lambda tf, x, y: tf.subtract(x, y), A, B),
    ("divide", lambda tf, x, y: tf.divide(x, y), A, B),
    ("square", lambda tf, x, y: tf.square(x) * y, A, B),
    ("exp", lambda tf, x, y: tf.exp(x) * y, A, B),
    ("reduce_mean", lambda tf, x, y: tf.reduce_mean(x * y), A, B),
    ("reduce_mean axis 0", lambda tf, x, y: tf.reduce_mean(x * y, axis=0), A, B),
    ("reduce_mean axis 1 keepdims", lambda tf, x, y: tf.reduce_mean(x, axis=1, keepdims=True) * y, A, B),
    ("reduce_sum axis -1 keepdims", lambda tf, x, y: tf.reduce_sum(x, axis=-1, keepdims=True) * y, A, B),
    ("reduce_sum axes [0, 1]", lambda tf, x, y: tf.reduce_sum(x * y, axis=[0, 1]), A, B),
    ("transpose", lambda tf, x, y: tf.transpose(x) @ y, A, B),
    ("reshape", lambda tf, x, y: tf.reshape(x, [4, 3]) @ y, A, B),
    ("reshape -1", lambda tf, x, y: tf.reshape(x * y, [-1]), A, B),
    ("cast float", lambda tf, x, y: tf.cast(x, tf.float64) * y, A, B),
    ("nn.softmax", lambda tf, x, y: tf.nn.softmax(x) * y, A, B),
    ("nn.relu", lambda tf, x, y: tf.nn.relu(x) * y, A, B),
    ("nn.sigmoid", lambda tf, x, y: tf.nn.sigmoid(x) * y, A, B),
    ("nn.tanh", lambda tf, x, y: tf.nn.tanh(x) * y, A, B),
    ("math.log", lambda tf, x, y: tf.math.log(y) * x, A, B),
    ("argmax (no gradient)", lambda tf, x, y: tf.cast(tf.argmax(x, axis=1), tf.float64), A, B),
    ("equal", lambda tf, x, y: tf.cast(tf.equal(tf.argmax(x, 1), tf.argmax(y, 1)), tf.float64), A, B),
]


def run(tf, build, x_value, y_value):
    """The value of `build` and the gradients of its sum w.r.t. x and y, in `tf` (graph mode)."""
    with tf.Graph().as_default():
        x, y = tf.placeholder(tf.float64), tf.placeholder(tf.float64)
        z = build(tf, x, y)
        grads = [g for g in tf.gradients(z, [x, y]) if g is not None]
        with tf.Session() as session:
            return session.run([z, *grads], {x: x_value, y: y_value})


@pytest.mark.parametrize("name, build, x, y", CASES, ids=[c[0] for c in CASES])
def test_op_and_its_gradient_agree_with_tensorflow_1(name, build, x, y):
    ours, theirs = run(sf, build, x, y), run(tf1, build, x, y)
    assert len(ours) == len(theirs), f"{name}: TF has {len(theirs) - 1} gradients, scratchflow {len(ours) - 1}"
    for what, got, want in zip(["value", "∂/∂x", "∂/∂y"], ours, theirs, strict=False):
        assert np.shape(got) == np.shape(want), f"{name} {what}: shape {np.shape(got)}, TF {np.shape(want)}"
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12, err_msg=f"{name} {what}")


@pytest.mark.parametrize("name, build, x, y", [c for c in CASES if "argmax" not in c[0] and "equal" not in c[0]])
def test_gradient_nodes_agree_with_central_differences(name, build, x, y):
    with sf.Graph().as_default():
        xv, yv = sf.Variable(x), sf.Variable(y)
        z = sf.reduce_sum(build(sf, xv, yv))
        session = sf.Session()
        for var, grad in zip([xv, yv], sf.gradients(z, [xv, yv]), strict=True):
            want = sf.numerical_gradient(z, var)
            np.testing.assert_allclose(session.run(grad), want, rtol=1e-6, atol=1e-8, err_msg=f"{name}")


def test_numpy_array_on_the_left_of_an_operator_makes_a_node():
    with sf.Graph().as_default():
        x = sf.placeholder()
        for z in (np.ones(2) + x, np.ones(2) - x, np.ones(2) * x, np.ones(2) / x, np.eye(2) @ x):
            assert isinstance(z, sf.Node), f"NumPy kept {z!r} for itself"
        np.testing.assert_allclose(sf.Session().run(np.ones(2) - x, {x: [3.0, 5.0]}), [-2.0, -4.0])


def test_constants_of_an_operator_join_the_graph_of_the_node():
    outer = sf.get_default_graph()
    with sf.Graph().as_default() as g:
        x = sf.placeholder()
    z = 2.0 * x + 1.0  # built outside the `with`: the constants must not go into `outer`
    assert z.graph is g and all(n.graph is g for n in z.input_nodes)
    assert sf.Session(g).run(z, {x: 3.0}) == 7.0
    assert outer is sf.get_default_graph()


def test_equality_of_nodes_is_identity_as_in_tf1():
    with sf.Graph().as_default():
        x, y = sf.placeholder(), sf.placeholder()
        assert x != y and x == x and len({x: 1, y: 2}) == 2


def test_gradients_returns_none_for_what_ys_does_not_depend_on():
    with sf.Graph().as_default():
        x, y, w = sf.placeholder(), sf.placeholder(), sf.Variable(2.0)
        gx, gy, gw = sf.gradients(x * w, [x, y, w])
        assert gy is None
        assert sf.Session().run([gx, gw], {x: 3.0}) == [2.0, 3.0]


def test_gradients_of_several_ys_are_summed():
    with sf.Graph().as_default():
        w = sf.Variable([1.0, 2.0])
        (g,) = sf.gradients([sf.reduce_sum(w * w), sf.reduce_sum(3.0 * w)], [w])
        np.testing.assert_allclose(sf.Session().run(g), [2.0 + 3.0, 4.0 + 3.0])


def test_gradients_agree_with_compute_gradients():
    with sf.Graph().as_default():
        x = sf.placeholder()
        W, b = sf.Variable(RNG.randn(4, 2)), sf.Variable(RNG.randn(2))
        loss = sf.reduce_sum(sf.softmax(x @ W + b) * np.array([1.0, 2.0]))
        session = sf.Session()
        values = session.forward(loss, {x: A})
        want = sf.compute_gradients(loss, values)
        got = session.run(sf.gradients(loss, [W, b]), {x: A})
        for g, var in zip(got, [W, b], strict=True):
            np.testing.assert_allclose(g, want[var], rtol=1e-12)


class bare(sf.Operation):
    """x @ W, with a gradient that returns a bare array, as the original blog's convention did."""

    def compute(self, x, W):
        return x @ W


@pytest.mark.parametrize(
    "result, message",
    [
        (lambda x, W, g: x.T @ g, r"function of <bare 'bare'> returned ndarray \(2, 2\); it must return a list"),
        (lambda x, W, g: [x.T @ g], r"returned a list of 1 entries; it must return a list with one entry per input"),
        (lambda x, W, g: [None, (x.T @ g)[0]], r"for input 1 <Variable 'W'> of shape \(2, 2\), an array of shape"),
    ],
    ids=["bare array", "too few entries", "wrong shape"],
)
def test_a_gradient_function_with_a_wrong_result_is_refused(result, message):
    """A bare array once gave dW [[5, 7], [5, 7]] instead of [[5, 7], [9, 11]], without a word."""

    @sf.RegisterGradient("bare")
    def _bare_gradient(op, grad, inputs, output):
        return result(*inputs, grad)

    with sf.Graph().as_default():
        W = sf.Variable([[1.0, 0.0], [0.0, 1.0]], name="W")
        loss = sf.reduce_sum(bare(sf.constant([[1.0, 2.0], [3.0, 4.0]]), W)) + sf.reduce_sum(W * W)
        train = sf.train.GradientDescentOptimizer(0.1).minimize(loss)
        with pytest.raises((TypeError, ValueError), match=message):
            sf.Session().run(train)
        with pytest.raises((TypeError, ValueError), match=message):
            sf.Session().run(sf.gradients(loss, [W]))


def test_session_fetches_dicts_and_nested_lists_and_closes():
    with sf.Graph().as_default():
        x = sf.placeholder()
        y, z = 2.0 * x, x * x
        with sf.Session() as session:
            got = session.run({"y": y, "both": [y, (z, x)]}, {x: 3.0})
            assert got == {"y": 6.0, "both": [6.0, [9.0, 3.0]]}
        with pytest.raises(RuntimeError, match="this session is closed"):
            session.run(y, {x: 1.0})
        other = sf.Session("")  # TF1's `target`, empty for in-process
        other.close()
        with pytest.raises(RuntimeError, match="closed"):
            other.run(y, {x: 1.0})
    with pytest.raises(ValueError, match="no target 'grpc://host:2222'"):
        sf.Session("grpc://host:2222")


def test_placeholder_takes_tf1s_dtype_first_and_feeds_floats_as_float64():
    with sf.Graph().as_default():
        x = sf.placeholder(sf.float32, [None, 2], "x")
        labels = sf.placeholder(sf.int64, shape=[None])
        assert x.name == "x" and x.shape == (None, 2)
        value = sf.Session().run(x, {x: np.ones((3, 2), np.float32)})
        assert value.dtype == np.float64
        assert sf.Session().run(labels, {labels: [1, 2]}).dtype == np.int64
        with pytest.raises(TypeError, match=r"first argument is the dtype.*shape=\[None, 2\]"):
            sf.placeholder([None, 2])


def test_variable_dtype_trainable_and_initial_value_from_a_node():
    with sf.Graph().as_default():
        sf.set_random_seed(7)
        a = sf.Variable(sf.random_normal([200, 3], mean=1.0, stddev=2.0))
        steps = sf.Variable(0, trainable=False, dtype=sf.int64, name="steps")
        z = sf.Variable(sf.zeros([2])) + sf.Variable(sf.ones([2]))
        assert steps.value.dtype == np.int64 and a.value.shape == (200, 3)
        assert abs(a.value.mean() - 1.0) < 0.3 and abs(a.value.std() - 2.0) < 0.3
        assert sf.Session().run(z).tolist() == [1.0, 1.0]
        loss = sf.reduce_sum(a * sf.cast(steps, sf.float64))
        assert sf.train.GradientDescentOptimizer(0.1).minimize(loss).variables == [a]
        with pytest.raises(TypeError, match="give a name by keyword"):
            sf.Variable(1.0, "W")
    with sf.Graph().as_default():
        sf.set_random_seed(7)
        again = sf.Variable(sf.random_normal([200, 3], mean=1.0, stddev=2.0))
    np.testing.assert_array_equal(again.value, a.value)  # the graph's seed makes it reproducible
    with sf.Graph().as_default():
        r = sf.random_uniform([2], seed=1)
        session = sf.Session()
        assert not np.array_equal(session.run(r), session.run(r)), "a random op draws anew at every run"


def test_global_variables_initializer_runs_and_changes_nothing():
    with sf.Graph().as_default():
        w = sf.Variable([1.0, 2.0])
        assert sf.Session().run(sf.global_variables_initializer()) is None
        assert sf.Session().run(w).tolist() == [1.0, 2.0]


def optimizer_losses(tf, make, steps=25):
    rng = np.random.RandomState(1)
    X, C, W0 = rng.randn(20, 3), np.eye(2)[rng.randint(0, 2, 20)], rng.randn(3, 2)
    with tf.Graph().as_default() as g:
        x = tf.placeholder(tf.float64)
        W = tf.Variable(W0)
        loss = -tf.reduce_mean(tf.reduce_sum(C * tf.math.log(tf.nn.softmax(x @ W)), axis=1))
        train = make(tf)(loss)
        with tf.Session(graph=g) as session:
            session.run(tf.global_variables_initializer())
            return np.array([session.run([loss, train], {x: X})[0] for _ in range(steps)])


def two_halves(optimizer):
    return lambda loss: optimizer.apply_gradients(optimizer.compute_gradients(loss))


# Hyperparameters exact in float32: TF1 rounds them to float32 (0.9 becomes 0.8999999762), we do not.
OPTIMIZERS = {
    "gradient descent": (lambda tf: tf.train.GradientDescentOptimizer(0.5).minimize, 1e-13),
    "momentum": (lambda tf: tf.train.MomentumOptimizer(0.125, 0.875).minimize, 1e-13),
    "nesterov": (lambda tf: tf.train.MomentumOptimizer(0.125, 0.875, use_nesterov=True).minimize, 1e-13),
    "momentum 0.9 (float32 in TF1)": (lambda tf: tf.train.MomentumOptimizer(0.1, 0.9).minimize, 1e-6),
    # TF1 also keeps β₁ᵗ and β₂ᵗ in float32 variables.
    "adam": (lambda tf: tf.train.AdamOptimizer(0.0625, beta1=0.875, beta2=0.998046875).minimize, 1e-6),
    "compute_gradients + apply_gradients": (lambda tf: two_halves(tf.train.GradientDescentOptimizer(0.5)), 1e-13),
}


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_optimizer_agrees_with_tensorflow_1(name):
    make, tolerance = OPTIMIZERS[name]
    ours, theirs = optimizer_losses(sf, make), optimizer_losses(tf1, make)
    assert ours[-1] < ours[0] - 0.05, f"{name} does not train: {ours[0]} -> {ours[-1]}"
    np.testing.assert_allclose(ours, theirs, rtol=tolerance, err_msg=name)


def test_apply_gradients_can_change_the_gradients_in_between():
    with sf.Graph().as_default():
        w = sf.Variable([1.0, -2.0])
        optimizer = sf.train.GradientDescentOptimizer(0.5)
        pairs = optimizer.compute_gradients(sf.reduce_sum(w * w))
        clipped = [(sf.divide(g, 2.0), v) for g, v in pairs]  # halve every gradient
        sf.Session().run(optimizer.apply_gradients(clipped))
        np.testing.assert_allclose(w.value, [1.0 - 0.5 * 1.0, -2.0 + 0.5 * 2.0])


@pytest.mark.parametrize(
    "spell, message",
    [
        (lambda: sf.name_scope, r"sf.name_scope: scratchflow does not have TensorFlow 1's tf.name_scope"),
        (lambda: sf.reduce_max, r"tf.reduce_max.*Did you mean sf.reduce_mean, sf.reduce_sum"),
        (lambda: sf.nn.conv2d, r"sf.nn.conv2d: scratchflow does not have TensorFlow 1's tf.nn.conv2d"),
        (lambda: sf.train.RMSPropOptimizer, r"tf.train.RMSPropOptimizer.*sf.TF1_NAMES"),
        (lambda: sf.placeholder(sf.float32)[0], r"no slicing of nodes \(TF1's tensor\[...\]"),
        (lambda: sf.placeholder() ** 2, r"no `\*\*` on nodes \(TF1's tf.pow\); for a square use sf.square"),
    ],
    ids=["name_scope", "reduce_max", "nn.conv2d", "RMSPropOptimizer", "slicing", "pow"],
)
def test_a_missing_tf1_feature_is_named(spell, message):
    with sf.Graph().as_default(), pytest.raises((AttributeError, TypeError), match=message):
        spell()


def test_every_listed_tf1_name_exists_in_tensorflow_1_and_in_scratchflow():
    for name in sf.TF1_NAMES:
        assert hasattr(sf, name) and hasattr(tf1, name), name
    for module in ("nn", "math", "train"):
        for name in getattr(sf, module).__all__:
            if name not in ("fit", "Optimizer", "minibatches", "train_epochs"):  # ours, not TF1's
                assert hasattr(getattr(tf1, module), name), f"tf.{module}.{name}"


def chapter_6_program():
    """The TF1 program of chapter 6 (section 6.4), from the solution notebook: one source."""
    nb = nbformat.read(ROOT / "solutions" / "06_tensorflow" / "tensorflow.ipynb", as_version=4)
    (source,) = [c.source for c in nb.cells if c.source.startswith("def tf1_program(")]
    namespace = {"np": np, "trange": trange}
    exec(source, namespace)
    return namespace["tf1_program"]


def test_chapter_6_tf1_program_runs_unchanged_on_both_and_agrees():
    program = chapter_6_program()
    rng = np.random.RandomState(0)
    X, C = sf.datasets.xor_clouds(rng)
    initial = [rng.randn(2, 2), rng.randn(2), rng.randn(2, 2), rng.randn(2)]
    for make, tolerance in [
        (lambda tf: tf.train.GradientDescentOptimizer(0.5), 1e-12),
        (lambda tf: tf.train.MomentumOptimizer(0.125, 0.875), 1e-12),
        (lambda tf: tf.train.AdamOptimizer(0.02), 1e-5),
    ]:
        ours, (_, our_accuracy) = program(sf, X, C, initial, make)
        theirs, (_, their_accuracy) = program(tf1, X, C, initial, make)
        assert ours[-1] < ours[0] - 0.1, "the program does not train"
        np.testing.assert_allclose(ours, theirs, rtol=tolerance)
        assert our_accuracy == their_accuracy


def test_chapter_6_tf1_program_trains_the_digits_alike_on_both():
    """Issue 12: the digits network, same start and same mini-batches, in scratchflow and TF1."""
    program = chapter_6_program()
    X_train, C_train, X_test, C_test = sf.datasets.digits()
    start = np.random.RandomState(0)
    initial = [start.randn(64, 32) / 8.0, np.zeros(32), start.randn(32, 10) / np.sqrt(32), np.zeros(10)]
    shuffle = np.random.default_rng(0)
    plan = [sf.train.minibatches(len(X_train), 32, shuffle) for _ in range(5)]
    runs = []
    for tf in (sf, tf1):
        epochs = iter(plan)
        runs.append(
            program(
                tf, X_train, C_train, initial, lambda tf: tf.train.GradientDescentOptimizer(0.5), epochs=5,
                batches=lambda epochs=epochs: next(epochs), activation="tanh", evaluate_on=(X_test, C_test),
            )
        )  # fmt: skip
    (ours, (our_loss, our_accuracy)), (theirs, (their_loss, their_accuracy)) = runs
    assert len(ours) == 5 * 43
    np.testing.assert_allclose(ours, theirs, rtol=1e-9)
    np.testing.assert_allclose(our_loss, their_loss, rtol=1e-9)
    assert our_accuracy == their_accuracy and our_accuracy > 0.9
