"""Second derivatives: a gradient with a graph of its own, the Hessian, and Hv without H.

`torch.autograd.grad(y, x, create_graph=True)` records the backward pass as a graph, so the
gradient g it returns can be differentiated again: the gradient of g·v is Hv, the
Hessian-vector product, and with v = eᵢ that is row i of H. Without create_graph, g has no
grad_fn and a second `grad` fails. torch.func builds the same Hv forward-over-reverse:
`jvp` of `grad(f)`, which never records the backward pass.

The learner's function is the playground's, read as /jacobian reads it: the first input,
flattened, is x; every other input is held constant at its value; y must be one number.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
from torch import Tensor
from torch.autograd.functional import hessian

from lessons import forward_mode
from lessons.jacobian import (
    by_torch,
    max_abs_diff,
    one_hot,
    playground_function,
    program_x,
    script_lines,
)
from lessons.language.expression import BACKWARD_WORK, MAX_WORK, evaluate
from lessons.language.playground import parse_inputs
from lessons.parsing import MAX_LENGTH, InputError
from lessons.program import Caught, Program, ProgramWriter, tensor_literal
from lessons.vjp import VectorChoice, vector

# Names the copyable program gives its own variables: the learner's x must not take one.
PROGRAM_NAMES = frozenset(
    ("torch", "f", "y", "g", "plain", "i", "e", "row", "rows", "H", "v", "hv", "hv_forward")
) | {"error", "_"}


@dataclass(frozen=True)
class HessianLesson:
    """Everything that depends on the function and x, whatever v is."""

    function: Callable[[Tensor], Tensor]  # x (flattened) -> y, a tensor of no dimensions
    leaf: Tensor  # x, flattened, requiring grad: g's graph leads back to it
    y: Tensor
    gradient: Tensor  # g, from grad(y, x, create_graph=True): it has a grad_fn
    gradient_node: str  # the name of g.grad_fn's class
    plain_gradient: Tensor  # g from grad(y, x) without create_graph: no grad_fn
    second_error: Caught  # what torch raised for grad(plain[0], x)
    first_row: Tensor  # grad(g[0], x): row 1 of H
    hessian: Tensor  # n x n, row i = grad(g, x, eᵢ)
    functional: Tensor  # torch.autograd.functional.hessian
    func: Tensor  # torch.func.hessian
    rows_vs_functional: float
    rows_vs_func: float
    asymmetry: float  # max |H - Hᵀ|
    setup: tuple[str, ...]  # code that rebuilds x
    body: tuple[str, ...]  # the lines of `def f(x):`
    code: str  # the learner's lines
    name: str  # what the program calls x
    x_line: str  # how the page introduces x
    work: int  # what this lesson and its Hv cost, counted as MAX_WORK counts it

    @property
    def x(self) -> Tensor:
        return self.leaf.detach()


@dataclass(frozen=True)
class HVPLesson:
    v: Tensor
    double_backward: Tensor  # grad(g, x, v): Hv through the graph of g
    forward_over_reverse: Tensor  # jvp(grad(f), (x,), (v,))
    hessian_times_v: Tensor  # H @ v, from the H built above
    difference: float  # max |double backward - forward over reverse|
    program: Program


def lesson_work(forward: int, n: int) -> int:
    """What the lesson costs for a function whose forward pass costs `forward`: backward()
    costs BACKWARD_WORK forward passes; a backward through g's graph walks the forward pass
    and the recorded backward pass, and so does a jvp over grad, once for the values and
    once for the tangents."""
    gradient = BACKWARD_WORK * forward
    through_g = BACKWARD_WORK * (forward + gradient)
    forward_over_reverse = 2 * (forward + gradient)
    return (
        3 * forward  # the first run, y, and functional.hessian's own
        + 3 * gradient  # without create_graph, with it, and functional.hessian's
        + (2 * n + 2) * through_g  # row 1, the n rows, functional.hessian's n, and Hv
        + (n + 1) * forward_over_reverse  # torch.func.hessian's n columns, and Hv
    )


def hessian_lesson(inputs: Sequence[tuple[str, str]], expression: str) -> HessianLesson:
    """H of the learner's function at x, three ways. Inputs and lines get the playground's
    own checks and messages."""
    values = parse_inputs(inputs)
    if not values:
        raise InputError("higher_no_input", {})
    script, tensors = playground_function(values, expression)
    first, *held = tensors
    shape = tuple(tensors[first].shape)
    n = tensors[first].numel()
    if n > MAX_LENGTH:
        raise InputError("too_many", {"count": n, "limit": MAX_LENGTH})
    # Run once before any derivative, so that a function too costly is refused first.
    evaluation = evaluate(script, tensors)
    if evaluation.y.numel() != 1:
        y_shape = tuple(evaluation.y.shape)
        raise InputError("higher_not_scalar", {"shape": y_shape, "count": evaluation.y.numel()})
    work = lesson_work(evaluation.work, n)
    if work > MAX_WORK:
        raise InputError("higher_too_costly", {"work": f"{work:,}", "limit": f"{MAX_WORK:,}"})

    name, x_line, setup = program_x(first, tensors[first], PROGRAM_NAMES)
    reshape = () if name == first else (f"{first} = {name}.reshape({shape})",)

    def f(x: Tensor) -> Tensor:
        # Reshaped exactly when the program reshapes: a reshape puts a ViewBackward0 into
        # g's graph, and the page prints g's grad_fn as the program does.
        value = x.reshape(shape) if reshape else x
        return evaluate(script, {**tensors, first: value}).y.reshape(())

    body = (
        *reshape,
        *(f"{other} = {tensor_literal(tensors[other])}" for other in held),
        *script_lines(script, "()"),
    )
    x = tensors[first].reshape(-1).clone().requires_grad_()
    return _hessian(f, x, setup, body, script.code, name, x_line, work)


def _hessian(
    f: Callable[[Tensor], Tensor],
    x: Tensor,
    setup: tuple[str, ...],
    body: tuple[str, ...],
    code: str,
    name: str,
    x_line: str,
    work: int,
) -> HessianLesson:
    y = f(x)
    if not y.requires_grad:
        raise InputError("higher_constant", {})
    (plain,) = _torch("torch.autograd.grad(y, x)", torch.autograd.grad, y, x, retain_graph=True)
    second_error = _second_grad_error(plain, x)
    (g,) = _torch("create_graph=True", torch.autograd.grad, y, x, create_graph=True)
    if g.grad_fn is None:  # g is constant: y is linear in x, and H is all zeros
        raise InputError("higher_linear", {})
    (first_row,) = _torch("g[0]", torch.autograd.grad, g[0], x, retain_graph=True)
    rows = torch.stack([_hvp(g, x, one_hot(i, x)) for i in range(x.numel())])
    functional = _torch("functional.hessian", hessian, f, x.detach())
    func = _torch("torch.func.hessian", forward_mode.hessian(f), x.detach())
    return HessianLesson(
        function=f,
        leaf=x,
        y=y.detach(),
        gradient=g,
        gradient_node=type(g.grad_fn).__name__,
        plain_gradient=plain,
        second_error=second_error,
        first_row=first_row,
        hessian=rows,
        functional=functional,
        func=func,
        rows_vs_functional=max_abs_diff(rows, functional),
        rows_vs_func=max_abs_diff(rows, func),
        asymmetry=max_abs_diff(rows, rows.T),
        setup=setup,
        body=body,
        code=code,
        name=name,
        x_line=x_line,
        work=work,
    )


def _torch(call: str, function: Callable[..., object], *args: object, **kwargs: object):
    """function(*args, **kwargs); torch's error in its own words, in the page's message."""
    try:
        return by_torch(call, lambda: function(*args, **kwargs))
    except InputError as error:
        if error.code != "jacobian_torch":
            raise
        raise InputError("higher_torch", error.params) from None


def _second_grad_error(plain: Tensor, x: Tensor) -> Caught:
    """torch's answer to differentiating a gradient that was computed without a graph."""
    try:
        torch.autograd.grad(plain[0], x)
    except RuntimeError as error:
        return Caught(RuntimeError, str(error))
    raise AssertionError("torch differentiated a gradient that has no grad_fn")


