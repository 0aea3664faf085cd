"""What a visitor typed or linked is shown as text: no heading, link, image, maths, directive
or HTML of theirs reaches the page, typed or from a link, wherever a name or value is echoed."""

import re
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from i18n import catalog
from lessons.language.expression import MAX_INPUTS
from lessons.practice.exercises import EXERCISES
from lessons.practice.puzzles import PUZZLES
from tests.helpers import open_page
from tests.test_exercise_pages import answer_and_check
from tests.test_playground_page import open_link
from ui.session import Translator
from ui.text import Markdown, code, code_block, code_list, markdown_parts, message, plain, visible

# The injection: a name that closes the code span it is quoted in.
INJECTION = (
    "x`\n\n## :red[Session expired] Your session has ended. "
    "[Log in again](http://evil.example/login) ![](http://evil.example/pixel.png)"
)
# Short enough to be quoted whole (error messages quote 20 characters of a bad entry).
SHORT = (
    "x`\n\n## :red[Hi]",
    "[a](http://e.io)",
    "![](http://e.io/p)",
    "$\\Huge x$",
    "<img src=//e.io>",
    "x\u202eevil",
    "**a** _b_ ~~c~~",
)
# One entry each in a vector box: no separator, no "](" (a row break), no bracket at the end.
ENTRIES = ("![x]y", "<http://e.io>", "http://e.io/p.png", "$\\Huge$", "<img/src=x>", ":red[Hi]x")
PUNCTUATION = set(string.punctuation)


def active_markup(body: str) -> list[str]:
    """The marks in Markdown `body` that a renderer acts on, by CommonMark's rules: outside
    code spans (a run of n backticks up to the next run of exactly n) and not
    backslash-escaped; line breaks and invisible characters count too."""
    marks, i = [], 0
    while i < len(body):
        char = body[i]
        if char == "\\" and body[i + 1 : i + 2] in PUNCTUATION:
            i += 2
            continue
        if char == "`":
            run = len(re.match("`+", body[i:]).group())
            closing = re.compile(f"(?<!`)`{{{run}}}(?!`)").search(body, i + run)
            if closing:
                i = closing.end()
                continue
            marks.append("`" * run)
            i += run
            continue
        if char in PUNCTUATION or not char.isprintable():
            marks.append(char)
        i += 1
    return marks


def shown(value: str) -> str:
    """How the page writes the value: its line breaks and bidi override as escapes."""
    return value.replace("\n", "\\n").replace("\u202e", "\\u202e")


def assert_echoed_as_text(body: str, reference: str, value: str) -> None:
    """`body` echoes `value` where `reference` (the same message with a harmless value) has
    it: the injection adds no active mark, and the learner can read what they typed."""
    assert active_markup(body) == active_markup(reference), body
    readable = re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", body)
    assert shown(value) in readable, body


def test_code_spans_outlast_every_backtick_run_and_show_line_breaks():
    assert code("x") == "`x`"
    assert code("a`b") == "``a`b``"
    assert code("`a") == "`` `a ``"  # a space keeps the fence apart from the text
    assert code(INJECTION).startswith("``x`\\n\\n## :red[Session expired]")
    assert code_list(["a", "b`"]) == "`a`, `` b` ``"
    assert active_markup(code(INJECTION)) == []


def test_code_blocks_outlast_every_backtick_run_and_read_back_whole():
    assert code_block("tensor([1.])\n") == "```text\ntensor([1.])\n```"
    assert code_block("a\n````\nb", "python") == "`````python\na\n````\nb\n`````"
    body = "\n\n".join(["$$y$$\n\nx.grad", code_block("a\n```"), "then", code_block("")])
    assert markdown_parts(body) == [
        ("text", "$$y$$\n\nx.grad"),
        ("code", "a\n```"),
        ("text", "then"),
        ("code", ""),
    ]


@given(
    st.lists(
        st.tuples(st.text(alphabet="ab $\n", min_size=1).filter(str.strip), st.text("ab`\n $")),
        max_size=4,
    )
)
def test_prose_and_code_blocks_read_back_as_they_were_joined(pairs):
    parts = [(("text", prose.strip()), ("code", block.strip("\n"))) for prose, block in pairs]
    parts = [part for pair in parts for part in pair]
    body = "\n\n".join(code_block(text) if kind == "code" else text for kind, text in parts)
    assert markdown_parts(body) == parts


def test_plain_text_escapes_every_mark_and_shows_control_characters():
    assert plain("a_b") == "a\\_b"
    assert plain("1.5") == "1\\.5"
    assert visible("a\tb\x1b\u200b") == "a\\tb\\x1b\\u200b"
    assert active_markup(plain(INJECTION)) == []
    assert "\n" not in plain(INJECTION) and "\\\\n" in plain(INJECTION)


