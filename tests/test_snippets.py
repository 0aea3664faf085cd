"""Every program a page offers, run as a script in a process of its own, prints exactly what
the page shows. The process is forked from a fresh Python that has only imported torch, the
program's own first line (tests/program_server.py)."""

import json
import select
import subprocess
import sys
from collections.abc import Callable, Iterator

import pytest

from tests.helpers import ROOT, open_page, program_and_output

PROGRAM_TIMEOUT_S = 120
RunProgram = Callable[[str], str]

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


@pytest.fixture(scope="module")
def run_program() -> Iterator[RunProgram]:
    """`run_program(code)` is what `python -c code` prints, or a failure with its stderr."""
    server = subprocess.Popen(
        [sys.executable, "-m", "tests.program_server"],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )

    def run(code: str) -> str:
        server.stdin.write(json.dumps(code) + "\n")
        server.stdin.flush()
        answered, _, _ = select.select([server.stdout], [], [], PROGRAM_TIMEOUT_S)
        assert answered, f"the program ran over {PROGRAM_TIMEOUT_S} s"
        result = json.loads(server.stdout.readline())
        assert result["returncode"] == 0, result["stderr"]
        return result["stdout"]

    yield run
    server.stdin.close()
    server.wait(timeout=30)


@pytest.mark.parametrize(("page", "language", "settings"), CASES)
def test_program_prints_what_the_page_shows(run_program, page, language, settings):
    assert_program_prints_the_page(run_program, set_widgets(open_page(page, language), settings))


def test_the_jacobian_of_the_playground_function_prints_what_the_page_shows(run_program):
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
    assert_program_prints_the_page(run_program, at)


def test_a_program_that_raises_fails_with_its_traceback(run_program):
    """The runner can fail: a program's error is reported, not swallowed."""
    with pytest.raises(AssertionError, match="ZeroDivisionError"):
        run_program("import torch\nprint(1 / 0)\n")


def test_each_program_starts_afresh_with_only_torch_loaded(run_program):
    """Nothing one program defines or changes reaches the next: a new process each time,
    whose namespace holds only what the program itself names."""
    first = "import os\nimport torch\ntorch.set_default_dtype(torch.float64)\nprint(os.getpid())\n"
    second = "import os\nimport torch\nprint(os.getpid(), torch.get_default_dtype())\n"
    names = "import torch\nprint(sorted(name for name in dir() if not name.startswith('__')))\n"
    pid = run_program(first).strip()
    other_pid, dtype = run_program(second).split()
    assert other_pid != pid and dtype == "torch.float32"
    assert run_program(names) == "['torch']\n"


def assert_program_prints_the_page(run_program: RunProgram, at):
    assert not at.exception and not at.error
    code, shown = program_and_output(at)
    assert run_program(code).rstrip("\n") == shown
    assert shown.count("\n") >= 1
