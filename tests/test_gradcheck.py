"""The lesson on checking a gradient: finite differences, the error curve against h,
gradcheck's verdicts and what it raises; then the page through AppTest."""

import inspect

import numpy as np
import pytest
import torch
from torch.autograd.gradcheck import GradcheckError

from i18n import catalog
from lessons.functions import SCALAR_FUNCTIONS, x_sin_x
from lessons.gradcheck import (
    DTYPE_NAMES,
    STEP_EXPONENTS,
    SWEEP_EXPONENTS,
    Square,
    differences,
    gradcheck_lesson,
    power_of_ten,
    precision_sentences,
)
from lessons.parsing import InputError
from tests.helpers import code_blocks, decode, open_page, plotly_specs, texts

X_TEXT = "1, 2, 3"
X64 = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)


def gradcheck_error_of(function, x: torch.Tensor) -> GradcheckError:
    """What this torch's gradcheck raises, asked directly."""
    with pytest.raises(GradcheckError) as caught:
        torch.autograd.gradcheck(function, (x,), raise_exception=True)
    return caught.value


def test_power_of_ten_names_the_step():
    assert [power_of_ten(-k) for k in (1, 6, 14)] == ["10⁻¹", "10⁻⁶", "10⁻¹⁴"]


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("scheme", ["central", "forward"])
def test_differences_of_a_linear_function_are_its_slope(dtype, scheme):
    point = torch.tensor([1.0, -2.0, 4.0], dtype=dtype)
    slope = torch.tensor([3.0, 0.5, -1.0], dtype=dtype)
    result = differences(lambda x: torch.dot(slope, x), point, 0.25, scheme)
    assert result.shape == (3,) and result.dtype == dtype
    torch.testing.assert_close(result, slope)


def test_central_differences_are_exact_for_a_quadratic_forward_ones_are_off_by_h():
    point = torch.tensor([1.0, 2.0], dtype=torch.float64)
    square_sum = SCALAR_FUNCTIONS["sum_of_squares"].compute
    assert differences(square_sum, point, 0.5, "central").tolist() == [2.0, 4.0]
    assert differences(square_sum, point, 0.5, "forward").tolist() == [2.5, 4.5]


def test_autograd_and_float64_central_differences_agree_at_the_default_step():
    lesson = gradcheck_lesson(X_TEXT, "x_sin_x", 6, False)
    assert lesson.x.dtype == lesson.grad.dtype == torch.float64
    torch.testing.assert_close(lesson.grad, SCALAR_FUNCTIONS["x_sin_x"].gradient(X64))
    float64, float32 = lesson.at_step
    assert (float64.dtype, float32.dtype) == DTYPE_NAMES == ("float64", "float32")
    assert float64.differences.dtype == torch.float64
    assert float32.differences.dtype == torch.float32
    assert float64.error == (float64.differences - lesson.grad).abs().max().item()
    assert float64.error < 1e-8
    # float32 rounds f to about 7 digits: divided by 2h = 2e-6, the error is far larger.
    assert float32.error > 1000 * float64.error
    assert lesson.step == 1e-6


def test_the_error_curve_falls_then_rises_in_float64():
    lesson = gradcheck_lesson(X_TEXT, "x_sin_x", 6, False)
    assert [(c.dtype, c.scheme) for c in lesson.curves] == [
        ("float64", "central"),
        ("float64", "forward"),
        ("float32", "central"),
        ("float32", "forward"),
    ]
    central = lesson.curve("float64", "central")
    assert len(central.steps) == len(central.errors) == len(SWEEP_EXPONENTS)
    assert central.steps[0] == 1.0 and central.steps[-1] == pytest.approx(1e-14)
    assert all(a > b for a, b in zip(central.steps, central.steps[1:], strict=False))
    for scheme in ("central", "forward"):
        curve = lesson.curve("float64", scheme)
        assert curve.interior
        best = curve.errors[curve.best]
        assert curve.errors[0] > 100 * best and curve.errors[-1] > 100 * best
    # Truncation h² against round-off ε/h: the best central step lies near ε^(1/3).
    assert 1e-7 <= central.steps[central.best] <= 1e-3
    float32 = lesson.curve("float32", "central")
    assert float32.errors[float32.best] > 1000 * central.errors[central.best]


def test_the_curve_agrees_with_the_differences_at_the_chosen_step():
    lesson = gradcheck_lesson(X_TEXT, "x_sin_x", 3, False)
    central = lesson.curve("float64", "central")
    assert central.errors[central.steps.index(1e-3)] == lesson.at_step[0].error


def test_a_quadratic_has_no_truncation_error_in_central_differences():
    lesson = gradcheck_lesson(X_TEXT, "sum_of_squares", 6, False)
    central = lesson.curve("float64", "central")
    assert not central.interior and central.best == 0
    assert lesson.curve("float64", "forward").interior


