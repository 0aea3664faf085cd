"""Turn the text a learner types into a vector, or say precisely what is wrong with it."""

import keyword
import math
import re
from collections.abc import Collection

MAX_LENGTH = 32
# A typed tensor (vector or matrix) holds at most this many entries in all.
MAX_TENSOR_ENTRIES = 64
# Names the playground keeps for itself: the module, and its URL parameters f, v, lang and
# const.
RESERVED_NAMES = ("torch", "f", "v", "lang", "const")
# Link parameters Streamlit keeps for itself, in any mix of capitals: a link cannot carry them
# and the page cannot write them (streamlit.runtime.state.query_params.EMBED_QUERY_PARAMS_KEYS).
STREAMLIT_PARAMS = ("embed", "embed_options")
MAX_NAME_CHARS = 32
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
# Inside one row of a matrix only commas and white space separate entries; rows end at
# `;` (or the full-width semicolon), at a new line, or between bracketed rows `[1, 2], [3, 4]`.
_ENTRY_SEPARATORS = re.compile(r"[,，、\s]+")
_ROW_BREAKS = re.compile(r"[;\uff1b\n]|[\])]\s*[,，]?\s*[\[(]")
# ASCII only: Python rewrites some other identifiers (a full-width x reads as x).
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*", re.ASCII)
# Brackets a typed tensor may use, each opening one with its closing one.
_CLOSING = {"[": "]", "(": ")"}
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
    _check_brackets(text)
    tokens = [token for token in _SEPARATORS.split(_strip_brackets(text)) if token]
    if not tokens:
        raise InputError("empty")
    if len(tokens) > max_length:
        raise InputError("too_many", {"count": len(tokens), "limit": max_length})
    return tuple(_parse_number(token) for token in tokens)


def parse_tensor(
    text: str, max_entries: int = MAX_TENSOR_ENTRIES
) -> tuple[float, ...] | tuple[tuple[float, ...], ...]:
    """A vector `1, 2, 3`, or a matrix `1, 0; 0, 1` (rows split by `;` or new lines).

    One row gives a vector; several rows give a matrix, and all rows must be as long.
    Blank rows (a trailing `;` or new line) are skipped.
    """
    if len(text) > MAX_TEXT_CHARS:
        raise InputError("text_too_long", {"chars": len(text), "limit": MAX_TEXT_CHARS})
    _check_brackets(text)
    rows = [_row_tokens(row) for row in _ROW_BREAKS.split(_strip_brackets(text))]
    rows = [tokens for tokens in rows if tokens]
    count = sum(len(tokens) for tokens in rows)
    if not count:
        raise InputError("empty")
    if count > max_entries:
        raise InputError("too_many", {"count": count, "limit": max_entries})
    for number, tokens in enumerate(rows[1:], start=2):
        if len(tokens) != len(rows[0]):
            raise InputError(
                "tensor_ragged_rows",
                {"row": number, "length": len(tokens), "first": len(rows[0])},
            )
    values = tuple(tuple(_parse_number(token) for token in tokens) for tokens in rows)
    return values[0] if len(values) == 1 else values


def _row_tokens(row: str) -> list[str]:
    return [token for token in _ENTRY_SEPARATORS.split(row.strip(" \t[]()")) if token]


def check_input_name(name: str, taken: Collection[str] = ()) -> None:
    """Refuse a name that Python, the playground or another tensor already uses."""
    quoted = _quote(name)
    if not name:
        raise InputError("tensor_name_empty")
    if len(name) > MAX_NAME_CHARS:
        raise InputError("tensor_name_too_long", {"name": quoted, "limit": MAX_NAME_CHARS})
    if not _NAME.fullmatch(name):
        raise InputError("tensor_name_invalid", {"name": quoted})
    if keyword.iskeyword(name):
        raise InputError("tensor_name_keyword", {"name": name})
    if name in RESERVED_NAMES:
        raise InputError(
            "tensor_name_reserved", {"name": name, "reserved": ", ".join(RESERVED_NAMES)}
        )
    if name.lower() in STREAMLIT_PARAMS:
        raise InputError(
            "tensor_name_streamlit", {"name": name, "reserved": ", ".join(STREAMLIT_PARAMS)}
        )
    if name in taken:
        raise InputError("tensor_name_taken", {"name": name})


def _check_brackets(text: str) -> None:
    """One rule for every typed tensor: brackets come in matching pairs, or not at all.

    `[1, 2` could mean 1, 2 or a row still being typed; guessing would hide the slip."""
    opened = []
    for char in text:
        if char in _CLOSING:
            opened.append(_CLOSING[char])
        elif char in _CLOSING.values() and (not opened or opened.pop() != char):
            raise InputError("unbalanced_brackets", {"entry": _quote(text.strip())})
    if opened:
        raise InputError("unbalanced_brackets", {"entry": _quote(text.strip())})


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
