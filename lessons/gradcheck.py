"""Is this gradient right? Finite differences against autograd, the step size that
balances truncation against round-off, and torch.autograd.gradcheck's verdict on an
honest and on a deliberately wrong backward.
"""

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import Tensor
from torch.autograd.gradcheck import GradcheckError

from i18n import translate
from lessons.functions import SCALAR_FUNCTIONS, expression_source
from lessons.parsing import InputError, parse_vector
from lessons.program import Caught, Program, ProgramWriter

RealFunction = Callable[[Tensor], Tensor]
# The learner's step size is h = 10^-k for one of these k.
STEP_EXPONENTS = tuple(range(1, 15))
DEFAULT_EXPONENT = 6  # gradcheck's own eps is 1e-6
# The error curve: h = 10^-k for k = 0, 0.5, 1, …, 14 — every choice above lies on it.
SWEEP_EXPONENTS = tuple(k / 2 for k in range(0, 2 * STEP_EXPONENTS[-1] + 1))
DTYPES = (torch.float64, torch.float32)
DTYPE_NAMES = tuple(str(dtype).removeprefix("torch.") for dtype in DTYPES)
SCHEMES = ("central", "forward")
# Scalar functions listed with the one whose error curve shows both sides first: central
# differences are exact up to round-off on the quadratics and the mean.
FUNCTION_ORDER = ("x_sin_x", *(name for name in SCALAR_FUNCTIONS if name != "x_sin_x"))
DIFFERENCE_LATEX = {
    "central": r"\frac{\partial y}{\partial x_j} \approx \frac{f(x + h e_j) - f(x - h e_j)}{2h}",
    "forward": r"\frac{\partial y}{\partial x_j} \approx \frac{f(x + h e_j) - f(x)}{h}",
}
_SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def power_of_ten(exponent: int) -> str:
    """10⁻⁶ for -6: how the page names a step size."""
    return "10" + str(exponent).translate(_SUPERSCRIPTS)


class Square(torch.autograd.Function):
    """x * x with a hand-written backward; buggy=True forgets the 2 of d(x²)/dx = 2x."""

    @staticmethod
    def forward(ctx, x, buggy):
        ctx.save_for_backward(x)
        ctx.buggy = buggy
        return x * x

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        factor = 1 if ctx.buggy else 2
        return factor * x * grad_output, None  # no gradient for the flag


@dataclass(frozen=True)
class ErrorCurve:
    """max_j |difference_j - x.grad_j| for every h of the sweep, in one dtype and scheme."""

    dtype: str
    scheme: str
    steps: tuple[float, ...]
    errors: tuple[float, ...]

    @property
    def best(self) -> int:
        """Index of the step with the smallest error."""
        return min(range(len(self.errors)), key=self.errors.__getitem__)

    @property
    def interior(self) -> bool:
        """The best step is neither the largest nor the smallest: both errors show."""
        return 0 < self.best < len(self.errors) - 1


@dataclass(frozen=True)
class StepResult:
    """Central differences at the learner's h, in one dtype."""

    dtype: str
    differences: Tensor
    error: float  # largest |difference - x.grad|


@dataclass(frozen=True)
class Plateau:
    """Where float32 can no longer move x: from `step` down, every x ± h rounds back to x."""

    step: float  # the largest step of the sweep at which that happens
    x: float  # the entry of x closest to 0, the last to round
    spacing: float  # the distance from |x| to the next float32 number above it
    error: float  # the error there: the largest |x.grad|, as every difference is 0


@dataclass(frozen=True)
class GradcheckLesson:
    x: Tensor  # float64
    grad: Tensor  # x.grad from backward(), float64: the reference for every difference
    step: float
    at_step: tuple[StepResult, ...]  # one per dtype, in DTYPES order
    curves: tuple[ErrorCurve, ...]  # one per dtype and scheme
    verdict: bool  # torch.autograd.gradcheck on the chosen function
    square_grad: Tensor  # x.grad through Square's own backward
    square_verdict: bool
    square_error: Caught | None  # what gradcheck raised about Square, None when it passed
    square_bug: float  # largest |x.grad with the bug - x.grad without it|
    plateau: Plateau | None  # None when some x ± h of the sweep is still a new float32 number
    expression: str
    latex: str
    square_source: str
    program: Program

    def curve(self, dtype: str, scheme: str) -> ErrorCurve:
        return next(c for c in self.curves if (c.dtype, c.scheme) == (dtype, scheme))


