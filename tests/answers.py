"""Answers that are not plausible mistakes, per chapter and answer cell.

* DELEGATIONS call the library's own answer, by several spellings: they must earn nothing.
* SHORTCUTS skip what the exercise teaches (finite differences, NumPy where TensorFlow is asked).
* HARD_CODED pass the visible tests by their values alone.
* ALTERNATIVES are correct answers written differently: they must keep full marks.

An answer is {region: code} (the code replaces that solution region, see course.mutate) or, under
the key None, a whole new answer cell. Each set below holds at most one answer per answer cell, so
a set is one notebook.
"""

SF_GRADIENT = "return sf.gradient_function(op)(op, grad, inputs, output)"

# The engine's backward pass asked for the two-layer gradients, from values computed in NumPy
# (the engine's forward pass cannot run while the answer does).
ENGINE_BACKWARD = """
H = 1 / (1 + np.exp(-(X @ W1 + b1)))
Z2 = H @ W2 + b2
E = np.exp(Z2 - Z2.max(axis=1, keepdims=True))
P = E / E.sum(axis=1, keepdims=True)
with sf.Graph().as_default():
    x, c = sf.placeholder(), sf.placeholder()
    V1, c1, V2, c2 = (sf.Variable(v) for v in (W1, b1, W2, b2))
    z1 = sf.add(sf.matmul(x, V1), c1)
    h = sf.sigmoid(z1)
    z2 = sf.add(sf.matmul(h, V2), c2)
    p = sf.softmax(z2)
    J = sf.negative(sf.reduce_sum(sf.multiply(c, sf.log(p))))
    values = {x: X, c: C, V1: W1, c1: b1, V2: W2, c2: b2, z1: X @ W1 + b1, h: H, z2: Z2, p: P}
    for node in sf.topological_order(J):
        if node not in values:
            values[node] = None
    m = J.input_nodes[0]
    values[m.input_nodes[0]] = C * np.log(P)
    values[m] = np.sum(C * np.log(P))
    values[J] = -values[m]
    values[m.input_nodes[0].input_nodes[1]] = np.log(P)
    grads = sf.compute_gradients(J, values)
return grads[V1], grads[c1], grads[V2], grads[c2]
"""

