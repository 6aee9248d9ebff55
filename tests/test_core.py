"""The library core: graphs, nodes, evaluation order, sessions, add and matmul."""

import numpy as np
import pytest

import scratchflow as sf


@pytest.fixture
def affine():
    """z = Ax + b, the worked example of chapter 1, in a graph of its own."""
    with sf.Graph().as_default() as g:
        A = sf.Variable([[1, 0], [0, -1]], name="A")
        b = sf.Variable([1, 1], name="b")
        x = sf.placeholder(name="x")
        y = sf.matmul(A, x, name="y")
        z = sf.add(y, b, name="z")
    return g, A, b, x, y, z


class counted_add(sf.add):
    calls = 0

    def compute(self, x, y):
        self.calls += 1
        return super().compute(x, y)


def test_worked_example(affine):
    g, A, b, x, y, z = affine
    np.testing.assert_allclose(sf.Session(g).run(z, {x: [1, 2]}), [2, -1])


def test_forward_matches_numpy_on_random_layers():
    rng = np.random.default_rng(0)
    W1, b1, W2 = rng.normal(size=(5, 3)), rng.normal(size=3), rng.normal(size=(3, 4))
    X = rng.normal(size=(7, 5))
    with sf.Graph().as_default():
        x = sf.placeholder(name="X")
        out = sf.matmul(sf.add(sf.matmul(x, sf.Variable(W1)), sf.Variable(b1)), sf.Variable(W2))
        got = sf.Session().run(out, {x: X})
    np.testing.assert_allclose(got, (X @ W1 + b1) @ W2, rtol=1e-12)


def test_graph_records_its_nodes_and_edges(affine):
    g, A, b, x, y, z = affine
    assert g.variables == [A, b] and g.placeholders == [x] and g.operations == [y, z]
    assert y.input_nodes == (A, x) and A.consumers == [y] and y.consumers == [z]


def test_default_graph_context_nests_and_restores():
    outer = sf.get_default_graph()
    g1, g2 = sf.Graph(), sf.Graph()
    with g1.as_default():
        assert sf.get_default_graph() is g1
        with g2.as_default():
            assert sf.placeholder().graph is g2
        assert sf.get_default_graph() is g1
    assert sf.get_default_graph() is outer


def test_reset_default_graph():
    old = sf.get_default_graph()
    new = sf.reset_default_graph()
    assert new is sf.get_default_graph() and new is not old and new.operations == []
    with sf.Graph().as_default(), pytest.raises(RuntimeError, match="inside"):
        sf.reset_default_graph()


def test_names_are_unique_per_graph():
    with sf.Graph().as_default():
        p, q, r = sf.placeholder(), sf.placeholder(), sf.placeholder(name="x")
        assert [p.name, q.name, r.name] == ["placeholder", "placeholder_1", "x"]
        assert sf.add(p, q).name == "add" and sf.add(p, q).name == "add_1"


def test_variable_copies_as_float():
    initial = np.array([1, 2])
    with sf.Graph().as_default():
        v = sf.Variable(initial)
    initial[0] = 99
    assert v.value.dtype == np.float64 and v.value[0] == 1.0


def test_topological_order_puts_inputs_first_and_each_node_once(affine):
    g, A, b, x, y, z = affine
    with g.as_default():
        h = sf.add(x, b)
        d = sf.add(sf.matmul(A, h), h)
    order = sf.topological_order(d)
    assert len(order) == len(set(order)) == 6
    for i, node in enumerate(order):
        assert all(order.index(inp) < i for inp in node.input_nodes)
    assert z not in order and y not in order  # not ancestors of d


def test_shared_subexpression_is_computed_once_per_run(affine):
    g, A, b, x, y, z = affine
    with g.as_default():
        h = counted_add(x, b)
        d = sf.add(sf.matmul(A, h), h)
    session = sf.Session(g)
    np.testing.assert_allclose(session.run(d, {x: [1, 2]}), [4, 0])
    assert h.calls == 1
    session.run([d, h], {x: [1, 2]})
    assert h.calls == 2


def test_deep_chain_needs_no_recursion():
    with sf.Graph().as_default():
        one = sf.Variable(1.0)
        node = sf.placeholder()
        start = node
        for _ in range(10_000):
            node = sf.add(node, one)
        assert sf.Session().run(node, {start: 0.0}) == pytest.approx(10_000)
        assert len(sf.topological_order(node)) == 10_002


def test_several_fetches_and_fresh_values_each_run(affine):
    g, A, b, x, y, z = affine
    session = sf.Session(g)
    got_y, got_z = session.run([y, z], {x: [3, 4]})
    np.testing.assert_allclose(got_y, [3, -4])
    np.testing.assert_allclose(got_z, [4, -3])
    np.testing.assert_allclose(session.run(z, {x: [1, 2]}), [2, -1])  # cached order, new values
    np.testing.assert_allclose(session.run((A,)), [[[1, 0], [0, -1]]])


def test_session_is_a_context_manager(affine):
    g, *_, z = affine
    with sf.Session(g) as session:
        assert session.graph is g


def test_add_broadcasts_a_bias_row():
    with sf.Graph().as_default():
        X, bias = sf.placeholder(), sf.Variable([10.0, 20.0, 30.0])
        got = sf.Session().run(sf.add(X, bias), {X: np.ones((4, 3))})
    np.testing.assert_allclose(got, np.ones((4, 3)) + [10, 20, 30])


