"""Turn the text a learner types into a vector, or say precisely what is wrong with it."""

import math
import re

MAX_LENGTH = 32
MAX_MAGNITUDE = 1e6
# Longer text cannot be a valid vector of MAX_LENGTH entries; refuse it before splitting.
MAX_TEXT_CHARS = 1000
# How much of an offending entry an error message quotes.
QUOTE_CHARS = 20

# Commas (ASCII, full-width and the ideographic enumeration comma), semicolons and
# white space all separate entries, so `1, 2, 3`, `1 2 3` and `1，2，3` read alike.
_SEPARATORS = re.compile(r"[,;，、\s]+")
# ASCII digits only: float() would also take full-width digits, which we reject
# with a message of their own instead of guessing.
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
_NOT_FINITE = re.compile(r"[+-]?(?:nan|inf|infinity)", re.IGNORECASE)


class InputError(ValueError):
    """A problem with typed input: `code` names a catalog message, `params` fill it in."""

    def __init__(self, code: str, params: dict[str, object] | None = None) -> None:
        super().__init__(code, params or {})
        self.code = code
        self.params = params or {}


def parse_vector(text: str, max_length: int = MAX_LENGTH) -> tuple[float, ...]:
    """Parse `1, 2, 3`, `1 2 3` or `[1, 2, 3]` into floats; raise InputError otherwise."""
    if len(text) > MAX_TEXT_CHARS:
        raise InputError("text_too_long", {"chars": len(text), "limit": MAX_TEXT_CHARS})
    tokens = [token for token in _SEPARATORS.split(_strip_brackets(text)) if token]
    if not tokens:
        raise InputError("empty")
    if len(tokens) > max_length:
        raise InputError("too_many", {"count": len(tokens), "limit": max_length})
    return tuple(_parse_number(token) for token in tokens)


def _strip_brackets(text: str) -> str:
    stripped = text.strip()
    if stripped[:1] in "[(" and stripped[-1:] in "])":
        return stripped[1:-1]
    return stripped


def _parse_number(token: str) -> float:
    quoted = _quote(token)
    if _NOT_FINITE.fullmatch(token):
        raise InputError("not_finite", {"entry": quoted})
    if any(char.isdigit() and not char.isascii() for char in token):
        raise InputError("non_ascii_digit", {"entry": quoted})
    if not _NUMBER.fullmatch(token):
        raise InputError("not_a_number", {"entry": quoted})
    value = float(token)
    if not math.isfinite(value) or abs(value) > MAX_MAGNITUDE:
        raise InputError("too_large", {"entry": quoted, "limit": f"{MAX_MAGNITUDE:,.0f}"})
    return value


def _quote(token: str) -> str:
    return token if len(token) <= QUOTE_CHARS else token[:QUOTE_CHARS] + "…"
