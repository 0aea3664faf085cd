"""The catalogs: complete, consistent, and every key in use."""

import ast
import re
import string

import pytest

from i18n import LANGUAGES, MISSING_MARK, catalog, language_for_locale, translate
from tests.helpers import ROOT
from tests.test_source_rules import APP_SOURCES

ENGLISH = catalog("en")


def placeholders(message: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(message) if name}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_catalog_has_every_key_with_the_same_placeholders(language):
    messages = catalog(language)
    assert set(messages) == set(ENGLISH)
    assert [
        key for key in ENGLISH if placeholders(messages[key]) != placeholders(ENGLISH[key])
    ] == []
    assert [key for key, message in messages.items() if not message.strip()] == []


# Symbols, code and the language names read the same in both languages.
SAME_IN_BOTH = {
    "app.language",
    "app.language_en",
    "app.language_zh",
    "functions.softmax",
    "vjp.v_heading",
    "vjp.grad_heading",
    "chart.sums",
}


def test_chinese_catalog_is_chinese():
    chinese = catalog("zh")
    assert {key for key in ENGLISH if chinese[key] == ENGLISH[key]} == SAME_IN_BOTH
    han = re.compile(r"[\u4e00-\u9fff]")
    assert [key for key in set(ENGLISH) - SAME_IN_BOTH if not han.search(chinese[key])] == []


def key_patterns() -> tuple[set[str], list[re.Pattern]]:
    """Every string literal in the app code, and every f-string as a pattern."""
    literals, patterns = set(), []
    for path in APP_SOURCES:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                literals.add(node.value)
            elif isinstance(node, ast.JoinedStr):
                parts = [
                    re.escape(part.value) if isinstance(part, ast.Constant) else r"\w+"
                    for part in node.values
                ]
                patterns.append(re.compile("".join(parts)))
    return literals, patterns


def test_every_key_is_used():
    literals, patterns = key_patterns()
    # ProgramWriter.comment(key) looks up "code.<key>".
    names = {key: key.removeprefix("code.") if key.startswith("code.") else key for key in ENGLISH}
    unused = [
        key
        for key, name in names.items()
        if name not in literals and not any(pattern.fullmatch(name) for pattern in patterns)
    ]
    assert unused == []


def test_every_input_error_has_a_message_and_every_message_an_error():
    raised = set()
    for path in (ROOT / "lessons").rglob("*.py"):
        raised |= set(re.findall(r'InputError\(\s*"(\w+)"', path.read_text()))
    assert {key.removeprefix("errors.") for key in ENGLISH if key.startswith("errors.")} == raised


def test_translate_fills_placeholders_and_marks_missing_keys():
    assert translate("en", "errors.v_length", length=2, m=3).startswith("len(v) = 2 but len(y) = 3")
    assert translate("zh", "no.such.key") == MISSING_MARK.format(key="no.such.key")


@pytest.mark.parametrize(
    ("locale", "language"),
    [
        ("zh-CN", "zh"),
        ("zh", "zh"),
        ("zh-Hans-SG", "zh"),
        ("ZH-tw", "zh"),
        ("en-US", "en"),
        ("de", "en"),
        ("", "en"),
        (None, "en"),
    ],
)
def test_browser_language_picks_chinese_only_for_chinese(locale, language):
    assert language_for_locale(locale) == language
