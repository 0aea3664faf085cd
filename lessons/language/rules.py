"""The local rule of every node the expression language can make, keyed by torch's class name.

Each rule has its formula (math, the same in every language), the formula for this very
node (`here`: the learner's names and constants put in), and `backward`, which computes
what the node passes to each of its inputs from what arrived and from the values the node
saved, read live from it (lessons/language/graph.py). The page puts that next to what
torch's engine really passed; tests/test_rules.py runs every rule against the engine.

Notation: g is what arrives, ∂L/∂(the node's output); gₐ is what goes to input a.
"""

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import torch
from torch import Tensor

Shape = tuple[int, ...]


@dataclass(frozen=True)
class Context:
    """One node as the engine reached it."""

    incoming: tuple[Tensor | None, ...]
    saved: Mapping[str, object]  # name (without `_saved_`) -> value
    saved_labels: Mapping[str, str]  # name -> the learner's label of the tensor it came from
    input_shapes: tuple[Shape | None, ...]  # per entry of next_functions; None: no grad
    input_labels: tuple[str | None, ...]  # the learner's label of each input

    @property
    def g(self) -> Tensor:
        return self.incoming[0]

    def value(self, name: str) -> object:
        return _signed(self.saved[name])

    def text(self, name: str) -> str:
        """A saved value as the formula writes it: the learner's label of its tensor, or the
        number itself (a constant such as the 3 of `3 * a`)."""
        if name in self.saved_labels:
            return _grouped(self.saved_labels[name])
        value = self.saved[name]
        if isinstance(value, Tensor) and value.numel() == 1:
            return _number(value.item())
        return _number(value) if isinstance(value, int | float) else str(value)

    def input(self, slot: int) -> str:
        return _grouped(self.input_labels[slot] or "?")


@dataclass(frozen=True)
class Rule:
    formula: str
    here: Callable[[Context], str]
    backward: Callable[[Context], tuple[Tensor | None, ...]]


def _grouped(label: str) -> str:
    """`b` stays b; `W @ x + b` becomes (W @ x + b), so that a formula reads right."""
    return label if label.isidentifier() else f"({label})"


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


_SUPERSCRIPTS = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _power(base: str, exponent: float) -> str:
    if exponent == 1:
        return base
    if float(exponent).is_integer():
        return base + str(int(exponent)).translate(_SUPERSCRIPTS)
    return f"{base}^{_number(exponent)}"


def _to(shape: Shape | None, gradient: Callable[[], Tensor]) -> Tensor | None:
    """What an input receives: None if it needs no gradient; a broadcast input receives
    the sum over the dimensions it was broadcast along."""
    if shape is None:
        return None
    found = gradient()
    return found if tuple(found.shape) == shape else found.sum_to_size(shape)


def _each(context: Context, *gradients: Callable[[], Tensor]) -> tuple[Tensor | None, ...]:
    return tuple(
        _to(shape, gradient)
        for shape, gradient in zip(context.input_shapes, gradients, strict=True)
    )


def _elementwise(formula: str, here: Callable[[Context], str], local: Callable) -> Rule:
    """out = f(a): gₐ = g · f'(a), with f'(a) from what the node saved."""
    return Rule(formula, here, lambda c: _each(c, lambda: c.g * local(c)))


def _signed(value: object) -> object:
    """torch hands back a saved negative int64 (dim=-1, x[-2:]) as its unsigned 64-bit
    pattern, 2⁶⁴ - 1 for -1: read as the signed number it stores."""
    if isinstance(value, tuple):
        return tuple(_signed(item) for item in value)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 2**63:
        return value - 2**64
    return value


def _kept(gradient: Tensor, dims: object, rank: int, keepdim: bool) -> Tensor:
    """g of a reduction over `dims`, with those dimensions put back (size 1)."""
    if keepdim or rank == 0:
        return gradient
    if dims is None or dims == ():
        dims = tuple(range(rank))
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    for dim in sorted(d % rank for d in dims):
        gradient = gradient.unsqueeze(dim)
    return gradient