# --- bad input: each error names what was wrong ---------------------------------------------


def test_unfed_placeholder_is_named(affine):
    g, *_, z = affine
    with pytest.raises(ValueError, match=r"placeholder 'x' not fed.*feed_dict"):
        sf.Session(g).run(z)


def test_several_unfed_placeholders_are_all_named():
    with sf.Graph().as_default():
        p, q = sf.placeholder(name="p"), sf.placeholder(name="q")
        with pytest.raises(ValueError, match=r"placeholders 'p', 'q' not fed"):
            sf.Session().run(sf.add(p, q))


def test_feeding_a_non_placeholder_is_refused(affine):
    g, A, b, x, y, z = affine
    with pytest.raises(TypeError, match=r"feed_dict key <Variable 'A'> is not a placeholder"):
        sf.Session(g).run(z, {x: [1, 2], A: np.eye(2)})
    with pytest.raises(TypeError, match=r"feed_dict key 'x' \(str\) is not a placeholder"):
        sf.Session(g).run(z, {"x": [1, 2]})


def test_matmul_of_incompatible_shapes_names_both_shapes_and_the_op():
    with sf.Graph().as_default():
        a, b = sf.placeholder(name="a"), sf.placeholder(name="b")
        prod = sf.matmul(a, b, name="scores")
        with pytest.raises(ValueError, match=r"matmul 'scores'.*\(2, 3\) and \(2, 2\)") as info:
            sf.Session().run(prod, {a: np.ones((2, 3)), b: np.ones((2, 2))})
        assert "while computing <matmul 'scores'>" in "".join(info.value.__notes__)
        with pytest.raises(ValueError, match=r"matmul 'scores'.*\(\) and \(2,\)"):
            sf.Session().run(prod, {a: 3.0, b: np.ones(2)})


def test_inputs_from_two_graphs_are_refused():
    with sf.Graph().as_default():
        p = sf.placeholder(name="p")
    with sf.Graph().as_default():
        q = sf.placeholder(name="q")
        with pytest.raises(
            ValueError, match=r"add: its inputs <placeholder 'p'>, <placeholder 'q'> belong to different graphs"
        ):
            sf.add(p, q)


def test_fetch_from_another_graph_is_refused(affine):
    g, *_, z = affine
    with pytest.raises(ValueError, match=r"fetch <add 'z'> belongs to another graph"):
        sf.Session(sf.Graph()).run(z)


def test_feed_from_another_graph_is_refused(affine):
    g, *_, z = affine
    with sf.Graph().as_default():
        other = sf.placeholder(name="other")
    with pytest.raises(ValueError, match=r"fed placeholder <placeholder 'other'> belongs to another graph"):
        sf.Session(g).run(z, {other: 1.0})


@pytest.mark.parametrize("fetch", [3, "z", None, [1, 2]])
def test_fetch_that_is_not_a_node_is_refused(affine, fetch):
    g, *_ = affine
    with pytest.raises(TypeError, match=r"cannot fetch .* not a node|fetch a node"):
        sf.Session(g).run(fetch)


@pytest.mark.parametrize("value", [3, 2.5, np.ones(2), [1.0, 2.0]])
def test_number_or_array_input_becomes_a_constant(value):
    """As TensorFlow converts them: sf.add(x, 3) adds the constant 3."""
    with sf.Graph().as_default():
        x = sf.placeholder()
        z = sf.add(x, value)
        assert isinstance(z.input_nodes[1], sf.constant)
        np.testing.assert_allclose(sf.Session().run(z, {x: 1.0}), 1.0 + np.asarray(value))


@pytest.mark.parametrize("value", ["3", None, [[1.0], [1.0, 2.0]], print])
def test_other_input_is_refused(value):
    with (
        sf.Graph().as_default(),
        pytest.raises(TypeError, match=r"add: input 1 is .*, not a node, a number or an array; a fixed value"),
    ):
        sf.add(sf.placeholder(), value)


def test_placeholder_shape_is_checked():
    with sf.Graph().as_default():
        x = sf.placeholder(shape=(None, 2), name="x")
        assert sf.Session().run(x, {x: np.ones((5, 2))}).shape == (5, 2)
        with pytest.raises(ValueError, match=r"placeholder 'x' expects shape \(None, 2\).*\(5, 3\)"):
            sf.Session().run(x, {x: np.ones((5, 3))})


def test_operation_without_compute_says_so():
    class halve(sf.Operation):
        pass

    with sf.Graph().as_default(), pytest.raises(NotImplementedError, match="halve.compute"):
        sf.Session().run(halve(sf.Variable(1.0)))


def test_constant_is_read_and_never_trained():
    with sf.Graph().as_default():
        w, half = sf.Variable([2.0], name="w"), sf.constant(0.5, name="half")
        loss = sf.reduce_sum(sf.multiply(half, sf.multiply(w, w)))  # ½ w²
        step = sf.train.GradientDescentOptimizer(0.1).minimize(loss)
        assert step.variables == [w]
        sf.Session().run(step)
        assert half.value == 0.5 and w.value[0] == pytest.approx(2.0 - 0.1 * 2.0)
        with pytest.raises(ValueError, match="read-only"):
            half.value[...] = 1.0
