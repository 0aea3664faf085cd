"""The graph torch records for y, and the order in which its engine really runs it.

`trace` walks `y.grad_fn` and `next_functions` and returns plain nodes and edges.
`record_backward` runs `y.backward(v)` with a hook before and after every node, so the
steps are the engine's own order and gradients, never a re-implementation of it.
"""

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from torch import Tensor
from torch.autograd.graph import Node as TorchNode

from lessons.language.expression import Source


@dataclass(frozen=True)
class Node:
    kind: str  # torch's class name: MulBackward0, AccumulateGrad, …
    shapes: tuple[tuple[int, ...], ...]  # the shape of each tensor the operation produced
    names: tuple[str, ...] = ()  # the input's name on a leaf; the names given to a line
    source: str = ""  # the piece of the learner's code that made it ("" on a leaf)
    within: bool = False  # made inside that piece's call, on the way to its result

    @property
    def is_leaf(self) -> bool:
        return self.kind == "AccumulateGrad"

    @property
    def label(self) -> str:
        """How the page names the node: the learner's names, else the code that made it."""
        return ", ".join(self.names) or self.source


@dataclass(frozen=True)
class Edge:
    source: int  # the node that passes a gradient on …
    target: int  # … to this one (indices into Graph.nodes)
    slot: int  # position in the source's next_functions: Step.outgoing[slot] flows here


@dataclass(frozen=True)
class Graph:
    nodes: tuple[Node, ...]  # nodes[0] is y.grad_fn; empty when y has no grad_fn
    edges: tuple[Edge, ...]


@dataclass(frozen=True)
class Saved:
    """One value a node saved for its backward, read from the node as the engine reached it."""

    name: str  # the attribute without `_saved_`: self, other, result, exponent, …
    value: object  # a copy of a tensor, a number, a tuple, None; torch's message if unreadable
    origin: int | str | None = None  # the graph node a tensor came from, or a constant input


@dataclass(frozen=True)
class Step:
    """One node run by the engine: the gradient it received, what it passed on, and what it
    had saved for the purpose."""

    node: int  # index into Graph.nodes
    incoming: tuple[Tensor | None, ...]  # gradient of y with respect to what the node produced
    outgoing: tuple[Tensor | None, ...]  # one per entry of next_functions (empty on a leaf)
    saved: tuple[Saved, ...] = ()
    # The shape of each forward input, one per entry of next_functions (None: needs no grad).
    input_shapes: tuple[tuple[int, ...] | None, ...] = ()


def trace(
    y: Tensor,
    inputs: Mapping[str, Tensor],
    named: Mapping[str, Tensor],
    sources: Mapping[object, Source] = MappingProxyType({}),
) -> Graph:
    """The nodes reachable from y.grad_fn, labelled with the names the learner gave and the
    piece of code that made each (`sources`, recorded by the evaluator by identity)."""
    torch_nodes = _walk(y)
    position = {node: index for index, node in enumerate(torch_nodes)}
    nodes = tuple(
        Node(
            _kind(node),
            _shapes(node),
            _names(node, inputs, named),
            *_source(sources.get(node)),
        )
        for node in torch_nodes
    )
    edges = tuple(
        Edge(position[node], position[child], slot)
        for node in torch_nodes
        for slot, (child, _) in enumerate(node.next_functions)
        if child is not None
    )
    return Graph(nodes, edges)


def _source(source: Source | None) -> tuple[str, bool]:
    return ("", False) if source is None else (source.code, source.within)


def record_backward(
    y: Tensor,
    gradient: Tensor | None = None,
    constants: Mapping[str, Tensor] = MappingProxyType({}),
) -> tuple[Step, ...]:
    """Run y.backward(gradient) and return the steps in the order the engine ran them.

    Before each node runs, what it saved is read from it (afterwards torch frees it), and
    each saved tensor is traced by identity to the graph node it came from, or to one of
    `constants` (named tensors outside the graph). The hooks are removed afterwards even if
    backward() fails: a leaf's AccumulateGrad node outlives this graph, and must not keep
    recording."""
    torch_nodes = _walk(y)
    origins = _Origins(torch_nodes, constants)
    order: list[int] = []
    incoming: dict[int, tuple[Tensor | None, ...]] = {}
    outgoing: dict[int, tuple[Tensor | None, ...]] = {}
    saved: dict[int, tuple[Saved, ...]] = {}

    def before(index: int):
        def hook(grad_outputs):
            order.append(index)
            incoming[index] = _copies(grad_outputs)
            saved[index] = _saved(torch_nodes[index], origins)

        return hook

    def after(index: int):
        def hook(grad_inputs, grad_outputs):
            outgoing[index] = _copies(grad_inputs)

        return hook

    handles = []
    try:
        for index, node in enumerate(torch_nodes):
            handles.append(node.register_prehook(before(index)))
            handles.append(node.register_hook(after(index)))
        y.backward(gradient)
    finally:
        for handle in handles:
            handle.remove()
    return tuple(
        Step(
            index,
            incoming[index],
            outgoing.get(index, ()),
            saved[index],
            _input_shapes(torch_nodes[index]),
        )
        for index in order
    )


