"""Every page through Streamlit's AppTest, started from app.py as a visitor would."""

import re

import numpy as np
import pytest
import torch

from i18n import MISSING_MARK, catalog
from lessons.functions import linear_matrix
from lessons.nonscalar import JACOBIAN_CALLS, WAYS_OUT
from tests.helpers import (
    ALL_PAGES,
    LESSON_PAGES,
    PRACTICE_PAGES,
    code_blocks,
    decode,
    keyed_codes,
    keyed_contents,
    open_page,
    plotly_specs,
    program_and_output,
    texts,
)

X_INPUTS = {page: f"{page}_x" for page in LESSON_PAGES}
MISSING = MISSING_MARK.format(key="")[0]


def shown_tensors(at) -> list[str]:
    """The tensors the page shows as code, in page order."""
    return [block for block in code_blocks(at) if block.startswith("tensor(")]


def raised(statement) -> str:
    with pytest.raises(RuntimeError) as caught:
        statement()
    return str(caught.value)


@pytest.mark.parametrize("language", ["en", "zh"])
@pytest.mark.parametrize("page", ALL_PAGES)
def test_every_page_renders_in_both_languages_without_gaps(page, language):
    at = open_page(page, language)
    assert not at.exception
    assert not at.error
    assert MISSING not in texts(at)
    assert at.title[0].value == catalog(language)[f"{page}.title"]


@pytest.mark.parametrize("page", LESSON_PAGES)
def test_the_numbers_are_the_same_in_both_languages(page):
    english, chinese = open_page(page, "en"), open_page(page, "zh")
    assert program_and_output(english)[1] == program_and_output(chinese)[1]
    assert shown_tensors(english) == shown_tensors(chinese)
    # assert_equal counts NaN (a cell of J not computed yet) as equal to NaN.
    np.testing.assert_equal(chart_values(english), chart_values(chinese))


def chart_values(at) -> list[list]:
    """The numbers each trace draws: z of a heatmap, y of a bar or line chart."""
    return [
        decode(trace["z"] if "z" in trace else trace["y"]).tolist()
        for spec in plotly_specs(at)
        for trace in spec["data"]
    ]


def test_home_links_every_lesson():
    at = open_page("home")
    links = at.get("page_link")
    assert [(link.proto.page, link.proto.label) for link in links] == [
        (page, catalog("en")[f"nav.{page}"]) for page in ("errors", *LESSON_PAGES, *PRACTICE_PAGES)
    ]
    assert "streamlit run app.py" in code_blocks(at)[0]


@pytest.mark.parametrize("language", ["en", "zh"])
def test_home_names_the_label_torchs_own_messages_are_shown_under(language):
    # The label without its "(its own words)" remark, in either kind of bracket.
    label = re.split(r"[(\uff08]", catalog(language)["common.torch_said"])[0].strip()
    shown = " ".join(texts(open_page("home", language)).split())  # as Markdown joins lines
    assert label and label in shown


# --- scalar -----------------------------------------------------------------------------


def leaf(values) -> torch.Tensor:
    return torch.tensor(values, requires_grad=True)


def test_scalar_page_shows_the_notes_example():
    at = open_page("scalar")
    y = 2 * torch.dot(leaf([1.0, 2.0, 3.0]), leaf([1.0, 2.0, 3.0]))
    assert shown_tensors(at) == [str(y), "tensor([ 4.,  8., 12.])", "tensor([ 4.,  8., 12.])"]
    assert "grad_fn=<MulBackward0>" in str(y)
    # What grad_fn is, said where y is shown; the hand-derived formula with its result.
    assert catalog("en")["scalar.y_label"] in texts(at)
    assert catalog("en")["scalar.expected_label"].format(formula=r"\nabla_x y = 4x") in texts(at)
    assert at.success


