"""Chapter 5's XOR network trained from the same seeded start in scratchflow, TensorFlow 1 style
(tf.compat.v1, graph mode) and TensorFlow 2 (GradientTape + SGD, and Keras): the losses agree."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import tensorflow as tf  # noqa: E402

import scratchflow as sf  # noqa: E402

RATE, STEPS = 0.03, 1000


@pytest.fixture(scope="module")
def start():
    rng = np.random.RandomState(0)
    X, C = sf.datasets.xor_clouds(rng)
    return X, C, [rng.randn(2, 2), rng.randn(2), rng.randn(2, 2), rng.randn(2)]


def scratchflow_loss(X, C, init):
    with sf.Graph().as_default():
        x, c = sf.placeholder(), sf.placeholder()
        W1, b1, W2, b2 = (sf.Variable(v) for v in init)
        p = sf.softmax(sf.add(sf.matmul(sf.sigmoid(sf.add(sf.matmul(x, W1), b1)), W2), b2))
        J = sf.negative(sf.reduce_sum(sf.reduce_sum(sf.multiply(c, sf.log(p)), axis=1)))
        session = sf.Session()
        sf.train.fit(
            session, sf.train.GradientDescentOptimizer(RATE).minimize(J), J, {x: X, c: C}, STEPS, progress=False
        )
        return session.run(J, {x: X, c: C})


def compat_v1_loss(X, C, init):
    with tf.Graph().as_default():
        x, c = tf.compat.v1.placeholder(tf.float64), tf.compat.v1.placeholder(tf.float64)
        W1, b1, W2, b2 = (tf.Variable(v, dtype=tf.float64) for v in init)
        p = tf.nn.softmax(tf.matmul(tf.sigmoid(tf.matmul(x, W1) + b1), W2) + b2)
        J = -tf.reduce_sum(tf.reduce_sum(c * tf.math.log(p), axis=1))
        step = tf.compat.v1.train.GradientDescentOptimizer(RATE).minimize(J)
        with tf.compat.v1.Session() as session:
            session.run(tf.compat.v1.global_variables_initializer())
            for _ in range(STEPS):
                session.run(step, {x: X, c: C})
            return session.run(J, {x: X, c: C})


def gradient_tape_loss(X, C, init):
    variables = [tf.Variable(v, dtype=tf.float64) for v in init]

    def loss():
        W1, b1, W2, b2 = variables
        return -tf.reduce_sum(C * tf.math.log(tf.nn.softmax(tf.sigmoid(X @ W1 + b1) @ W2 + b2)))

    optimizer = keras.optimizers.SGD(RATE)
    for _ in range(STEPS):
        with tf.GradientTape() as tape:
            value = loss()
        optimizer.apply_gradients(zip(tape.gradient(value, variables), variables, strict=True))
    return float(loss())


def keras_loss(X, C, init):
    model = keras.Sequential(
        [
            keras.Input(shape=(2,), dtype="float64"),
            keras.layers.Dense(2, activation="sigmoid", dtype="float64"),
            keras.layers.Dense(2, activation="softmax", dtype="float64"),
        ]
    )
    model.layers[0].set_weights(init[:2])
    model.layers[1].set_weights(init[2:])
    model.compile(optimizer=keras.optimizers.SGD(RATE), loss=keras.losses.CategoricalCrossentropy(reduction="sum"))
    for _ in range(STEPS):
        model.train_on_batch(X, C)
    return -np.sum(C * np.log(model.predict(X, verbose=0)))


def test_scratchflow_and_tensorflow_agree_to_six_significant_digits(start):
    X, C, init = start
    ours = scratchflow_loss(X, C, init)
    assert ours == pytest.approx(11.98, abs=0.01)  # the cross-check value for this setup
    for name, theirs in [
        ("tf.compat.v1", compat_v1_loss(X, C, init)),
        ("GradientTape", gradient_tape_loss(X, C, init)),
        ("Keras", keras_loss(X, C, init)),
    ]:
        assert theirs == pytest.approx(ours, rel=1e-6), f"{name} ends at {theirs!r}, scratchflow at {ours!r}"


def test_agreement_check_has_power(start):
    """Negative control: one step more, or another learning rate, is visible at this tolerance."""
    X, C, init = start
    global STEPS
    ours = scratchflow_loss(X, C, init)
    STEPS += 1
    try:
        assert compat_v1_loss(X, C, init) != pytest.approx(ours, rel=1e-6)
    finally:
        STEPS -= 1
