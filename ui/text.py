"""Names and values a visitor typed or linked, shown as the text they are.

Streamlit renders Markdown in nearly every element it draws: headings, links, images, HTML,
LaTeX between dollar signs, directives such as `:red[…]`. Anything from a box or a link
reaches the page through this module only:

- `message(t, key, **values)`: the message `key` with every value written as text for the
  place the message puts it. Inside one of the message's code spans, the whole span is
  fenced with more backticks than any run in it, so nothing in it can close the span;
  elsewhere every ASCII punctuation mark is backslash-escaped.
- `code(text)`: the text as a code span of its own; `plain(text)`: escaped, outside code.
- `code_block(text)`: the text as a fenced code block, fenced in the same way, its lines as
  they are (as st.code shows them): for torch's output and the app's own code; a visitor's
  text inside one goes through `visible` first.

Line breaks and other control or invisible format characters are written as Python writes
them (`\\n`, `\\u202e`), in code and out: a blank line would end a code span and start a new
paragraph, and a bidi override would reorder what the learner reads.
"""

import re
from collections.abc import Callable, Iterable

from i18n import catalog
from ui.session import Translator

# Every ASCII punctuation mark: CommonMark lets a backslash escape each of them, and
# between them they start everything Markdown, KaTeX and Streamlit's directives act on.
_MARKUP = re.compile(r"([!-/:-@\[-`{-~])")
_BACKTICKS = re.compile(r"`+")
# A code span of a message, as the catalogs write them: one backtick on each side.
_TEMPLATE_CODE = re.compile(r"(`[^`]+`)")
# A block of code_block's: its closing fence is its opening one, longer than any run inside.
_CODE_BLOCK = re.compile(r"^(`{3,})[^`\n]*\n(.*?)\n\1$", re.MULTILINE | re.DOTALL)


class Markdown(str):
    """Markdown the app built itself (such as `code_list`): `message` keeps it as it is."""


def visible(text: str) -> str:
    """What Python would not print written as its escape (`\\n`, `\\x1b`, `\\u200b`): control
    and format characters, separators other than the space, unassigned code points."""
    return "".join(char if char.isprintable() else ascii(char)[1:-1] for char in text)


def plain(text: object) -> str:
    """Text for Markdown outside code: every mark escaped, nothing invisible."""
    return _MARKUP.sub(r"\\\1", visible(str(text)))


def code(text: object) -> Markdown:
    """Text as one code span, whatever backticks it holds."""
    shown = visible(str(text))
    if not shown:
        return Markdown("")
    fence = "`" * (_longest_backticks(shown) + 1)
    # Markdown strips one space from each end of a span that has both; a span that starts
    # or ends with a backtick needs that space to be told apart from its fence.
    if shown[:1] in ("`", " ") or shown[-1:] in ("`", " "):
        shown = f" {shown} "
    return Markdown(f"{fence}{shown}{fence}")


def code_block(text: object, language: str = "text") -> Markdown:
    """Text as a fenced code block, whatever backticks it holds. A label and its value in one
    Markdown element, where a label and st.code would be two: Streamlit sends each element
    as a message of its own, and a click pays for every one it sends again."""
    shown = str(text).strip("\n")  # as st.code shows it: no blank line at either end
    fence = "`" * max(3, _longest_backticks(shown) + 1)
    return Markdown(f"{fence}{language}\n{shown}\n{fence}")


def markdown_parts(body: str) -> list[tuple[str, str]]:
    """What a Markdown element of prose and code_blocks holds, in order: ("text", prose) for
    the prose between blocks, ("code", text) for each block. For readers of what a page sent:
    the tests, and the benchmark's learners."""
    parts, start = [], 0
    for block in _CODE_BLOCK.finditer(body):
        if body[start : block.start()].strip():
            parts.append(("text", body[start : block.start()].strip()))
        parts.append(("code", block.group(2)))
        start = block.end()
    if body[start:].strip():
        parts.append(("text", body[start:].strip()))
    return parts


def _longest_backticks(text: str) -> int:
    return max((len(run) for run in _BACKTICKS.findall(text)), default=0)


def code_list(items: Iterable[object]) -> Markdown:
    """`a`, `b`: each item as code."""
    return Markdown(", ".join(code(item) for item in items))


def message(t: Translator, key: str, **values: object) -> str:
    """t(key, **values), with each value escaped for its place in the message."""
    template = catalog(t.language).get(key)
    if template is None:
        return t(key)
    in_code = {name: _kept(value, str) for name, value in values.items()}
    in_text = {name: _kept(value, plain) for name, value in values.items()}
    return "".join(
        code(piece[1:-1].format_map(in_code))
        if _TEMPLATE_CODE.fullmatch(piece)
        else piece.format_map(in_text)
        for piece in _TEMPLATE_CODE.split(template)
    )


def _kept(value: object, escape: Callable[[object], str]) -> str:
    return value if isinstance(value, Markdown) else escape(value)
