"""Per-language message catalogs, looked up through `translate`.

Catalogs are TOML files beside this module, one per language, with nested tables
flattened to dotted keys (`[scalar] title = ...` is `scalar.title`). Placeholders use
`str.format` syntax: `{count}`. The language is always passed in, never stored here:
one Streamlit process serves many sessions at once.
"""

import functools
import tomllib
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType

LANGUAGES = ("en", "zh")
DEFAULT_LANGUAGE = "en"
CATALOG_DIR = Path(__file__).parent
# Shown instead of a message that a catalog lacks, so that a gap is visible, not fatal.
MISSING_MARK = "⟦{key}⟧"


@functools.cache
def catalog(language: str) -> Mapping[str, str]:
    with (CATALOG_DIR / f"{language}.toml").open("rb") as file:
        return MappingProxyType(_flatten(tomllib.load(file)))


def _flatten(table: Mapping[str, object], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for name, value in table.items():
        key = f"{prefix}{name}"
        if isinstance(value, Mapping):
            flat |= _flatten(value, f"{key}.")
        else:
            flat[key] = str(value)
    return flat


def translate(language: str, key: str, **params: object) -> str:
    template = catalog(language).get(key)
    if template is None:
        return MISSING_MARK.format(key=key)
    return template.format_map(params)


def language_for_locale(locale: str | None) -> str:
    """Chinese for a Chinese browser (zh, zh-CN, zh-Hans-…), English otherwise."""
    return "zh" if (locale or "").lower().startswith("zh") else DEFAULT_LANGUAGE
