"""What backward() costs on this machine, now: a small benchmark with a hard bound on its work.

The function measured is y = tanh(A x): A is an m x n matrix of seeded Gaussian entries
scaled by 1/√n, x a seeded Gaussian vector. One dense product and one element-wise op:
a forward pass is cheap and every entry of J is non-zero. For each shape it times

- `forward`: y = f(x), recording the graph;
- `one_vjp`: one backward pass through that graph, vᵀJ for one v;
- `vjp_loop`: m backward passes, v = e₁ … e_m, i.e. all of J row by row;
- `jacrev`: all of J in one batched reverse-mode call (`torch.func.jacrev`);
- `jacfwd`: all of J in one batched forward-mode call (`torch.func.jacfwd`).

Each time is the best of a few runs. The bound: sizes n = m = 4, 8, 16, … stop at
max_size, or as soon as the next size is predicted (from the time the previous size took)
not to fit in the budget with a wide (m ≪ n) and a tall (m ≫ n) shape after it; those two
are measured at the largest size reached, if they fit. Once the budget is spent, no method
is run again: a misjudged size can overrun it by at most one run of each method.
"""

import math
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import TypeVar

import torch
from torch.func import jacrev

from lessons import forward_mode

METHODS = ("forward", "one_vjp", "vjp_loop", "jacrev", "jacfwd")
MIN_SIZE = 4
MAX_SIZE = 1024
MAX_BUDGET = 4.0  # seconds, for the whole measurement
MAX_REPEATS = 5
DEFAULT_REPEATS = 3
NARROW = 4  # the short side of the wide and the tall shape
SEED = 0
# Doubling n = m multiplies a size's time by the growth seen from the previous size, kept
# between 2 (linear) and 8 (the m-VJP loop: m passes of O(m·n) work, so cubic).
MIN_GROWTH, MAX_GROWTH = 2.0, 8.0
# A size is started only if there is room for it and, after it, its wide and tall shapes
# (together no dearer than the square one: the wide one makes only NARROW passes).
SHAPES_PER_SIZE = 2

Result = TypeVar("Result")


@dataclass(frozen=True)
class Timing:
    """Best seconds of each method for one shape of A (m x n)."""

    m: int
    n: int
    forward: float
    one_vjp: float
    vjp_loop: float
    jacrev: float
    jacfwd: float

    def seconds(self, method: str) -> float:
        if method not in METHODS:
            raise ValueError(f"unknown method {method!r}")
        return getattr(self, method)

    def relative(self, method: str) -> float:
        """This method's time in forward passes."""
        return self.seconds(method) / self.forward


@dataclass(frozen=True)
class CostMeasurement:
    square: tuple[Timing, ...]  # n = m, growing
    wide: Timing | None  # m = NARROW, n = the largest square size; None if not measured
    tall: Timing | None  # m = the largest square size, n = NARROW
    budget: float
    max_size: int
    elapsed: float  # seconds the whole measurement took

    @property
    def largest(self) -> Timing:
        return self.square[-1]

    def growth(self, method: str) -> float:
        """How many times longer the method took at the largest size than at the smallest."""
        return self.largest.seconds(method) / self.square[0].seconds(method)

    @property
    def reached_max_size(self) -> bool:
        return self.largest.n == self.max_size


def measure_cost(
    budget: float = MAX_BUDGET,
    max_size: int = MAX_SIZE,
    repeats: int = DEFAULT_REPEATS,
    progress: Callable[[float], None] | None = None,
    clock: Callable[[], float] = time.perf_counter,
) -> CostMeasurement:
    """Measure growing sizes until the budget (seconds) or max_size stops it.

    `progress(fraction)` is told how much of the budget has been used after each shape."""
    _check_bounds(budget, max_size, repeats, MAX_SIZE)
    _warm_up()
    start = clock()
    deadline = start + budget

    def measured(m: int, n: int) -> Timing:
        timing = _time_shape(m, n, repeats, deadline, clock)
        if progress:
            progress(min((clock() - start) / budget, 1.0))
        return timing

    square, spent = _grow(
        lambda size: measured(size, size), max_size, deadline, clock, SHAPES_PER_SIZE
    )
    largest = square[-1].n
    wide = tall = None
    if largest > NARROW and clock() + spent[-1] <= deadline:
        wide = measured(NARROW, largest)
    if largest > NARROW and clock() + spent[-1] <= deadline:
        tall = measured(largest, NARROW)
    if progress:
        progress(1.0)
    return CostMeasurement(tuple(square), wide, tall, budget, max_size, clock() - start)


