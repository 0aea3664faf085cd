"""Every hand-derived gradient against three independent references, in float64."""

import pytest
import torch
from torch.autograd.functional import jacobian

from lessons.functions import SCALAR_FUNCTIONS, VECTOR_FUNCTIONS, expression_source, linear_matrix

# Central differences in float64 with this step are accurate to about 1e-9 here.
STEP = 1e-6
FD_TOLERANCE = 1e-6
EXACT_TOLERANCE = 1e-12

INPUTS = [
    torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64),
    torch.tensor([-0.7], dtype=torch.float64),
    torch.linspace(-2, 2, 7, dtype=torch.float64),
]


def finite_difference_jacobian(function, x: torch.Tensor) -> torch.Tensor:
    columns = []
    for j in range(x.numel()):
        step = torch.zeros_like(x)
        step[j] = STEP
        columns.append((function(x + step) - function(x - step)) / (2 * STEP))
    return torch.stack(columns, dim=-1)


@pytest.mark.parametrize("name", SCALAR_FUNCTIONS)
@pytest.mark.parametrize("x", INPUTS, ids=["1,2,3", "single", "linspace"])
def test_scalar_gradients_by_hand_match_autograd_and_finite_differences(name, x):
    function = SCALAR_FUNCTIONS[name]
    by_hand = function.gradient(x)
    by_autograd = _autograd_gradient(function.compute, x)
    torch.testing.assert_close(by_hand, by_autograd, rtol=0, atol=EXACT_TOLERANCE)
    torch.testing.assert_close(by_hand, jacobian(function.compute, x), rtol=0, atol=EXACT_TOLERANCE)
    numerical = finite_difference_jacobian(function.compute, x)
    torch.testing.assert_close(by_hand, numerical, rtol=0, atol=FD_TOLERANCE)
    assert torch.autograd.gradcheck(function.compute, (x.clone().requires_grad_(),))


def _autograd_gradient(compute, x):
    leaf = x.clone().requires_grad_()
    compute(leaf).backward()
    return leaf.grad


@pytest.mark.parametrize("name", VECTOR_FUNCTIONS)
@pytest.mark.parametrize("x", INPUTS, ids=["1,2,3", "single", "linspace"])
def test_jacobians_by_hand_match_autograd_and_finite_differences(name, x):
    function = VECTOR_FUNCTIONS[name]
    constants = {key: value.double() for key, value in function.constants(x.numel()).items()}

    def compute(x):
        return function.compute(x, **constants)

    by_hand = function.jacobian(x, **constants).double()
    torch.testing.assert_close(by_hand, jacobian(compute, x), rtol=0, atol=EXACT_TOLERANCE)
    numerical = finite_difference_jacobian(compute, x)
    torch.testing.assert_close(by_hand, numerical, rtol=0, atol=FD_TOLERANCE)
    assert torch.autograd.gradcheck(compute, (x.clone().requires_grad_(),))


def test_the_notes_examples_have_the_gradients_the_notes_print():
    x = torch.tensor([1.0, 2.0, 3.0])
    assert SCALAR_FUNCTIONS["two_dot"].gradient(x).tolist() == [4.0, 8.0, 12.0]
    assert VECTOR_FUNCTIONS["square"].jacobian(x).diagonal().tolist() == [2.0, 4.0, 6.0]


def test_linear_matrix_is_seeded_integer_and_not_square():
    A = linear_matrix(3)
    assert A.shape == (2, 3)
    assert torch.equal(A, linear_matrix(3))
    assert torch.equal(A, A.round())
    assert A.abs().max() <= 3


@pytest.mark.parametrize(
    ("function", "source"),
    [
        (SCALAR_FUNCTIONS["two_dot"].compute, "2 * torch.dot(x, x)"),
        (VECTOR_FUNCTIONS["square"].compute, "x * x"),
        (VECTOR_FUNCTIONS["linear"].compute, "A @ x"),
    ],
)
def test_expression_source_is_the_line_that_runs(function, source):
    assert expression_source(function) == source
