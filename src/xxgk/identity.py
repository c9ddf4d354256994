"""Who sent a report, and when: agency keys (valid USCC, else normalised name), name normalisation, 填报日期."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from xxgk.identifiers import normalize_uscc, uscc_problem

_BRACKETS = str.maketrans({"〔": "(", "〕": ")", "【": "(", "】": ")", "[": "(", "]": ")", "{": "(", "}": ")",
                           "［": "(", "］": ")", "｛": "(", "｝": ")", "﹝": "(", "﹞": ")", "<": "(", ">": ")"})
_SPACE = re.compile(r"[\s\u200b\ufeff]+")
_DATE = re.compile(r"(\d{4})\D{1,3}(\d{1,2})\D{1,3}(\d{1,2})")


def normalize_name(name: str) -> str:
    """Compare agency names loosely: full-width → half-width, no whitespace, one kind of parentheses."""
    text = unicodedata.normalize("NFKC", name or "").translate(_BRACKETS)
    return _SPACE.sub("", text).casefold()


def clean_uscc(code: str) -> str:
    """The normalised USCC when it is a valid code, else ""."""
    norm = normalize_uscc(code or "")
    return norm if norm and uscc_problem(norm) is None else ""


def agency_key(name: str, uscc: str) -> str:
    """The identity of an agency: its valid USCC, else its normalised name ("" when it has neither)."""
    code = clean_uscc(uscc)
    if code:
        return f"uscc:{code}"
    norm = normalize_name(name)
    return f"name:{norm}" if norm else ""


def parse_date(text: str) -> dt.date | None:
    """A 填报日期 as written: 2025-01-15, 2025/1/15, 2025年1月15日, 2025.1.15; None when not a date."""
    m = _DATE.search(text or "")
    if not m:
        return None
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None
