"""Normalised label keys: the same key for full/half-width, spaces, punctuation and "1、" / "1." spellings."""

from __future__ import annotations

import re
import unicodedata
from functools import cache

_DROP_CATEGORIES = ("P", "S", "Z", "C")  # punctuation, symbols, separators, control
_NUMBERING = re.compile(r"^\s*(?:[（(]\s*[一二三四五六七八九十]+\s*[)）]|[一二三四五六七八九十]+\s*[、.．]|\d+\s*[、.．]|[（(]\s*\d+\s*[)）])\s*")


@cache
def label_key(text: str) -> str:
    """Letters, digits and CJK only, after NFKC: "（二）部分公开（区分…）" and "(二) 部分公开 (区分…)" agree."""
    text = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in text if not unicodedata.category(ch).startswith(_DROP_CATEGORIES))


def bare(text: str) -> str:
    """The label without its numbering: "（三）不予公开" → "不予公开", "1、其他" → "其他"."""
    return _NUMBERING.sub("", text, count=1)
