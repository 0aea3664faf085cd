import pytest

from lessons.parsing import (
    MAX_LENGTH,
    MAX_NAME_CHARS,
    MAX_TENSOR_ENTRIES,
    MAX_TEXT_CHARS,
    InputError,
    check_input_name,
    parse_tensor,
    parse_vector,
)

# The playground's own names: the module and its link parameters.
RESERVED = "torch, f, v, lang, const"


@pytest.mark.parametrize(
    "text",
    ["1, 2, 3", "1 2 3", "[1, 2, 3]", "(1,2,3)", "  1,\t2\n3 ", "1，2，3", "1、2、3", "1; 2; 3"],
)
def test_accepts_the_usual_ways_of_writing_a_vector(text):
    assert parse_vector(text) == (1.0, 2.0, 3.0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("-0.5", (-0.5,)), (".5 +2 1e-3", (0.5, 2.0, 0.001)), ("1E6 -1e6", (1e6, -1e6))],
)
def test_reads_signs_decimals_and_exponents(text, expected):
    assert parse_vector(text) == expected


@pytest.mark.parametrize(
    ("text", "code", "params"),
    [
        ("", "empty", {}),
        ("  [ ] ", "empty", {}),
        ("1, two, 3", "not_a_number", {"entry": "two"}),
        ("1, 0x10", "not_a_number", {"entry": "0x10"}),
        ("\uff11, \uff12", "non_ascii_digit", {"entry": "\uff11"}),  # full-width 1, 2
        ("1, nan", "not_finite", {"entry": "nan"}),
        ("-inf", "not_finite", {"entry": "-inf"}),
        ("1e309", "too_large", {"entry": "1e309", "limit": "1,000,000"}),
        ("1000001", "too_large", {"entry": "1000001", "limit": "1,000,000"}),
        (", ".join(["1"] * (MAX_LENGTH + 1)), "too_many", {"count": 33, "limit": MAX_LENGTH}),
        ("1" * (MAX_TEXT_CHARS + 1), "text_too_long", {"chars": 1001, "limit": MAX_TEXT_CHARS}),
        ("<script>alert(1)</script>", "not_a_number", {"entry": "<script>alert(1)</sc…"}),
    ],
)
def test_names_the_problem_and_the_entry(text, code, params):
    with pytest.raises(InputError) as caught:
        parse_vector(text)
    assert (caught.value.code, caught.value.params) == (code, params)


def test_the_limits_themselves_are_allowed():
    assert len(parse_vector(" ".join(["1e6"] * MAX_LENGTH))) == MAX_LENGTH


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1, 2, 3", (1.0, 2.0, 3.0)),
        ("[1 2 3]", (1.0, 2.0, 3.0)),
        ("1, 2, 3;", (1.0, 2.0, 3.0)),
        ("1, 0; 0, 1", ((1.0, 0.0), (0.0, 1.0))),
        ("1 0\n0 1\n", ((1.0, 0.0), (0.0, 1.0))),
        ("[[1, 2], [3, 4]]", ((1.0, 2.0), (3.0, 4.0))),
        ("[1, 2; 3, 4]", ((1.0, 2.0), (3.0, 4.0))),
        ("1，2\uff1b3，4", ((1.0, 2.0), (3.0, 4.0))),  # full-width comma and semicolon
        ("1; 2; 3", ((1.0,), (2.0,), (3.0,))),  # one entry a row: a column
        ("-0.5 1e-3\r\n\n2 +3", ((-0.5, 0.001), (2.0, 3.0))),
    ],
)
def test_tensors_are_vectors_or_matrices_of_rows(text, expected):
    assert parse_tensor(text) == expected