def gradcheck_lesson(
    x_text: str,
    function_name: str,
    exponent: int,
    buggy: bool,
    language: str = "en",
    curves: tuple[ErrorCurve, ...] | None = None,
) -> GradcheckLesson:
    """`curves`: error_curves(x_text, function_name), when the caller kept them."""
    if exponent not in STEP_EXPONENTS:
        raise InputError(
            "h_exponent_out_of_range",
            {"exponent": exponent, "low": STEP_EXPONENTS[0], "high": STEP_EXPONENTS[-1]},
        )
    function = SCALAR_FUNCTIONS[function_name]
    values = parse_vector(x_text)
    expression = expression_source(function.compute)
    step = float(f"1e-{exponent}")
    writer = ProgramWriter(language)
    writer.code("", "def f(x):", f"    return {expression}", "", "")

    x = torch.tensor(values, dtype=torch.float64, requires_grad=True)
    function.compute(x).backward()
    writer.code(f"x = torch.tensor({list(values)!r}, dtype=torch.float64, requires_grad=True)")
    writer.code("f(x).backward()")
    writer.show("x.grad =", "x.grad", x.grad)
    grad = x.grad.clone()

    writer.blank()
    writer.comment("central_differences", h=step)
    at_step = tuple(_step_result(function.compute, x, grad, dtype, step) for dtype in DTYPES)
    _write_differences(writer, step, at_step, language)

    writer.blank()
    writer.comment("gradcheck")
    verdict = torch.autograd.gradcheck(function.compute, (x,), raise_exception=False)
    writer.show("gradcheck:", "torch.autograd.gradcheck(f, (x,), raise_exception=False)", verdict)

    writer.blank()
    writer.comment("custom_function")
    square_source = _class_source(Square, language)
    writer.code(*square_source.splitlines(), "", "")
    square_grad, square_verdict, square_error = _check_square(x, buggy, writer, language)
    if curves is None:
        curves = _curves(function.compute, x, grad)
    return GradcheckLesson(
        x=x.detach(),
        grad=grad,
        step=step,
        at_step=at_step,
        curves=curves,
        verdict=verdict,
        square_grad=square_grad,
        square_verdict=square_verdict,
        square_error=square_error,
        square_bug=_square_bug(x),
        plateau=_float32_plateau(x, grad, curves),
        expression=expression,
        latex=function.latex,
        square_source=square_source,
        program=writer.finish(),
    )


def error_curves(x_text: str, function_name: str) -> tuple[ErrorCurve, ...]:
    """The error against h over the whole sweep: it depends on x and f, not on the chosen h."""
    function = SCALAR_FUNCTIONS[function_name]
    x = torch.tensor(parse_vector(x_text), dtype=torch.float64, requires_grad=True)
    function.compute(x).backward()
    return _curves(function.compute, x, x.grad)


def differences(f: RealFunction, point: Tensor, step: float, scheme: str) -> Tensor:
    """Finite differences of f at `point`, one per entry, in point's dtype.

    central: (f(x + h eⱼ) - f(x - h eⱼ)) / 2h, error ~ h² + ε/h.
    forward: (f(x + h eⱼ) - f(x)) / h, error ~ h + ε/h.
    vmap evaluates f at every row x ± h eⱼ at once; the program does the same, so both
    round alike."""
    return _differences_at(f, point, torch.tensor([step], dtype=point.dtype), scheme)[0]


def _differences_at(f: RealFunction, point: Tensor, steps: Tensor, scheme: str) -> Tensor:
    """`differences` for several step sizes at once: one row per step, in one vmap call."""
    n = len(point)
    shifts = (steps[:, None, None] * torch.eye(n, dtype=point.dtype)).reshape(-1, n)
    on_rows = torch.func.vmap(f)
    if scheme == "central":
        change = (on_rows(point + shifts) - on_rows(point - shifts)).reshape(-1, n)
        return change / (2 * steps[:, None])
    return (on_rows(point + shifts).reshape(-1, n) - f(point)) / steps[:, None]


def _largest_error(difference: Tensor, grad: Tensor) -> float:
    return (difference - grad).abs().max().item()


def _step_result(
    f: RealFunction, x: Tensor, grad: Tensor, dtype: torch.dtype, step: float
) -> StepResult:
    difference = differences(f, x.detach().to(dtype), step, "central")
    return StepResult(
        DTYPE_NAMES[DTYPES.index(dtype)], difference, _largest_error(difference, grad)
    )


def _write_differences(
    writer: ProgramWriter, step: float, at_step: tuple[StepResult, ...], language: str
) -> None:
    dtypes = ", ".join(f"torch.{result.dtype}" for result in at_step)
    writer.code(
        f"h = {step!r}",
        f"for dtype in ({dtypes}):",
        "    point = x.detach().to(dtype)",
        "    steps = h * torch.eye(len(point), dtype=dtype)",
        f"    on_rows = torch.func.vmap(f)  # {translate(language, 'code.rows_at_once')}",
        "    difference = (on_rows(point + steps) - on_rows(point - steps)) / (2 * h)",
        "    error = (difference - x.grad).abs().max().item()",
        '    print(dtype, "differences:", difference)',
        '    print(dtype, "largest error:", f"{error:.3g}")',
    )
    for result in at_step:
        writer.prints(f"torch.{result.dtype}", f"differences: {result.differences}")
        writer.prints(f"torch.{result.dtype}", f"largest error: {result.error:.3g}")