class _Origins:
    """Where a saved tensor came from, by identity: the leaf itself (its AccumulateGrad
    node), the node whose output it is (its grad_fn), or a named tensor outside the graph."""

    def __init__(self, torch_nodes: list[TorchNode], constants: Mapping[str, Tensor]) -> None:
        self._position = {node: index for index, node in enumerate(torch_nodes)}
        # id() is safe: the leaves and constants stay alive while backward() runs.
        self._leaves = {
            id(node.variable): index
            for index, node in enumerate(torch_nodes)
            if hasattr(node, "variable")
        }
        self._constants = {id(tensor): name for name, tensor in constants.items()}

    def of(self, value: object) -> int | str | None:
        if not isinstance(value, Tensor):
            return None
        if id(value) in self._leaves:
            return self._leaves[id(value)]
        if value.grad_fn is not None and value.grad_fn in self._position:
            return self._position[value.grad_fn]
        return self._constants.get(id(value))


SAVED_PREFIX = "_saved_"


def _saved(node: TorchNode, origins: _Origins) -> tuple[Saved, ...]:
    """Every `_saved_*` attribute the node has, found by inspecting it (no list of what
    torch is assumed to save), with copies of its tensors."""
    found = []
    for attribute in dir(node):
        if not attribute.startswith(SAVED_PREFIX):
            continue
        try:
            value = getattr(node, attribute)
        except RuntimeError as error:  # kept as torch's words, shown instead of a value
            value = str(error)
        found.append(Saved(attribute[len(SAVED_PREFIX) :], _copy(value), origins.of(value)))
    return tuple(found)


def _copy(value: object) -> object:
    if isinstance(value, Tensor):
        return value.detach().clone()
    if isinstance(value, tuple):
        return tuple(_copy(item) for item in value)
    return value


def _input_shapes(node: TorchNode) -> tuple[tuple[int, ...] | None, ...]:
    """The shape each input had in the forward pass, from the node each edge leads to."""
    return tuple(
        None if child is None else tuple(child._input_metadata[slot].shape)
        for child, slot in node.next_functions
    )


def _walk(y: Tensor) -> list[TorchNode]:
    """Breadth first from y.grad_fn, each node once, in next_functions order."""
    if y.grad_fn is None:
        return []
    found = [y.grad_fn]
    seen = {y.grad_fn}
    for node in found:  # grows while it is read
        for child, _ in node.next_functions:
            if child is not None and child not in seen:
                seen.add(child)
                found.append(child)
    return found


def _kind(node: TorchNode) -> str:
    # name() spells the leaf node "torch::autograd::AccumulateGrad"; the class name is short.
    return type(node).__name__


def _shapes(node: TorchNode) -> tuple[tuple[int, ...], ...]:
    # The metadata of a node's gradient inputs are the forward outputs' shapes. Private in
    # torch (pinned exactly); tests/test_graph.py checks it against the tensors.
    return tuple(tuple(meta.shape) for meta in node._input_metadata)


def _names(
    node: TorchNode, inputs: Mapping[str, Tensor], named: Mapping[str, Tensor]
) -> tuple[str, ...]:
    """The names of the tensor a node stands for, found by identity, never by text.

    A leaf's AccumulateGrad node holds the input itself in `.variable`; any other node
    stands for the tensors whose grad_fn it is (two names for one tensor are both shown)."""
    variable = getattr(node, "variable", None)
    names = (
        name
        for name, tensor in (*inputs.items(), *named.items())
        if tensor is variable or (tensor.grad_fn is not None and tensor.grad_fn is node)
    )
    return tuple(dict.fromkeys(names))


def _copies(gradients: tuple[Tensor | None, ...]) -> tuple[Tensor | None, ...]:
    # The engine may reuse a gradient's memory once the hook returns.
    return tuple(None if g is None else g.detach().clone() for g in gradients)


