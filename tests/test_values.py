import datetime as dt
from dataclasses import FrozenInstanceError
from decimal import Decimal

import pytest

from xxgk.values import ParsedValue, format_number, parse_cell

D = Decimal


@pytest.mark.parametrize(
    ("raw", "cell_type", "value", "problem"),
    [
        # clean numbers
        (12, "count", D("12"), None),
        (12.0, "count", D("12"), None),
        (0, "count", D("0"), None),
        ("12", "count", D("12"), None),
        (" 12 ", "count", D("12"), None),
        ("１２", "count", D("12"), None),
        ("\u300012\u3000", "count", D("12"), None),
        ("1,234", "count", D("1234"), None),
        ("1，234", "count", D("1234"), None),
        ("1,234,567", "count", D("1234567"), None),
        ("+5", "count", D("5"), None),
        ("3.0", "count", D("3"), None),
        ("-0", "count", D("0"), None),
        ("12.90", "amount", D("12.90"), None),
        ("１２．５", "amount", D("12.5"), None),
        (".5", "amount", D("0.5"), None),
        (96171.6, "amount", D("96171.6"), None),
        (0.1 + 0.2, "amount", D("0.3"), None),
        (D("0.000001"), "amount", D("0.000001"), None),
        ("0.1234560", "amount", D("0.1234560"), None),
        (230300, "amount", D("230300"), None),
        (-2, "signed", D("-2"), None),
        ("-2", "signed", D("-2"), None),
        ("－３", "signed", D("-3"), None),
        ("−3", "signed", D("-3"), None),
        # text around a number, or no number at all
        ("7次", "count", D("7"), "text"),
        ("230300元", "count", D("230300"), "text"),
        ("12件", "count", D("12"), "text"),
        ("3个", "count", D("3"), "text"),
        ("22（其中修订16件）", "count", D("22"), "text"),
        ("共7件", "count", D("7"), "text"),
        ("1 234", "count", D("1"), "text"),
        ("1.5万元", "amount", D("1.5"), "text"),
        ("无", "count", D("0"), "text"),
        ("—", "count", D("0"), "text"),
        ("——", "count", D("0"), "text"),
        ("-", "count", D("0"), "text"),
        ("/", "count", D("0"), "text"),
        ("-", "signed", D("0"), "text"),
        ("abc", "amount", D("0"), "text"),
        # value problems
        (3.5, "count", D("3.5"), "decimal_in_integer"),
        ("3.5", "signed", D("3.5"), "decimal_in_integer"),
        (-2, "count", D("-2"), "negative"),
        ("-2", "count", D("-2"), "negative"),
        (-0.5, "amount", D("-0.5"), "negative"),
        ("-2次", "count", D("-2"), "negative"),
        (0.1234567, "amount", D("0.1234567"), "too_many_decimals"),
        ("0.0000001", "amount", D("0.0000001"), "too_many_decimals"),
        ("3.5次", "count", D("3.5"), "decimal_in_integer"),
    ],
)
def test_parse_cell(raw: object, cell_type: str, value: Decimal, problem: str | None) -> None:
    """Text from a published report: only junk around the number is a problem."""
    parsed = parse_cell(raw, cell_type, text_is_problem=False)
    assert parsed.value == value
    assert str(parsed.value) == str(value)  # exact digits, not just numeric equality
    assert parsed.problem == problem
    assert parsed.blank is False
    assert parsed.raw is raw


@pytest.mark.parametrize(("raw", "value"), [("12", D("12")), ("１２", D("12")), ("7次", D("7")), ("12.90", D("12.90"))])
def test_any_string_in_a_workbook_number_cell_is_text(raw: str, value: Decimal) -> None:
    """Spreadsheets leave strings out of SUM, so even a clean "12" typed as text is reported."""
    parsed = parse_cell(raw, "amount" if "." in raw else "count")
    assert (parsed.value, parsed.problem) == (value, "text")


def test_numbers_in_a_workbook_are_not_text() -> None:
    assert parse_cell(12.0, "count").problem is None
    assert parse_cell(96171.6, "amount") == ParsedValue(D("96171.6"), False, None, 96171.6)


def test_amount_keeps_given_digits() -> None:
    parsed = parse_cell("12.90", "amount", text_is_problem=False)
    assert parsed.value == D("12.9")
    assert parsed.value is not None and parsed.value.as_tuple().exponent == -2


@pytest.mark.parametrize("raw", [None, "", " ", "\t\n", "\u3000", "\u00a0", "\u200b"])
@pytest.mark.parametrize("cell_type", ["count", "signed", "amount"])
def test_blank(raw: object, cell_type: str) -> None:
    assert parse_cell(raw, cell_type) == ParsedValue(None, True, None, raw)


@pytest.mark.parametrize(
    "raw",
    [
        True,
        False,
        dt.datetime(2023, 1, 1),
        dt.date(2023, 1, 1),
        dt.time(12, 0),
        dt.timedelta(days=1),
        float("nan"),
        float("inf"),
        [1],
    ],
)
def test_not_a_number(raw: object) -> None:
    parsed = parse_cell(raw, "count")
    assert parsed.value is None
    assert parsed.blank is False
    assert parsed.problem == "not_a_number"


def test_unknown_cell_type() -> None:
    with pytest.raises(ValueError):
        parse_cell(1, "percent")


def test_parsed_value_is_frozen() -> None:
    parsed = parse_cell(1, "count")
    assert hash(parsed) == hash(parse_cell(1, "count"))
    field = "value"
    with pytest.raises(FrozenInstanceError):
        setattr(parsed, field, D(2))


@pytest.mark.parametrize(
    ("number", "text"),
    [
        (D("12.90"), "12.9"),
        (D("230300"), "230300"),
        (D("2.303E+5"), "230300"),
        (D("0.000001"), "0.000001"),
        (D("1E-6"), "0.000001"),
        (D("0"), "0"),
        (D("0.00"), "0"),
        (D("-0"), "0"),
        (D("-2.50"), "-2.5"),
        (D("100"), "100"),
        (D("96171.6"), "96171.6"),
    ],
)
def test_format_number(number: Decimal, text: str) -> None:
    assert format_number(number) == text