DELEGATIONS = {
    "01_computational_graphs": [
        {
            "add_answer": {0: "return sf.add.compute(self, x_value, y_value)"},
            "matmul_answer": {None: "class matmul(sf.matmul):\n    pass"},
            "order_answer": {0: "return sf.topological_order(fetch)"},
            "session_answer": {None: "class Session(sf.Session):\n    pass"},
        },
        {
            "add_answer": {
                None: "class add(sf.add):\n    def compute(self, x_value, y_value):\n"
                "        return super().compute(x_value, y_value)"
            },
            "matmul_answer": {
                0: "import scratchflow\n\nreturn scratchflow.math_ops.matmul.compute(self, a_value, b_value)"
            },
            "order_answer": {None: "topological_order = sf.topological_order"},
            "session_answer": {0: "return sf.Session().run(fetch, feed_dict)"},
        },
    ],
    "02_perceptrons": [
        {
            "sigmoid_answer": {0: "return sf.sigmoid.compute(self, a_value)"},
            "softmax_answer": {None: "class softmax(sf.softmax):\n    pass"},
        },
        {
            "sigmoid_answer": {None: "reference = sf.sigmoid\n\n\nclass sigmoid(reference):\n    pass"},
            "softmax_answer": {0: "return sf.nn_ops.softmax.compute(self, a_value)"},
        },
    ],
    "03_training_criterion": [
        {
            "elementwise_answer": {0: "return sf.log.compute(self, x_value)"},
            "reduce_sum_answer": {0: "return sf.reduce_sum.compute(self, x_value)"},
        },
        {
            "elementwise_answer": {1: "return sf.multiply.compute(self, x_value, y_value)"},
            "reduce_sum_answer": {None: "class reduce_sum(sf.reduce_sum):\n    pass"},
        },
        {"elementwise_answer": {2: "return sf.math_ops.negative.compute(self, x_value)"}},
    ],
    "04_gradient_descent_backpropagation": [
        {
            "elementwise_grad_answer": {0: SF_GRADIENT},
            "activation_grad_answer": {0: SF_GRADIENT},
            "add_grad_answer": {0: "return sf.op_gradients.unbroadcast(grad, shape)"},
            "matmul_grad_answer": {0: SF_GRADIENT},
            "reduce_sum_grad_answer": {0: SF_GRADIENT},
            "backprop_answer": {0: "return sf.compute_gradients(loss, values)"},
            "fused_answer": {0: "return sf.nn.softmax_cross_entropy_with_logits.compute(self, logits, labels)"},
            "step_answer": {0: "sf.optimizers.gradient_descent_step(grads, variables, learning_rate)"},
        },
        {
            "elementwise_grad_answer": {1: "return sf.op_gradients._log_gradient(op, grad, inputs, output)"},
            "activation_grad_answer": {1: SF_GRADIENT},
            "add_grad_answer": {1: SF_GRADIENT},
            "backprop_answer": {None: "compute_gradients = sf.compute_gradients"},
            "fused_answer": {1: "return sf.op_gradients._softmax_cross_entropy_gradient(op, grad, inputs, output)"},
            "step_answer": {0: "sf.train.GradientDescentOptimizer(learning_rate).step(grads, variables)"},
        },
        {"elementwise_grad_answer": {2: SF_GRADIENT}},
    ],
    "05_multi_layer_perceptrons": [
        {
            "activations_answer": {0: "return sf.tanh.compute(self, a_value)"},
            "mlp_answer": {0: "return sf.layers.mlp(x, sizes, activation, seed=seed)"},
            "backward_answer": {0: ENGINE_BACKWARD},
        },
        {
            "activations_answer": {1: SF_GRADIENT},
            "minibatches_answer": {0: "return sf.train.minibatches(n, batch_size, rng)"},
            "train_epochs_answer": {
                0: "return sf.train.train_epochs(session, step, loss, x, c, X, C, epochs, batches)"
            },
        },
        {
            "activations_answer": {2: "return sf.relu.compute(self, a_value)"},
            "minibatches_answer": {
                0: "import scratchflow\n\nreturn scratchflow.minibatch.minibatches(n, batch_size, rng)"
            },
            "train_epochs_answer": {
                None: "from scratchflow.minibatch import train_epochs as reference\n\n"
                "def train_epochs(session, step, loss, x, c, X, C, epochs, batches):\n"
                "    return reference(session, step, loss, x, c, X, C, epochs, batches)"
            },
        },
        {"activations_answer": {3: SF_GRADIENT}},
    ],
}

# What the learner is told when an answer delegates (the exercise's name is in it).
DELEGATION_SAYS = r"asks you to write it yourself; your answer calls the reference"

FINITE_DIFFERENCES = """
x = np.array(inputs[0], dtype=float)
g, h = np.zeros_like(x), 1e-6
for i in np.ndindex(x.shape):
    up, down = x.copy(), x.copy()
    up[i] += h
    down[i] -= h
    g[i] = np.sum(grad * (op.compute(up) - op.compute(down))) / (2 * h)
return [g]
"""

CENTRAL_DIFFERENCES_BACKPROP = """
session = sf.Session()
nodes = sf.topological_order(loss)
feed = {n: values[n] for n in nodes if isinstance(n, sf.placeholder)}
grads = {}
for var in [n for n in nodes if isinstance(n, sf.Variable)]:
    g = np.zeros_like(var.value)
    for i in np.ndindex(var.value.shape):
        old = var.value[i]
        var.value[i] = old + 1e-6
        up = float(np.sum(session.run(loss, feed)))
        var.value[i] = old - 1e-6
        down = float(np.sum(session.run(loss, feed)))
        var.value[i] = old
        g[i] = (up - down) / 2e-6
    grads[var] = g
return grads
"""

NUMERICAL_HELPER_BACKPROP = """
from scratchflow.gradcheck import _numerical

session = sf.Session()
nodes = sf.topological_order(loss)
feed = {n: values[n] for n in nodes if isinstance(n, sf.placeholder)}
total = lambda: float(np.sum(session.run(loss, feed)))
return {var: _numerical(total, var.value, 1e-6) for var in nodes if isinstance(var, sf.Variable)}
"""

NOT_BACKPROPAGATION = r"evaluated the graph again|absent while this exercise is graded"

