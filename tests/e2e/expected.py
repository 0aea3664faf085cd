"""The numbers the pages must show, from hand-derived gradients of each page's default
function; torch only formats them, exactly as the pages print tensors."""

import math

import torch

from lessons.functions import linear_matrix
from lessons.vjp import PRESETS

DEFAULT_X = (1, 2, 3)  # every lesson page starts with x = 1, 2, 3
TYPED_PRESET = PRESETS.index("typed")  # position of "type v yourself" in the /vjp radio
ACCUMULATE_CALLS = 2  # the /accumulate slider's default


def shown_gradient(page: str, x: tuple[int, ...], v: tuple[int, ...] | None = None) -> str:
    """x.grad as `page` prints it. scalar: y = 2·xᵀx, so 4x. nonscalar: y = x*x with v =
    ones, so 2x. vjp: y = x*x, so 2·v·x (v = ones unless given). accumulate: 4x per call.
    jacobian: y = A x, so J = A and the first pass, backward(e₁), gives row 1 of A.
    graph: z = u * x with u = (x*x).detach(), so x². inplace: y = exp(x) changed by
    y.data.add_(1), so x.grad is exp(x) + 1, first in its block. nograd: loss = Σ xⱼ² once
    fixed, so 2x. gradcheck: Square's honest backward, 2x in float64. edges: the masked
    torch.where(x > 0, sqrt(x), 0 * x), so 1/(2√x) where x > 0 and nan elsewhere. higher:
    not x.grad but Hv for y = (x**3).sum() and v = ones, so 6x (H = diag(6x))."""
    if page == "scalar":
        grad = [4 * xj for xj in x]
    elif page == "nonscalar":
        grad = [2 * xj for xj in x]
    elif page == "vjp":
        grad = [2 * vj * xj for xj, vj in zip(x, v or [1] * len(x), strict=True)]
    elif page == "accumulate":
        grad = [4 * ACCUMULATE_CALLS * xj for xj in x]
    elif page == "jacobian":
        grad = linear_matrix(len(x))[0].tolist()
    elif page == "graph":
        grad = [xj * xj for xj in x]
    elif page == "inplace":
        grad = [math.exp(xj) + 1 for xj in x]
    elif page == "nograd":
        grad = [2 * xj for xj in x]
    elif page == "edges":
        grad = [1 / (2 * math.sqrt(xj)) if xj > 0 else math.nan for xj in x]
    elif page == "higher":
        grad = [6 * xj for xj in x]
    elif page == "gradcheck":
        return str(torch.tensor([2 * xj for xj in x], dtype=torch.float64))
    else:
        raise ValueError(f"no gradient on page {page!r}")
    return str(torch.tensor(grad, dtype=torch.float32))


def as_text(vector: tuple[float, ...]) -> str:
    """A vector as a learner types it."""
    return ", ".join(map(str, vector))