@pytest.mark.parametrize(
    ("x", "function", "expected"),
    [
        ("2, 3", "two_dot", torch.tensor([8.0, 12.0])),
        ("1 2 3", "sum_of_squares", torch.tensor([2.0, 4.0, 6.0])),
        ("[4, 5]", "mean", torch.tensor([0.5, 0.5])),
        (
            "0, 1",
            "x_sin_x",
            torch.sin(torch.tensor([0.0, 1.0]))
            + torch.tensor([0.0, 1.0]) * torch.cos(torch.tensor([0.0, 1.0])),
        ),
    ],
)
def test_scalar_page_follows_x_and_the_function(x, function, expected):
    at = open_page("scalar")
    at.text_input(key="scalar_x").set_value(x)
    at.radio(key="scalar_fn").set_value(function).run()
    _, grad, by_hand = shown_tensors(at)
    assert grad == by_hand == str(expected)


# --- non-scalar -------------------------------------------------------------------------


def ways_shown(at) -> list[str]:
    return keyed_contents(at, "nonscalar_result")


def expected_ways(x: list[float], compute) -> list[str]:
    """Each way run here, on its own y and from x.grad = None, labelled as the page must:
    the first two by the x.grad they fill, the third by what it returns (x.grad untouched)."""
    en = catalog("en")
    shown = []
    for number, call in enumerate(
        (
            lambda x, y: y.sum().backward(),
            lambda x, y: y.backward(torch.ones_like(y)),
            lambda x, y: torch.autograd.grad(y, x, grad_outputs=torch.ones_like(y))[0],
        ),
        start=1,
    ):
        x_leaf = leaf(x)
        returned = call(x_leaf, compute(x_leaf))
        shown += [en["nonscalar.way"].format(number=number), WAYS_OUT[number - 1]]
        if returned is not None:
            shown += [en["nonscalar.returned"], str(returned)]
        shown += [en["nonscalar.x_grad_after"], str(x_leaf.grad)]
    return shown


def test_nonscalar_page_shows_three_ways_to_the_notes_gradient():
    at = open_page("nonscalar")
    assert ways_shown(at) == expected_ways([1.0, 2.0, 3.0], lambda x: x * x)
    # The third way returns the gradient and leaves x.grad as it was.
    assert ways_shown(at)[-4:] == [
        "returned:",
        "tensor([2., 4., 6.])",
        "x.grad afterwards:",
        "None",
    ]
    (spec,) = plotly_specs(at)
    np.testing.assert_array_equal(decode(spec["data"][0]["z"]), np.diag([2.0, 4.0, 6.0]))
    assert catalog("en")["nonscalar.jacobian_diagonal"] in texts(at)


def test_nonscalar_page_says_why_its_program_rebuilds_y_and_links_to_accumulation():
    at = open_page("nonscalar")
    assert catalog("en")["nonscalar.fresh_graph"] in texts(at)
    assert [link.proto.page for link in at.get("page_link")] == ["accumulate"]
    code, _ = program_and_output(at)
    assert "retain_graph" not in code
    assert not any("retain_graph" in way for way in WAYS_OUT)


def test_nonscalar_button_shows_the_error_this_torch_raises():
    at = open_page("nonscalar")
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    expected = f"RuntimeError: {raised((x * x).backward)}"
    assert expected not in code_blocks(at)[:1]
    at.button(key="nonscalar_backward").click().run()
    assert code_blocks(at)[0] == expected
    explained = catalog("en")["nonscalar.error_explained"].format(m=3)
    assert explained in texts(at)
    assert "weight for every yᵢ" in explained


def test_nonscalar_button_on_a_one_entry_y_explains_why_torch_accepts_it():
    at = open_page("nonscalar")
    at.text_input(key="nonscalar_x").set_value("7").run()
    at.button(key="nonscalar_backward").click().run()
    assert [info.value for info in at.info][1] == catalog("en")["nonscalar.single_entry"]
    assert not any(block.startswith("RuntimeError: grad") for block in code_blocks(at))
    assert ways_shown(at) == expected_ways([7.0], lambda x: x * x)


def test_nonscalar_page_shows_the_wrong_shape_error_this_torch_raises():
    at = open_page("nonscalar")
    at.text_input(key="nonscalar_x").set_value("1, 2").run()
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    assert f"RuntimeError: {raised(lambda: (x * x).backward(torch.ones(3)))}" in code_blocks(at)


