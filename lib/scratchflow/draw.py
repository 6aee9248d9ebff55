"""Drawing a graph: inputs at the bottom, each operation one row above its deepest input."""

import matplotlib.pyplot as plt
import networkx as nx

from .nodes import Operation, Variable, placeholder
from .order import topological_order

_COLOURS = {placeholder: "#9ecae1", Variable: "#a1d99b", Operation: "#fdae6b"}


def draw_graph(fetches, ax=None, labels=None):
    """Draw the nodes `fetches` depends on; `labels` maps nodes to text (default: their names)."""
    order = topological_order(fetches)
    depth = {}
    g = nx.DiGraph()
    for node in order:
        depth[node] = 1 + max((depth[i] for i in node.input_nodes), default=-1)
        g.add_node(node, layer=depth[node])
        g.add_edges_from((i, node) for i in node.input_nodes)
    pos = nx.multipartite_layout(g, subset_key="layer", align="horizontal")
    pos = {node: (x, -y) for node, (x, y) in pos.items()}  # inputs at the bottom
    if ax is None:
        _, ax = plt.subplots(figsize=(1.6 + 1.3 * max(depth.values()), 3))
    colours = [next(c for kind, c in _COLOURS.items() if isinstance(n, kind)) for n in g]
    names = labels or {}
    nx.draw_networkx(
        g, pos, ax=ax, node_color=colours, node_size=1800, arrowsize=18,
        labels={n: names.get(n, n.name) for n in g}, font_size=10,
    )
    for kind, colour in _COLOURS.items():
        ax.scatter([], [], color=colour, s=120, label=kind.__name__)
    ax.legend(loc="upper left", frameon=False, fontsize=9)
    ax.margins(0.2)
    ax.set_axis_off()
    return ax
