"""Plausible wrong answers per chapter: (answer cell, wrong code, test cell that must fail, and a
regex the failure message must match, so the learner is told what is wrong)."""

TRAIN_EPOCHS_PER_BATCH = """
history = []
for _ in range(epochs):
    losses = [session.run([loss, step], {x: X[rows], c: C[rows]})[0] for rows in batches()]
    history.append(np.mean(losses))
return np.array(history)
"""

TRAIN_EPOCHS_LOSS_AFTER = """
history = np.zeros(epochs)
for epoch in range(epochs):
    for rows in batches():
        session.run(step, {x: X[rows], c: C[rows]})
        history[epoch] += session.run(loss, {x: X[rows], c: C[rows]})
return history / len(X)
"""

TRAIN_EPOCHS_FULL_FEED = """
history = np.zeros(epochs)
for epoch in range(epochs):
    for rows in batches():
        history[epoch] += session.run([loss, step], {x: X, c: C})[0]
return history / len(X)
"""

RECURSIVE_ORDER = """
order, visited = [], set()
def visit(node):
    if node not in visited:
        visited.add(node)
        for input_node in node.input_nodes:
            visit(input_node)
        order.append(node)
visit(fetch)
return order
"""

ORDER_WITHOUT_VISITED = """
order, stack = [], [(fetch, False)]
while stack:
    node, inputs_done = stack.pop()
    if inputs_done:
        order.append(node)
    else:
        stack.append((node, True))
        stack.extend((input_node, False) for input_node in node.input_nodes)
return order
"""

PREORDER = """
order, visited, stack = [], set(), [fetch]
while stack:
    node = stack.pop()
    if node not in visited:
        visited.add(node)
        order.append(node)
        stack.extend(node.input_nodes)
return order
"""

RUN_WITHOUT_MEMORY = """
def value(node):
    if isinstance(node, sf.placeholder):
        return np.asarray(feed_dict[node])
    if isinstance(node, sf.Variable):
        return node.value
    return node.compute(*[value(input_node) for input_node in node.input_nodes])
return value(fetch)
"""

RUN_WITH_INPUTS_REVERSED = """
values = {}
for node in sf.topological_order(fetch):
    if isinstance(node, sf.placeholder):
        values[node] = np.asarray(feed_dict[node])
    elif isinstance(node, sf.Variable):
        values[node] = node.value
    else:
        values[node] = node.compute(*[values[i] for i in reversed(node.input_nodes)])
return values[fetch]
"""

NAIVE_SOFTMAX = """
e = np.exp(a_value)
return e / np.sum(e, axis=-1, keepdims=True)
"""

SOFTMAX_WRONG_AXIS = """
e = np.exp(a_value - np.max(a_value, axis=0, keepdims=True))
return e / np.sum(e, axis=0, keepdims=True)
"""

SOFTMAX_LOST_KEEPDIMS = """
e = np.exp(a_value - np.max(a_value, axis=-1, keepdims=True))
return e / np.sum(e, axis=-1)
"""

ERRATUM_SIGMOID_GRADIENT = """
a = inputs[0]
return [grad * output * (1 / (1 + np.exp(-(1 - a))))]
"""

BACKPROP_FORWARD_ORDER = """
grads = {loss: np.ones_like(values[loss])}
for node in sf.topological_order(loss):
    if node not in grads or not node.input_nodes:
        continue
    input_grads = sf.gradient_function(node)(node, grads[node], [values[n] for n in node.input_nodes], values[node])
    for input_node, g in zip(node.input_nodes, input_grads):
        if g is not None:
            grads[input_node] = grads[input_node] + g if input_node in grads else g
return grads
"""

BACKPROP_OVERWRITES = """
grads = {loss: np.ones_like(values[loss])}
for node in reversed(sf.topological_order(loss)):
    if node not in grads or not node.input_nodes:
        continue
    input_grads = sf.gradient_function(node)(node, grads[node], [values[n] for n in node.input_nodes], values[node])
    for input_node, g in zip(node.input_nodes, input_grads):
        if g is not None:
            grads[input_node] = g
return grads
"""

MLP_UNSCALED = """
rng = np.random.RandomState(seed)
params, h = [], x
for i in range(1, len(sizes)):
    W = sf.Variable(rng.randn(sizes[i - 1], sizes[i]))
    b = sf.Variable(np.zeros(sizes[i]))
    params.append((W, b))
    z = sf.add(sf.matmul(h, W), b)
    h = activation(z) if i < len(sizes) - 1 else sf.softmax(z)
return h, params
"""

MLP_WITHOUT_BIAS = MLP_UNSCALED.replace(
    "rng.randn(sizes[i - 1], sizes[i])", "rng.randn(sizes[i - 1], sizes[i]) / np.sqrt(sizes[i - 1])"
).replace("z = sf.add(sf.matmul(h, W), b)", "z = sf.matmul(h, W)")

