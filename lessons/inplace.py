"""Stand-in for the lesson "In-place changes and saved tensors" (issue 16), until it is merged:
only the errors that lesson raises, as lessons/demonstrations.py names them, for the finder."""

import torch

from lessons.demonstrations import Demonstration


def _saved_tensor_changed() -> None:
    """exp() saves its output; changing that output in place breaks the backward."""
    y = torch.tensor([1.0, 2.0, 3.0], requires_grad=True).exp()
    y.add_(1)
    y.sum().backward()


def _leaf_changed() -> None:
    torch.tensor([1.0, 2.0, 3.0], requires_grad=True).add_(1)


DEMONSTRATIONS = (
    Demonstration("inplace_saved", "inplace", "version", _saved_tensor_changed),
    Demonstration("inplace_leaf", "inplace", "leaf", _leaf_changed),
)
