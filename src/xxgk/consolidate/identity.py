"""Who sent a workbook: agency keys (USCC, else normalised name), name normalisation, report dates."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable

from xxgk.identifiers import normalize_uscc, uscc_problem

_BRACKETS = str.maketrans({"〔": "(", "〕": ")", "【": "(", "】": ")", "[": "(", "]": ")", "{": "(", "}": ")",
                           "［": "(", "］": ")", "｛": "(", "｝": ")", "﹝": "(", "﹞": ")", "<": "(", ">": ")"})
_SPACE = re.compile(r"[\s\u200b\ufeff]+")
_DATE = re.compile(r"(\d{4})\D{1,3}(\d{1,2})\D{1,3}(\d{1,2})")
SHARED = "|name:"  # joins code and name in the key of an agency whose code another agency also carries


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


class KeyResolver:
    """Agency keys for one consolidation.

    A USCC names one agency while every report carrying it has the same normalised name; two different names
    on one code (one agency typed the other's) are two agencies, keyed by code and name (see shared_code).
    A copy without USCC joins a copy of the same name that has one. Summary covers (`covers`) take part only
    in that name link: the consolidating unit's summary may carry an agency's code under another name."""

    def __init__(self, agencies: Iterable[tuple[str, str]], covers: Iterable[tuple[str, str]] = ()) -> None:
        pairs = [(normalize_name(name), clean_uscc(uscc)) for name, uscc in agencies]
        names: dict[str, set[str]] = {}
        for norm, code in pairs:
            if code and norm:
                names.setdefault(code, set()).add(norm)
        self.shared = {code for code, found in names.items() if len(found) > 1}
        self._by_name: dict[str, str] = {}
        self._code_by_name: dict[str, str] = {}
        for norm, code in [*pairs, *((normalize_name(n), clean_uscc(u)) for n, u in covers)]:
            if code and norm:
                self._code_by_name.setdefault(norm, f"uscc:{code}")
        for norm, code in pairs:
            if code and norm:
                self._by_name.setdefault(norm, self.key(norm, code))

    def key(self, name: str, uscc: str) -> str:
        """The key of an agency report (or of an agency inside a summary)."""
        code, norm = clean_uscc(uscc), normalize_name(name)
        if code:
            return f"uscc:{code}{SHARED}{norm}" if code in self.shared and norm else f"uscc:{code}"
        return self._by_name.get(norm, f"name:{norm}") if norm else ""

    def cover_key(self, name: str, uscc: str) -> str:
        """The key of a summary's cover: its code, else the code of an agency or cover of the same name."""
        key = agency_key(name, uscc)
        return self._code_by_name.get(key[5:], key) if key.startswith("name:") else key


def shared_code(key: str) -> str:
    """The code part ("uscc:…") of the key of an agency whose USCC other agencies also carry, else ""."""
    return key.split(SHARED)[0] if SHARED in key else ""


def parse_date(text: str) -> dt.date | None:
    """A 填报日期 as written: 2025-01-15, 2025/1/15, 2025年1月15日, 2025.1.15; None when not a date."""
    m = _DATE.search(text or "")
    if not m:
        return None
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None