MLP_ACTIVATION_ON_OUTPUT = MLP_UNSCALED.replace(
    "rng.randn(sizes[i - 1], sizes[i])", "rng.randn(sizes[i - 1], sizes[i]) / np.sqrt(sizes[i - 1])"
).replace("h = activation(z) if i < len(sizes) - 1 else sf.softmax(z)", "h = activation(z)")

TAPE_STEP = """
with tf.GradientTape() as tape:
    loss = loss_fn()
for variable, gradient in zip(variables, tape.gradient(loss, variables)):
    variable.assign_sub(learning_rate * gradient)
return loss
"""

TAPE_WRONG_SIGN = TAPE_STEP.replace("assign_sub", "assign_add")
TAPE_LOSS_AFTER = TAPE_STEP.replace("return loss", "return loss_fn()")
TAPE_NO_RATE = TAPE_STEP.replace("learning_rate * gradient", "gradient")


def two_layers(dZ2="P - C", db2="dZ2.sum(axis=0)", dZ1="(dZ2 @ W2.T) * H * (1 - H)", dW1="X.T @ dZ1"):
    """Chapter 5's two-layer backward pass with one step changed."""
    return f"""
Z1 = X @ W1 + b1
H = 1 / (1 + np.exp(-Z1))
Z2 = H @ W2 + b2
E = np.exp(Z2 - Z2.max(axis=1, keepdims=True))
P = E / E.sum(axis=1, keepdims=True)
dZ2 = {dZ2}
dW2, db2 = H.T @ dZ2, {db2}
dZ1 = {dZ1}
dW1, db1 = {dW1}, dZ1.sum(axis=0)
return dW1, db1, dW2, db2
"""