def test_nonscalar_page_with_sine_draws_cosine_on_the_diagonal():
    at = open_page("nonscalar")
    at.text_input(key="nonscalar_x").set_value("0, 1")
    at.radio(key="nonscalar_fn").set_value("sine").run()
    expected = torch.cos(torch.tensor([0.0, 1.0]))
    assert ways_shown(at) == expected_ways([0.0, 1.0], torch.sin)
    (spec,) = plotly_specs(at)
    np.testing.assert_allclose(decode(spec["data"][0]["z"]), torch.diag(expected).numpy())


def test_nonscalar_cumulative_sum_gives_column_sums_not_the_diagonal_and_all_of_j():
    at = open_page("nonscalar")
    at.radio(key="nonscalar_fn").set_value("cumulative_sum").run()
    J = torch.autograd.functional.jacobian(lambda x: torch.cumsum(x, dim=0), leaf([1.0, 2, 3]))
    (spec,) = plotly_specs(at)
    np.testing.assert_array_equal(decode(spec["data"][0]["z"]), J.numpy())
    assert ways_shown(at) == expected_ways([1.0, 2.0, 3.0], lambda x: torch.cumsum(x, dim=0))
    assert ways_shown(at)[3] == str(J.sum(dim=0)) != str(torch.diagonal(J))
    assert keyed_codes(at, "nonscalar_full_jacobian") == [str(J)]
    en = catalog("en")
    assert en["nonscalar.jacobian_dense"] in texts(at)
    assert en["nonscalar.jacobian_diagonal"] not in texts(at)
    assert en["nonscalar.jacrev_agrees"].format(call=JACOBIAN_CALLS[1]) in texts(at)


# --- custom v ---------------------------------------------------------------------------


def vjp_page(x="1, 2, 3", function="square", preset="ones", **widgets):
    at = open_page("vjp")
    at.text_input(key="vjp_x").set_value(x)
    at.radio(key="vjp_fn").set_value(function)
    at.radio(key="vjp_preset").set_value(preset).run()
    for key, value in widgets.items():
        getattr(at, "text_input" if key == "vjp_v" else "number_input")(key=key).set_value(value)
    return at.run() if widgets else at


def v_and_grad(at) -> list[str]:
    return keyed_codes(at, "vjp_result")


def heatmaps(at):
    jacobian_spec, weighted_spec = plotly_specs(at)
    top, sums = weighted_spec["data"]
    return decode(jacobian_spec["data"][0]["z"]), decode(top["z"]), decode(sums["z"])


def test_vjp_page_shows_the_notes_example_and_both_heatmaps():
    at = open_page("vjp")
    assert v_and_grad(at) == ["tensor([1., 1., 1.])", "tensor([2., 4., 6.])"]
    jacobian, weighted, sums = heatmaps(at)
    np.testing.assert_array_equal(jacobian, np.diag([2.0, 4.0, 6.0]))
    np.testing.assert_array_equal(weighted, np.diag([2.0, 4.0, 6.0]))
    np.testing.assert_array_equal(sums, [[2.0, 4.0, 6.0]])
    assert at.metric[0].value == "0"


def test_vjp_page_shows_y_and_m_before_v_is_chosen():
    at = vjp_page("1 2 3 4", "linear")
    y = linear_matrix(4) @ leaf([1.0, 2, 3, 4])
    assert keyed_contents(at, "vjp_y") == [
        catalog("en")["vjp.y_heading"].format(m=2),
        str(y),
    ]


def test_vjp_typed_v_weights_the_rows_of_a_dense_jacobian():
    at = vjp_page("1 2 3", "linear", "typed", vjp_v="2, -1")
    A = linear_matrix(3)
    expected = torch.tensor([2.0, -1.0]) @ A
    assert v_and_grad(at) == ["tensor([ 2., -1.])", str(expected)]
    jacobian, weighted, sums = heatmaps(at)
    np.testing.assert_array_equal(jacobian, A.numpy())
    np.testing.assert_array_equal(weighted, (torch.tensor([[2.0], [-1.0]]) * A).numpy())
    np.testing.assert_array_equal(sums[0], expected.numpy())