def _reduced(context: Context, sizes: Shape) -> Tensor:
    """SumBackward1, MeanBackward1, …: g with the reduced dimensions put back."""
    keepdim = bool(context.saved.get("keepdim", False))
    return _kept(context.g, context.saved.get("dim"), len(sizes), keepdim)


def _mean_backward(context: Context) -> tuple[Tensor | None, ...]:
    sizes = tuple(context.value("self_sym_sizes"))
    spread = _reduced(context, sizes).expand(sizes)
    count = math.prod(sizes) // max(context.g.numel(), 1)
    return (spread / count,)


def _product_of_others(a: Tensor, dim: int) -> Tensor:
    """∏ⱼ≠ᵢ aⱼ along dim without dividing (exact where an entry is 0): the product of
    those before times the product of those after."""
    ones = torch.ones_like(a.narrow(dim, 0, 1))
    before = torch.cat([ones, a.narrow(dim, 0, a.shape[dim] - 1)], dim).cumprod(dim)
    flipped = a.flip(dim)
    after = torch.cat([ones, flipped.narrow(dim, 0, a.shape[dim] - 1)], dim).cumprod(dim)
    return before * after.flip(dim)


def _prod_backward(context: Context) -> tuple[Tensor | None, ...]:
    a = context.value("self")
    if "dim" not in context.saved:  # the product of every entry
        others = _product_of_others(a.reshape(-1), 0).reshape(a.shape)
        return (context.g * others,)
    dim = context.value("dim")
    if a.dim() == 0:
        return (context.g.expand(a.shape).clone(),)
    spread = _kept(context.g, dim, a.dim(), bool(context.value("keepdim")))
    return (spread * _product_of_others(a, dim),)


def _ties_backward(context: Context) -> tuple[Tensor | None, ...]:
    """max() or min() of every entry: g shared evenly among the entries equal to it."""
    a, result = context.value("self"), context.value("result")
    mask = (a == result).to(context.g.dtype)
    return (context.g * mask / mask.sum(),)


def _indices_backward(context: Context) -> tuple[Tensor | None, ...]:
    """max(a, dim) or min(a, dim): g goes to the saved index along dim, 0 elsewhere."""
    sizes = tuple(context.value("self_sym_sizes"))
    dim, keepdim = context.value("dim"), bool(context.value("keepdim"))
    indices = context.value("indices")
    if len(sizes) == 0:
        return (context.g.clone(),)
    gradient = _kept(context.g, dim, len(sizes), keepdim)
    indices = _kept(indices, dim, len(sizes), keepdim)
    zeros = torch.zeros(sizes, dtype=context.g.dtype)
    return (zeros.scatter(dim, indices, gradient),)


def _norm_backward(context: Context) -> tuple[Tensor | None, ...]:
    a, norm, p = context.value("self"), context.value("result"), context.value("ord")
    if p == 0:
        return (torch.zeros_like(a),)
    spread = _kept(context.g, context.value("dim"), a.dim(), bool(context.value("keepdim")))
    norm = _kept(norm, context.value("dim"), a.dim(), bool(context.value("keepdim")))
    local = a.sign() * a.abs() ** (p - 1) / norm ** (p - 1)
    return (spread * local,)


def _logsumexp_backward(context: Context) -> tuple[Tensor | None, ...]:
    a, result = context.value("self"), context.value("result")
    dim, keepdim = context.value("dim"), bool(context.value("keepdim"))
    spread = _kept(context.g, dim, a.dim(), keepdim)
    return (spread * (a - _kept(result, dim, a.dim(), keepdim)).exp(),)


def _softmax_backward(context: Context) -> tuple[Tensor | None, ...]:
    s, dim = context.value("result"), context.value("dim")
    return (s * (context.g - (context.g * s).sum(dim, keepdim=True)),)


def _log_softmax_backward(context: Context) -> tuple[Tensor | None, ...]:
    r, dim = context.value("result"), context.value("dim")
    return (context.g - r.exp() * context.g.sum(dim, keepdim=True),)


# torch's Reduction enum, as MseLossBackward0 and the others save it.
_NONE, _MEAN = 0, 1


