"""Drawing a graph: inputs at the bottom, each operation one row above its deepest input."""

from .nodes import Operation, Variable, constant, placeholder
from .order import topological_order

_COLOURS = {placeholder: "#9ecae1", Variable: "#a1d99b", constant: "#d9d9d9", Operation: "#fdae6b"}


def draw_graph(fetches, ax=None):
    """Draw the nodes `fetches` depends on, each operation labelled with its name and kind."""
    import matplotlib.pyplot as plt  # here, not at the top: a process that never draws (the grader) saves 0.7 s
    import networkx as nx

    order = topological_order(fetches)
    layer = {}
    for node in order:
        layer[node] = 1 + max((layer[i] for i in node.input_nodes), default=-1)
    for node in reversed(order):  # a leaf sits just below its lowest consumer, not on the floor
        if not node.input_nodes and (uses := [layer[c] for c in node.consumers if c in layer]):
            layer[node] = min(uses) - 1
    g = nx.DiGraph()
    for node in order:
        g.add_node(node, layer=layer[node])
        g.add_edges_from((i, node) for i in node.input_nodes)
    pos = nx.multipartite_layout(g, subset_key="layer", align="horizontal")
    if ax is None:
        _, ax = plt.subplots(figsize=(2.5 + 1.2 * max(len(order) / (max(layer.values()) + 1), 2), 3))
    colours = [next(c for kind, c in _COLOURS.items() if isinstance(n, kind)) for n in g]
    labels = {n: n.name if not n.input_nodes else f"{n.name}\n{type(n).__name__}" for n in g}
    nx.draw_networkx(
        g,
        pos,
        ax=ax,
        node_color=colours,
        node_size=2000,
        arrowsize=18,
        labels=labels,
        font_size=9,
    )
    for kind, colour in _COLOURS.items():
        ax.scatter([], [], color=colour, s=120, label=kind.__name__)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize=9)
    ax.margins(0.25)
    ax.set_axis_off()
    return ax
