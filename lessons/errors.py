"""The error finder: which of the errors the lessons raise live is in a pasted text?

Each lesson's demonstration runs once per process; torch's own message is cut into words,
and the parts that change from program to program (numbers, shapes, dtypes, node names,
devices, file paths) become wildcards. A paste holds a known error when it holds that
message's first ANCHOR_WORDS fixed words in order, with a wildcard wherever the message has
a variable part: torch versions reword the later sentences, seldom the start. From there
the match follows the message as far as the paste agrees with it, to show what was found.

Every pattern that reads pasted text is a chain of character classes, each repeated a
bounded number of times and none inside another repeat: trying it at one place takes
bounded work, so a search is linear in the paste, itself bounded by MAX_PASTE.
"""

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass

from lessons import edges, graph_reuse, inplace, nograd, nonscalar, vjp
from lessons.demonstrations import Demonstration
from lessons.parsing import InputError
from lessons.program import Caught, with_warnings

MAX_PASTE = 20_000
ANCHOR_WORDS = 5
# In teaching order: the lessons whose errors the finder knows.
DEMONSTRATING_LESSONS = (nonscalar, vjp, graph_reuse, inplace, nograd, edges)

# The parts of torch's messages that differ between programs, most specific first, each as
# a named group of the message reader and, for pasted text, the wildcard that stands for it.
_VARIABLE_PARTS = {
    "path": (r"(?:[A-Za-z]:)?[\\/][\w.-]+[\\/][\w.\\/-]*\w(?::\d+)?", r"[^\s\"'()]{1,400}"),
    "torch_name": (
        r"torch(?:\.\w+)+(?:\(\[[\d, ]*\]\))?",
        r"torch[\w.]{0,60}(?:\(\[[\d, ]{0,80}\]\))?",
    ),
    "shape": (r"\[[\d, ]*\]", r"\[[\d, ]{0,80}\]"),
    "device": (r"\b(?:cpu|cuda|mps|xpu|meta)(?::\d+)?\b", r"[a-z]{1,8}(?::\d{1,4})?"),
    "number": (r"\b\d+\b", r"\d{1,20}"),
    # Node and type names: with a digit (MulBackward0), in CamelCase (FloatTensor), or
    # capitalised inside a sentence and ending a clause (output 0 of Exp, is at …).
    "name": (r"\w*\d\w*|[A-Z][a-z]+[A-Z]\w*|(?<=[a-z] )[A-Z]\w*(?=[,.;)])", r"[\w:.]{1,100}"),
}
_MESSAGE_PARTS = re.compile(
    "|".join(f"(?P<{kind}>{reader})" for kind, (reader, _) in _VARIABLE_PARTS.items())
    + r"|(?P<word>[A-Za-z]+)"
)
# What stands between two parts: spaces, line breaks, punctuation, underscores.
_SEPARATOR = r"[\W_]{0,8}"


@dataclass(frozen=True)
class KnownError:
    """An error a lesson raises, as this torch words it, with the patterns learned from it."""

    key: str
    page: str
    anchor: str  # the step on the page, its subheader's anchor
    label: str  # "RuntimeError: …" as torch raised it here
    start: re.Pattern[str]  # the first ANCHOR_WORDS fixed words, with the wildcards among them
    rest: tuple[re.Pattern[str], ...]  # each later part, to follow the message further

    @property
    def headline(self) -> str:
        """The label up to the end of its first sentence."""
        return self.label.split(". ", 1)[0]


@dataclass(frozen=True)
class Finding:
    known: KnownError
    position: int  # where in the paste it starts
    pasted: str  # the part of the paste that matched, as the learner pasted it


def step_anchors() -> frozenset[str]:
    """The steps the finder links to, by their subheaders' anchors: the only values a
    link's `at` may bring into view."""
    return frozenset(
        demonstration.anchor
        for lesson in DEMONSTRATING_LESSONS
        for demonstration in lesson.DEMONSTRATIONS
    )


@functools.cache
def known_errors() -> tuple[KnownError, ...]:
    """Every demonstrated error, learned from torch once per process. A demonstration that
    could not run here (the anomaly step's separate Python, on a broken server) is left out
    rather than taking the finder down; tests/test_errors_finder.py requires every one."""
    learned = (
        learn(demonstration)
        for lesson in DEMONSTRATING_LESSONS
        for demonstration in lesson.DEMONSTRATIONS
    )
    return tuple(known for known in learned if known is not None)


def find_errors(text: str) -> tuple[Finding, ...]:
    """The known errors in `text`, in the order they appear there; empty if none."""
    if len(text) > MAX_PASTE:
        raise InputError("paste_too_long", {"chars": len(text), "limit": MAX_PASTE})
    findings = [finding for known in known_errors() if (finding := find(known, text))]
    return tuple(sorted(findings, key=lambda finding: finding.position))


def _raised(run: Callable[[], object]) -> Caught | None:
    """torch's exception, or else its first warning, when `run` runs; None if neither."""
    try:
        _, warned = with_warnings(run)
    except Exception as error:  # whatever torch raises is what the finder learns
        return Caught(type(error), str(error))
    return warned[0] if warned else None


def learn(demonstration: Demonstration) -> KnownError | None:
    """Run the demonstration and learn its patterns from what torch says; None when it
    raised nothing and warned nothing."""
    caught = _raised(demonstration.run)
    if caught is None:
        return None
    pieces = [_piece(part) for part in _MESSAGE_PARTS.finditer(caught.message)]
    fixed_words = [index for index, part in enumerate(pieces) if part[0] == "word"]
    end = fixed_words[min(ANCHOR_WORDS, len(fixed_words)) - 1] + 1
    start = _SEPARATOR.join(pattern for _, pattern in pieces[:end])
    return KnownError(
        key=demonstration.key,
        page=demonstration.page,
        anchor=demonstration.anchor,
        label=caught.label,
        start=re.compile(r"(?<![A-Za-z])" + start, re.IGNORECASE),
        rest=tuple(re.compile(_SEPARATOR + pattern, re.IGNORECASE) for _, pattern in pieces[end:]),
    )


def _piece(part: re.Match[str]) -> tuple[str, str]:
    """A part of torch's message: its kind, and the pattern that finds it in a paste."""
    kind = part.lastgroup
    if kind == "word":
        return kind, re.escape(part[0])
    return kind, _VARIABLE_PARTS[kind][1]


def find(known: KnownError, text: str) -> Finding | None:
    """`known` in `text`: its start, followed as far as the text agrees with the message."""
    found = known.start.search(text)
    if found is None:
        return None
    end = found.end()
    for piece in known.rest:
        step = piece.match(text, end)
        if step is None:
            break
        end = step.end()
    return Finding(known, found.start(), text[found.start() : end])
