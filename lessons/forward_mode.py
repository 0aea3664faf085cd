"""Forward-mode AD, one call at a time in the whole process.

torch keeps the dual levels that `torch.func.jvp` and `jacfwd` enter and leave in state
shared by every thread of the process, and Streamlit runs each session in a thread of one
process. Two learners' forward-mode calls at once see each other's levels: a RuntimeError
("… no level exists …"), columns silently zero, even a crashed process (all seen here). So
every forward-mode call in the app goes through the wrappers below, which hold one lock.
Reverse mode (`vjp`, `jacrev`, `vmap`, `backward`) keeps no such state and runs unlocked.
"""

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import torch.func
from torch import Tensor

# The one piece of module state: a lock shared by every session, guarding torch's own global
# state. Reentrant, so that a forward-mode call nested in another cannot deadlock its thread.
_FORWARD_AD = threading.RLock()


@contextmanager
def exclusive() -> Iterator[None]:
    """Hold the lock across several calls, e.g. to time them without another's wait."""
    with _FORWARD_AD:
        yield


def jvp(
    f: Callable[..., Tensor], primals: tuple[Tensor, ...], tangents: tuple[Tensor, ...]
) -> tuple[Tensor, Tensor]:
    """`torch.func.jvp(f, primals, tangents)` while no other thread runs forward mode."""
    with _FORWARD_AD:
        return torch.func.jvp(f, primals, tangents)


def jacfwd(f: Callable[[Tensor], Tensor]) -> Callable[[Tensor], Tensor]:
    """`torch.func.jacfwd(f)`, whose every call holds the lock."""
    jacobian = torch.func.jacfwd(f)

    def locked(x: Tensor) -> Tensor:
        with _FORWARD_AD:
            return jacobian(x)

    return locked


def hessian(f: Callable[[Tensor], Tensor]) -> Callable[[Tensor], Tensor]:
    """`torch.func.hessian(f)`, which is jacfwd over jacrev: every call holds the lock."""
    matrix = torch.func.hessian(f)

    def locked(x: Tensor) -> Tensor:
        with _FORWARD_AD:
            return matrix(x)

    return locked
