"""Plausible wrong answers per chapter: (answer cell, wrong code, test cell that must fail, and a
regex the failure message must match, so the learner is told what is wrong)."""

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
        ("session_answer", RUN_WITH_INPUTS_REVERSED, "session_test", r"cannot multiply shapes \(2,\) and \(3, 2\)"),
        ("session_answer", "return None", "session_test", r"got None\. Did you forget to `return`"),
    ],
}
