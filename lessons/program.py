"""A copyable program that reproduces a lesson, written next to the numbers it prints.

A lesson runs its torch steps and, step by step, records the same steps as code plus
the line that code prints, formatted from the tensors the lesson really computed.
tests/test_snippets.py runs every program in a fresh interpreter and checks that it
prints exactly `output`.
"""

import threading
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import torch
from torch import Tensor

from i18n import translate

T = TypeVar("T")
# warnings.catch_warnings swaps process-wide state; Streamlit runs sessions in threads, so
# every lesson that records warnings takes this one lock. Re-entrant: the error finder
# records what a demonstration warns, and a demonstration may record warnings itself.
_WARNINGS_LOCK = threading.RLock()


@dataclass(frozen=True)
class Program:
    code: str
    output: str


class ProgramWriter:
    def __init__(self, language: str, modules: tuple[str, ...] = ()) -> None:
        """`modules`: modules the program imports after torch (torch first: it names a program)."""
        self._language = language
        self._code = [*(f"import {module}" for module in ("torch", *modules)), ""]
        self._output: list[str] = []

    def comment(self, key: str, **params: object) -> None:
        self._code.append("# " + translate(self._language, f"code.{key}", **params))

    def code(self, *lines: str) -> None:
        self._code.extend(lines)

    def blank(self) -> None:
        self._code.append("")

    def prints(self, label: str, value: object) -> None:
        """Record that the code so far prints `label value` (print's own format)."""
        self._output.append(f"{label} {value!s}")

    def show(self, label: str, expression: str, value: object) -> None:
        """`print(label, expression)`, where `expression` evaluates to `value`."""
        self._code.append(f'print("{label}", {expression})')
        self.prints(label, value)

    def show_error(self, statement: str, error: str | None) -> None:
        """Run `statement` expecting torch to refuse it, and print what torch said."""
        self._code += ["try:", f"    {statement}", "except RuntimeError as error:"]
        self._code.append('    print("RuntimeError:", error)')
        if error is not None:
            self.prints("RuntimeError:", error)

    def finish(self) -> Program:
        # A printed message may end in a newline; the page shows the output without it.
        output = "\n".join(self._output).rstrip("\n")
        return Program(code="\n".join(self._code) + "\n", output=output)


def leaf(values: Sequence[float]) -> Tensor:
    return torch.tensor(list(values), requires_grad=True)


def tensor_literal(tensor: Tensor) -> str:
    """Python source that rebuilds `tensor` exactly (float32 values print as float64)."""
    return f"torch.tensor({tensor.detach().tolist()!r})"


def leaf_literal(values: Sequence[float]) -> str:
    return f"torch.tensor({list(values)!r}, requires_grad=True)"


def runtime_error(action: Callable[[], object]) -> str | None:
    """The message of the RuntimeError torch raises for `action`, or None if it raises none."""
    try:
        action()
    except RuntimeError as error:
        return str(error)
    return None


# The end of a program that runs y.sum().backward() inside
# `with warnings.catch_warnings(record=True) as caught:` (its `try` two levels in): it prints
# torch's error, then the first line of each warning, as the page quotes them.
PRINT_BACKWARD_ERROR_AND_WARNINGS = (
    "        try:",
    "            y.sum().backward()",
    "        except RuntimeError as error:",
    '            print("RuntimeError:", error)',
    "for warning in caught:",
    '    print(f"{warning.category.__name__}:", str(warning.message).splitlines()[0])',
)


@dataclass(frozen=True)
class Caught:
    """An error or a warning torch raised, kept with its class so a page can quote both."""

    kind: type[Exception]  # Warning is an Exception subclass too
    message: str

    @property
    def label(self) -> str:
        """As print(f"{type(e).__name__}:", e) shows it."""
        return f"{self.kind.__name__}: {self.message}"


def with_warnings(action: Callable[[], T]) -> tuple[T, tuple[Caught, ...]]:
    """What `action` returns, and every warning torch gave while it ran."""
    with _WARNINGS_LOCK, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = action()
    return result, tuple(Caught(warning.category, str(warning.message)) for warning in caught)
