"""Each engine step as the page prints it: the chain rule at that node, from torch's records.

Made once per lesson from the recorded steps (lessons/language/graph.py): what arrived,
what the node saved, its rule from lessons/language/rules.py with what the rule gives,
what the engine passed on, and at a leaf each contribution that arrived. Only texts and
numbers are kept: a session holds these instead of the tensors.
"""

from dataclasses import dataclass, replace

import torch
from torch import Tensor

from lessons.language.graph import Graph, Saved, Step
from lessons.language.rules import Context, apply


@dataclass(frozen=True)
class SavedText:
    name: str  # torch's attribute without `_saved_`: self, other, result, exponent, …
    value: str  # printed as Python prints it
    origin: str  # the learner's label of the tensor it is, "" when it has none
    own_output: bool  # the node's own output (`result`)


@dataclass(frozen=True)
class Contribution:
    source: int  # the node that sent it (index into Graph.nodes)
    value: str


@dataclass(frozen=True)
class StepText:
    """A step as the page prints it: what a session keeps instead of the gradients."""

    node: int
    incoming: str  # the gradients that arrived, one per line
    outgoing: tuple[str, ...]  # what the engine passed to each entry of next_functions
    saved: tuple[SavedText, ...] = ()
    has_rule: bool = False  # False: no entry in the table, or a case it does not cover
    formula: str = ""
    here: str = ""  # the formula for this node, with the learner's names and constants
    computed: tuple[str, ...] = ()  # what the rule gives for each entry ("" for none)
    # Largest |rule - engine| over what both give; None when nothing can be compared.
    difference: float | None = None
    contributions: tuple[Contribution, ...] = ()  # at a leaf: one per edge into it
    total: str = ""  # at a leaf: the contributions added
    total_difference: float | None = None  # |their sum - what arrived (.grad)|


def step_texts(steps: tuple[Step, ...], graph: Graph) -> tuple[StepText, ...]:
    by_node = {step.node: step for step in steps}
    printed = _Printed()
    return tuple(_step_text(step, graph, by_node, printed) for step in steps)


class _Printed:
    """str() of each value, made once per content: one tensor reaches a page many times
    (sent by one node, arriving at the next; saved by several; the rule's equal to the
    engine's), and torch's printing costs milliseconds per tensor."""

    def __init__(self) -> None:
        self._texts: dict[tuple, str] = {}

    def __call__(self, value: object) -> str:
        if not isinstance(value, Tensor):
            return str(value)
        key = (value.dtype, tuple(value.shape), value.detach().contiguous().numpy().tobytes())
        if key not in self._texts:
            self._texts[key] = str(value)
        return self._texts[key]


def _step_text(step: Step, graph: Graph, by_node: dict[int, Step], printed: _Printed) -> StepText:
    node = graph.nodes[step.node]
    text = StepText(
        node=step.node,
        incoming="\n".join(map(printed, step.incoming)),
        outgoing=tuple(map(printed, step.outgoing)),
        saved=tuple(_saved_text(saved, step.node, graph, printed) for saved in step.saved),
    )
    if node.is_leaf:
        return _with_contributions(text, step, graph, by_node, printed)
    applied = apply(node.kind, rule_context(step, graph))
    if applied.rule is None:
        return text
    return replace(
        text,
        has_rule=True,
        formula=applied.rule.formula,
        here=applied.here,
        computed=tuple("" if g is None else printed(g) for g in applied.outgoing),
        difference=_largest_difference(applied.outgoing, step.outgoing),
    )


def _saved_text(saved: Saved, node: int, graph: Graph, printed: _Printed) -> SavedText:
    origin = saved.origin
    label = graph.nodes[origin].label if isinstance(origin, int) else origin or ""
    return SavedText(saved.name, printed(saved.value), label, origin == node)


def rule_context(step: Step, graph: Graph) -> Context:
    labels = {}
    for saved in step.saved:
        if isinstance(saved.origin, int) and graph.nodes[saved.origin].label:
            labels[saved.name] = graph.nodes[saved.origin].label
        elif isinstance(saved.origin, str):
            labels[saved.name] = saved.origin
    targets = {edge.slot: edge.target for edge in graph.edges if edge.source == step.node}
    inputs = tuple(
        graph.nodes[targets[slot]].label if slot in targets else None
        for slot in range(len(step.input_shapes))
    )
    return Context(
        incoming=step.incoming,
        saved={saved.name: saved.value for saved in step.saved},
        saved_labels=labels,
        input_shapes=step.input_shapes,
        input_labels=inputs,
    )


def _largest_difference(
    computed: tuple[Tensor | None, ...], passed: tuple[Tensor | None, ...]
) -> float | None:
    """Largest |rule - engine| entry; inf when a shape differs (a wrong rule); equal
    infinities and nan against nan count as agreeing."""
    found = None
    for mine, engine in zip(computed, passed, strict=False):
        if mine is None or engine is None:
            continue
        if tuple(mine.shape) != tuple(engine.shape):
            return float("inf")
        mine = mine.to(engine.dtype)
        agree = (mine == engine) | (mine.isnan() & engine.isnan())
        gap = torch.where(agree, 0.0, (mine - engine).abs()).max().item() if mine.numel() else 0.0
        found = gap if found is None else max(found, gap)
    return found


def _with_contributions(
    text: StepText, step: Step, graph: Graph, by_node: dict[int, Step], printed: _Printed
) -> StepText:
    """What each edge into this leaf delivered (W * W delivers twice), and their sum."""
    arrived = [
        (edge.source, by_node[edge.source].outgoing[edge.slot])
        for edge in graph.edges
        if edge.target == step.node
        and edge.source in by_node
        and edge.slot < len(by_node[edge.source].outgoing)
        and by_node[edge.source].outgoing[edge.slot] is not None
    ]
    if not arrived:
        return text
    total = torch.stack([value for _, value in arrived]).sum(dim=0)
    difference = _largest_difference((total,), step.incoming[:1])
    return replace(
        text,
        contributions=tuple(Contribution(source, printed(value)) for source, value in arrived),
        total=printed(total),
        total_difference=difference,
    )