def test_vjp_one_hot_picks_a_row_of_the_jacobian():
    at = vjp_page("1, 2, 3", "cumulative_sum", "one_hot", vjp_index=2)
    assert v_and_grad(at) == ["tensor([0., 1., 0.])", "tensor([1., 1., 0.])"]
    jacobian, _, sums = heatmaps(at)
    np.testing.assert_array_equal(sums[0], jacobian[1])


def test_vjp_random_v_is_seeded():
    at = vjp_page("1, 2, 3", "softmax", "random", vjp_seed=3)
    expected = torch.randn(3, generator=torch.Generator().manual_seed(3))
    assert v_and_grad(at)[0] == str(expected)
    jacobian, weighted, sums = heatmaps(at)
    np.testing.assert_allclose(weighted, expected.numpy()[:, None] * jacobian, rtol=1e-6)
    np.testing.assert_allclose(sums[0], weighted.sum(axis=0), atol=1e-6)


def test_vjp_page_shows_v_as_dl_dy_live():
    at = vjp_page("1, -2", "sine", "typed", vjp_v="3, 0.5")
    x, v = leaf([1.0, -2.0]), torch.tensor([3.0, 0.5])
    (v * torch.sin(x)).sum().backward()
    two_stage = leaf([1.0, -2.0])
    (torch.sin(two_stage) ** 2).sum().backward()
    en = catalog("en")
    assert keyed_contents(at, "vjp_chain")[:5] == [
        en["vjp.backward_v"],
        str(x.grad),
        en["vjp.sum_v_y"],
        str(x.grad),
        en["vjp.product_agrees"],
    ]
    dl_dy = 2 * torch.sin(torch.tensor([1.0, -2.0]))
    assert keyed_codes(at, "vjp_chain")[2:] == [str(dl_dy), *[str(two_stage.grad)] * 2]
    assert en["vjp.chain_agrees"] in keyed_contents(at, "vjp_chain")


def test_vjp_index_is_bounded_by_m_and_a_kept_index_follows_a_shorter_y():
    at = vjp_page("1 2 3 4 5", "square", "one_hot", vjp_index=5)
    assert at.number_input(key="vjp_index").max == 5
    assert v_and_grad(at)[1] == "tensor([ 0.,  0.,  0.,  0., 10.])"
    at.text_input(key="vjp_x").set_value("1, 2").run()
    assert not at.exception and not at.error
    assert at.number_input(key="vjp_index").max == 2
    assert at.number_input(key="vjp_index").value == 2
    assert v_and_grad(at) == ["tensor([0., 1.])", "tensor([0., 4.])"]
    at.radio(key="vjp_fn").set_value("linear").run()
    assert at.number_input(key="vjp_index").max == 2


# --- accumulation -----------------------------------------------------------------------


@pytest.mark.parametrize("calls", [1, 3, 5])
def test_accumulation_page_adds_one_gradient_per_call(calls):
    at = open_page("accumulate")
    at.text_input(key="accumulate_x").set_value("1, -1")
    at.slider(key="accumulate_calls").set_value(calls).run()
    shown = shown_tensors(at)
    assert shown[:calls] == [str(torch.tensor([4.0 * k, -4.0 * k])) for k in range(1, calls + 1)]
    assert shown[calls] == "tensor([0., 0.])"


def test_accumulation_page_shows_both_second_backward_cases_live():
    at = open_page("accumulate")
    x = leaf([1.0, 2.0, 3.0])
    saved = 2 * torch.dot(x, x)
    saved.backward()
    assert f"RuntimeError: {raised(saved.backward)}" in code_blocks(at)
    nothing_saved = leaf([1.0, 2.0, 3.0])
    y = nothing_saved.sum()
    y.backward()
    once = str(nothing_saved.grad)
    y.backward()  # saves no tensor: torch lets it through and adds again
    en = catalog("en")
    assert keyed_codes(at, "accumulate_silent") == [once, str(nothing_saved.grad)]
    assert once != str(nothing_saved.grad)
    assert en["common.no_error"] in keyed_contents(at, "accumulate_silent")
    assert en["accumulate.silent_explained"] in texts(at)


