"""Hostile input, generated: any text or number gives a result or a readable error."""

import math

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from i18n import LANGUAGES, catalog, translate
from lessons.accumulate import accumulation_lesson
from lessons.functions import NONSCALAR_FUNCTIONS, SCALAR_FUNCTIONS, VECTOR_FUNCTIONS
from lessons.gradcheck import gradcheck_lesson
from lessons.graph_reuse import graph_lesson
from lessons.jacobian import jacobian_lesson, jacobian_step
from lessons.nonscalar import nonscalar_lesson
from lessons.parsing import MAX_LENGTH, MAX_MAGNITUDE, InputError, parse_vector
from lessons.scalar import scalar_lesson
from lessons.vjp import PRESETS, VectorChoice, function_at_x, vjp_lesson
from tests.test_i18n import placeholders

EXAMPLES = settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Numbers as a learner might type them, and some no learner should.
numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(-MAX_MAGNITUDE, MAX_MAGNITUDE),
    st.integers(-(10**7), 10**7),
)
separators = st.sampled_from([", ", " ", ",", "，", "; ", "\t", "\n"])


@st.composite
def vector_texts(draw):
    values = draw(st.lists(numbers, max_size=MAX_LENGTH + 2))
    text = draw(separators).join(
        repr(value) if draw(st.booleans()) else str(value) for value in values
    )
    return f"[{text}]" if draw(st.booleans()) else text


any_text = st.one_of(st.text(max_size=200), vector_texts())


def assert_readable(error: InputError) -> None:
    """Every error the learner can meet has a complete message in every language."""
    for language in LANGUAGES:
        template = catalog(language).get(f"errors.{error.code}")
        assert template is not None
        assert placeholders(template) <= set(error.params)
        assert translate(language, f"errors.{error.code}", **error.params)


def result_or_readable_error(lesson, *args):
    try:
        return lesson(*args)
    except InputError as error:
        assert_readable(error)
        return None


@EXAMPLES
@given(any_text)
def test_parser_returns_finite_bounded_floats_or_a_readable_error(text):
    values = result_or_readable_error(parse_vector, text)
    if values is not None:
        assert 1 <= len(values) <= MAX_LENGTH
        assert all(math.isfinite(v) and abs(v) <= MAX_MAGNITUDE for v in values)


@EXAMPLES
@given(any_text, st.sampled_from(sorted(SCALAR_FUNCTIONS)))
def test_scalar_lesson_on_anything(text, name):
    lesson = result_or_readable_error(scalar_lesson, text, name)
    if lesson is not None:
        assert lesson.grad.shape == lesson.x.shape
        assert torch.isfinite(lesson.grad).all()
        assert lesson.matches


@EXAMPLES
@given(any_text, st.sampled_from(sorted(NONSCALAR_FUNCTIONS)))
def test_nonscalar_lesson_on_anything(text, name):
    lesson = result_or_readable_error(nonscalar_lesson, text, name)
    if lesson is not None:
        n = lesson.x.numel()
        assert lesson.jacobian.shape == (n, n)
        assert (lesson.scalar_error is None) == (n == 1)
        assert lesson.wrong_shape_error is not None
        assert lesson.ways_max_abs_diff == 0.0


choices = st.builds(
    VectorChoice,
    preset=st.sampled_from(PRESETS),
    index=st.integers(-5, MAX_LENGTH + 5),
    seed=st.integers(-(2**40), 2**40),
    text=any_text,
)


@EXAMPLES
@given(any_text, st.sampled_from(sorted(VECTOR_FUNCTIONS)), choices)
def test_vjp_lesson_on_anything(text, name, choice):
    at_x = result_or_readable_error(function_at_x, text, name)
    lesson = at_x and result_or_readable_error(vjp_lesson, at_x, choice)
    if lesson:
        assert lesson.grad.shape == lesson.at_x.x.shape
        assert lesson.v.shape == lesson.at_x.y.shape
        # v is dL/dy: of L = (v * y).sum(), and of the two-stage example's L.
        assert lesson.product_max_abs_diff == 0 and lesson.chain_max_abs_diff == 0
        # Column sums and autograd add the same float32 products, maybe in another order.
        scale = max(1.0, lesson.weighted_rows.abs().sum(dim=0).max().item())
        assert lesson.max_abs_diff <= 1e-5 * scale


@EXAMPLES
@given(any_text, st.integers(-3, 10))
def test_accumulation_lesson_on_anything(text, calls):
    lesson = result_or_readable_error(accumulation_lesson, text, calls)
    if lesson is not None:
        assert len(lesson.after_each_call) == calls
        assert torch.count_nonzero(lesson.after_zero) == 0
        assert lesson.after_zero_grad is None


# Fewer examples: a valid input runs up to 32 backward passes, 32 jvp calls and three
# batched Jacobians.
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(any_text, st.sampled_from(sorted(VECTOR_FUNCTIONS)), st.integers(-3, MAX_LENGTH + 3))
def test_jacobian_lesson_on_anything(text, name, step):
    lesson = result_or_readable_error(jacobian_lesson, text, name)
    if lesson is not None:
        view = result_or_readable_error(jacobian_step, lesson, step)
        assert (view is None) == (not 0 <= step <= lesson.steps)
        assert (lesson.reverse_passes, lesson.forward_passes) == lesson.shape
        scale = max(1.0, lesson.batched.abs().max().item())
        assert lesson.batched_vs_jacrev <= 1e-5 * scale
        assert lesson.columns_vs_jacfwd <= 1e-5 * scale


@pytest.mark.parametrize("text", ["1e309", "-1e309", "1" * 400, "inf", "NaN", "+Infinity"])
def test_overflowing_numbers_are_refused_not_computed(text):
    with pytest.raises(InputError) as caught:
        parse_vector(text)
    assert caught.value.code in ("too_large", "not_finite")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(any_text)
def test_graph_lesson_on_anything(text):
    lesson = result_or_readable_error(graph_lesson, text)
    if lesson is not None:
        assert lesson.second_pass_error is not None and lesson.no_graph_error is not None
        assert lesson.nonleaf_grad is None
        assert lesson.retained_max_abs_diff == 0.0 and lesson.detach_max_abs_diff == 0.0


# Each run sweeps 29 step sizes and calls gradcheck three times: fewer examples.
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(any_text, st.sampled_from(sorted(SCALAR_FUNCTIONS)), st.integers(-2, 16), st.booleans())
def test_gradcheck_lesson_on_anything(text, name, exponent, buggy):
    lesson = result_or_readable_error(gradcheck_lesson, text, name, exponent, buggy)
    if lesson is not None:
        assert all(len(curve.errors) == len(curve.steps) for curve in lesson.curves)
        assert [result.differences.shape for result in lesson.at_step] == [lesson.x.shape] * 2
        assert (lesson.square_error is None) == lesson.square_verdict
        if not buggy:
            assert lesson.square_verdict
