"""Stand-in for the lesson "Why is there no gradient?" (issue 16), until it is merged: only
the errors that lesson raises, as lessons/demonstrations.py names them, for the finder."""

import torch

from lessons.demonstrations import Demonstration


def _no_grad_fn() -> None:
    """requires_grad forgotten: the loss has no graph to walk back."""
    (torch.tensor([1.0, 2.0, 3.0]) ** 2).sum().backward()


def _integer_grad() -> None:
    torch.tensor([1, 2, 3], requires_grad=True)


def _inference_saved() -> None:
    """A tensor made under inference_mode, saved by a multiplication that autograd records."""
    with torch.inference_mode():
        weights = torch.ones(3)
    weights * torch.tensor([1.0, 2.0, 3.0], requires_grad=True)


def _numpy_grad() -> None:
    torch.tensor([1.0, 2.0, 3.0], requires_grad=True).numpy()


DEMONSTRATIONS = (
    Demonstration("no_grad_fn", "nograd", "causes", _no_grad_fn),
    Demonstration("integer_grad", "nograd", "integer", _integer_grad),
    Demonstration("inference_saved", "nograd", "inference", _inference_saved),
    Demonstration("numpy_grad", "nograd", "numpy", _numpy_grad),
)