def _hvp(g: Tensor, x: Tensor, v: Tensor) -> Tensor:
    """Hv as the gradient of g·v: a backward pass through the graph create_graph recorded."""
    grad = torch.autograd.grad
    (product,) = _torch("torch.autograd.grad(g, x, v)", grad, g, x, v, retain_graph=True)
    return product


def hvp_lesson(lesson: HessianLesson, choice: VectorChoice, language: str = "en") -> HVPLesson:
    """Hv for the learner's v, both ways, and the program that prints the whole page."""
    n = lesson.x.numel()
    if choice.preset == "one_hot" and not 1 <= choice.index <= n:
        raise InputError("higher_v_index", {"index": choice.index, "n": n})
    try:
        v, v_code = vector(choice, lesson.x, lesson.name)
    except InputError as error:  # lessons/vjp.py words this one for a v that weights y
        if error.code != "v_length":
            raise
        raise InputError("higher_v_length", {"length": error.params["length"], "n": n}) from None
    double_backward = _hvp(lesson.gradient, lesson.leaf, v)
    gradient = torch.func.grad(lesson.function)
    jvp = forward_mode.jvp
    _, forward_over_reverse = _torch("torch.func.jvp", jvp, gradient, (lesson.x,), (v,))
    hvp = HVPLesson(
        v=v,
        double_backward=double_backward,
        forward_over_reverse=forward_over_reverse,
        hessian_times_v=lesson.hessian @ v,
        difference=max_abs_diff(double_backward, forward_over_reverse),
        program=Program("", ""),
    )
    return HVPLesson(**{**vars(hvp), "program": _program(lesson, hvp, v_code, language)})


