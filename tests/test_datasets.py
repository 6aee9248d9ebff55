"""The shipped digits: intact, and split the way sf.datasets.digits promises."""

import hashlib
from pathlib import Path

import numpy as np
import pytest

import scratchflow as sf

DIGITS = Path(sf.__file__).parent / "data" / "digits.npz"
# sha256 of images.tobytes() + labels.tobytes() of the UCI test set (scikit-learn's copy)
CHECKSUM = "87ff0c9e40dc7e2c0e34e7257799c2e3f3aec1a016363bb11cad869ec428a826"


def test_digits_file_is_intact_and_small():
    assert DIGITS.stat().st_size < 100_000
    with np.load(DIGITS) as data:
        images, labels = data["images"], data["labels"]
    assert images.shape == (1797, 8, 8) and images.dtype == np.uint8 and images.max() == 16
    assert np.bincount(labels).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    assert hashlib.sha256(images.tobytes() + labels.tobytes()).hexdigest() == CHECKSUM


def test_digits_split_is_stratified_seeded_and_disjoint():
    X_train, C_train, X_test, C_test = sf.datasets.digits()
    assert X_train.shape == (1347, 64) and X_test.shape == (450, 64)
    assert X_train.min() >= 0.0 and X_train.max() == 1.0
    counts = np.bincount(C_test.argmax(axis=1)) / np.bincount(C_train.argmax(axis=1))
    assert np.all(np.abs(counts - 1 / 3) < 0.02), counts  # a quarter of each digit is held out
    rows = {row.tobytes() for row in X_train}
    assert sum(row.tobytes() in rows for row in X_test) <= 2, "the test set repeats training images"
    again = sf.datasets.digits()
    assert all(np.array_equal(a, b) for a, b in zip(again, (X_train, C_train, X_test, C_test), strict=True))
    other = sf.datasets.digits(seed=1)
    assert not np.array_equal(other[2], X_test)


@pytest.mark.parametrize("fraction", [0, 1, -0.5, 2])
def test_digits_refuses_a_test_fraction_outside_0_1(fraction):
    with pytest.raises(ValueError, match="test_fraction must be between 0 and 1"):
        sf.datasets.digits(test_fraction=fraction)


def test_chapter_5_digits_network_reaches_95_percent_on_the_test_set():
    """Chapter 5's setting (64-32-10 tanh, batches of 32, rate 0.02, 20 epochs, seeded): ≥ 95 %."""
    X_train, C_train, X_test, C_test = sf.datasets.digits()
    shuffle = np.random.default_rng(0)
    with sf.Graph().as_default():
        x, c = sf.placeholder(), sf.placeholder()
        p, _ = sf.layers.mlp(x, [64, 32, 10], activation=sf.tanh, seed=0)
        J = sf.negative(sf.reduce_sum(sf.multiply(c, sf.log(p))))
        step = sf.train.GradientDescentOptimizer(0.02).minimize(J)
        session = sf.Session()
        history = sf.train.train_epochs(
            session, step, J, x, c, X_train, C_train, 20, lambda: sf.train.minibatches(len(X_train), 32, shuffle)
        )
        accuracy = np.mean(session.run(p, {x: X_test}).argmax(1) == C_test.argmax(1))
    assert history[-1] < history[0] / 10
    assert accuracy >= 0.95, f"test accuracy {accuracy:.3f}"