def _per_entry(context: Context, count: int) -> Tensor:
    """g of a loss, one per entry: as it is for reduction="none", divided by the number
    of entries for "mean", spread for "sum"."""
    if context.value("reduction") == _NONE:
        return context.g
    return context.g / count if context.value("reduction") == _MEAN else context.g


def _mse_backward(context: Context) -> tuple[Tensor | None, ...]:
    a, t = context.value("self"), context.value("target")
    local = 2 * (a - t) * _per_entry(context, a.numel())
    return _each(context, lambda: local, lambda: -local)


def _bce_backward(context: Context) -> tuple[Tensor | None, ...]:
    a, t = context.value("self"), context.value("target")
    if context.value("weight") is not None or context.value("pos_weight") is not None:
        raise _NotCovered  # the language has no way to pass them
    spread = _per_entry(context, a.numel())
    return _each(context, lambda: spread * (a.sigmoid() - t), lambda: -spread * a)


def _nll_backward(context: Context) -> tuple[Tensor | None, ...]:
    a, target = context.value("self"), context.value("target")
    if context.value("weight") is not None:
        raise _NotCovered
    rows = a.reshape(1, -1) if a.dim() == 1 else a
    chosen = target.reshape(-1, 1)
    spread = context.g.reshape(-1, 1) if context.g.dim() else context.g.expand(len(rows), 1)
    if context.value("reduction") == _MEAN:
        spread = spread / context.value("total_weight")
    ignored = (chosen == context.value("ignore_index")).to(spread.dtype)
    gradient = torch.zeros_like(rows).scatter(1, chosen.clamp(min=0), -spread * (1 - ignored))
    return (gradient.reshape(a.shape),)  # the target is class indices: no gradient


class _NotCovered(Exception):
    """The node was made in a way its rule does not cover: the page says so."""


def _select_backward(context: Context) -> tuple[Tensor | None, ...]:
    sizes = tuple(context.value("self_sym_sizes"))
    gradient = torch.zeros(sizes, dtype=context.g.dtype)
    gradient.select(context.value("dim"), context.value("index")).copy_(context.g)
    return (gradient,)


def _slice_backward(context: Context) -> tuple[Tensor | None, ...]:
    sizes = tuple(context.value("self_sym_sizes"))
    gradient = torch.zeros(sizes, dtype=context.g.dtype)
    part = slice(context.value("start"), context.value("end"), context.value("step"))
    gradient[(slice(None),) * context.value("dim") + (part,)] = context.g
    return (gradient,)


def _repeat_backward(context: Context) -> tuple[Tensor | None, ...]:
    """Each copy's gradient, added: g viewed as (copies, size) pairs, summed over copies."""
    sizes = tuple(context.value("self_sym_sizes"))
    repeats = tuple(context.value("repeats"))
    padded = (1,) * (len(repeats) - len(sizes)) + sizes
    pairs = [part for pair in zip(repeats, padded, strict=True) for part in pair]
    summed = context.g.reshape(pairs).sum(tuple(range(0, len(pairs), 2)))
    return (summed.reshape(sizes),)


def _diagonal_backward(context: Context) -> tuple[Tensor | None, ...]:
    sizes = tuple(context.value("self_sym_sizes"))
    gradient = torch.zeros(sizes, dtype=context.g.dtype)
    dims = (context.value("dim1"), context.value("dim2"))
    gradient.diagonal(context.value("offset"), *dims).copy_(context.g)
    return (gradient,)


def _diag_embed_backward(context: Context) -> tuple[Tensor | None, ...]:
    dims = (context.value("dim1"), context.value("dim2"))
    return (context.g.diagonal(context.value("offset"), *dims).clone(),)


def _inverse_permutation(dims: tuple[int, ...]) -> list[int]:
    return sorted(range(len(dims)), key=lambda axis: dims[axis] % len(dims))


def _reshaped(context: Context) -> tuple[Tensor | None, ...]:
    return (context.g.reshape(tuple(context.value("self_sym_sizes"))),)