def _program(
    lesson: HessianLesson, hvp: HVPLesson, v_code: tuple[str, ...], language: str
) -> Program:
    x = lesson.name
    writer = ProgramWriter(language)
    body = (f"    {line}" for line in lesson.body)
    writer.code(*lesson.setup, "", "", f"def f({x}):", *body, "", "")
    writer.code(f"y = f({x})")
    writer.show("y =", "y.detach()", lesson.y)
    writer.comment("higher_plain")
    writer.code(f"(plain,) = torch.autograd.grad(y, {x}, retain_graph=True)")
    writer.show("plain =", "plain", lesson.plain_gradient)
    writer.show_error(f"torch.autograd.grad(plain[0], {x})", lesson.second_error.message)
    writer.comment("higher_create_graph")
    writer.code(f"(g,) = torch.autograd.grad(y, {x}, create_graph=True)")
    writer.show("g =", "g", lesson.gradient)
    writer.code(f"(row,) = torch.autograd.grad(g[0], {x}, retain_graph=True)")
    writer.show("row 1 of H:", "row", lesson.first_row)
    writer.comment("higher_rows")
    writer.code("rows = []", f"for i in range(len({x})):", f"    e = torch.zeros_like({x})")
    writer.code("    e[i] = 1", f"    (row,) = torch.autograd.grad(g, {x}, e, retain_graph=True)")
    writer.code("    rows.append(row)", "H = torch.stack(rows)")
    writer.show("H =", "H", lesson.hessian)
    writer.comment("higher_check")
    reference = f"torch.autograd.functional.hessian(f, {x}.detach())"
    writer.show(
        "max |H - functional.hessian| =",
        f"(H - {reference}).abs().max().item()",
        lesson.rows_vs_functional,
    )
    writer.show(
        "max |H - func.hessian| =",
        f"(H - torch.func.hessian(f)({x}.detach())).abs().max().item()",
        lesson.rows_vs_func,
    )
    writer.show("max |H - H.T| =", "(H - H.T).abs().max().item()", lesson.asymmetry)
    writer.comment("higher_hvp")
    writer.code(*v_code)
    writer.code(f"(hv,) = torch.autograd.grad(g, {x}, v, retain_graph=True)")
    writer.show("v =", "v", hvp.v)
    writer.show("Hv =", "hv", hvp.double_backward)
    writer.comment("higher_forward_over_reverse")
    jvp = f"torch.func.jvp(torch.func.grad(f), ({x}.detach(),), (v,))"
    writer.code(f"_, hv_forward = {jvp}")
    writer.show("jvp(grad(f)) =", "hv_forward", hvp.forward_over_reverse)
    writer.show("max |difference| =", "(hv - hv_forward).abs().max().item()", hvp.difference)
    return writer.finish()