SHORTCUTS = {
    # (answer cell, {region: code}, test cell that must give nothing, what the learner is told)
    "04_gradient_descent_backpropagation": [
        ("backprop_answer", {0: CENTRAL_DIFFERENCES_BACKPROP}, "backprop_test", NOT_BACKPROPAGATION),
        ("backprop_answer", {0: NUMERICAL_HELPER_BACKPROP}, "backprop_test", NOT_BACKPROPAGATION),
        ("elementwise_grad_answer", {1: FINITE_DIFFERENCES}, "elementwise_grad_test", r"forward pass.*formula"),
        ("activation_grad_answer", {0: FINITE_DIFFERENCES}, "activation_grad_test", r"forward pass.*formula"),
    ],
    "06_tensorflow": [
        (
            "translate_answer",
            {
                0: "with sf.Graph().as_default():\n"
                "    x = sf.placeholder()\n"
                "    w1, c1, w2, c2 = (sf.constant(np.asarray(v)) for v in (W1, b1, W2, b2))\n"
                "    p = sf.softmax(sf.add(sf.matmul(sf.tanh(sf.add(sf.matmul(x, w1), c1)), w2), c2))\n"
                "    return tf.constant(sf.Session().run(p, {x: np.asarray(X)}))"
            },
            "translate_test",
            r"must compute with TensorFlow operations",
        ),
        (
            "tape_answer",
            {
                0: "loss = loss_fn()\n"
                "for v in variables:\n"
                "    base, g = v.numpy(), np.zeros(v.shape)\n"
                "    for i in np.ndindex(*base.shape):\n"
                "        step = np.zeros_like(base)\n"
                "        step[i] = 1e-6\n"
                "        v.assign(base + step)\n"
                "        up = float(loss_fn())\n"
                "        v.assign(base - step)\n"
                "        g[i] = (up - float(loss_fn())) / 2e-6\n"
                "    v.assign(base - learning_rate * g)\n"
                "return loss"
            },
            "tape_test",
            r"called loss_fn \d+ times",
        ),
    ],
}

HARD_CODED = {
    # (answer cell, {region: code}, test cell[, what the feedback says, "wrong values" if not given]):
    # passes the visible tests, not the hidden ones
    "01_computational_graphs": [
        (
            "add_answer",
            {0: "if np.shape(x_value) == (2,):\n    return np.array([11.0, 22.0])\nreturn x_value"},
            "add_test",
        ),
    ],
    "02_perceptrons": [
        (
            "sigmoid_answer",
            {
                0: "table = {(): 0.5 if np.all(a_value == 0) else 0.993307149076,\n"
                "         (2, 2): [[0.268941421, 0.5], [0.731058579, 0.880797078]]}\n"
                "return np.array(table.get(np.shape(a_value), np.zeros(np.shape(a_value))))"
            },
            "sigmoid_test",
        ),
    ],
    "05_multi_layer_perceptrons": [
        (
            "activations_answer",
            {0: "return np.tanh(a_value) if np.shape(a_value) in [(2, 3), (3, 4)] else a_value"},
            "activations_test",
        ),
        ("accuracy_answer", {0: "return 0.75"}, "accuracy_test"),
        (
            "minibatches_answer",
            {
                0: "order = rng.permutation(n)\nif n == 10:\n    return [order[:4], order[4:8], order[8:]]\n"
                "if n == 8:\n    return [order[:4], order[4:]]\nreturn [order]"
            },
            "minibatches_test",
            r"the batch sizes for 37 examples in batches of 5: expected an array of shape \(8,\), got shape \(1,\)",
        ),
    ],
}