def _pair(context: Context, first: str, second: str) -> str:
    """∂/∂(input 1) = …, ∂/∂(input 2) = …, for the inputs that need a gradient."""
    parts = (
        f"∂/∂{context.input(slot)} = {local}"
        for slot, local in enumerate((first, second))
        if context.input_shapes[slot] is not None
    )
    return ", ".join(parts)


def _into(template: str) -> Callable[[Context], str]:
    """The `here` of a rule that moves g around: ∂L/∂(the input) = template, with
    {shape} the input's shape."""

    def here(context: Context) -> str:
        shape = tuple(context.input_shapes[0] or ())
        return f"∂L/∂{context.input(0)} = {template.format(shape=shape)}"

    return here


_ELEMENTWISE = {
    "NegBackward0": _elementwise("∂(−a)/∂a = −1", lambda c: "−1", lambda c: -1),
    "AbsBackward0": _elementwise(
        "∂|a|/∂a = sign(a)", lambda c: f"sign{c.text('self')}", lambda c: c.value("self").sign()
    ),
    "SinBackward0": _elementwise(
        "∂ sin(a)/∂a = cos(a)",
        lambda c: f"cos{_wrapped(c.text('self'))}",
        lambda c: c.value("self").cos(),
    ),
    "CosBackward0": _elementwise(
        "∂ cos(a)/∂a = −sin(a)",
        lambda c: f"−sin{_wrapped(c.text('self'))}",
        lambda c: -c.value("self").sin(),
    ),
    "TanBackward0": _elementwise(
        "∂ tan(a)/∂a = 1 + tan²(a)",
        lambda c: f"1 + {c.text('result')}²",
        lambda c: 1 + c.value("result") ** 2,
    ),
    "ExpBackward0": _elementwise(
        "∂ eᵃ/∂a = eᵃ", lambda c: c.text("result"), lambda c: c.value("result")
    ),
    "LogBackward0": _elementwise(
        "∂ log(a)/∂a = 1/a", lambda c: f"1/{c.text('self')}", lambda c: 1 / c.value("self")
    ),
    "Log1PBackward0": _elementwise(
        "∂ log(1 + a)/∂a = 1/(1 + a)",
        lambda c: f"1/(1 + {c.text('self')})",
        lambda c: 1 / (1 + c.value("self")),
    ),
    "SqrtBackward0": _elementwise(
        "∂√a/∂a = 1/(2√a)",
        lambda c: f"1/(2·{c.text('result')})",
        lambda c: 1 / (2 * c.value("result")),
    ),
    "TanhBackward0": _elementwise(
        "∂ tanh(a)/∂a = 1 − tanh²(a)",
        lambda c: f"1 − {c.text('result')}²",
        lambda c: 1 - c.value("result") ** 2,
    ),
    "SigmoidBackward0": _elementwise(
        "∂σ(a)/∂a = σ(a)·(1 − σ(a))",
        lambda c: f"{c.text('result')}·(1 − {c.text('result')})",
        lambda c: c.value("result") * (1 - c.value("result")),
    ),
    "ReluBackward0": _elementwise(
        "∂ relu(a)/∂a = [a > 0]",
        lambda c: f"[{c.text('result')} > 0]",
        lambda c: (c.value("result") > 0).to(c.g.dtype),
    ),
    "ReciprocalBackward0": _elementwise(
        "∂(1/a)/∂a = −1/a² = −(1/a)²",
        lambda c: f"−{c.text('result')}²",
        lambda c: -(c.value("result") ** 2),
    ),
    "ClampBackward1": _elementwise(
        "∂ clamp(a, lo, hi)/∂a = [lo ≤ a ≤ hi]",
        lambda c: f"[{c.text('min')} ≤ {c.text('self')} ≤ {c.text('max')}]",
        lambda c: _inside(c.value("self"), c.value("min"), c.value("max")).to(c.g.dtype),
    ),
    "PowBackward0": _elementwise(
        "∂(aᵖ)/∂a = p·aᵖ⁻¹",
        lambda c: _power_here(c.value("exponent"), c.text("self")),
        lambda c: _power_local(c.value("self"), c.value("exponent")),
    ),
}


def _wrapped(text: str) -> str:
    return text if text.startswith("(") else f"({text})"