@pytest.mark.parametrize("name", SCALAR_FUNCTIONS)
def test_gradcheck_passes_every_honest_function(name):
    lesson = gradcheck_lesson("0.5, -1.5, 2", name, 6, False)
    assert lesson.verdict is True


def test_gradcheck_passes_the_honest_square():
    lesson = gradcheck_lesson(X_TEXT, "x_sin_x", 6, buggy=False)
    assert torch.equal(lesson.square_grad, 2 * X64)
    assert lesson.square_verdict is True
    assert lesson.square_error is None


def test_gradcheck_catches_the_buggy_square_with_its_own_error():
    lesson = gradcheck_lesson(X_TEXT, "x_sin_x", 6, buggy=True)
    assert torch.equal(lesson.square_grad, X64)  # the 2 of 2x forgotten
    assert lesson.square_verdict is False
    expected = gradcheck_error_of(lambda x: Square.apply(x, True), X64.clone().requires_grad_())
    assert lesson.square_error.kind is type(expected)
    assert issubclass(lesson.square_error.kind, RuntimeError)
    assert lesson.square_error.message == str(expected)
    assert lesson.square_error.label.startswith("GradcheckError: ")


def test_square_is_torch_autograd_function_and_its_source_is_shown():
    lesson = gradcheck_lesson(X_TEXT, "x_sin_x", 6, False)
    assert issubclass(Square, torch.autograd.Function)
    assert lesson.square_source.startswith("class Square(torch.autograd.Function):")
    assert lesson.square_source in lesson.program.code


@pytest.mark.parametrize("exponent", [0, STEP_EXPONENTS[-1] + 1])
def test_a_step_outside_the_slider_is_refused(exponent):
    with pytest.raises(InputError) as caught:
        gradcheck_lesson(X_TEXT, "x_sin_x", exponent, False)
    assert (caught.value.code, caught.value.params) == (
        "h_exponent_out_of_range",
        {"exponent": exponent, "low": STEP_EXPONENTS[0], "high": STEP_EXPONENTS[-1]},
    )


def test_the_program_defines_the_function_the_lesson_used():
    lesson = gradcheck_lesson(X_TEXT, "x_sin_x", 6, False)
    assert "def f(x):\n    return (x * torch.sin(x)).sum()\n" in lesson.program.code
    assert "h = 1e-06\n" in lesson.program.code
    assert lesson.expression == "(x * torch.sin(x)).sum()"
    assert x_sin_x is SCALAR_FUNCTIONS["x_sin_x"].compute


# --- the page ---------------------------------------------------------------------------


def metrics(at) -> list[str]:
    return [metric.value for metric in at.metric]


def test_gradcheck_page_shows_differences_and_the_error_curve():
    at = open_page("gradcheck")
    lesson = gradcheck_lesson(X_TEXT, "x_sin_x", 6, False)
    blocks = code_blocks(at)
    assert blocks[:3] == [str(lesson.grad), *(str(r.differences) for r in lesson.at_step)]
    assert metrics(at) == [f"{r.error:.3g}" for r in lesson.at_step]
    (spec,) = plotly_specs(at)
    lines, stars = spec["data"][:4], spec["data"][4:]
    for trace, curve in zip(lines, lesson.curves, strict=True):
        np.testing.assert_allclose(decode(trace["y"]), curve.errors)
        np.testing.assert_allclose(decode(trace["x"]), curve.steps)
    for star, curve in zip(stars, lesson.curves, strict=True):
        assert decode(star["x"]).tolist() == [curve.steps[curve.best]]
    assert spec["layout"]["xaxis"]["type"] == spec["layout"]["yaxis"]["type"] == "log"
    (line,) = spec["layout"]["shapes"]
    assert line["x0"] == line["x1"] == 1e-6
    assert catalog("en")["gradcheck.verdict_true"].format(
        function=catalog("en")["functions.x_sin_x"]
    ) in texts(at)
    assert str(2 * X64) in blocks  # Square's honest backward


def test_moving_the_step_changes_the_differences_and_the_marked_h():
    at = open_page("gradcheck")
    at.select_slider(key="gradcheck_step").set_value(2).run()
    lesson = gradcheck_lesson(X_TEXT, "x_sin_x", 2, False)
    assert metrics(at) == [f"{r.error:.3g}" for r in lesson.at_step]
    assert at.subheader[1].value == catalog("en")["gradcheck.step_differences"].format(h="10⁻²")
    (line,) = plotly_specs(at)[0]["layout"]["shapes"]
    assert line["x0"] == 1e-2


def test_the_bug_switch_shows_what_gradcheck_raises():
    at = open_page("gradcheck", "zh")
    at.toggle(key="gradcheck_bug").set_value(True).run()
    expected = gradcheck_error_of(lambda x: Square.apply(x, True), X64.clone().requires_grad_())
    # st.code drops the message's final newline.
    assert f"{type(expected).__name__}: {expected}".rstrip("\n") in code_blocks(at)
    assert str(X64) in code_blocks(at)
    assert catalog("zh")["gradcheck.square_false"] in texts(at)
    assert not at.exception


