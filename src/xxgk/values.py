"""Raw spreadsheet cell values: parse one into a number according to its declared cell type (parse_cell), or
show one as text (as_text).

Cell types:
  "count"  – non-negative integer
  "signed" – integer, may be negative
  "amount" – non-negative decimal (万元), at most 6 decimals, kept at full precision

Problem codes (``ParsedValue.problem``), at most one per cell, checked in this order:
  "not_a_number"       – bool, date/time or any other non-numeric object (value None)
  "negative"           – negative number where the type forbids it
  "decimal_in_integer" – fractional number in an integer cell (value as given)
  "too_many_decimals"  – amount with more than 6 significant decimals
  "text"               – text around a number, or no number at all (value = the number
                          the text reads as, 0 when there is none)
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from decimal import Decimal

CELL_TYPES = ("count", "signed", "amount")
MAX_AMOUNT_DECIMALS = 6

PROBLEM_TEXT = "text"
PROBLEM_DECIMAL_IN_INTEGER = "decimal_in_integer"
PROBLEM_NEGATIVE = "negative"
PROBLEM_TOO_MANY_DECIMALS = "too_many_decimals"
PROBLEM_NOT_A_NUMBER = "not_a_number"

_FULLWIDTH = {0xFF10 + i: str(i) for i in range(10)}
_FULLWIDTH.update({ord(c): "-" for c in "－−﹣"})
_FULLWIDTH.update({ord("＋"): "+", ord("．"): ".", ord("，"): ",", ord("﹐"): ","})
_STRIP = " \t\r\n\u00a0\u3000\u200b\ufeff"

# First number in the text: optional sign, digits (optionally grouped by thousands), fraction, exponent.
_NUMBER = re.compile(
    r"(?P<sign>[-+]?)"
    r"(?P<int>[0-9]{1,3}(?:,[0-9]{3})+(?![0-9])|[0-9]+)?"
    r"(?P<frac>\.[0-9]+|\.)?"
    r"(?P<exp>[eE][-+]?[0-9]{1,2}(?![0-9]))?"
)


@dataclass(frozen=True)
class ParsedValue:
    value: Decimal | None
    blank: bool
    problem: str | None
    raw: object


def parse_cell(raw: object, cell_type: str, *, text_is_problem: bool = True) -> ParsedValue:
    """Parse ``raw`` (as read from the workbook) as a value of ``cell_type``.

    In a workbook any string in a number cell is a problem, even "12" or "１２": Excel, WPS and
    LibreOffice leave text out of SUM, so the live checks would not count it. Text read from a
    published report (the importer) passes ``text_is_problem=False``: only junk around the number counts.
    """
    if cell_type not in CELL_TYPES:
        raise ValueError(f"unknown cell type: {cell_type!r}")
    if raw is None or (isinstance(raw, str) and not raw.strip(_STRIP)):
        return ParsedValue(None, True, None, raw)
    number, text_problem = _read_number(raw)
    if number is None:
        return ParsedValue(None, False, PROBLEM_NOT_A_NUMBER, raw)
    value, problem = _check_type(number, cell_type)
    text_problem = text_problem or (text_is_problem and isinstance(raw, str))
    return ParsedValue(value, False, problem or (PROBLEM_TEXT if text_problem else None), raw)


def format_number(d: Decimal) -> str:
    """Plain decimal notation, no exponent, no trailing zeros: 12.9, 230300, 0.000001."""
    text = format(d, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def as_text(value: object) -> str:
    """A raw cell value as text: "" when empty, 12 for 12.0, a date as 2025-01-15, anything else stripped."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.date):  # a datetime too: its date
        return value.isoformat()[:10]
    return str(value).strip()


def _read_number(raw: object) -> tuple[Decimal | None, bool]:
    """Return (number, has_text_problem); number None when raw is not numeric at all."""
    if isinstance(raw, bool):
        return None, False
    if isinstance(raw, int):
        return Decimal(raw), False
    if isinstance(raw, float):
        if not math.isfinite(raw):
            return None, False
        # Excel keeps 15 significant digits; this also drops binary noise such as 0.30000000000000004.
        return Decimal(format(raw, ".15g")), False
    if isinstance(raw, Decimal):
        return (raw, False) if raw.is_finite() else (None, False)
    if isinstance(raw, str):
        return _read_text(raw)
    return None, False


def _read_text(raw: str) -> tuple[Decimal, bool]:
    text = raw.strip(_STRIP).translate(_FULLWIDTH)
    for match in _NUMBER.finditer(text):
        if match.group("int") is None and match.group("frac") in (None, "."):
            continue
        number = Decimal(match.group(0).replace(",", "").rstrip("."))
        clean = match.start() == 0 and match.end() == len(text)
        return number, not clean
    return Decimal(0), True


def _check_type(number: Decimal, cell_type: str) -> tuple[Decimal, str | None]:
    if number == 0:
        number = abs(number)  # -0 -> 0
    if number < 0 and cell_type != "signed":
        return number, PROBLEM_NEGATIVE
    if cell_type == "amount":
        if _decimals(number) > MAX_AMOUNT_DECIMALS:
            return number, PROBLEM_TOO_MANY_DECIMALS
        return number, None
    if number != number.to_integral_value():
        return number, PROBLEM_DECIMAL_IN_INTEGER
    return Decimal(int(number)), None


def _decimals(number: Decimal) -> int:
    exponent = number.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0