def _inside(a: Tensor, low: object, high: object) -> Tensor:
    inside = torch.ones_like(a, dtype=torch.bool)
    if low is not None:
        inside &= a >= low
    if high is not None:
        inside &= a <= high
    return inside


def _power_here(p: float, base: str) -> str:
    if p == 0:
        return "0"
    return _power(base, p - 1) if p == 1 else f"{_number(p)}·{_power(base, p - 1)}"


def _power_local(a: Tensor, p: float) -> Tensor:
    # a⁰ = 1 has derivative 0 everywhere, also where p·a⁻¹ would be 0·inf.
    return torch.zeros_like(a) if p == 0 else p * a ** (p - 1)


def _extremum(name: str, wins: str) -> Rule:
    """maximum(a, b) (wins ">") or minimum(a, b) (wins "<"): the gradient goes to the
    winner of each entry, half to each at a tie."""

    def local(first: str, second: str) -> str:
        return f"[{first} {wins} {second}] + ½·[{first} = {second}]"

    def here(c: Context) -> str:
        a, b = c.text("self"), c.text("other")
        return _pair(c, local(a, b), local(b, a))

    def backward(c: Context) -> tuple[Tensor | None, ...]:
        a, b = c.value("self"), c.value("other")
        if wins == "<":
            a, b = -a, -b  # the smaller of two is the larger of their negatives
        return _each(c, lambda: c.g * _share(a, b), lambda: c.g * _share(b, a))

    formula = f"∂ {name}(a, b)/∂a = {local('a', 'b')}, ∂ {name}(a, b)/∂b = {local('b', 'a')}"
    return Rule(formula, here, backward)


def _share(winner: Tensor, other: Tensor) -> Tensor:
    """1 where `winner` wins, ½ at a tie, 0 where it loses."""
    return (winner > other).to(winner.dtype) + 0.5 * (winner == other).to(winner.dtype)


_BINARY = {
    "AddBackward0": Rule(
        "∂(a + α·b)/∂a = 1, ∂(a + α·b)/∂b = α",
        lambda c: _pair(c, "1", c.text("alpha")),
        lambda c: _each(c, lambda: c.g, lambda: c.g * c.value("alpha")),
    ),
    "SubBackward0": Rule(
        "∂(a − α·b)/∂a = 1, ∂(a − α·b)/∂b = −α",
        lambda c: _pair(c, "1", f"−{c.text('alpha')}"),
        lambda c: _each(c, lambda: c.g, lambda: -c.g * c.value("alpha")),
    ),
    "RsubBackward1": Rule(
        "∂(c − α·a)/∂a = −α",
        lambda c: f"∂/∂{c.input(0)} = −{c.text('alpha')}",
        lambda c: _each(c, lambda: -c.g * c.value("alpha")),
    ),
    "MulBackward0": Rule(
        "∂(a·b)/∂a = b, ∂(a·b)/∂b = a",
        lambda c: _pair(c, c.text("other"), c.text("self")),
        lambda c: _each(c, lambda: c.g * c.value("other"), lambda: c.g * c.value("self")),
    ),
    "DivBackward0": Rule(
        "∂(a/b)/∂a = 1/b, ∂(a/b)/∂b = −a/b²",
        lambda c: _pair(c, f"1/{c.text('other')}", f"−{c.text('self')}/{c.text('other')}²"),
        lambda c: _each(
            c,
            lambda: c.g / c.value("other"),
            lambda: -c.g * c.value("self") / c.value("other") ** 2,
        ),
    ),
    "DivBackward1": Rule(
        "∂(a/c)/∂a = 1/c",
        lambda c: f"∂/∂{c.input(0)} = 1/{c.text('other')}",
        lambda c: _each(c, lambda: c.g / c.value("other")),
    ),
    "PowBackward1": Rule(
        "∂(aᵇ)/∂a = b·aᵇ⁻¹, ∂(aᵇ)/∂b = aᵇ·log(a)",
        lambda c: _pair(
            c,
            f"{c.text('exponent')}·{c.text('self')}^({c.text('exponent')} − 1)",
            f"{c.text('result')}·log{_wrapped(c.text('self'))}",
        ),
        lambda c: _each(
            c,
            lambda: c.g * c.value("exponent") * c.value("self") ** (c.value("exponent") - 1),
            lambda: c.g * c.value("result") * c.value("self").log(),
        ),
    ),
    "PowBackward2": Rule(
        "∂(cᵇ)/∂b = cᵇ·log(c)",
        lambda c: f"∂/∂{c.input(0)} = {c.text('result')}·log({c.text('self')})",
        lambda c: _each(c, lambda: c.g * c.value("result") * math.log(c.value("self"))),
    ),
    "MaximumBackward0": _extremum("max", ">"),
    "MinimumBackward0": _extremum("min", "<"),
    "WhereBackward0": Rule(
        "∂ where(m, a, b)/∂a = [m], ∂ where(m, a, b)/∂b = [¬m]",
        lambda c: _pair(c, "[m]", "[¬m]"),
        lambda c: _each(
            c,
            lambda: c.g * c.value("condition"),
            lambda: c.g * c.value("condition").logical_not(),
        ),
    ),
}


