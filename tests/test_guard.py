"""The references refuse the exercise being checked, by any spelling, and only while it is checked
(scratchflow.guard); gradient checks refuse the op's forward pass."""

import numpy as np
import pytest

import scratchflow as sf
from scratchflow.guard import Delegation


def chain():
    with sf.Graph().as_default():
        x = sf.placeholder(name="x")
        return x, sf.add(sf.matmul(sf.Variable([[2.0]]), x), sf.Variable([1.0]))


def run_chain():
    x, y = chain()
    return sf.Session(y.graph).run(y, {x: [1.0]})


def gradients_of_a_constant():
    c = sf.constant(1.0)
    return sf.compute_gradients(c, {c: 1.0})


class mine(sf.add):  # a learner's subclass that inherits the reference's compute
    pass


@pytest.mark.parametrize(
    "name, call",
    [
        ("topological_order", lambda: sf.topological_order(chain()[1])),
        ("topological_order", lambda: sf.order.topological_order(chain()[1])),
        ("add", lambda: sf.add.compute(None, 1, 2)),
        ("add", lambda: mine(sf.constant(1.0), sf.constant(2.0)).compute(1.0, 2.0)),
        ("Session", run_chain),
        ("compute_gradients", gradients_of_a_constant),
        ("negative_gradient", lambda: sf.gradient_function(sf.negative(sf.constant(1.0)))(None, 1.0, [1.0], -1.0)),
        ("sum_to_shape", lambda: sf.op_gradients.unbroadcast(np.ones((2, 3)), (3,))),
        ("build_mlp", lambda: sf.layers.mlp(sf.placeholder(), [2, 2])),
    ],
)
def test_a_reference_refuses_while_its_exercise_is_checked(name, call):
    with sf.checks.exercise(name), pytest.raises(Delegation, match=f"the exercise on {name} asks you to write it"):
        call()
    call()  # and answers again afterwards


def test_the_other_references_keep_answering():
    x, y = chain()
    with sf.checks.exercise("Session", "add_gradient"):
        assert [n.name for n in sf.topological_order(y)][-1] == y.name
        assert sf.matmul.compute(None, np.eye(2), np.ones(2)).tolist() == [1.0, 1.0]


def test_a_gradient_may_not_run_the_ops_forward_pass():
    def finite_differences(op, grad, inputs, output):
        h = 1e-6
        return [grad * (op.compute(inputs[0] + h) - op.compute(inputs[0] - h)) / (2 * h)]

    with pytest.raises(Delegation, match="forward pass"):
        sf.check_gradient(sf.negative, [np.ones(3)], gradient=finite_differences)
    sf.check_gradient(sf.negative, [np.ones(3)], gradient=lambda op, grad, inputs, output: [-grad])
    assert sf.negative.compute(None, np.ones(1)).tolist() == [-1.0]  # restored