@given(st.text())
def test_no_text_becomes_markup_in_code_or_out(text):
    assert active_markup(code(text)) == []
    assert active_markup(plain(text)) == []
    assert all(char.isprintable() or char == " " for char in code(text) + plain(text))


def test_message_escapes_each_value_for_its_place_in_the_template():
    t = Translator("en")
    # expr_method quotes the name inside a code span: the whole span is re-fenced.
    body = message(t, "errors.expr_method", name="a`b", methods="sum")
    assert body.startswith("``.a`b(…)`` is not") and body.endswith("Allowed: sum.")
    body = message(t, "errors.tensor_name_invalid", name="# h")
    assert body.startswith("“\\# h” cannot be a name here")
    listed = message(t, "playground.absent", names=code_list(["a`"]), result="y")
    assert "`` a` ``" in listed  # the app's own Markdown is kept as it is
    assert isinstance(code_list([]), Markdown)
    assert message(t, "nowhere.nothing") == t("nowhere.nothing")


@pytest.mark.parametrize(
    ("name", "language"), [(INJECTION, "zh")] + [(name, "en") for name in (INJECTION, *SHORT)]
)
def test_a_link_with_a_seventh_input_named_by_an_attacker_shows_the_name_as_text(name, language):
    inputs = dict(zip("abcdeg", "123456", strict=True))
    at = open_link({"f": "a.sum()", **inputs, name: "7"}, language)
    assert not at.exception
    (warning,) = at.warning
    reference = catalog(language)["playground.link_extra"].format(limit=MAX_INPUTS, names="`z`")
    assert_echoed_as_text(warning.value, reference, name)


@pytest.mark.parametrize("name", [INJECTION, *SHORT])
def test_a_link_holding_an_attackers_name_constant_shows_the_name_as_text(name):
    at = open_link({"f": "a.sum()", "a": "1", "const": name})
    assert not at.exception
    (warning,) = at.warning
    reference = catalog("en")["playground.link_const_unknown"].format(
        names="`z`", parameter="const"
    )
    assert_echoed_as_text(warning.value, reference, name.strip())


@pytest.mark.parametrize("name", SHORT)
def test_a_bad_input_name_is_quoted_as_text_typed_and_from_a_link(name):
    reference = catalog("en")["errors.tensor_name_invalid"].format(name="z")
    at = open_link({"f": "x.sum()", name: "1"})
    assert not at.exception
    assert_echoed_as_text(at.error[0].value, reference, name)
    at = open_link({"f": "x.sum()", "x": "1"})
    at.text_input(key="playground_name_1").set_value(name).run()
    assert not at.exception
    assert_echoed_as_text(at.error[0].value, reference, name)


@pytest.mark.parametrize("entry", ENTRIES)
def test_a_bad_value_is_quoted_as_text_typed_and_from_a_link(entry):
    reference = catalog("en")["errors.not_a_number"].format(entry="z")
    at = open_link({"f": "x.sum()", "x": f"1, {entry}"})
    assert_echoed_as_text(at.error[0].value, reference, entry)
    at = open_page("scalar")
    at.text_input(key="scalar_x").set_value(f"1 {entry}").run()
    assert not at.exception
    assert_echoed_as_text(at.error[0].value, reference, entry)


@pytest.mark.parametrize("value", SHORT)
def test_a_bad_expression_is_quoted_as_text_typed_and_from_a_link(value):
    expression = f"x.sum() + {value!r}"
    reference = catalog("en")["errors.expr_not_allowed"].format(piece="z")
    piece = repr(value)
    at = open_link({"f": expression, "x": "1"})
    assert not at.exception
    assert_echoed_as_text(at.error[0].value, reference, piece.replace("\\n", "\n"))
    at.text_area(key="playground_f").set_value(f"{value!r} * x").run()
    assert_echoed_as_text(at.error[0].value, reference, piece.replace("\\n", "\n"))


@pytest.mark.parametrize("entry", ENTRIES[:3])
def test_an_unreadable_exercise_answer_is_quoted_as_text(entry):
    exercise = next(task for task in EXERCISES["scalar"] if task.kind == "vector")
    at = answer_and_check(open_page("scalar"), exercise, f"1 {entry}")
    assert not at.exception
    reference = catalog("en")["errors.not_a_number"].format(entry="z")
    assert_echoed_as_text(at.error[0].value, reference, entry)


@pytest.mark.parametrize("value", SHORT[:3])
def test_an_unreadable_puzzle_answer_is_quoted_as_text(value):
    at = open_page("puzzles")
    task = PUZZLES[0].key
    at.text_input(key=f"{task}_answer").set_value(f"{value!r} * x").run()
    at.button(key=f"{task}_check").click().run()
    assert not at.exception
    reference = catalog("en")["errors.expr_not_allowed"].format(piece="z")
    assert_echoed_as_text(at.error[0].value, reference, repr(value).replace("\\n", "\n"))