_PRODUCTS = {
    "MmBackward0": Rule(
        "C = A·B: ∂L/∂A = g·Bᵀ, ∂L/∂B = Aᵀ·g",
        lambda c: _pair(c, f"g·{c.text('mat2')}ᵀ", f"{c.text('self')}ᵀ·g"),
        lambda c: _each(c, lambda: c.g @ c.value("mat2").mT, lambda: c.value("self").mT @ c.g),
    ),
    "MvBackward0": Rule(
        "c = A·v: ∂L/∂A = g·vᵀ, ∂L/∂v = Aᵀ·g",
        lambda c: _pair(c, f"g·{c.text('vec')}ᵀ", f"{c.text('self')}ᵀ·g"),
        lambda c: _each(
            c, lambda: torch.outer(c.g, c.value("vec")), lambda: c.value("self").mT @ c.g
        ),
    ),
    "DotBackward0": Rule(
        "∂(a·b)/∂a = b, ∂(a·b)/∂b = a",
        lambda c: _pair(c, c.text("tensor"), c.text("self")),
        lambda c: _each(c, lambda: c.g * c.value("tensor"), lambda: c.g * c.value("self")),
    ),
}


_expanded = _into("expand(g, {shape})")


_REDUCTIONS = {
    "SumBackward0": Rule(
        "∂(Σⱼ aⱼ)/∂aᵢ = 1",
        _expanded,
        lambda c: (c.g.expand(tuple(c.value("self_sym_sizes"))).clone(),),
    ),
    "SumBackward1": Rule(
        "∂(Σⱼ aⱼ)/∂aᵢ = 1",
        _expanded,
        lambda c: (
            _reduced(c, tuple(c.value("self_sym_sizes")))
            .expand(tuple(c.value("self_sym_sizes")))
            .clone(),
        ),
    ),
    "MeanBackward0": Rule(
        "∂(1/n·Σⱼ aⱼ)/∂aᵢ = 1/n",
        lambda c: f"1/{c.value('self_sym_numel')}",
        _mean_backward,
    ),
    "MeanBackward1": Rule(
        "∂(1/n·Σⱼ aⱼ)/∂aᵢ = 1/n",
        lambda c: f"1/{math.prod(c.value('self_sym_sizes')) // max(c.g.numel(), 1)}",
        _mean_backward,
    ),
    "ProdBackward0": Rule(
        "∂(∏ⱼ aⱼ)/∂aᵢ = ∏ⱼ≠ᵢ aⱼ",
        lambda c: f"∏ⱼ≠ᵢ {c.text('self')}ⱼ",
        _prod_backward,
    ),
    "ProdBackward1": Rule(
        "∂(∏ⱼ aⱼ)/∂aᵢ = ∏ⱼ≠ᵢ aⱼ",
        lambda c: f"∏ⱼ≠ᵢ {c.text('self')}ⱼ, dim = {c.value('dim')}",
        _prod_backward,
    ),
    "MaxBackward1": Rule(
        "∂ max(a)/∂aᵢ = [aᵢ = max(a)]/k, k = #{j : aⱼ = max(a)}",
        lambda c: f"[{c.text('self')}ᵢ = {c.text('result')}]/k",
        _ties_backward,
    ),
    "MinBackward1": Rule(
        "∂ min(a)/∂aᵢ = [aᵢ = min(a)]/k, k = #{j : aⱼ = min(a)}",
        lambda c: f"[{c.text('self')}ᵢ = {c.text('result')}]/k",
        _ties_backward,
    ),
    "MaxBackward0": Rule(
        "∂ max(a, dim)/∂aᵢ = [i = argmax]",
        lambda c: f"dim = {c.value('dim')}, i = {c.text('indices')}",
        _indices_backward,
    ),
    "MinBackward0": Rule(
        "∂ min(a, dim)/∂aᵢ = [i = argmin]",
        lambda c: f"dim = {c.value('dim')}, i = {c.text('indices')}",
        _indices_backward,
    ),
    "CumsumBackward0": Rule(
        "∂(Σⱼ≤ᵢ aⱼ)/∂aₖ = [k ≤ i]: gₐₖ = Σᵢ≥ₖ gᵢ",
        lambda c: f"dim = {c.value('dim')}",
        lambda c: (c.g.flip(c.value("dim")).cumsum(c.value("dim")).flip(c.value("dim")),),
    ),
    "LogsumexpBackward0": Rule(
        "∂ log Σⱼ e^aⱼ/∂aᵢ = e^(aᵢ − logsumexp(a))",
        lambda c: f"e^({c.text('self')} − {c.text('result')})",
        _logsumexp_backward,
    ),
    "LinalgVectorNormBackward0": Rule(
        "∂‖a‖ₚ/∂aᵢ = sign(aᵢ)·|aᵢ|ᵖ⁻¹/‖a‖ₚᵖ⁻¹",
        lambda c: (
            f"p = {c.text('ord')}: sign·|{c.text('self')}|^{_number(c.value('ord') - 1)}"
            f"/{c.text('result')}^{_number(c.value('ord') - 1)}"
        ),
        _norm_backward,
    ),
    "TraceBackward0": Rule(
        "∂ tr(A)/∂Aᵢⱼ = [i = j]",
        lambda c: f"g·I, I = eye{tuple(c.input_shapes[0] or ())}",
        lambda c: (c.g * torch.eye(*c.value("self_sym_sizes"), dtype=c.g.dtype),),
    ),
    "SoftmaxBackward0": Rule(
        "∂sᵢ/∂aⱼ = sᵢ·([i = j] − sⱼ): gₐ = s·(g − Σⱼ gⱼ·sⱼ)",
        lambda c: f"s = {c.text('result')}, dim = {c.value('dim')}",
        _softmax_backward,
    ),
    "LogSoftmaxBackward0": Rule(
        "∂(log sᵢ)/∂aⱼ = [i = j] − sⱼ: gₐ = g − s·Σⱼ gⱼ",
        lambda c: f"s = e^{c.text('result')}, dim = {c.value('dim')}",
        _log_softmax_backward,
    ),
}


