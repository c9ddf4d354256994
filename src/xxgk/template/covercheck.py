"""The live checks of the cover fields: each as an Excel pass condition for its 校验 row and as a Python
twin that gives the verdict cached next to the formula.

A cover cell's text as the engine sees it is the reader's str(value).strip(); the formulas strip the same
way: tab, line breaks, the ideographic (full-width) and the no-break space count as spaces, then TRIM.
For a USCC the engine also drops inner spaces, folds full-width characters and upper-cases
(identifiers.normalize_uscc): the formula drops every space and looks each character up in the code
alphabet written four ways (upper, lower, full-width upper, full-width lower), position mod 31 being its
value. FIND is case-sensitive and MATCH would take wildcards, hence the explicit alphabets. A year may be in
full-width digits (the engine's int() reads them), a number or text: both read it as its digits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from xxgk.checksheet import check_name
from xxgk.identifiers import PROVINCE_CODES, USCC_CHARSET, USCC_WEIGHTS
from xxgk.spec import Field, FormSpec

USCC_LENGTH = 18

# The 说明 of each cover check on the 校验 sheet: "required" for a required field, and one per field type that
# has a live check. Text fields have none; nor do dates: the engine's date check is only a warning, and its
# free-form parsing (2025-01-15, 2025年1月15日, ...) has no faithful counterpart in the formulas all three
# programs share (the cell's date validation guards what staff type).
COVER_CHECK_NOTES = {
    "required": "{label}：必须填写",
    "uscc": "{label}：18 位数字或英文字母（不用 I、O、Z、S、V），末位校验码正确",
    "region": "{label}：6 位数字，前两位是省级代码",
    "year": "{label}：{first}—{last} 年之间的年份",
    "choice": "{label}：只能是 {choices}",
}
COVER_OPTIONAL_NOTE = "；未填写时不检查"

_SPACE_CHARS = "\t\n\r\u3000\u00a0"
_SPACES = ("CHAR(9)", "CHAR(10)", "CHAR(13)", '"\u3000"', '"\u00a0"')  # the same, as the formulas write them
_FULLWIDTH = {chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)}
_HALFWIDTH_DIGITS = str.maketrans({_FULLWIDTH[d]: d for d in "0123456789"})
_USCC_LOOKUP = "".join(_FULLWIDTH[c] if wide else c
                       for wide in (False, True) for c in USCC_CHARSET + USCC_CHARSET.lower())
_PROVINCES = "|" + "|".join(f"{c:02d}" for c in sorted(PROVINCE_CODES)) + "|"


@dataclass(frozen=True)
class CoverCheck:
    """One live check of a cover field. Its key mirrors the engine's finding (code and field id), e.g.
    cover.uscc[meta.uscc] or cover.required[meta.agency]; its verdict cell is named check_name(key)."""

    field: Field
    kind: str  # "required", or the field's type: a key of COVER_CHECK_NOTES

    @property
    def code(self) -> str:
        return f"cover.{self.kind}"

    @property
    def key(self) -> str:
        return f"{self.code}[{self.field.id}]"

    @property
    def name(self) -> str:
        return check_name(self.key)

    def note(self, spec: FormSpec) -> str:
        note = COVER_CHECK_NOTES[self.kind].format(label=self.field.label, first=spec.years[0], last=spec.years[1],
                                                   choices="、".join(self.field.choices))
        return note if self.kind == "required" or self.field.required else note + COVER_OPTIONAL_NOTE

    def condition(self, ref: str, spec: FormSpec) -> str:
        """The Excel pass condition (no leading '=') for the field at `ref`."""
        if self.kind == "required":
            return f'{_stripped(ref)}<>""'
        test = _COVER_TESTS[self.kind](ref, self.field, spec)
        return f"OR({_blank(ref)},IFERROR({test},FALSE))"

    def passes(self, value: object, spec: FormSpec) -> bool:
        """What the condition gives for a cell holding `value` (as build_template writes it): the cached
        verdict, step by step as the formula computes it."""
        text = _stripped_py(value)
        if self.kind == "required":
            return text != ""
        if text == "":
            return True
        if self.kind not in _COVER_TWINS:
            raise ValueError(f"no cover check {self.kind!r}")
        return _COVER_TWINS[self.kind](value, text, self.field, spec)


def cover_checks(spec: FormSpec) -> list[CoverCheck]:
    """The cover's checks in field order: a required field's, then its type's (when the type has one)."""
    out = []
    for f in spec.cover.fields:
        if f.required:
            out.append(CoverCheck(f, "required"))
        if f.type in _COVER_TESTS:
            out.append(CoverCheck(f, f.type))
    return out