ALTERNATIVES = {
    "01_computational_graphs": [
        {
            "add_answer": {0: "return np.add(x_value, y_value)"},
            "matmul_answer": {0: "return np.dot(a_value, b_value)"},
            "order_answer": {
                0: """
order, visited = [], {fetch}
stack = [(fetch, iter(fetch.input_nodes))]
while stack:
    node, inputs = stack[-1]
    for input_node in inputs:
        if input_node not in visited:
            visited.add(input_node)
            stack.append((input_node, iter(input_node.input_nodes)))
            break
    else:
        stack.pop()
        order.append(node)
return order
"""
            },
            "session_answer": {
                0: """
feed_dict = feed_dict or {}
values = {}
for node in sf.topological_order(fetch):
    if node in feed_dict:
        values[node] = np.asarray(feed_dict[node])
    elif isinstance(node, sf.Operation):
        values[node] = node.compute(*(values[i] for i in node.input_nodes))
    else:
        values[node] = node.value
return values[fetch]
"""
            },
        },
        {
            "add_answer": {0: "return y_value + x_value"},
            "matmul_answer": {0: "return np.matmul(a_value, b_value)"},
            "order_answer": {
                0: """
needed, stack = set(), [fetch]
while stack:
    node = stack.pop()
    if node not in needed:
        needed.add(node)
        stack.extend(node.input_nodes)
waiting = {node: len(set(node.input_nodes)) for node in needed}
users = {node: [] for node in needed}
for node in needed:
    for input_node in set(node.input_nodes):
        users[input_node].append(node)
ready, order = [node for node in needed if waiting[node] == 0], []
while ready:
    node = ready.pop()
    order.append(node)
    for user in users[node]:
        waiting[user] -= 1
        if waiting[user] == 0:
            ready.append(user)
return order
"""
            },
            "session_answer": {
                0: """
memo, todo = {}, [fetch]
while todo:
    node = todo[-1]
    missing = [i for i in node.input_nodes if i not in memo]
    if node in memo:
        todo.pop()
    elif missing:
        todo.extend(missing)
    else:
        todo.pop()
        if isinstance(node, sf.placeholder):
            memo[node] = np.asarray((feed_dict or {})[node])
        elif isinstance(node, sf.Variable):
            memo[node] = node.value
        else:
            memo[node] = node.compute(*[memo[i] for i in node.input_nodes])
return memo[fetch]
"""
            },
        },
    ],
    "02_perceptrons": [
        {
            "sigmoid_answer": {0: "return np.exp(-np.logaddexp(0, -a_value))"},
            "softmax_answer": {
                0: "shifted = a_value - a_value.max(axis=-1, keepdims=True)\n"
                "return np.exp(shifted) / np.exp(shifted).sum(axis=-1, keepdims=True)"
            },
            "perceptron_answer": {0: "scores = sf.add(sf.matmul(X, W), b)\nreturn sf.softmax(scores)"},
        },
        {
            "sigmoid_answer": {0: "return 0.5 * (1 + np.tanh(a_value / 2))"},
            "softmax_answer": {
                0: "m = np.max(a_value, -1, keepdims=True)\n"
                "return np.exp(a_value - m - np.log(np.sum(np.exp(a_value - m), -1, keepdims=True)))"
            },
            "perceptron_answer": {0: "return sf.softmax(sf.add(b, sf.matmul(X, W)))"},
        },
    ],
    "03_training_criterion": [
        {
            "elementwise_answer": {
                0: "return np.log(np.asarray(x_value, dtype=float))",
                1: "return np.multiply(x_value, y_value)",
                2: "return np.negative(x_value)",
            },
            "reduce_sum_answer": {0: "return np.add.reduce(np.asarray(x_value), axis=self.axis)"},
            "loss_answer": {0: "return sf.negative(sf.reduce_sum(sf.multiply(c, sf.log(p))))"},
        },
        {
            "elementwise_answer": {0: "return np.log(x_value)", 1: "return y_value * x_value", 2: "return 0 - x_value"},
            "reduce_sum_answer": {0: "return np.sum(x_value, self.axis)"},
            "loss_answer": {0: "return sf.reduce_sum(sf.negative(sf.multiply(c, sf.log(p))))"},
        },
    ],
    "04_gradient_descent_backpropagation": [
        # multiply's gradient through the library's sum-to-shape helper, the reference of another
        # exercise graded in the same run (where it is absent): judged again from a run with it present
        {
            "elementwise_grad_answer": {
                2: "x, y = inputs\nshrink = sf.op_gradients.unbroadcast\n"
                "return [shrink(grad * y, np.shape(x)), shrink(grad * x, np.shape(y))]"
            },
        },
        {
            "elementwise_grad_answer": {
                0: "return [np.negative(grad)]",
                1: "return [grad * (1 / inputs[0])]",
                2: "x, y = inputs\nreturn [y * grad, x * grad]",
            },
            "activation_grad_answer": {
                0: "s = 1 / (1 + np.exp(-inputs[0]))\nreturn [grad * s * (1 - s)]",
                1: "out = np.empty_like(output)\n"
                "for i in np.ndindex(output.shape[:-1]):\n"
                "    s = output[i]\n"
                "    out[i] = (np.diag(s) - np.outer(s, s)) @ grad[i]\n"
                "return [out]",
            },
            "add_grad_answer": {
                0: "while np.ndim(grad) > len(shape):\n"
                "    grad = np.sum(grad, axis=0)\n"
                "axes = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)\n"
                "return np.sum(grad, axis=axes, keepdims=True) if axes else grad",
                1: "return [sum_to_shape(grad, np.shape(x)) for x in inputs]",
            },
            "matmul_grad_answer": {0: "a, b = inputs\nreturn [np.dot(grad, b.T), np.dot(a.T, grad)]"},
            "reduce_sum_grad_answer": {
                0: "g = grad if op.axis is None else np.expand_dims(grad, op.axis)\n"
                "return [np.ones_like(inputs[0]) * g]"
            },
            "backprop_answer": {
                0: """
grads = {loss: np.ones(np.shape(values[loss]))}
for node in reversed(sf.topological_order(loss)):
    if node in grads and node.input_nodes:
        gradient = sf.gradient_function(node)
        input_grads = gradient(node, grads[node], [values[n] for n in node.input_nodes], values[node])
        for n, g in zip(node.input_nodes, input_grads):
            if g is not None:
                grads[n] = grads.get(n, 0) + g
return grads
"""
            },
            "step_answer": {0: "for var in variables:\n    var.value = var.value - learning_rate * grads[var]"},
            "fused_answer": {
                0: "total = np.logaddexp.reduce(logits, axis=-1)\n"
                "return total * labels.sum(axis=-1) - np.sum(labels * logits, axis=-1)",
                1: "logits, labels = inputs\n"
                "p = np.exp(logits - np.logaddexp.reduce(logits, axis=-1, keepdims=True))\n"
                "return [grad.reshape(-1, 1) * p - grad.reshape(-1, 1) * labels, np.zeros_like(labels)]",
            },
        },
        {
            "elementwise_grad_answer": {
                0: "return [-1 * grad]",
                1: "x = inputs[0]\nreturn [np.divide(grad, x)]",
                2: "return [np.multiply(grad, inputs[1]), np.multiply(grad, inputs[0])]",
            },
            "activation_grad_answer": {
                0: "return [grad * (output - output ** 2)]",
                1: "dot = np.einsum('...i,...i->...', grad, output)[..., None]\nreturn [output * grad - output * dot]",
            },
            "add_grad_answer": {
                0: "extra = np.ndim(grad) - len(shape)\n"
                "axes = tuple(range(extra)) + tuple(extra + i for i, n in enumerate(shape) if n == 1)\n"
                "return np.sum(grad, axis=axes).reshape(shape)",
                1: "x, y = inputs\nreturn [sum_to_shape(grad, np.shape(x)), sum_to_shape(grad, np.shape(y))]",
            },
            "matmul_grad_answer": {0: "a, b = inputs\nreturn [grad @ np.transpose(b), np.transpose(a) @ grad]"},
            "reduce_sum_grad_answer": {
                0: "g = grad if op.axis is None else np.expand_dims(grad, op.axis)\n"
                "return [np.broadcast_to(g, np.shape(inputs[0])).copy()]"
            },
            "backprop_answer": {
                0: """
from collections import defaultdict

grads = defaultdict(lambda: 0)
grads[loss] = np.ones_like(values[loss])
for node in reversed(sf.topological_order(loss)):
    if node.input_nodes and node in grads:
        found = sf.gradient_function(node)(node, grads[node], [values[i] for i in node.input_nodes], values[node])
        for i, g in zip(node.input_nodes, found):
            if g is not None:
                grads[i] = grads[i] + g
return dict(grads)
"""
            },
            "step_answer": {
                0: "for var in variables:\n    np.subtract(var.value, learning_rate * grads[var], out=var.value)"
            },
            "fused_answer": {
                0: "top = np.max(logits, axis=-1)\n"
                "lse = top + np.log(np.sum(np.exp(logits - top[..., None]), axis=-1))\n"
                "return np.einsum('...k,...k->...', labels, lse[..., None] - logits)",
                1: "logits, labels = inputs\n"
                "e = np.exp(logits - np.max(logits, axis=-1, keepdims=True))\n"
                "softmax = e / np.sum(e, axis=-1, keepdims=True)\n"
                "return [(softmax - labels) * grad[..., np.newaxis], None]",
            },
        },
    ],
    "05_multi_layer_perceptrons": [
        {
            "backward_answer": {
                0: """
H = 1 / (1 + np.exp(-np.add(X @ W1, b1)))
scores = H @ W2 + b2
P = np.exp(scores - np.logaddexp.reduce(scores, axis=1, keepdims=True))
delta2 = P - C
delta1 = np.einsum("nk,jk->nj", delta2, W2) * H * (1 - H)
return np.einsum("ni,nj->ij", X, delta1), delta1.sum(0), np.einsum("nj,nk->jk", H, delta2), delta2.sum(0)
"""
            },
        },
        {
            "backward_answer": {
                0: """
forward = {"X": X}
forward["H"] = 1 / (1 + np.exp(-(X @ W1 + b1[np.newaxis, :])))
z = forward["H"] @ W2 + b2
z = z - z.max(axis=1, keepdims=True)
P = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
g = {"Z2": P - C}
g["W2"], g["b2"] = np.dot(forward["H"].T, g["Z2"]), np.sum(g["Z2"], axis=0)
g["Z1"] = np.dot(g["Z2"], W2.T) * forward["H"] * (1.0 - forward["H"])
g["W1"], g["b1"] = np.dot(X.T, g["Z1"]), np.sum(g["Z1"], axis=0)
return tuple(g[k] for k in ("W1", "b1", "W2", "b2"))
"""
            },
        },
        {
            "activations_answer": {
                0: "return 2 / (1 + np.exp(-2 * a_value)) - 1",
                1: "return [grad / np.cosh(inputs[0]) ** 2]",
                2: "return a_value * (a_value > 0)",
                3: "return [np.where(inputs[0] > 0, grad, 0.0)]",
            },
            "mlp_answer": {
                0: """
rng = np.random.RandomState(seed)
params = [(sf.Variable(rng.randn(m, n) / np.sqrt(m)), sf.Variable(np.zeros(n))) for m, n in zip(sizes[:-1], sizes[1:])]
h = x
for i, (W, b) in enumerate(params):
    z = sf.add(sf.matmul(h, W), b)
    h = sf.softmax(z) if i == len(params) - 1 else activation(z)
return h, params
"""
            },
            "accuracy_answer": {0: "return (np.argmax(probabilities, -1) == np.argmax(labels, -1)).mean()"},
            "minibatches_answer": {
                0: """
indices = np.arange(n)
rng.shuffle(indices)
return [indices[i : i + batch_size] for i in range(0, n, batch_size)]
"""
            },
            "train_epochs_answer": {
                0: """
history = []
for _ in range(epochs):
    losses = [session.run([loss, step], feed_dict={x: X[rows], c: C[rows]})[0] for rows in batches()]
    history.append(np.sum(losses) / X.shape[0])
return np.array(history)
"""
            },
        },
        {
            "activations_answer": {
                0: "return np.sinh(a_value) / np.cosh(a_value)",
                1: "return [grad * (1 - np.tanh(inputs[0]) ** 2)]",
                2: "return np.clip(a_value, 0, None)",
                3: "return [grad * np.heaviside(inputs[0], 0)]",
            },
            "mlp_answer": {
                0: """
draws = np.random.RandomState(seed)
params, h = [], x
for fan_in, fan_out in zip(sizes, sizes[1:]):
    W = sf.Variable(draws.normal(0.0, 1.0 / np.sqrt(fan_in), size=(fan_in, fan_out)))
    b = sf.Variable(np.zeros(fan_out))
    params.append((W, b))
    z = sf.add(sf.matmul(h, W), b)
    h = sf.softmax(z) if len(params) == len(sizes) - 1 else activation(z)
return h, params
"""
            },
            "accuracy_answer": {0: "return float(np.sum(probabilities.argmax(1) == labels.argmax(1))) / len(labels)"},
            "minibatches_answer": {
                0: """
order = rng.choice(n, size=n, replace=False)
count = -(-n // batch_size)
return np.array_split(order, [batch_size * k for k in range(1, count)])
"""
            },
            "train_epochs_answer": {
                0: """
history = np.empty(epochs)
for epoch in range(epochs):
    total = 0.0
    for rows in batches():
        batch_loss, _ = session.run([loss, step], {x: X[rows], c: C[rows]})
        total += batch_loss
    history[epoch] = total / len(X)
return history
"""
            },
        },
    ],
    "06_tensorflow": [
        {
            "translate_answer": {
                0: "return tf.nn.softmax(tf.matmul(tf.tanh(tf.matmul(X, W1) + b1), W2) + b2)",
                1: "return -tf.reduce_sum(tf.multiply(C, tf.math.log(P)))",
            },
            "tape_answer": {
                0: "with tf.GradientTape() as tape:\n"
                "    loss = loss_fn()\n"
                "for v, g in zip(variables, tape.gradient(loss, variables)):\n"
                "    v.assign(v - learning_rate * g)\n"
                "return loss"
            },
        },
        {
            "translate_answer": {
                0: "z = tf.math.tanh(X @ W1 + b1) @ W2 + b2\n"
                "return tf.exp(z - tf.reduce_logsumexp(z, axis=1, keepdims=True))",
                1: "return tf.reduce_sum(-C * tf.math.log(P))",
            },
            "tape_answer": {
                0: "with tf.GradientTape(persistent=True) as tape:\n"
                "    loss = loss_fn()\n"
                "for v in variables:\n"
                "    v.assign_sub(tape.gradient(loss, v) * learning_rate)\n"
                "return loss"
            },
        },
    ],
}