def test_accumulation_page_shows_zero_grad_setting_none():
    at = open_page("accumulate")
    x = leaf([1.0, 2.0, 3.0])
    x.grad = torch.zeros(3)
    torch.optim.SGD([x], lr=0.1).zero_grad()
    blocks = code_blocks(at)
    optimizer_call = next(i for i, block in enumerate(blocks) if "zero_grad()" in block)
    assert blocks[optimizer_call + 1] == str(x.grad) == "None"
    assert catalog("en")["accumulate.zero_grad_intro"] in texts(at)


# --- bad input --------------------------------------------------------------------------

BAD_X = {
    "abc": "errors.not_a_number",
    "": "errors.empty",
    "1, nan": "errors.not_finite",
    "1, inf": "errors.not_finite",
    "1e309": "errors.too_large",
    "2e6": "errors.too_large",
    ", ".join(["1"] * 33): "errors.too_many",
    "9" * 5000: "errors.text_too_long",
    "\uff11, \uff12": "errors.non_ascii_digit",
}


@pytest.mark.parametrize("page", LESSON_PAGES)
@pytest.mark.parametrize("text", BAD_X, ids=lambda text: text[:12] or "empty")
def test_bad_x_shows_a_specific_error_and_the_page_keeps_working(page, text):
    at = open_page(page)
    key = X_INPUTS[page]
    at.text_input(key=key).set_value(text).run()
    assert not at.exception
    (error,) = at.error
    prefix = catalog("en")[BAD_X[text]].split("{")[0]
    assert error.value.startswith(prefix)
    at.text_input(key=key).set_value("1, 2, 3").run()
    assert not at.error and not at.exception and shown_tensors(at)


def test_bad_v_keeps_x_the_function_y_and_j_and_shows_torchs_own_error():
    at = vjp_page("1, 2, 3", "cumulative_sum", "typed", vjp_v="1, 2")
    assert [error.value for error in at.error] == [
        catalog("en")["errors.v_length"].format(length=2, m=3)
    ]
    y = torch.cumsum(leaf([1.0, 2.0, 3.0]), dim=0)
    assert f"RuntimeError: {raised(lambda: y.backward(torch.tensor([1.0, 2.0])))}" in code_blocks(
        at
    )
    assert keyed_codes(at, "vjp_y") == [str(y)]
    (spec,) = plotly_specs(at)  # J stays; only what depends on v is gone
    np.testing.assert_array_equal(decode(spec["data"][0]["z"]), np.tril(np.ones((3, 3))))
    assert at.text_input(key="vjp_x").value == "1, 2, 3"
    assert at.radio(key="vjp_fn").value == "cumulative_sum"


def test_a_v_that_does_not_parse_shows_no_torch_error():
    at = vjp_page("1, 2, 3", "square", "typed", vjp_v="1, x, 2")
    assert [error.value for error in at.error] == [
        catalog("en")["errors.not_a_number"].format(entry="x")
    ]
    assert not any(block.startswith("RuntimeError") for block in code_blocks(at))


def test_typed_text_in_an_error_is_shown_literally():
    at = open_page("scalar")
    at.text_input(key="scalar_x").set_value("**bold**, $x$").run()
    assert at.error[0].value.startswith("“\\*\\*bold\\*\\*”")


def test_switching_language_keeps_the_inputs_and_the_numbers():
    at = open_page("vjp")
    at.text_input(key="vjp_x").set_value("3, 1")
    at.radio(key="vjp_fn").set_value("softmax").run()
    english = shown_tensors(at)
    at.radio(key="lang").set_value("zh").run()
    assert at.query_params["lang"] == ["zh"] or at.query_params["lang"] == "zh"
    assert at.text_input(key="vjp_x").value == "3, 1"
    assert at.radio(key="vjp_fn").value == "softmax"
    assert shown_tensors(at) == english
    assert at.title[0].value == catalog("zh")["vjp.title"]
