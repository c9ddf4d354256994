"""Validation of organisation identifiers: 统一社会信用代码 (GB 32100-2015) and 行政区划代码.

Problem codes:
  uscc_problem:   "length" | "charset" | "check_digit"
  region_problem: "format" | "province"
"""

from __future__ import annotations

import re
import unicodedata

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, Z, S, V
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
USCC_LENGTH = 18

_PROVINCE_RANGES = ((11, 15), (21, 23), (31, 37), (41, 46), (50, 54), (61, 65), (71, 71), (81, 82))
PROVINCE_CODES = frozenset(n for low, high in _PROVINCE_RANGES for n in range(low, high + 1))

_REGION = re.compile(r"[0-9]{6}")


def normalize_uscc(code: str) -> str:
    """Full-width to half-width, drop all whitespace, upper-case."""
    return "".join(unicodedata.normalize("NFKC", code).split()).upper()


def uscc_check_char(first17: str) -> str:
    """Check character (18th) for the first 17 characters of a USCC."""
    body = normalize_uscc(first17)
    if len(body) != USCC_LENGTH - 1 or any(c not in USCC_CHARSET for c in body):
        raise ValueError(f"need 17 characters from {USCC_CHARSET}: {first17!r}")
    total = sum(USCC_CHARSET.index(c) * w for c, w in zip(body, USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


def uscc_problem(code: str) -> str | None:
    """None when ``code`` is a valid USCC, else "length", "charset" or "check_digit"."""
    code = normalize_uscc(code)
    if len(code) != USCC_LENGTH:
        return "length"
    if any(c not in USCC_CHARSET for c in code):
        return "charset"
    if uscc_check_char(code[:-1]) != code[-1]:
        return "check_digit"
    return None


def region_problem(code: str) -> str | None:
    """None when ``code`` is a 6-digit region code with a valid province prefix, else "format"/"province"."""
    code = code.strip()
    if not _REGION.fullmatch(code):
        return "format"
    if int(code[:2]) not in PROVINCE_CODES:
        return "province"
    return None