def _curves(f: RealFunction, x: Tensor, grad: Tensor) -> tuple[ErrorCurve, ...]:
    steps = tuple(10.0**-k for k in SWEEP_EXPONENTS)
    curves = []
    for dtype, name in zip(DTYPES, DTYPE_NAMES, strict=True):
        point = x.detach().to(dtype)
        for scheme in SCHEMES:
            swept = _differences_at(f, point, torch.tensor(steps, dtype=dtype), scheme)
            errors = tuple(_largest_error(difference, grad) for difference in swept)
            curves.append(ErrorCurve(dtype=name, scheme=scheme, steps=steps, errors=errors))
    return tuple(curves)


def _check_square(
    x: Tensor, buggy: bool, writer: ProgramWriter, language: str
) -> tuple[Tensor, bool, Caught | None]:
    """x.grad through Square, gradcheck's verdict, and what it raises when asked to."""
    x.grad = None
    Square.apply(x, buggy).sum().backward()
    writer.code(f"buggy = {buggy}", "x.grad = None", "Square.apply(x, buggy).sum().backward()")
    writer.show("x.grad =", "x.grad", x.grad)

    def square(x: Tensor) -> Tensor:
        return Square.apply(x, buggy)

    check = "torch.autograd.gradcheck(lambda x: Square.apply(x, buggy), (x,)"
    verdict = torch.autograd.gradcheck(square, (x,), raise_exception=False)
    writer.show("gradcheck:", f"{check}, raise_exception=False)", verdict)
    error = None
    try:
        torch.autograd.gradcheck(square, (x,), raise_exception=True)
    except GradcheckError as raised:
        error = Caught(type(raised), str(raised))
    writer.code(
        "try:",
        f"    {check}, raise_exception=True)",
        f"except RuntimeError as error:  # {translate(language, 'code.gradcheck_error')}",
        '    print(f"{type(error).__name__}:", error)',
    )
    if error is not None:
        writer.prints(f"{error.kind.__name__}:", error.message)
    return x.grad.clone(), verdict, error


def precision_sentences(lesson: GradcheckLesson) -> list[tuple[str, dict[str, str]]]:
    """What the learner's own curves say about float32 and float64, as message keys of the
    page's table with their numbers: the best h and error of each dtype's central
    differences, the float32 plateau if the sweep reaches it, and whether float32 would
    still see Square's bug."""
    central64, central32 = (lesson.curve(dtype, "central") for dtype in DTYPE_NAMES)
    best = {"64": central64, "32": central32}
    sentences = [
        (
            "precision_best",
            {f"error{bits}": f"{c.errors[c.best]:.2g}" for bits, c in best.items()}
            | {f"step{bits}": f"{c.steps[c.best]:.2g}" for bits, c in best.items()},
        )
    ]
    if plateau := lesson.plateau:
        params = {
            "step": f"{plateau.step:.2g}",
            "x": f"{plateau.x:g}",
            "spacing": f"{plateau.spacing:.3g}",
            "grad": f"{plateau.error:.4g}",
        }
        sentences.append(("precision_plateau", params))
    # Far above float32's best error: a gross mistake that float32 differences do reveal.
    if lesson.square_bug > 100 * central32.errors[central32.best]:
        sentences.append(("precision_bug", {"bug": f"{lesson.square_bug:.3g}"}))
    return sentences


def _square_bug(x: Tensor) -> float:
    """How far the bug moves x.grad at this x: Square's backward run with and without it."""
    grads = []
    for buggy in (False, True):
        point = x.detach().clone().requires_grad_()
        Square.apply(point, buggy).sum().backward()
        grads.append(point.grad)
    return _largest_error(grads[1], grads[0])


def _float32_plateau(x: Tensor, grad: Tensor, curves: tuple[ErrorCurve, ...]) -> Plateau | None:
    """The flat left end of the float32 curves, if the sweep reaches it at two steps or more."""
    point = x.detach().to(torch.float32)
    steps = curves[0].steps  # every curve shares the sweep, largest step first
    shifts = torch.tensor(steps, dtype=torch.float32)
    rounded = [
        k
        for k, h in enumerate(shifts)
        if torch.equal(point + h, point) and torch.equal(point - h, point)
    ]
    if len(rounded) < 2:
        return None
    closest = point.abs().min()
    spacing = torch.nextafter(closest, torch.tensor(torch.inf)) - closest
    return Plateau(
        step=steps[rounded[0]],
        x=closest.item(),
        spacing=spacing.item(),
        error=grad.abs().max().item(),
    )


@functools.cache
def gradcheck_defaults() -> tuple[tuple[str, float], ...]:
    """eps, atol and rtol as the installed torch's gradcheck defines them."""
    parameters = inspect.signature(torch.autograd.gradcheck).parameters
    return tuple((name, parameters[name].default) for name in ("eps", "atol", "rtol"))


# The English words of Square's docstring and comment, which the zh page shows translated.
_SQUARE_WORDS = ("square_docstring", "square_flag")


@functools.cache  # the class's source never changes while the app runs
def _class_source(cls: type, language: str) -> str:
    """The source of cls as it runs, with its docstring and comments in the page's language."""
    source = inspect.getsource(cls)
    for key in _SQUARE_WORDS:
        source = source.replace(translate("en", f"code.{key}"), translate(language, f"code.{key}"))
    return source