@pytest.mark.parametrize(
    ("text", "code", "params"),
    [
        ("1, 2; 3", "tensor_ragged_rows", {"row": 2, "length": 1, "first": 2}),
        ("1; 2; 3 4", "tensor_ragged_rows", {"row": 3, "length": 2, "first": 1}),
        (" ; \n ", "empty", {}),
        ("[[], []]", "empty", {}),
        ("1, 2; 3, x", "not_a_number", {"entry": "x"}),
        ("1; nan", "not_finite", {"entry": "nan"}),
        ("1; 1e7", "too_large", {"entry": "1e7", "limit": "1,000,000"}),
        ("1 " * 65, "too_many", {"count": 65, "limit": MAX_TENSOR_ENTRIES}),
        ("1" * (MAX_TEXT_CHARS + 1), "text_too_long", {"chars": 1001, "limit": MAX_TEXT_CHARS}),
    ],
)
def test_tensor_errors_use_the_number_rules_and_name_ragged_rows(text, code, params):
    with pytest.raises(InputError) as caught:
        parse_tensor(text)
    assert (caught.value.code, caught.value.params) == (code, params)


def test_the_tensor_limit_counts_all_entries_of_a_matrix():
    eight_by_eight = "; ".join([", ".join(["1"] * 8)] * 8)
    assert len(parse_tensor(eight_by_eight)) == 8
    with pytest.raises(InputError):
        parse_tensor(eight_by_eight + "; " + ", ".join(["1"] * 8))


@pytest.mark.parametrize(
    "text", ["[1, 2", "1, 2]", "(1, 2]", "[1, 2), 3", "[[1, 2], [3, 4]", ")1, 2(", " [1 2 3 "]
)
@pytest.mark.parametrize("parse", [parse_vector, parse_tensor])
def test_unbalanced_brackets_are_refused_by_every_parser(text, parse):
    """One rule for the playground and every other box: brackets pair up, in order."""
    with pytest.raises(InputError) as caught:
        parse(text)
    assert (caught.value.code, caught.value.params) == (
        "unbalanced_brackets",
        {"entry": text.strip()},
    )


def test_an_unbalanced_bracket_is_quoted_as_short_as_other_entries():
    with pytest.raises(InputError) as caught:
        parse_tensor("[" + "1, " * 40)
    assert caught.value.params == {"entry": "[1, 1, 1, 1, 1, 1, 1…"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [("(1, 2)", (1.0, 2.0)), ("[[1, 2], [3, 4]]", ((1.0, 2.0), (3.0, 4.0))), ("1 2", (1.0, 2.0))],
)
def test_balanced_brackets_still_read_as_before(text, expected):
    assert parse_tensor(text) == expected


def test_parse_vector_still_reads_semicolons_as_separators():
    assert parse_vector("1; 2, 3") == (1.0, 2.0, 3.0)


@pytest.mark.parametrize("name", ["x", "W", "inp", "_h2", "a" * MAX_NAME_CHARS, "match"])
def test_input_names_are_python_identifiers(name):
    assert check_input_name(name, taken=("y",)) is None


@pytest.mark.parametrize(
    ("name", "code", "params"),
    [
        ("", "tensor_name_empty", {}),
        ("a" * (MAX_NAME_CHARS + 1), "tensor_name_too_long", {"name": "a" * 20 + "…", "limit": 32}),
        ("2x", "tensor_name_invalid", {"name": "2x"}),
        ("x y", "tensor_name_invalid", {"name": "x y"}),
        ("x.T", "tensor_name_invalid", {"name": "x.T"}),
        ("\uff58", "tensor_name_invalid", {"name": "\uff58"}),  # full-width x
        ("λ", "tensor_name_invalid", {"name": "λ"}),
        ("lambda", "tensor_name_keyword", {"name": "lambda"}),
        ("None", "tensor_name_keyword", {"name": "None"}),
        ("torch", "tensor_name_reserved", {"name": "torch", "reserved": RESERVED}),
        ("f", "tensor_name_reserved", {"name": "f", "reserved": RESERVED}),
        ("v", "tensor_name_reserved", {"name": "v", "reserved": RESERVED}),
        ("lang", "tensor_name_reserved", {"name": "lang", "reserved": RESERVED}),
        ("const", "tensor_name_reserved", {"name": "const", "reserved": RESERVED}),
        ("x", "tensor_name_taken", {"name": "x"}),
    ],
)
def test_input_names_that_cannot_work_are_refused(name, code, params):
    with pytest.raises(InputError) as caught:
        check_input_name(name, taken=("x",))
    assert (caught.value.code, caught.value.params) == (code, params)