# Every exercise with a reference, as (answer cell, region, the reference called, its arguments,
# the same call on a second copy of the library `sf2`, or None where that copy's objects cannot
# take this graph's nodes).
REFERENCE_CALLS = {
    "01_computational_graphs": [
        ("add_answer", 0, "sf.add.compute", "self, x_value, y_value", "sf2.add.compute(self, x_value, y_value)"),
        (
            "matmul_answer",
            0,
            "sf.matmul.compute",
            "self, a_value, b_value",
            "sf2.matmul.compute(self, a_value, b_value)",
        ),
        ("order_answer", 0, "sf.topological_order", "fetch", "sf2.topological_order([fetch])"),
        (
            "session_answer",
            0,
            "sf.Session.run",
            "sf.Session(), fetch, feed_dict",
            "sf2.Session.forward(sf.Session(), [fetch], feed_dict)[fetch]",
        ),
    ],
    "02_perceptrons": [
        ("sigmoid_answer", 0, "sf.sigmoid.compute", "self, a_value", "sf2.sigmoid.compute(self, a_value)"),
        ("softmax_answer", 0, "sf.softmax.compute", "self, a_value", "sf2.softmax.compute(self, a_value)"),
    ],
    "03_training_criterion": [
        ("elementwise_answer", 0, "sf.log.compute", "self, x_value", "sf2.log.compute(self, x_value)"),
        (
            "elementwise_answer",
            1,
            "sf.multiply.compute",
            "self, x_value, y_value",
            "sf2.multiply.compute(self, x_value, y_value)",
        ),
        ("elementwise_answer", 2, "sf.negative.compute", "self, x_value", "sf2.negative.compute(self, x_value)"),
        # the reference reads keepdims, which the exercise's reduce_sum does not have
        (
            "reduce_sum_answer",
            0,
            "sf.reduce_sum.compute",
            "__import__('types').SimpleNamespace(axis=self.axis, keepdims=False), x_value",
            "sf2.reduce_sum.compute(__import__('types').SimpleNamespace(axis=self.axis, keepdims=False), x_value)",
        ),
    ],
    "04_gradient_descent_backpropagation": [
        *[
            (
                cell,
                region,
                "sf.gradient_function(op)",
                "op, grad, inputs, output",
                "sf2.gradient_function(op)(op, grad, inputs, output)",
            )
            for cell, region in [
                ("elementwise_grad_answer", 0),
                ("elementwise_grad_answer", 1),
                ("elementwise_grad_answer", 2),
                ("activation_grad_answer", 0),
                ("activation_grad_answer", 1),
                ("matmul_grad_answer", 0),
                ("reduce_sum_grad_answer", 0),
            ]
        ],
        (
            "add_grad_answer",
            0,
            "sf.op_gradients.unbroadcast",
            "grad, shape",
            "sf2.op_gradients.unbroadcast(grad, shape)",
        ),
        (
            "add_grad_answer",
            1,
            "sf.gradient_function(op)",
            "op, grad, inputs, output",
            "sf2.gradient_function(op)(op, grad, inputs, output)",
            # the reference calls sum_to_shape's, which is guarded too: unwrap that one
            {"attributes": "return [sf.op_gradients.unbroadcast.__wrapped__(grad, np.shape(x)) for x in inputs]"},
        ),
        ("backprop_answer", 0, "sf.compute_gradients", "loss, values", None),
        (
            "fused_answer",
            0,
            "sf.nn.softmax_cross_entropy_with_logits.compute",
            "self, logits, labels",
            "sf2.nn.softmax_cross_entropy_with_logits.compute(self, logits, labels)",
        ),
        (
            "fused_answer",
            1,
            "sf.op_gradients._softmax_cross_entropy_gradient",
            "op, grad, inputs, output",
            "sf2.op_gradients._softmax_cross_entropy_gradient(op, grad, inputs, output)",
        ),
    ],
    "05_multi_layer_perceptrons": [
        ("activations_answer", 0, "sf.tanh.compute", "self, a_value", "sf2.tanh.compute(self, a_value)"),
        (
            "activations_answer",
            1,
            "sf.gradient_function(op)",
            "op, grad, inputs, output",
            "sf2.gradient_function(op)(op, grad, inputs, output)",
        ),
        ("activations_answer", 2, "sf.relu.compute", "self, a_value", "sf2.relu.compute(self, a_value)"),
        (
            "activations_answer",
            3,
            "sf.gradient_function(op)",
            "op, grad, inputs, output",
            "sf2.gradient_function(op)(op, grad, inputs, output)",
        ),
        ("mlp_answer", 0, "sf.layers.mlp", "x, sizes, activation, seed=seed", None),
        (
            "minibatches_answer",
            0,
            "sf.train.minibatches",
            "n, batch_size, rng",
            "sf2.train.minibatches(n, batch_size, rng)",
        ),
        (
            "train_epochs_answer",
            0,
            "sf.train.train_epochs",
            "session, step, loss, x, c, X, C, epochs, batches",
            "sf2.train.train_epochs(session, step, loss, x, c, X, C, epochs, batches)",
        ),
    ],
}

