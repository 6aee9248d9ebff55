"""Seconds per training step: scratchflow against hand-written NumPy on the same networks.

    python benchmarks/engine.py [--quick] [--malloc default|tuned]

Both sides train the same network on the same data from the same initial weights, with the same
float64 math (the NumPy side mirrors the graph's ops, so their losses agree; this is checked).
The machine is shared and noisy, so the two run alternately in one process, block after block,
and the ratio reported is the median of the per-block ratios. OpenBLAS is held to one thread.
glibc returns mid-size temporaries to the OS after every step unless told otherwise, which slows
NumPy down on both sides; `--malloc tuned` re-runs the script with MALLOC_MMAP_THRESHOLD_ and
MALLOC_TRIM_THRESHOLD_ raised, for both sides alike.
"""

import argparse
import os
import sys

TUNED = {"MALLOC_MMAP_THRESHOLD_": str(1 << 30), "MALLOC_TRIM_THRESHOLD_": str(1 << 30)}


def _setup_environment(args):
    # Both settings must be in place before NumPy (and glibc's allocator) start: re-exec if needed.
    want = {
        "OPENBLAS_NUM_THREADS": "1",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "TF_ENABLE_ONEDNN_OPTS": "0",
        **(TUNED if args.malloc == "tuned" else {}),
    }
    unwanted = set(TUNED) - set(want)
    if any(os.environ.get(k) != v for k, v in want.items()) or any(k in os.environ for k in unwanted):
        env = {k: v for k, v in os.environ.items() if k not in unwanted} | want
        os.execve(sys.executable, [sys.executable, *sys.argv], env)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer blocks (a smoke run)")
    parser.add_argument("--malloc", choices=["default", "tuned"], default="default")
    args = parser.parse_args()
    _setup_environment(args)

    import time

    import numpy as np
    import tensorflow as tf

    import scratchflow as sf

    # one thread, like OpenBLAS here: the same hardware for every contender
    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)

    def softmax(z):
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    def sigmoid(z):
        return np.exp(-np.logaddexp(0.0, -z))

    def build(X, C, sizes, activation, rate, seed):
        rng = np.random.default_rng(seed)
        shapes = list(zip(sizes[:-1], sizes[1:], strict=True))
        weights = [(rng.normal(size=s) / np.sqrt(s[0]), np.zeros(s[1])) for s in shapes]
        act = {"sigmoid": (sf.sigmoid, sigmoid), "tanh": (sf.tanh, np.tanh)}[activation]

        with sf.Graph().as_default():
            x, c = sf.placeholder(name="X"), sf.placeholder(name="c")
            params = [(sf.Variable(W), sf.Variable(b)) for W, b in weights]
            h = x
            for i, (W, b) in enumerate(params):
                z = sf.add(sf.matmul(h, W), b)
                h = act[0](z) if i < len(params) - 1 else sf.softmax(z)
            J = sf.negative(sf.reduce_sum(sf.multiply(c, sf.log(h))))
            train = sf.train.GradientDescentOptimizer(rate).minimize(J)
            session = sf.Session()
        feed = {x: X, c: C}

        def scratchflow_step():
            return session.run([J, train], feed)[0]

        (W1, b1), (W2, b2) = [(W.copy(), b.copy()) for W, b in weights]
        f = act[1]

        def numpy_step():
            nonlocal W1, b1, W2, b2  # updated in place, as scratchflow updates its Variables
            h = f(X @ W1 + b1)
            p = softmax(h @ W2 + b2)
            J = -np.sum(C * np.log(p))
            g_p = -C / p  # back through negative, reduce_sum, multiply and log
            g_z2 = p * (g_p - np.sum(g_p * p, axis=1, keepdims=True))
            g_h = g_z2 @ W2.T
            g_z1 = g_h * (h * (1 - h) if f is sigmoid else 1 - h * h)
            W2 -= rate * (h.T @ g_z2)
            b2 -= rate * g_z2.sum(axis=0)
            W1 -= rate * (X.T @ g_z1)
            b1 -= rate * g_z1.sum(axis=0)
            return J

        T = [tf.Variable(v) for pair in weights for v in pair]
        Xt, Ct = tf.constant(X), tf.constant(C)
        tf_act = {"sigmoid": tf.sigmoid, "tanh": tf.tanh}[activation]

        @tf.function
        def tensorflow_step():
            with tf.GradientTape() as tape:
                p = tf.nn.softmax(tf_act(Xt @ T[0] + T[1]) @ T[2] + T[3])
                J = -tf.reduce_sum(Ct * tf.math.log(p))
            for v, g in zip(T, tape.gradient(J, T), strict=True):
                v.assign_sub(rate * g)
            return J

        return {"scratchflow": scratchflow_step, "numpy": numpy_step, "tensorflow": lambda: float(tensorflow_step())}

    def compare(name, X, C, sizes, activation, rate, steps, blocks):
        contenders = build(X, C, sizes, activation, rate, seed=0)
        for _ in range(3):  # warm up (and trace), and check every side computes the same losses
            losses = {label: step() for label, step in contenders.items()}
            for label, loss in losses.items():
                assert np.isclose(loss, losses["numpy"], rtol=1e-9), (
                    f"{name}: {label} loss {loss}, NumPy {losses['numpy']}"
                )
        times = {label: [] for label in contenders}
        ratios = {label: [] for label in contenders}
        order = list(contenders.items())
        for block in range(blocks):
            for label, step in order if block % 2 == 0 else order[::-1]:
                start = time.perf_counter()
                for _ in range(steps):
                    step()
                times[label].append((time.perf_counter() - start) / steps)
            for label in contenders:
                ratios[label].append(times[label][-1] / times["numpy"][-1])
        return [np.median(times[label]) for label in contenders] + [
            np.median(ratios["scratchflow"]),
            np.median(ratios["tensorflow"]),
        ]

    rng = np.random.default_rng(0)
    rows = []
    # the 2-2-2 sigmoid MLP on 100 XOR-like points, learning rate 0.03, 1000 steps in all
    centres = np.array([[0, 0], [1, 1], [0, 1], [1, 0]], dtype=float)
    X = np.repeat(centres, 25, axis=0) + 0.2 * rng.normal(size=(100, 2))
    C = np.repeat(np.eye(2), 50, axis=0)
    blocks = 4 if args.quick else 10
    rows.append(("2-2-2 sigmoid, N=100", *compare("small", X, C, [2, 2, 2], "sigmoid", 0.03, 100, blocks)))
    for N in (100, 1000, 10000):
        for H in (16, 128, 512):
            X = rng.normal(size=(N, 64))
            C = np.eye(10)[rng.integers(0, 10, size=N)]
            steps = max(1, int(2e7 // (N * H * 64 * 6) + 1))  # about 0.05 s of work per block
            result = compare(f"N={N} H={H}", X, C, [64, H, 10], "tanh", 0.1 / N, steps, 4 if args.quick else 8)
            rows.append((f"64-{H}-10 tanh, N={N}", *result))

    print(f"malloc: {args.malloc}; OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']}")
    print("| network | scratchflow s/step | NumPy s/step | TensorFlow s/step | scratchflow ratio | TensorFlow ratio |")
    print("|---|---|---|---|---|---|")
    for name, ours, numpy_time, tf_time, ratio, tf_ratio in rows:
        print(f"| {name} | {ours:.3g} | {numpy_time:.3g} | {tf_time:.3g} | {ratio:.2f}× | {tf_ratio:.2f}× |")


if __name__ == "__main__":
    main()
