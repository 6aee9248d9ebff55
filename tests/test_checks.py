"""The learner-facing checks fail when they should, with a message that says what is wrong."""

import matplotlib
import numpy as np
import pytest

import scratchflow as sf

matplotlib.use("Agg")


def test_check_close_passes_within_tolerance():
    sf.checks.check_close([1.0, 2.0 + 1e-9], [1, 2], "case")


@pytest.mark.parametrize(
    "got, expected, message",
    [
        (
            [1.0, 3.0],
            [1.0, 2.0],
            r"case: wrong values \(1 of 2 entries differ; first at index \(1,\): expected 2, got 3\)",
        ),
        (np.ones((2, 2)), np.ones(2), r"case: expected an array of shape \(2,\), got shape \(2, 2\)"),
        (None, [1.0], r"case: got None\. Did you forget to `return`"),
        ({"a": 1}, [1.0], r"case: expected a number or an array, got \{'a': 1\} \(dict\)"),
        (np.nan, 1.0, r"wrong values.*expected 1, got nan"),
    ],
)
def test_check_close_explains_failures(got, expected, message):
    with pytest.raises(AssertionError, match=message):
        sf.checks.check_close(got, expected, "case")


def test_check_raises_its_message():
    sf.checks.check(True, "unused")
    with pytest.raises(AssertionError, match="^the message$"):
        sf.checks.check(False, "the message")


@pytest.fixture
def diamond():
    with sf.Graph().as_default():
        A, x = sf.Variable(np.eye(2), name="A"), sf.placeholder(name="x")
        h = sf.add(x, x, name="h")
        d = sf.add(sf.matmul(A, h, name="Ah"), h, name="d")
        sf.add(A, A, name="unrelated")
    return d


def recursive_order(fetch):  # the original tutorial's post-order, recursive
    order = []

    def visit(node):
        for inp in node.input_nodes:
            visit(inp)
        order.append(node)

    visit(fetch)
    return order


def preorder(fetch):
    order = recursive_order(fetch)
    return order[::-1]


def whole_graph(fetch):
    return fetch.graph.placeholders + fetch.graph.variables + fetch.graph.operations


def test_check_topological_order_accepts_the_reference(diamond):
    sf.checks.check_topological_order(sf.topological_order, diamond, "case")


@pytest.mark.parametrize(
    "wrong, message",
    [
        (recursive_order, r"node 'x' appears more than once.*visited"),
        (preorder, r"node 'd' \(position 0\) comes before its input 'Ah'"),
        (whole_graph, r"node 'unrelated' is listed but 'd' does not depend on it"),
        (
            lambda fetch: sf.topological_order(fetch)[1:],
            r"comes before its input '\w+' \(listed later, or not at all\)",
        ),
        (lambda fetch: sf.topological_order(fetch)[:-1], r"nodes \['d'\] are missing"),
        (lambda fetch: None, r"got None"),
    ],
)
def test_check_topological_order_rejects_wrong_orders(diamond, wrong, message):
    with pytest.raises(AssertionError, match=message):
        sf.checks.check_topological_order(wrong, diamond, "case")


def test_check_topological_order_explains_the_recursion_limit():
    with sf.Graph().as_default():
        node = sf.placeholder()
        for _ in range(3000):
            node = sf.add(node, node)
    with pytest.raises(AssertionError, match="recursion limit.*explicit stack"):
        sf.checks.check_topological_order(recursive_order, node, "case")


def test_draw_graph_draws_every_needed_node_with_inputs_below(diamond):
    ax = sf.draw_graph(diamond)
    texts = {t.get_text(): t.get_position() for t in ax.texts}
    assert set(texts) == {"x", "A", "h\nadd", "Ah\nmatmul", "d\nadd"}
    assert texts["x"][1] < texts["h\nadd"][1] < texts["Ah\nmatmul"][1] < texts["d\nadd"][1]