SECOND_COPY = """
import importlib.util
import sys

import scratchflow

if "sf_second_copy" not in sys.modules:  # the library once more, with a guard of its own
    spec = importlib.util.spec_from_file_location(
        "sf_second_copy", scratchflow.__file__, submodule_search_locations=scratchflow.__path__
    )
    sys.modules["sf_second_copy"] = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(sys.modules["sf_second_copy"])
sf2 = sys.modules["sf_second_copy"]
"""


def bypasses(chapter):
    """{kind: [answer set]}: each exercise's reference reached around the in-kernel guard, in four
    ways: through attributes of the guarded function (`__wrapped__`), by emptying the guard's
    state, by rebinding the checks' entry point so that the guard never opens, and through a second
    copy of the library. One answer per answer cell in a set; a region's answers in separate sets."""
    kinds = {
        "attributes": lambda callee, args, _copy: {0: f"return {callee}.__wrapped__({args})"},
        "guard state": lambda callee, args, _copy: {
            0: f"import scratchflow.guard\n\nscratchflow.guard._open.clear()\nreturn {callee}({args})"
        },
        "entry points": lambda callee, args, _copy: {
            "before": "import scratchflow.checks\n\nscratchflow.checks.exercise = lambda *names: None\n\n",
            0: f"return {callee}({args})",
        },
        "second copy": lambda _callee, _args, copy: copy and {0: f"{SECOND_COPY}\nreturn {copy}"},
    }
    found = {}
    for kind, make in kinds.items():
        sets = []
        for cell, region, callee, args, copy, *override in REFERENCE_CALLS.get(chapter, []):
            answer = {0: override[0][kind]} if override and kind in override[0] else make(callee, args, copy)
            if not answer:
                continue
            answer = {(region if key == 0 else key): code for key, code in answer.items()}
            home = next((s for s in sets if cell not in s), None)
            if home is None:
                home = {}
                sets.append(home)
            home[cell] = answer
        found[kind] = sets
    return found


def apply(nb, answers):
    """A copy of `nb` with the answers of one set put in."""
    import nbformat

    from course import cell, mutate

    nb = nbformat.from_dict(nb)
    for grade_id, regions in answers.items():
        if None in regions:
            cell(nb, grade_id).source = regions[None]
            continue
        numbered = sorted(r for r in regions if isinstance(r, int))
        for region in reversed(numbered):  # the last region first: the others keep their numbers
            nb = mutate(nb, grade_id, regions[region], region)
        if "before" in regions:  # top-level code ahead of the answer cell's own
            cell(nb, grade_id).source = regions["before"] + cell(nb, grade_id).source
    return nb


def rounds(items):
    """`items` (tuples whose first element is an answer cell) in rounds of at most one per answer
    cell, each in its order: a round is one notebook. An answer's test checks that answer only, so
    the answers of a round cannot hide one another, and one kernel runs them all."""
    by_answer = {}
    for item in items:
        by_answer.setdefault(item[0], []).append(item)
    return [
        [queue[n] for queue in by_answer.values() if len(queue) > n]
        for n in range(max(map(len, by_answer.values()), default=0))
    ]
