"""Chapter 5's library: datasets, the MLP builder, and cross-checks against published results."""

import numpy as np
import pytest

import scratchflow as sf


def test_moons_are_make_moons_point_for_point():
    from sklearn.datasets import make_moons

    X, y = sf.datasets.moons(200, noise=0.2, seed=0)
    X_ref, y_ref = make_moons(200, noise=0.2, random_state=0)
    np.testing.assert_array_equal(y, y_ref)
    np.testing.assert_allclose(X, X_ref, rtol=0, atol=1e-15)
    assert not np.array_equal(sf.datasets.moons(seed=1)[0], X)


def test_xor_clouds_and_table():
    X, C = sf.datasets.xor_clouds(0)
    assert X.shape == (100, 2) and C.shape == (100, 2)
    means = [X[i : i + 25].mean(axis=0) for i in range(0, 100, 25)]
    np.testing.assert_allclose(means, [[0, 1], [1, 0], [0, 0], [1, 1]], atol=0.12)
    np.testing.assert_array_equal(C[:50], [[1, 0]] * 50)
    np.testing.assert_array_equal(sf.datasets.xor_clouds(0)[0], X)
    T, labels = sf.datasets.xor_table()
    np.testing.assert_array_equal(labels.argmax(1), [0, 1, 1, 0])


def test_mlp_builder_shapes_and_initialisation():
    with sf.Graph().as_default():
        x = sf.placeholder(name="x")
        out, params = sf.layers.mlp(x, [2, 5, 4, 3], activation=sf.tanh, seed=0)
        assert [(W.value.shape, b.value.shape) for W, b in params] == [((2, 5), (5,)), ((5, 4), (4,)), ((4, 3), (3,))]
        rng = np.random.RandomState(0)
        for W, b in params:
            np.testing.assert_array_equal(W.value, rng.randn(*W.value.shape) / np.sqrt(W.value.shape[0]))
            assert not b.value.any()
        p = sf.Session().run(out, {x: np.ones((7, 2))})
        assert p.shape == (7, 3) and np.allclose(p.sum(1), 1)
        assert isinstance(out, sf.softmax) and isinstance(out.input_nodes[0].input_nodes[0].input_nodes[0], sf.tanh)
    with pytest.raises(ValueError, match="sizes needs an input and an output size"):
        sf.layers.mlp(x, [2])


def test_tutorial_part_v_xor_network_reaches_the_known_loss():
    # Sabinasz part V with np.random.seed(0): data, then W_hidden, b_hidden, W_output, b_output ~ N(0, 1)
    rng = np.random.RandomState(0)
    X, C = sf.datasets.xor_clouds(rng)
    with sf.Graph().as_default():
        x, c = sf.placeholder(), sf.placeholder()
        hidden = sf.sigmoid(sf.add(sf.matmul(x, sf.Variable(rng.randn(2, 2))), sf.Variable(rng.randn(2))))
        p = sf.softmax(sf.add(sf.matmul(hidden, sf.Variable(rng.randn(2, 2))), sf.Variable(rng.randn(2))))
        J = sf.negative(sf.reduce_sum(sf.reduce_sum(sf.multiply(c, sf.log(p)), axis=1)))
        step = sf.train.GradientDescentOptimizer(0.03).minimize(J)
        session = sf.Session()
        sf.train.fit(session, step, J, {x: X, c: C}, 1000, progress=False)
        assert session.run(J, {x: X, c: C}) == pytest.approx(11.98, abs=0.01)


def moons_network(hidden):
    """Britz's network: 2-h-2, tanh, softmax, L2 0.01, learning rate 0.01 on the summed loss."""
    X, y = sf.datasets.moons()
    x, c = sf.placeholder(name="X"), sf.placeholder(name="c")
    p, params = sf.layers.mlp(x, [2, hidden, 2], activation=sf.tanh, seed=0)
    data = sf.negative(sf.reduce_sum(sf.multiply(c, sf.log(p))))
    l2 = sf.add(*[sf.reduce_sum(sf.multiply(W, W)) for W, _ in params])
    J = sf.add(data, sf.multiply(sf.constant(0.01 / 2), l2))
    return {x: X, c: np.eye(2)[y]}, x, p, J, y


@pytest.mark.parametrize("hidden, accuracy", [(1, 0.865), (3, 0.975)])
def test_britz_moons_losses_and_accuracy(hidden, accuracy):
    with sf.Graph().as_default():
        feed, x, p, J, y = moons_network(hidden)
        session = sf.Session()
        step = sf.train.GradientDescentOptimizer(0.01).minimize(J)
        history = sf.train.fit(session, step, J, feed, 20_000, progress=False) / len(y)
        if hidden == 3:  # Britz prints the loss after iteration i's update: our history[i + 1]
            assert history[1] == pytest.approx(0.432, abs=0.002)
            assert history[1001] == pytest.approx(0.069, abs=0.003)
            assert session.run(J, feed) / len(y) == pytest.approx(0.071, abs=0.002)
        got = np.mean(session.run(p, {x: feed[x]}).argmax(1) == y)
        assert got == pytest.approx(accuracy, abs=0.006)
