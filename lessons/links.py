"""How a link spells a page's inputs: `/vjp?x=1,2,3&fn=square&v=e2`.

Pure text rules, shared by every page: which spellings a control accepts, and the
message for one it does not. ui/links.py reads and writes the address.
"""

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from lessons.language.expression import MAX_INTERMEDIATE_ENTRIES
from lessons.parsing import QUOTE_CHARS, InputError
from lessons.vjp import MAX_SEED, VectorChoice

Value = TypeVar("Value")

MAX_INDEX = MAX_INTERMEDIATE_ENTRIES  # y has at most this many entries
# More choices than this are named by their first and last.
MAX_LISTED = 6
_ONE_HOT = re.compile(r"e([1-9][0-9]{0,5})")
_RANDOM = re.compile(r"random([0-9]{1,10})")


@dataclass(frozen=True)
class Link(Generic[Value]):
    """A control's URL parameter: its name, the values the control offers (None: any
    text), and how the address writes each one. A link must use one of those spellings."""

    name: str
    values: Sequence[Value] | None = None
    text: Callable[[Value], str] = str

    def offers(self, text: str) -> bool:
        return self.values is None or any(self.text(value) == text for value in self.values)

    def value_of(self, text: str) -> Value:
        if self.values is None:
            return text
        return next(value for value in self.values if self.text(value) == text)

    def refusal(self, text: str, shown: Value) -> InputError:
        """What to tell about a link's `text` the control does not offer; `shown` is the
        value it shows instead."""
        texts = [self.text(value) for value in self.values]
        params = {"name": self.name, "value": quote(text), "current": self.text(shown)}
        if len(texts) > MAX_LISTED:
            return InputError("link_value_range", params | {"low": texts[0], "high": texts[-1]})
        return InputError("link_value_list", params | {"choices": ", ".join(texts)})


def quote(text: str) -> str:
    return text if len(text) <= QUOTE_CHARS else text[:QUOTE_CHARS] + "…"


def on_off(value: bool) -> str:
    return "on" if value else "off"


def switch(name: str) -> Link[bool]:
    """An on/off control, in links as `name=on` or `name=off`."""
    return Link(name, (False, True), on_off)


def step_text(exponent: int) -> str:
    """h = 10^-k as a link writes it: `1e-6`."""
    return f"1e-{exponent}"


def choice_from_link(text: str) -> VectorChoice:
    """`ones`, `e2` (one-hot, counting from 1), `random7` (seed 7); anything else is typed
    numbers, which get the same messages as numbers typed into the page."""
    if text == "ones":
        return VectorChoice("ones")
    if (match := _ONE_HOT.fullmatch(text)) and int(match[1]) <= MAX_INDEX:
        return VectorChoice("one_hot", index=int(match[1]))
    if (match := _RANDOM.fullmatch(text)) and int(match[1]) <= MAX_SEED:
        return VectorChoice("random", seed=int(match[1]))
    return VectorChoice("typed", text=text)


def choice_for(text: str, m: int) -> VectorChoice:
    """The link's v for a y of m entries: a one-hot index past m gets the lesson's
    message here, since the picker's i cannot show it (typed numbers are checked as typed)."""
    choice = choice_from_link(text)
    if choice.preset == "one_hot" and choice.index > m:
        raise InputError("index_out_of_range", {"index": choice.index, "m": m})
    return choice


def link_from_choice(choice: VectorChoice) -> str:
    match choice.preset:
        case "one_hot":
            return f"e{choice.index}"
        case "random":
            return f"random{choice.seed}"
        case "typed":
            return choice.text
    return "ones"