def test_a_quadratic_explains_the_missing_truncation_side():
    at = open_page("gradcheck")
    at.radio(key="gradcheck_fn").set_value("sum_of_squares").run()
    assert catalog("en")["gradcheck.no_truncation"] in [info.value for info in at.info]


# --- what the page says about float32 and float64, from the learner's own curves ---------


def best_central_by_hand(values, f, dtype):
    """Independent of the lesson: central differences one h and one entry at a time."""
    x = torch.tensor(values, dtype=torch.float64, requires_grad=True)
    f(x).backward()
    point, errors = x.detach().to(dtype), []
    for k in SWEEP_EXPONENTS:
        h = torch.tensor(10.0**-k, dtype=dtype)
        estimates = []
        for j in range(len(values)):
            shift = torch.zeros_like(point)
            shift[j] = h
            estimates.append((f(point + shift) - f(point - shift)) / (2 * h))
        errors.append((torch.stack(estimates) - x.grad).abs().max().item())
    best = int(np.argmin(errors))
    return 10.0 ** -SWEEP_EXPONENTS[best], errors[best]


@pytest.mark.parametrize(
    ("x_text", "name"), [("1000, 2000", "x_sin_x"), ("1, 2, 3", "sum_of_squares")]
)
def test_the_precision_sentence_gives_each_dtypes_best_h_and_error(x_text, name):
    values = [float(v) for v in x_text.split(",")]
    f = SCALAR_FUNCTIONS[name].compute
    (key, params), *_ = precision_sentences(gradcheck_lesson(x_text, name, 6, False))
    expected = {}
    for bits, dtype in (("64", torch.float64), ("32", torch.float32)):
        step, error = best_central_by_hand(values, f, dtype)
        expected |= {f"step{bits}": f"{step:.2g}", f"error{bits}": f"{error:.2g}"}
    assert (key, params) == ("precision_best", expected)
    if name == "sum_of_squares":  # no truncation error: float32 is exact at h = 1
        assert (params["step32"], params["error32"]) == ("1", "0")


def x_sin_x_gradient(x: torch.Tensor) -> torch.Tensor:
    return torch.sin(x) + x * torch.cos(x)


def test_the_float32_plateau_is_where_x_plus_or_minus_h_rounds_back_to_x():
    lesson = gradcheck_lesson("1000, 2000", "x_sin_x", 6, False)
    x = torch.tensor([1000.0, 2000.0])
    rounds = [
        k
        for k in SWEEP_EXPONENTS
        if torch.equal(x + torch.tensor(10.0**-k), x) and torch.equal(x - torch.tensor(10.0**-k), x)
    ]
    spacing = torch.nextafter(x[0], torch.tensor(torch.inf)) - x[0]
    grad = x_sin_x_gradient(x.double()).abs().max().item()
    sentences = dict(precision_sentences(lesson))
    assert sentences["precision_plateau"] == {
        "step": f"{10.0 ** -rounds[0]:.2g}",
        "x": "1000",
        "spacing": f"{spacing.item():.3g}",
        "grad": f"{grad:.4g}",
    }
    # Every float32 difference there is 0, so both float32 curves sit at the largest |x.grad|.
    for scheme in ("central", "forward"):
        curve = lesson.curve("float32", scheme)
        plateau = curve.errors[SWEEP_EXPONENTS.index(rounds[0]) :]
        assert plateau == pytest.approx([grad] * len(plateau), rel=1e-12)
    # The bug moves x.grad by |x| at most 2000, far above float32's best error.
    assert sentences["precision_bug"] == {"bug": "2e+03"}


def test_an_input_that_float32_can_still_move_has_no_plateau():
    lesson = gradcheck_lesson("0, 1", "x_sin_x", 6, False)
    assert "precision_plateau" not in dict(precision_sentences(lesson))


@pytest.mark.parametrize("language", ["en", "zh"])
def test_gradchecks_defaults_are_read_from_its_signature(language):
    at = open_page("gradcheck", language)
    parameters = inspect.signature(torch.autograd.gradcheck).parameters
    defaults = {name: f"{parameters[name].default:g}" for name in ("eps", "atol", "rtol")}
    assert catalog(language)["gradcheck.gradcheck_intro"].format(**defaults) in texts(at)
    assert defaults == {"eps": "1e-06", "atol": "1e-05", "rtol": "0.001"}


def test_squares_docstring_and_comment_are_in_the_pages_language():
    english, chinese = (
        gradcheck_lesson(X_TEXT, "x_sin_x", 6, False, lang) for lang in ("en", "zh")
    )
    for key in ("square_docstring", "square_flag"):
        assert catalog("en")[f"code.{key}"] in english.square_source
        assert catalog("zh")[f"code.{key}"] in chinese.square_source
        assert catalog("en")[f"code.{key}"] not in chinese.square_source
    assert chinese.square_source in chinese.program.code
