import pytest

from lessons.parsing import MAX_LENGTH, MAX_TEXT_CHARS, InputError, parse_vector


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
