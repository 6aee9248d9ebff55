"""The order in which a session evaluates nodes."""

from .guard import reference
from .nodes import Node


@reference("topological_order", "sf.topological_order")
def topological_order(fetches):
    """What the fetch (a node or a list of nodes) depends on, itself included: each node once,
    every node after its inputs.

    An explicit stack rather than recursion, so a chain of 10,000 nodes does not hit Python's
    recursion limit; the visited set is local, so nothing is left behind on the nodes.
    """
    if isinstance(fetches, Node):
        fetches = [fetches]
    order, visited = [], set()
    stack = [(node, False) for node in reversed(fetches)]
    while stack:
        node, inputs_done = stack.pop()
        if inputs_done:
            order.append(node)
        elif node not in visited:
            visited.add(node)
            stack.append((node, True))
            stack.extend((inp, False) for inp in reversed(node.input_nodes))
    return order
