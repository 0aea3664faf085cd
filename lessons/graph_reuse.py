"""Using a graph twice: what backward() leaves behind — a freed graph, .grad only on leaves, and the
tensors that detach() and torch.no_grad() take out of the graph.

One small graph runs through the whole lesson: y = x * x, z = y * x, s = z.sum(). Both
multiplications save their inputs, so a second backward() through s really fails.
"""

from dataclasses import dataclass

import torch
from torch import Tensor

from lessons.demonstrations import Demonstration
from lessons.parsing import parse_vector
from lessons.program import (
    Caught,
    Program,
    ProgramWriter,
    leaf,
    leaf_literal,
    runtime_error,
    with_warnings,
)

# The graph, line by line, as the page and the program show it.
GRAPH_LINES = ("y = x * x", "z = y * x", "s = z.sum()")


@dataclass(frozen=True)
class TensorFacts:
    """What autograd knows about one tensor of the example."""

    name: str
    built_by: str  # the line that made it
    is_leaf: bool
    requires_grad: bool
    grad_fn: str | None  # torch's name for the node that made it, None for a leaf


@dataclass(frozen=True)
class GraphLesson:
    x: Tensor
    first_grad: Tensor  # x.grad after s.backward(): 3x², also x.grad of (y * x).sum()
    second_pass_error: str | None  # what torch says to s.backward() once more
    retained_grads: tuple[Tensor, Tensor]  # x.grad after backward(retain_graph=True), then again
    retained_max_abs_diff: float  # between the second and twice the first
    nonleaf_grad: Tensor | None  # y.grad after s.backward(): None, y is not a leaf
    nonleaf_warnings: tuple[Caught, ...]  # what torch warned while y.grad was read
    retained_nonleaf_grad: Tensor  # y.grad after y.retain_grad(): ∂s/∂y = x
    detached_grad: Tensor  # x.grad of (u * x).sum() with u = y.detach(): u itself
    u: Tensor
    detach_max_abs_diff: float  # between detached_grad and u
    no_graph_error: str | None  # what torch says to backward() on a tensor made under no_grad
    tensors: tuple[TensorFacts, ...]
    program: Program


def graph_lesson(x_text: str, language: str = "en") -> GraphLesson:
    values = parse_vector(x_text)
    writer = ProgramWriter(language, modules=("warnings",))
    x = leaf(values)
    writer.code(f"x = {leaf_literal(values)}")

    writer.comment("graph_twice")
    s = _build(x, writer)[2]
    s.backward()
    first_grad = x.grad.clone()
    writer.code("s.backward()")
    writer.show("x.grad =", "x.grad", x.grad)
    second_pass_error = runtime_error(s.backward)
    writer.show_error("s.backward()", second_pass_error)

    writer.blank()
    writer.comment("retain_graph")
    retained_grads = _backward_twice_retained(x, writer)

    writer.blank()
    writer.comment("nonleaf_grad")
    y, z, s = _build(x, writer, reset=True)
    s.backward()
    writer.code("s.backward()")
    nonleaf_grad, nonleaf_warnings = _read_grad(y, writer)

    writer.blank()
    writer.comment("retain_grad")
    y, z, s = _build(x, writer, reset=True, retain_grad=True)
    s.backward()
    writer.code("s.backward()")
    writer.show("y.grad =", "y.grad", y.grad)
    writer.show("x.grad =", "x.grad", x.grad)

    writer.blank()
    writer.comment("detach")
    x.grad = None
    u = y.detach()
    (u * x).sum().backward()
    writer.code("x.grad = None", "u = y.detach()", "(u * x).sum().backward()")
    writer.show("u =", "u", u)
    writer.show("x.grad =", "x.grad", x.grad)

    writer.blank()
    writer.comment("no_grad")
    with torch.no_grad():
        w = x * x
    writer.code("with torch.no_grad():", "    w = x * x")
    no_graph_error = runtime_error(w.sum().backward)
    writer.show_error("w.sum().backward()", no_graph_error)

    tensors = _facts(x=x, y=y, z=z, s=s, u=u, w=w)
    writer.blank()
    writer.comment("facts")
    _print_facts(writer, tensors)
    return GraphLesson(
        x=x.detach(),
        first_grad=first_grad,
        second_pass_error=second_pass_error,
        retained_grads=retained_grads,
        retained_max_abs_diff=(retained_grads[1] - 2 * retained_grads[0]).abs().max().item(),
        nonleaf_grad=nonleaf_grad,
        nonleaf_warnings=nonleaf_warnings,
        retained_nonleaf_grad=y.grad,
        detached_grad=x.grad,
        u=u,
        detach_max_abs_diff=(x.grad - u).abs().max().item(),
        no_graph_error=no_graph_error,
        tensors=tensors,
        program=writer.finish(),
    )