def _check_bounds(budget: float, max_size: int, repeats: int, size_limit: int) -> None:
    if not 0 < budget <= MAX_BUDGET:
        raise ValueError(f"budget must be in (0, {MAX_BUDGET}] seconds, not {budget}")
    if not MIN_SIZE <= max_size <= size_limit:
        raise ValueError(f"max_size must be in [{MIN_SIZE}, {size_limit}], not {max_size}")
    if not 1 <= repeats <= MAX_REPEATS:
        raise ValueError(f"repeats must be in [1, {MAX_REPEATS}], not {repeats}")


def _grow(
    measure: Callable[[int], Result],
    max_size: int,
    deadline: float,
    clock: Callable[[], float],
    room: int,
) -> tuple[list[Result], list[float]]:
    """measure(size) for n = MIN_SIZE, 2·MIN_SIZE, … max_size, and the seconds each took
    (after a leading 0); a size starts only if `room` times its predicted time still fits."""
    results, spent = [], [0.0]
    for size in _sizes(max_size):
        if results and clock() + room * _predicted(spent) > deadline:
            break
        began = clock()
        results.append(measure(size))
        spent.append(clock() - began)
    return results, spent


def _predicted(spent: list[float]) -> float:
    """Seconds the next size will take, from the last two sizes' (the first is 0)."""
    previous, last = spent[-2:]
    growth = last / previous if previous else MAX_GROWTH
    return last * min(max(growth, MIN_GROWTH), MAX_GROWTH)


def _warm_up() -> None:
    """The first torch.func calls in a process load their machinery (seconds, once) and the
    first run of each op is slower: not a cost of differentiation, so one untimed round of
    every method at the smallest shape comes before the clock starts."""
    _time_shape(MIN_SIZE, MIN_SIZE, 1, math.inf, time.perf_counter)