_LOSSES = {
    "MseLossBackward0": Rule(
        "∂(a − t)²/∂a = 2·(a − t), ∂(a − t)²/∂t = −2·(a − t); reduction='mean': ÷n",
        lambda c: _pair(
            c,
            f"2·({c.text('self')} − {c.text('target')})",
            f"−2·({c.text('self')} − {c.text('target')})",
        ),
        _mse_backward,
    ),
    "BinaryCrossEntropyWithLogitsBackward0": Rule(
        "∂ℓ/∂a = σ(a) − t, ∂ℓ/∂t = −a; reduction='mean': ÷n",
        lambda c: _pair(c, f"σ{_wrapped(c.text('self'))} − {c.text('target')}", "−a"),
        _bce_backward,
    ),
    "NllLossBackward0": Rule(
        "∂(−aᵢ,tᵢ)/∂aᵢ,c = −[c = tᵢ]; reduction='mean': ÷N",
        lambda c: f"t = {c.text('target')}",
        _nll_backward,
    ),
}

# Every way torch reshapes without moving an entry: g is reshaped back.
_RESHAPED = Rule("gₐ = reshape(g, shape(a))", _into("reshape(g, {shape})"), _reshaped)
_RESHAPES = ("ViewBackward0", "UnsafeViewBackward0", *(f"SqueezeBackward{n}" for n in (0, 1, 2, 4)))