# --------------------------------------------------------------------------- the formulas


def _xl_text(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _substitute(expr: str, pairs: list[tuple[str, str]]) -> str:
    for old, new in pairs:
        expr = f"SUBSTITUTE({expr},{old},{new})"
    return expr


def _spaced(ref: str) -> str:
    return _substitute(ref, [(s, '" "') for s in _SPACES])


def _stripped(ref: str) -> str:
    return f"TRIM({_spaced(ref)})"


def _blank(ref: str) -> str:
    return f'{_stripped(ref)}=""'


def _without_digits(text: str) -> str:
    return _substitute(text, [(f'"{d}"', '""') for d in "0123456789"])


def _uscc_test(ref: str, _f: Field, _spec: FormSpec) -> str:
    code = f'SUBSTITUTE({_spaced(ref)}," ","")'

    def value(positions: str) -> str:
        return f'MOD(FIND(MID({code},{positions},1),"{_USCC_LOOKUP}")-1,31)'

    first17 = "{" + ",".join(str(i) for i in range(1, USCC_LENGTH)) + "}"
    weights = "{" + ",".join(str(w) for w in USCC_WEIGHTS) + "}"
    return (f"AND(LEN({code})={USCC_LENGTH},"
            f"MOD(31-MOD(SUMPRODUCT({value(first17)}*{weights}),31),31)={value(str(USCC_LENGTH))})")


def _region_test(ref: str, _f: Field, _spec: FormSpec) -> str:
    text = _stripped(ref)
    return (f'AND(LEN({text})=6,{_without_digits(text)}="",'
            f'ISNUMBER(FIND("|"&MID({text},1,2)&"|","{_PROVINCES}")))')


def _year_test(ref: str, _f: Field, spec: FormSpec) -> str:
    digits = _substitute(_stripped(ref), [(f'"{_FULLWIDTH[d]}"', f'"{d}"') for d in "0123456789"])
    lo, hi = spec.years
    return f'AND({_without_digits(digits)}="",VALUE({digits})>={lo},VALUE({digits})<={hi})'


def _choice_test(ref: str, f: Field, _spec: FormSpec) -> str:
    text = _stripped(ref)
    return "OR(" + ",".join(f"EXACT({text},{_xl_text(c)})" for c in f.choices) + ")"


_COVER_TESTS: dict[str, Callable[[str, Field, FormSpec], str]] = {
    "uscc": _uscc_test, "region": _region_test, "year": _year_test, "choice": _choice_test,
}


# --------------------------------------------------------------------------- their Python twins


def _cell_text(value: object) -> str:
    """The text the formulas' text functions see in a cell holding `value` as build_template writes it (a
    date is a serial number to them and an ISO date here: neither passes a uscc, region or year check).
    Not values.as_text: Excel's view keeps inner whitespace and shows a Decimal 5.0 as 5."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        number = float(value)
        return str(int(number)) if number.is_integer() else str(number)
    return str(value)


def _spaced_py(value: object) -> str:
    return _cell_text(value).translate({ord(c): " " for c in _SPACE_CHARS})


def _stripped_py(value: object) -> str:
    """TRIM: no leading or trailing spaces, inner runs of spaces made one."""
    return " ".join(part for part in _spaced_py(value).split(" ") if part)


def _ascii_digits(text: str) -> bool:
    return text != "" and all(c in "0123456789" for c in text)


def _uscc_passes(value: object, _text: str, _f: Field, _spec: FormSpec) -> bool:
    code = _spaced_py(value).replace(" ", "")
    if len(code) != USCC_LENGTH or any(c not in _USCC_LOOKUP for c in code):
        return False
    values = [_USCC_LOOKUP.index(c) % 31 for c in code]
    return (31 - sum(v * w for v, w in zip(values, USCC_WEIGHTS, strict=False)) % 31) % 31 == values[-1]


def _region_passes(_value: object, text: str, _f: Field, _spec: FormSpec) -> bool:
    return len(text) == 6 and _ascii_digits(text) and f"|{text[:2]}|" in _PROVINCES


def _year_passes(_value: object, text: str, _f: Field, spec: FormSpec) -> bool:
    year = text.translate(_HALFWIDTH_DIGITS)
    return _ascii_digits(year) and spec.years[0] <= int(year) <= spec.years[1]


def _choice_passes(_value: object, text: str, f: Field, _spec: FormSpec) -> bool:
    return text in f.choices


# value as written, its TRIMmed text (never empty), field, spec -> passes
_COVER_TWINS: dict[str, Callable[[object, str, Field, FormSpec], bool]] = {
    "uscc": _uscc_passes, "region": _region_passes, "year": _year_passes, "choice": _choice_passes,
}
