"""Lesson 4: gradients add up across backward() calls until they are reset."""

from dataclasses import dataclass

import torch
from torch import Tensor

from lessons.functions import expression_source, total, two_dot
from lessons.parsing import InputError, parse_vector
from lessons.program import Program, ProgramWriter, leaf, leaf_literal, runtime_error

MAX_CALLS = 5
# Any optimiser will do: zero_grad() is the same method on all of them.
OPTIMIZER = "torch.optim.SGD([x], lr=0.1)"


@dataclass(frozen=True)
class AccumulationLesson:
    x: Tensor
    after_each_call: tuple[Tensor, ...]  # x.grad after call 1, 2, ...; the first is one call's
    multiples_max_abs_diff: float  # between x.grad after call k and k times the first
    after_zero: Tensor  # x.grad after x.grad.zero_()
    after_zero_grad: Tensor | None  # x.grad after optimizer.zero_grad()
    second_pass_error: str | None  # what torch says to backward() twice through one graph
    expression: str  # saves x for its backward
    silent_expression: str  # saves no tensor for its backward
    silent_error: str | None  # what torch says to a second backward() through that graph
    silent_grads: tuple[Tensor, Tensor]  # x.grad after the first and the second backward()
    program: Program


def accumulation_lesson(x_text: str, calls: int, language: str = "en") -> AccumulationLesson:
    if not 1 <= calls <= MAX_CALLS:
        raise InputError("calls_out_of_range", {"calls": calls, "limit": MAX_CALLS})
    values = parse_vector(x_text)
    expression = expression_source(two_dot)
    writer = ProgramWriter(language)
    x = leaf(values)
    writer.code(f"x = {leaf_literal(values)}")

    writer.comment("fresh_graph")
    writer.code(f"for call in range({calls}):", f"    y = {expression}", "    y.backward()")
    writer.code('    print("x.grad =", x.grad)')
    after_each_call = []
    for _ in range(calls):
        two_dot(x).backward()
        after_each_call.append(x.grad.clone())
        writer.prints("x.grad =", x.grad)

    writer.blank()
    writer.comment("zero")
    x.grad.zero_()
    after_zero = x.grad.clone()
    writer.code("x.grad.zero_()")
    writer.show("x.grad =", "x.grad", x.grad)
    writer.comment("zero_grad")
    torch.optim.SGD([x], lr=0.1).zero_grad()
    writer.code(f"optimizer = {OPTIMIZER}", "optimizer.zero_grad()")
    writer.show("x.grad =", "x.grad", x.grad)
    after_zero_grad = x.grad

    writer.blank()
    writer.comment("second_pass")
    y = two_dot(x)
    y.backward()
    writer.code(f"y = {expression}", "y.backward()")
    second_pass_error = runtime_error(y.backward)
    writer.show_error("y.backward()", second_pass_error)

    writer.blank()
    writer.comment("silent_second_pass")
    silent_expression = expression_source(total)
    x.grad = None
    y = total(x)
    y.backward()
    first = x.grad.clone()
    writer.code("x.grad = None", f"y = {silent_expression}", "y.backward()")
    writer.show("x.grad =", "x.grad", first)
    silent_error = runtime_error(y.backward)
    writer.show_error("y.backward()", silent_error)
    writer.show("x.grad =", "x.grad", x.grad)
    return AccumulationLesson(
        x=x.detach(),
        after_each_call=tuple(after_each_call),
        multiples_max_abs_diff=max(
            (grad - k * after_each_call[0]).abs().max().item()
            for k, grad in enumerate(after_each_call, start=1)
        ),
        after_zero=after_zero,
        after_zero_grad=after_zero_grad,
        second_pass_error=second_pass_error,
        expression=expression,
        silent_expression=silent_expression,
        silent_error=silent_error,
        silent_grads=(first, x.grad.clone()),
        program=writer.finish(),
    )