# A graph is drawn only if the browser lays it out quickly (st.graphviz_chart runs Graphviz's
# dot as WebAssembly). dot places every node on a level and splits an arrow that crosses k
# levels into k pieces joined by k - 1 invisible boxes, then reorders each level to reduce
# crossings: many arrows into one node (90 chained `@ D` onto one leaf D) or long arrows
# make it take minutes. Measured in Chromium here, the costliest graphs within these bounds
# appear 0.1-0.4 s later than a 2-node graph does (up to 1.1 s on a busy machine); the
# starter examples have at most 10 nodes.
MAX_DRAWN_NODES = 120
MAX_DRAWN_EDGES = 160
MAX_DRAWN_IN_DEGREE = 12
MAX_DRAWN_BOXES = 400  # nodes and invisible boxes together


@dataclass(frozen=True)
class GraphSize:
    nodes: int
    edges: int
    in_degree: int  # the most arrows into one node
    boxes: int  # nodes plus the invisible boxes of arrows that cross levels

    @property
    def drawable(self) -> bool:
        return (
            self.nodes <= MAX_DRAWN_NODES
            and self.edges <= MAX_DRAWN_EDGES
            and self.in_degree <= MAX_DRAWN_IN_DEGREE
            and self.boxes <= MAX_DRAWN_BOXES
        )


def graph_size(graph: Graph) -> GraphSize:
    """How much layout work the graph is, with each node on the level below its lowest
    parent (the longest path from y), as dot ranks a tree-like graph."""
    level = _levels(graph)
    incoming = [0] * len(graph.nodes)
    for edge in graph.edges:
        incoming[edge.target] += 1
    spans = sum(level[edge.target] - level[edge.source] - 1 for edge in graph.edges)
    return GraphSize(
        len(graph.nodes), len(graph.edges), max(incoming, default=0), len(graph.nodes) + spans
    )


def _levels(graph: Graph) -> list[int]:
    """Each node's longest distance from nodes[0], in an order where parents come first."""
    children: list[list[int]] = [[] for _ in graph.nodes]
    parents = [0] * len(graph.nodes)
    for edge in graph.edges:
        children[edge.source].append(edge.target)
        parents[edge.target] += 1
    level = [0] * len(graph.nodes)
    ready = [index for index, count in enumerate(parents) if count == 0]
    while ready:
        node = ready.pop()
        for child in children[node]:
            level[child] = max(level[child], level[node] + 1)
            parents[child] -= 1
            if parents[child] == 0:
                ready.append(child)
    return level


# Fill colours: the node of the step being shown, nodes the engine already ran, the rest.
CURRENT_COLOUR = "#f6b26b"
DONE_COLOUR = "#cfe2f3"
WAITING_COLOUR = "#ffffff"


def to_dot(graph: Graph, done: Collection[int] = (), current: int | None = None) -> str:
    """Graphviz DOT text for the graph, y at the top, arrows in the direction gradients flow.

    Every label is a quoted DOT string escaped by `dot_string`: a name cannot end the
    string, start an attribute or an HTML label, whatever it contains."""
    lines = [
        "digraph backward {",
        '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=11];',
    ]
    for index, node in enumerate(graph.nodes):
        colour = (
            CURRENT_COLOUR if index == current else DONE_COLOUR if index in done else WAITING_COLOUR
        )
        code = _shortened(node.source, DRAWN_SOURCE_CHARS)
        shapes = (shape_text(shape) for shape in node.shapes)
        text = [", ".join(node.names), code, node.kind, *shapes]
        label = "\\n".join(dot_string(line) for line in text if line)
        # Not by colour alone: the current node has a thick border, waiting ones a dashed one.
        penwidth = 3 if index == current else 1
        waiting = ', style="rounded,filled,dashed"' if colour == WAITING_COLOUR else ""
        lines.append(
            f'  n{index} [label="{label}", fillcolor="{colour}", penwidth={penwidth}{waiting}];'
        )
    lines += [f"  n{edge.source} -> n{edge.target};" for edge in graph.edges]
    return "\n".join([*lines, "}"])


# A whole line's code on its top node would widen the drawing: longer pieces end in "…".
DRAWN_SOURCE_CHARS = 40


def _shortened(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def shape_text(shape: tuple[int, ...]) -> str:
    """(3,), (2, 2) or () — the way Python prints tuple(tensor.shape)."""
    return str(tuple(shape))


def dot_string(text: str) -> str:
    """The inside of a DOT "…" string showing `text` literally, on one line."""
    printable = "".join(char for char in text if char.isprintable())
    return printable.replace("\\", "\\\\").replace('"', '\\"')