_SHAPES = {
    **dict.fromkeys(_RESHAPES, _RESHAPED),
    "UnsqueezeBackward0": Rule(
        "gₐ = squeeze(g, dim)",
        lambda c: f"dim = {c.value('dim')}",
        lambda c: (c.g.squeeze(c.value("dim")),),
    ),
    "ExpandBackward0": Rule(
        "gₐ = sum_to_size(g, shape(a))",
        _into("sum_to_size(g, {shape})"),
        lambda c: (c.g.sum_to_size(tuple(c.value("self_sym_sizes"))),),
    ),
    "RepeatBackward0": Rule(
        "gₐ = Σₖ gₖ (gₖ ⊂ g: copy k)",
        lambda c: f"repeats = {c.value('repeats')}",
        _repeat_backward,
    ),
    "PermuteBackward0": Rule(
        "gₐ = permute(g, argsort(dims))",
        lambda c: f"dims = {c.value('dims')}",
        lambda c: (c.g.permute(_inverse_permutation(tuple(c.value("dims")))),),
    ),
    "TransposeBackward0": Rule(
        "gₐ = transpose(g, dim0, dim1)",
        lambda c: f"dim0 = {c.value('dim0')}, dim1 = {c.value('dim1')}",
        lambda c: (c.g.transpose(c.value("dim0"), c.value("dim1")),),
    ),
    "TBackward0": Rule("gₐ = gᵀ", _into("gᵀ"), lambda c: (c.g.t(),)),
    "FlipBackward0": Rule(
        "gₐ = flip(g, dims)",
        lambda c: f"dims = {c.value('dims')}",
        lambda c: (c.g.flip(tuple(c.value("dims"))),),
    ),
    "CloneBackward0": Rule("gₐ = g", _into("g"), lambda c: (c.g,)),
    "SelectBackward0": Rule(
        "gₐ = zeros(shape(a)); gₐ.select(dim, index) = g",
        lambda c: f"dim = {c.value('dim')}, index = {c.value('index')}",
        _select_backward,
    ),
    "SliceBackward0": Rule(
        "gₐ = zeros(shape(a)); gₐ[start:end:step] = g",
        lambda c: f"dim = {c.value('dim')}, {c.value('start')}:{c.value('end')}:{c.value('step')}",
        _slice_backward,
    ),
    "DiagonalBackward0_copy": Rule(
        "gₐ = zeros(shape(a)); diagonal(gₐ) = g",
        lambda c: f"offset = {c.value('offset')}",
        _diagonal_backward,
    ),
    "DiagEmbedBackward0": Rule(
        "gₐ = diagonal(g)",
        lambda c: f"offset = {c.value('offset')}",
        _diag_embed_backward,
    ),
}

RULES: Mapping[str, Rule] = MappingProxyType(
    {**_ELEMENTWISE, **_BINARY, **_PRODUCTS, **_REDUCTIONS, **_LOSSES, **_SHAPES}
)
# Nodes the language can make that have no local rule: an AccumulateGrad node only adds
# what arrives into .grad (the page shows each contribution and their sum instead).
NO_RULE = ("AccumulateGrad",)


@dataclass(frozen=True)
class Applied:
    """A rule applied to one node, or why not (`rule` None: no entry, or not covered)."""

    rule: Rule | None
    here: str
    outgoing: tuple[Tensor | None, ...]


def apply(kind: str, context: Context) -> Applied:
    rule = RULES.get(kind)
    if rule is None:
        return Applied(None, "", ())
    try:
        return Applied(rule, rule.here(context), rule.backward(context))
    except Exception:  # _NotCovered, or a corner the rule cannot compute: the page says so
        return Applied(None, "", ())