def _sizes(max_size: int) -> list[int]:
    return [MIN_SIZE * 2**k for k in range(int(math.log2(max_size // MIN_SIZE)) + 1)]


def _time_shape(
    m: int, n: int, repeats: int, deadline: float, clock: Callable[[], float]
) -> Timing:
    generator = torch.Generator().manual_seed(SEED)
    A = torch.randn(m, n, generator=generator) / math.sqrt(n)
    x = torch.randn(n, generator=generator, requires_grad=True)

    def f(x: torch.Tensor) -> torch.Tensor:
        return torch.tanh(A @ x)

    y = f(x)
    eye = torch.eye(m)

    def vjp(v: torch.Tensor) -> torch.Tensor:
        return torch.autograd.grad(y, x, v, retain_graph=True)[0]

    actions = {
        "forward": lambda: f(x),
        "one_vjp": lambda: vjp(eye[0]),
        "vjp_loop": lambda: [vjp(v) for v in eye],
        "jacrev": lambda: jacrev(f)(x.detach()),
        "jacfwd": lambda: forward_mode.jacfwd(f)(x.detach()),
    }
    # Forward mode waits for other sessions' forward mode: the wait is not part of its time.
    guards = {"jacfwd": forward_mode.exclusive}
    best = {
        name: _best_time(action, repeats, deadline, clock, guards.get(name, nullcontext))
        for name, action in actions.items()
    }
    return Timing(m, n, **best)


def _best_time(
    action: Callable[[], object],
    repeats: int,
    deadline: float,
    clock: Callable[[], float],
    guard: Callable[[], AbstractContextManager[object]] = nullcontext,
) -> float:
    """The shortest of up to `repeats` runs, each timed inside `guard`; no further run once
    the deadline has passed."""
    times = []
    for _ in range(repeats):
        with guard():
            began = clock()
            action()
            times.append(clock() - began)
        if clock() > deadline:
            break
    return min(times)


# --- second derivatives: a Hessian-vector product against building H ---------------------

HESSIAN_METHODS = ("gradient", "double_backward", "forward_over_reverse", "hvp_loop", "hessian")
# H has n² entries and the loop makes n products of O(n²) work each: 512 keeps the largest
# H at a quarter of a million entries and the loop's arithmetic near a tenth of a second.
HESSIAN_MAX_SIZE = 512


@dataclass(frozen=True)
class HessianTiming:
    """Best seconds of each method for y = tanh(A x).sum(), A of n x n."""

    n: int
    gradient: float  # one backward pass: ∂y/∂x
    double_backward: float  # Hv as the gradient of g·v, g built with create_graph=True
    forward_over_reverse: float  # Hv as torch.func.jvp over torch.func.grad
    hvp_loop: float  # all of H by n double-backward products, v = e₁ … eₙ
    hessian: float  # all of H by torch.func.hessian

    def seconds(self, method: str) -> float:
        if method not in HESSIAN_METHODS:
            raise ValueError(f"unknown method {method!r}")
        return getattr(self, method)

    def relative(self, method: str) -> float:
        """This method's time in gradients."""
        return self.seconds(method) / self.gradient


@dataclass(frozen=True)
class HessianCostMeasurement:
    sizes: tuple[HessianTiming, ...]  # n growing
    budget: float
    max_size: int
    elapsed: float

    @property
    def largest(self) -> HessianTiming:
        return self.sizes[-1]

    @property
    def reached_max_size(self) -> bool:
        return self.largest.n == self.max_size


def measure_hessian_cost(
    budget: float = MAX_BUDGET,
    max_size: int = HESSIAN_MAX_SIZE,
    repeats: int = DEFAULT_REPEATS,
    progress: Callable[[float], None] | None = None,
    clock: Callable[[], float] = time.perf_counter,
) -> HessianCostMeasurement:
    """Time one gradient, one Hv both ways and all of H both ways, for n doubling from
    MIN_SIZE until the budget (seconds) or max_size stops it, under the same bound as
    measure_cost."""
    _check_bounds(budget, max_size, repeats, HESSIAN_MAX_SIZE)
    _time_hessian(MIN_SIZE, 1, math.inf, time.perf_counter)  # untimed, as in _warm_up
    start = clock()
    deadline = start + budget

    def measured(n: int) -> HessianTiming:
        timing = _time_hessian(n, repeats, deadline, clock)
        if progress:
            progress(min((clock() - start) / budget, 1.0))
        return timing

    sizes, _ = _grow(measured, max_size, deadline, clock, room=1)
    if progress:
        progress(1.0)
    return HessianCostMeasurement(tuple(sizes), budget, max_size, clock() - start)


def _time_hessian(
    n: int, repeats: int, deadline: float, clock: Callable[[], float]
) -> HessianTiming:
    generator = torch.Generator().manual_seed(SEED)
    A = torch.randn(n, n, generator=generator) / math.sqrt(n)
    x = torch.randn(n, generator=generator, requires_grad=True)
    v = torch.randn(n, generator=generator)

    def f(x: torch.Tensor) -> torch.Tensor:
        return torch.tanh(A @ x).sum()

    (g,) = torch.autograd.grad(f(x), x, create_graph=True)
    eye = torch.eye(n)

    def hvp(v: torch.Tensor) -> torch.Tensor:
        return torch.autograd.grad(g, x, v, retain_graph=True)[0]

    actions = {
        "gradient": lambda: torch.autograd.grad(f(x), x),
        "double_backward": lambda: hvp(v),
        "forward_over_reverse": lambda: forward_mode.jvp(torch.func.grad(f), (x.detach(),), (v,)),
        "hvp_loop": lambda: [hvp(e) for e in eye],
        # jacfwd over jacrev: forward mode, so under its lock like every forward-mode call.
        "hessian": lambda: forward_mode.hessian(f)(x.detach()),
    }
    guards = {"forward_over_reverse": forward_mode.exclusive, "hessian": forward_mode.exclusive}
    best = {
        name: _best_time(action, repeats, deadline, clock, guards.get(name, nullcontext))
        for name, action in actions.items()
    }
    return HessianTiming(n, **best)
