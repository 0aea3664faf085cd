"""Every program a page offers, run in a fresh Python, prints exactly what the page shows."""

import subprocess
import sys

import pytest

from tests.helpers import open_page, program_and_output

# (page, language, widget settings): the defaults, and inputs that change every part.
CASES = [
    ("scalar", "en", {}),
    ("scalar", "zh", {"scalar_x": "0.5, -2", "scalar_fn": "x_sin_x"}),
    ("nonscalar", "en", {}),
    ("nonscalar", "en", {"nonscalar_x": "7"}),
    ("nonscalar", "zh", {"nonscalar_x": "0.1 0.2 0.3 0.4", "nonscalar_fn": "sine"}),
    ("nonscalar", "en", {"nonscalar_x": "2 -1 0.5", "nonscalar_fn": "cumulative_sum"}),
    ("vjp", "en", {}),
    ("vjp", "en", {"vjp_x": "1 2 3 4", "vjp_fn": "linear", "vjp_preset": "random"}),
    ("vjp", "zh", {"vjp_x": "3, 1", "vjp_fn": "softmax", "vjp_preset": "typed", "vjp_v": "2 -1"}),
    ("vjp", "en", {"vjp_fn": "cumulative_sum", "vjp_preset": "one_hot"}),
    ("vjp", "zh", {"vjp_x": "1 2 3 4 5", "vjp_preset": "one_hot", "vjp_index": 4}),
    ("accumulate", "en", {}),
    ("accumulate", "zh", {"accumulate_x": "0.1, 0.2", "accumulate_calls": 4}),
    ("playground", "en", {}),
    ("playground", "zh", {"playground_example": "training"}),
    (
        "playground",
        "en",
        {
            "playground_name_1": "W",
            "playground_value_1": "1, 2; 3, 4",
            "playground_f": "W * W",
            "playground_preset": "one_hot",
        },
    ),
    ("jacobian", "en", {}),
    ("jacobian", "zh", {"jacobian_x": "0.5 -1 2", "jacobian_fn": "softmax", "jacobian_step": 3}),
    ("graph", "zh", {"graph_x": "-2, 0.5, 1e3"}),
    ("inplace", "en", {}),
    ("inplace", "zh", {"inplace_x": "0.5 -1", "inplace_op": "square", "inplace_change": "relu"}),
    ("inplace", "en", {"inplace_op": "sum", "inplace_change": "relu"}),
    ("inplace", "en", {"inplace_x": "-1, 2", "inplace_op": "tanh", "inplace_change": "index"}),
    ("nograd", "en", {}),
    ("nograd", "zh", {"nograd_x": "0.5, -3", "nograd_cut": "tensor"}),
    ("gradcheck", "en", {}),
    ("higher", "en", {}),
    (
        "higher",
        "zh",
        {
            "higher_name_1": "W",
            "higher_x": "1, 0.5; -1, 2",
            "higher_name_2": "x",
            "higher_value_2": "0.5, -1",
            "higher_f": "h = W @ x\ntorch.tanh(h).sum() * x[0]",
            "higher_preset": "random",
        },
    ),
    (
        "higher",
        "en",
        {
            "higher_name_1": "g",
            "higher_f": "(g**3).sum()",
            "higher_preset": "one_hot",
            "higher_index": 3,
        },
    ),
    (
        "gradcheck",
        "zh",
        {
            "gradcheck_x": "0.5 -1",
            "gradcheck_fn": "two_dot",
            "gradcheck_step": 3,
            "gradcheck_bug": True,
        },
    ),
    ("edges", "en", {}),
    ("edges", "zh", {"edges_x": "-0.5, 2, 2, 0, 1", "edges_kink": "clamp"}),
    ("edges", "en", {"edges_kink": "abs"}),
]


def set_widgets(at, settings):
    """Set each widget, in order, rerunning so that widgets a choice reveals exist."""
    for key, value in settings.items():
        widget = next(
            w
            for kind in (
                "text_input",
                "text_area",
                "selectbox",
                "radio",
                "slider",
                "select_slider",
                "number_input",
                "toggle",
            )
            for w in getattr(at, kind)
            if w.key == key
        )
        widget.set_value(value)
        at.run()
    return at


@pytest.mark.parametrize(("page", "language", "settings"), CASES)
def test_program_prints_what_the_page_shows(page, language, settings):
    assert_program_prints_the_page(set_widgets(open_page(page, language), settings))


def test_the_jacobian_of_the_playground_function_prints_what_the_page_shows():
    """The learner's lines from /playground, with a constant named x beside the program's x."""
    playground = {
        "playground_name_1": "W",
        "playground_value_1": "1, 2; 3, 4",
        "playground_name_2": "x",
        "playground_value_2": "0.5, -1",
        "playground_f": "h = W @ x\ntorch.tanh(h) * x",
    }
    at = set_widgets(open_page("playground", "zh"), playground)
    at.switch_page("pages/jacobian.py").run()
    at = set_widgets(at, {"jacobian_fn": "playground", "jacobian_step": 3})
    code, _ = program_and_output(at)
    assert "h = W @ x\n    return (torch.tanh(h) * x).reshape(-1)" in code
    assert_program_prints_the_page(at)


def assert_program_prints_the_page(at):
    assert not at.exception and not at.error
    code, shown = program_and_output(at)
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert result.stdout.rstrip("\n") == shown
    assert shown.count("\n") >= 1
