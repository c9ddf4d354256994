"""Read one published cell: a number, a blank, or something that cannot be read with certainty.

Units and notes are made explicit, never silently kept or lost: "7次" → 7 (unit dropped, noted),
"230300元" in a 万元 cell → 23.03 (converted, warned), "22（其中修订16件）" → 22 (note kept).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from xxgk.values import PROBLEM_NOT_A_NUMBER, format_number, parse_cell

BLANKS = frozenset({"", "/", "／", "\\", "—", "——", "-", "--", "－", "–", "…", "无", "空", "×", "x", "X"})
COUNT_UNITS = ("人次", "件", "次", "条", "个", "项", "篇", "家", "份", "人")
YUAN_PER_WAN = Decimal(10000)

_VALUE = re.compile(
    r"^(?P<num>[-+]?\d[\d,]*(?:\.\d+)?)\s*(?P<unit>万元|元|" + "|".join(COUNT_UNITS) + r")?\s*"
    r"(?P<note>[(（].*[)）])?$"
)
_SPACES = " \t\r\n\u00a0\u3000\u200b\ufeff"


@dataclass(frozen=True)
class CellValue:
    value: Decimal | None
    blank: bool = False
    unit: str = ""
    note: str = ""
    yuan: bool = False  # converted from 元 to 万元
    readable: bool = True


def clean(raw: str) -> str:
    return unicodedata.normalize("NFKC", raw).strip(_SPACES).replace("，", ",")


def looks_like_value(raw: str) -> bool:
    """A cell that holds a value (or a blank) rather than a label."""
    text = clean(raw)
    return text in BLANKS or bool(_VALUE.match(text))


def read_value(raw: str, cell_type: str, *, header_yuan: bool = False) -> CellValue:
    """The value a published cell states, for a cell of `cell_type` (count, signed, amount in 万元)."""
    text = clean(raw)
    if text in BLANKS:
        return CellValue(None, blank=True)
    m = _VALUE.match(text)
    if not m:
        return CellValue(None, readable=False)
    parsed = parse_cell(m.group("num"), cell_type, text_is_problem=False)
    if parsed.value is None or parsed.problem == PROBLEM_NOT_A_NUMBER:
        return CellValue(None, readable=False)
    number = parsed.value
    unit = m.group("unit") or ""
    yuan = cell_type == "amount" and (unit == "元" or (header_yuan and not unit))
    if yuan:
        number = (number / YUAN_PER_WAN).normalize()
    note = (m.group("note") or "")[1:-1]
    return CellValue(number, unit=unit, note=note, yuan=yuan)


def shown(number: Decimal | None) -> str:
    return "" if number is None else format_number(number)
