"""Headings of a published report: numbered short lines, mapped to the six sections by their words.

The sections' own numbering style is the style most section headings use (“一、”, “1、”, “第一部分”…); a heading
of that style or of a higher level opens a section, lower levels are sub-headings (“（一）”, “1.”). Section
headings of another style than the sections' own are a numbering mix (“七、” after “6、”).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from xxgk.reportcheck.config import CheckConfig

_CN_DIGITS = {c: n for n, c in enumerate("一二三四五六七八九十", 1)}
_SENTENCE_END = ("。", "；", "，", ";", ",")


@dataclass(frozen=True)
class Heading:
    index: int  # the line's position among the narrative lines
    text: str  # as published
    where: str
    style: str  # numbering id, plus its separator: "cn、", "arabic."
    rank: int
    number: int | None
    section: str | None  # the section id its words name, if any


def number_value(token: str) -> int | None:
    """“七” → 7, “十二” → 12, “12” → 12."""
    if token.isdigit():
        return int(token)
    if not token or any(c not in _CN_DIGITS for c in token):
        return None
    if "十" not in token:
        return _CN_DIGITS[token] if len(token) == 1 else None
    tens, _, ones = token.partition("十")
    return (_CN_DIGITS.get(tens, 1) if tens else 1) * 10 + (_CN_DIGITS.get(ones, 0) if ones else 0)


def parse_heading(index: int, text: str, where: str, config: CheckConfig) -> Heading | None:
    line = text.strip().replace("\u3000", " ")
    for style in config.numbering:
        m = style.pattern.match(line)
        if not m:
            continue
        title = line[m.end():].strip()
        if not title or len(title) > config.max_heading_chars or title.endswith(_SENTENCE_END):
            return None
        if sum(c.isdigit() for c in title) * 3 > len(title):  # a table row with its numbers
            return None
        sep = (m.groupdict().get("sep") or "").replace("．", ".").replace(",", "，")
        return Heading(index, line, where, style.id + sep, style.rank, number_value(m.group("n")),
                       section_of(title, config))
    return None


def section_of(title: str, config: CheckConfig) -> str | None:
    for section_id in config.match_order:
        if any(w in title for w in config.section(section_id).words):
            return section_id
    return None


def main_style(headings: Sequence[Heading]) -> str | None:
    """The style most section-naming headings use; ties go to the higher level."""
    votes = Counter(h.style for h in headings if h.section)
    if not votes:
        return None
    rank = {h.style: h.rank for h in headings}
    return max(votes, key=lambda s: (votes[s], -rank[s]))


def top_headings(headings: Sequence[Heading]) -> list[Heading]:
    """The headings that open a part of the report: the sections' own style, or a higher level."""
    style = main_style(headings)
    if style is None:
        return []
    rank = next(h.rank for h in headings if h.style == style)
    tops = [h for h in headings if h.style == style or h.rank < rank]
    return sorted(tops + _misnumbered(headings, tops), key=lambda h: h.index)


def _misnumbered(headings: Sequence[Heading], tops: Sequence[Heading]) -> list[Heading]:
    """Lower-level headings that really open a section: they name a section no top heading names, and their
    number continues the top headings' (“6、其他需要报告的事项” after “五、存在的主要问题及改进情况”)."""
    found = {h.section for h in tops}
    out = []
    for h in headings:
        if h in tops or h.section is None or h.section in found or h.number is None:
            continue
        before = [t for t in tops if t.index < h.index]
        after = [t for t in tops if t.index > h.index]
        if before and before[-1].number is not None and h.number == before[-1].number + 1 \
                and all(t.number is None or t.number > h.number for t in after[:1]):
            out.append(h)
            found.add(h.section)
    return out