def _build(
    x: Tensor, writer: ProgramWriter, reset: bool = False, retain_grad: bool = False
) -> tuple[Tensor, Tensor, Tensor]:
    """y, z and s of GRAPH_LINES, built afresh (from x.grad = None when `reset`)."""
    if reset:
        x.grad = None
        writer.code("x.grad = None")
    y = x * x
    writer.code(GRAPH_LINES[0])
    if retain_grad:
        y.retain_grad()
        writer.code("y.retain_grad()")
    z = y * x
    s = z.sum()
    writer.code(*GRAPH_LINES[1:])
    return y, z, s


def _backward_twice_retained(x: Tensor, writer: ProgramWriter) -> tuple[Tensor, Tensor]:
    s = _build(x, writer, reset=True)[2]
    s.backward(retain_graph=True)
    first = x.grad.clone()
    writer.code("s.backward(retain_graph=True)")
    writer.show("x.grad =", "x.grad", x.grad)
    s.backward()
    writer.code("s.backward()")
    writer.show("x.grad =", "x.grad", x.grad)
    return first, x.grad.clone()


def _read_grad(y: Tensor, writer: ProgramWriter) -> tuple[Tensor | None, tuple[Caught, ...]]:
    """y.grad read as a learner would, with what torch warned instead of printing it."""
    grad, caught = with_warnings(lambda: y.grad)
    writer.code(
        "with warnings.catch_warnings(record=True) as caught:",
        '    warnings.simplefilter("always")',
        '    print("y.grad =", y.grad)',
        "for warning in caught:",
        '    print(f"{warning.category.__name__}:", warning.message)',
    )
    writer.prints("y.grad =", grad)
    for warning in caught:
        writer.prints(f"{warning.kind.__name__}:", warning.message)
    return grad, caught


def _facts(**tensors: Tensor) -> tuple[TensorFacts, ...]:
    built_by = {
        "x": "x = torch.tensor(…, requires_grad=True)",
        "y": GRAPH_LINES[0],
        "z": GRAPH_LINES[1],
        "s": GRAPH_LINES[2],
        "u": "u = y.detach()",
        "w": "with torch.no_grad(): w = x * x",
    }
    return tuple(
        TensorFacts(
            name=name,
            built_by=built_by[name],
            is_leaf=tensor.is_leaf,
            requires_grad=tensor.requires_grad,
            grad_fn=tensor.grad_fn.name() if tensor.grad_fn is not None else None,
        )
        for name, tensor in tensors.items()
    )


def _print_facts(writer: ProgramWriter, tensors: tuple[TensorFacts, ...]) -> None:
    names = ", ".join(f'("{facts.name}", {facts.name})' for facts in tensors)
    writer.code(
        f"for name, tensor in [{names}]:",
        "    grad_fn = tensor.grad_fn.name() if tensor.grad_fn is not None else None",
        "    print(name, tensor.is_leaf, tensor.requires_grad, grad_fn)",
    )
    for facts in tensors:
        writer.prints(facts.name, f"{facts.is_leaf} {facts.requires_grad} {facts.grad_fn}")


def _second_backward() -> None:
    """The graph of the lesson walked twice: torch refuses the second walk."""
    s = _build(leaf(DEMONSTRATION_X), ProgramWriter("en"))[2]
    s.backward()
    s.backward()


def _nonleaf_grad() -> Tensor | None:
    """y.grad of the lesson's graph after backward(): torch warns that y is not a leaf."""
    y, _, s = _build(leaf(DEMONSTRATION_X), ProgramWriter("en"))
    s.backward()
    return y.grad


DEMONSTRATION_X = (1.0, 2.0, 3.0)
DEMONSTRATIONS = (
    Demonstration("second_backward", "graph", "twice", _second_backward),
    Demonstration("nonleaf_grad", "graph", "leaves", _nonleaf_grad),
)