MUTANTS = {
    "01_computational_graphs": [
        ("add_answer", "return x_value - y_value", "add_test", r"wrong values.*expected 11, got -9"),
        (
            "add_answer",
            "return np.sum([x_value, y_value])",
            "add_test",
            r"expected an array of shape \(2,\), got shape \(\)",
        ),
        (
            "matmul_answer",
            "return a_value * b_value",
            "matmul_test",
            r"expected an array of shape \(2,\), got shape \(2, 2\)",
        ),
        (
            "matmul_answer",
            "return b_value @ a_value",
            "matmul_test",
            r"must be 2x2\): expected an array of shape \(2, 2\), got shape \(3, 3\)",
        ),
        ("order_answer", RECURSIVE_ORDER, "order_test", r"recursion limit.*explicit stack"),
        ("order_answer", ORDER_WITHOUT_VISITED, "order_test", r"node '\w+' appears more than once"),
        ("order_answer", PREORDER, "order_test", r"comes before its input"),
        ("session_answer", RUN_WITHOUT_MEMORY, "session_test", r"computed the shared node 'h' 2 times"),
        ("session_answer", RUN_WITH_INPUTS_REVERSED, "session_test", r"order of input_nodes: A, then x\): wrong"),
        ("session_answer", "return None", "session_test", r"got None\. Did you forget to `return`"),
    ],
    "02_perceptrons": [
        (
            "sigmoid_answer",
            "return 1 / (1 + np.exp(a_value))",
            "sigmoid_test",
            r"sigmoid\(5\): wrong values.*expected 0.993307, got 0.00669",
        ),
        ("softmax_answer", NAIVE_SOFTMAX, "softmax_test", r"subtract each row's maximum.*got nan"),
        ("softmax_answer", SOFTMAX_WRONG_AXIS, "softmax_test", r"each row must sum to 1"),
        ("softmax_answer", SOFTMAX_LOST_KEEPDIMS, "softmax_test", r"each row must sum to 1.*keepdims"),
        (
            "perceptron_answer",
            "return sf.softmax(sf.matmul(X, W))",
            "perceptron_test",
            r"bias b = \[0.5, -2\].*wrong values",
        ),
        ("perceptron_answer", "return sf.sigmoid(sf.add(sf.matmul(X, W), b))", "perceptron_test", r"wrong values"),
        (
            "perceptron_answer",
            "return sf.softmax(sf.add(sf.matmul(W, X), b))",
            "perceptron_test",
            r"cannot multiply shapes \(2, 2\) and \(100, 2\)",
        ),
    ],
    "03_training_criterion": [
        (
            "elementwise_answer",
            "return np.log10(x_value)",
            "elementwise_test",
            r"the natural logarithm\): wrong values",
            0,
        ),
        (
            "elementwise_answer",
            "return x_value @ y_value",
            "elementwise_test",
            r"not the matrix product\): wrong values",
            1,
        ),
        (
            "elementwise_answer",
            "return x_value",
            "elementwise_test",
            r"negative\(u\) with u = \[1, -2, 0\]: wrong values",
            2,
        ),
        (
            "reduce_sum_answer",
            "return np.sum(x_value)",
            "reduce_sum_test",
            r"axis=0\) .*expected an array of shape \(3,\), got shape \(\)",
        ),
        (
            "reduce_sum_answer",
            "return np.sum(x_value, axis=0)",
            "reduce_sum_test",
            r"axis=1\) .*expected an array of shape \(2,\), got shape \(3,\)|\(all entries\)",
        ),
        (
            "loss_answer",
            "return sf.reduce_sum(sf.reduce_sum(sf.multiply(c, sf.log(p)), axis=1))",
            "loss_test",
            r"wrong values.*expected 0.73\d*, got -0.73",
        ),
        ("loss_answer", "return sf.negative(sf.reduce_sum(sf.log(p)))", "loss_test", r"wrong values"),
    ],
    "04_gradient_descent_backpropagation": [
        (
            "elementwise_grad_answer",
            "return [grad]",
            "elementwise_grad_test",
            r"negative: gradient for input 0: at index",
            0,
        ),
        (
            "elementwise_grad_answer",
            "return [grad * inputs[0]]",
            "elementwise_grad_test",
            r"log: gradient for input 0",
            1,
        ),
        (
            "elementwise_grad_answer",
            "x, y = inputs\nreturn [grad * x, grad * y]",
            "elementwise_grad_test",
            r"multiply: gradient for input 0",
            2,
        ),
        (
            "activation_grad_answer",
            ERRATUM_SIGMOID_GRADIENT,
            "activation_grad_test",
            r"sigmoid: gradient for input 0",
            0,
        ),
        (
            "activation_grad_answer",
            "return [output * (grad - np.sum(grad * output, axis=0, keepdims=True))]",
            "activation_grad_test",
            r"softmax: gradient for input 0",
            1,
        ),
        (
            "add_grad_answer",
            "return [grad, grad]",
            "add_grad_test",
            r"add: gradient for input 1: the gradient has shape \(4, 3\) but its input has shape \(3,\)",
            1,
        ),
        (
            "add_grad_answer",
            "return grad.sum(axis=0)",
            "add_grad_test",
            r"add: gradient for input 0: the gradient has shape \(3,\) but its input has shape \(4, 3\)",
            0,
        ),
        (
            "matmul_grad_answer",
            "a, b = inputs\nreturn [grad @ b.T, grad.T @ a]",
            "matmul_grad_test",
            r"matmul: gradient for input 1: the gradient has shape \(2, 3\) but its input has shape \(3, 2\)",
        ),
        (
            "reduce_sum_grad_answer",
            "return [np.broadcast_to(grad, np.shape(inputs[0]))]",
            "reduce_sum_grad_test",
            r"reduce_sum raised ValueError.*incoming grad had shape \(4,\)",
        ),
        (
            "backprop_answer",
            BACKPROP_FORWARD_ORDER,
            "backprop_test",
            r"no gradient for the variable 'W'.*reverse topological",
        ),
        (
            "backprop_answer",
            BACKPROP_OVERWRITES,
            "backprop_test",
            r"W feeds two operations .*the gradient with respect to 'W': wrong values",
        ),
        (
            "step_answer",
            "for var in variables:\n    var.value += learning_rate * grads[var]",
            "step_test",
            r"w after one step .*wrong values",
        ),
        (
            "step_answer",
            "for var in variables:\n    var.value -= grads[var]",
            "step_test",
            r"learning rate 0.1.*wrong values",
        ),
        (  # the chain of separate ops in one: log 0 for scores far apart
            "fused_answer",
            "return -np.sum(labels * np.log(np.exp(logits) / np.exp(logits).sum(axis=-1, keepdims=True)), axis=-1)",
            "fused_test",
            r"hundreds apart.*must stay finite.*wrong values",
            0,
        ),
        (  # one number for the whole batch
            "fused_answer",
            "shifted = logits - logits.max()\nreturn -np.sum(labels * (shifted - np.log(np.exp(shifted).sum())))",
            "fused_test",
            r"one loss per row\): expected an array of shape \(4,\), got shape \(\)",
            0,
        ),
        (  # P − C without the incoming gradient
            "fused_answer",
            "logits, labels = inputs\np = np.exp(logits - logits.max(axis=-1, keepdims=True))\n"
            "return [p / p.sum(axis=-1, keepdims=True) - labels, None]",
            "fused_test",
            r"softmax_cross_entropy: gradient for input 0",
            1,
        ),
    ],
    "05_multi_layer_perceptrons": [
        ("backward_answer", two_layers(dZ2="P"), "backward_test", r"XOR table: dW2 \(H\^T \(P - C\)\): wrong values"),
        (
            "backward_answer",
            two_layers(db2="dZ2"),
            "backward_test",
            r"db2 \(P - C summed over the rows.*shape \(2,\), got shape \(4, 2\)",
        ),
        (
            "backward_answer",
            two_layers(dZ1="dZ2 @ W2.T"),
            "backward_test",
            r"dW1 \(X\^T .*sigmoid's derivative.*wrong values",
        ),
        ("backward_answer", two_layers(dW1="dZ1.T @ X"), "backward_test", r"dW1 .*shape \(2, 3\), got shape \(3, 2\)"),
        ("activations_answer", "return np.abs(a_value)", "activations_test", r"relu\(a\) of .*wrong values", 2),
        ("activations_answer", "return [grad * (1 - output)]", "activations_test", r"tanh: gradient for input 0", 1),
        ("activations_answer", "return [grad]", "activations_test", r"relu: gradient for input 0", 3),
        ("activations_answer", "return [grad * (inputs[0] >= 0)]", "activations_test", r"exactly 0 .*not a >= 0", 3),
        ("mlp_answer", MLP_UNSCALED, "mlp_test", r"the initial W1 \(randn\(fan_in, fan_out\) / sqrt\(fan_in\)"),
        ("mlp_answer", MLP_WITHOUT_BIAS, "mlp_test", r"the output for 5 random inputs .*wrong values"),
        ("mlp_answer", MLP_ACTIVATION_ON_OUTPUT, "mlp_test", r"the last layer softmax\): wrong values"),
        (
            "accuracy_answer",
            "return np.sum(np.argmax(probabilities, axis=1) == np.argmax(labels, axis=1))",
            "accuracy_test",
            r"expected 0.75, got 3",
        ),
        (
            "accuracy_answer",
            "return np.mean(np.argmax(probabilities, axis=0) == np.argmax(labels, axis=0))",
            "accuracy_test",
            r"3 are right: wrong values",
        ),
        (
            "accuracy_answer",
            "return np.mean(np.round(probabilities) == labels)",
            "accuracy_test",
            r"over 3 classes.*rounding the probabilities works for two classes only\): wrong values",
        ),
        (
            "minibatches_answer",
            "order = rng.permutation(n)\n"
            "return [order[i : i + batch_size] for i in range(0, n - batch_size + 1, batch_size)]",
            "minibatches_test",
            r"batch sizes for 10 examples in batches of 4 \(keep the last, smaller batch\)",
        ),
        (
            "minibatches_answer",
            "order = rng.permutation(n)\nreturn [order[i : i + batch_size] for i in range(0, n + 1, batch_size)]",
            "minibatches_test",
            r"8 examples in batches of 4 \(no empty batch at the end\)",
        ),
        (
            "minibatches_answer",
            "return [np.arange(n)[i : i + batch_size] for i in range(0, n, batch_size)]",
            "minibatches_test",
            r"the order is shuffled",
        ),
        (
            "minibatches_answer",
            "order = np.random.permutation(n)\nreturn [order[i : i + batch_size] for i in range(0, n, batch_size)]",
            "minibatches_test",
            r"the same seed gives the same batches \(draw the order from rng, not from np.random\)",
        ),
        ("train_epochs_answer", TRAIN_EPOCHS_PER_BATCH, "train_epochs_test", r"divided by len\(X\)\): wrong values"),
        ("train_epochs_answer", TRAIN_EPOCHS_LOSS_AFTER, "train_epochs_test", r"taken before each step"),
        ("train_epochs_answer", TRAIN_EPOCHS_FULL_FEED, "train_epochs_test", r"two batches.*wrong values"),
    ],
    "06_tensorflow": [
        (
            "translate_answer",
            "return tf.nn.softmax(tf.sigmoid(X @ W1 + b1) @ W2 + b2)",
            "translate_test",
            r"tf_probabilities: wrong values",
            0,
        ),
        (
            "translate_answer",
            "return tf.nn.softmax(tf.tanh(X @ W1 + b1) @ W2 + b2, axis=0)",
            "translate_test",
            r"tf_probabilities: wrong values",
            0,
        ),
        (
            "translate_answer",
            "return -tf.reduce_mean(C * tf.math.log(P))",
            "translate_test",
            r"tf_cross_entropy: wrong values",
            1,
        ),
        ("tape_answer", TAPE_WRONG_SIGN, "tape_test", r"W1 after 1 step\(s\) .*wrong values"),
        ("tape_answer", TAPE_LOSS_AFTER, "tape_test", r"the loss returned by step 1 .*wrong values"),
        ("tape_answer", TAPE_NO_RATE, "tape_test", r"W1 after 1 step\(s\) .*wrong values"),
    ],
}
