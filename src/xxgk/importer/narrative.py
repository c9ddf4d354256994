"""The report's words: its title (agency, year), publication date and the six standard sections."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from xxgk.importer.keys import label_key

# The six headings of the national format, and the words that identify each in published headings
# (older reports use eight sections, some with other wordings): first match wins.
SECTIONS = ("一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
            "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项")
_SECTION_WORDS = ((5, ("其他需要报告",)), (4, ("问题", "改进")), (3, ("复议", "诉讼")), (2, ("申请",)),
                  (1, ("主动公开",)), (0, ("总体", "基本情况", "概述")))
_HEADING = re.compile(r"^\s*(?:[一二三四五六七八九十]+\s*[、.．]|\d\s*[、.．])\s*(?P<title>\S.{0,40})$")
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年度?")
_DATE = re.compile(r"^\s*((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日\s*$")
_PARAGRAPH_END = ("。", "！", "？", "；", "：", "”", "!", "?", ";", ":")
_ITEM = re.compile(r"^\s*(?:[（(][一二三四五六七八九十\d]+[)）]|[一二三四五六七八九十]+、|\d+[、.．])")
_TITLE_TAIL = "政府信息公开"
TITLE_SEARCH_LINES = 40  # web pages put navigation above the title
MAX_TITLE = 60  # a longer line is a sentence of the text, not the title
DATE_SEARCH_LINES = 6


def section_of(line: str) -> int | None:
    """The standard section (0-5) a heading line opens, or None when the line is no such heading."""
    m = _HEADING.match(line)
    if not m or m.group("title").rstrip().endswith(("。", "；", "，")):
        return None
    title = m.group("title")
    for n, words in _SECTION_WORDS:
        if any(w in title for w in words):
            return n
    return None


def paragraphs(lines: Sequence[str]) -> list[str]:
    """Lines wrapped by the page (PDF) joined into paragraphs: a line continues the one above unless
    that one ends a sentence or the line starts an item ("（一）", "1、")."""
    out: list[str] = []
    for line in lines:
        if out and not out[-1].endswith(_PARAGRAPH_END) and not _ITEM.match(line):
            out[-1] += line
        else:
            out.append(line)
    return out


def title_cover(texts: Sequence[str]) -> dict[str, object]:
    """Agency and year from the title: "淮安市人民政府 / 2024 年政府信息公开工作年度报告"."""
    lines = [t.strip() for t in texts if t.strip()][:TITLE_SEARCH_LINES]
    for span in (1, 2):  # a title on one line, else one wrapped onto a second line
        for i in range(len(lines)):
            line = "".join(lines[i: i + span])
            key = label_key(line)
            if _TITLE_TAIL in key and "年度报告" in key and len(key) <= MAX_TITLE:
                return _cover(line, lines[i - 1] if i else "")
    return {}


def _cover(line: str, above: str) -> dict[str, object]:
    head = line[: line.find(_TITLE_TAIL)] if _TITLE_TAIL in line else line
    title = head if _agency(head) or not above else above + head
    cover: dict[str, object] = {}
    agency = _agency(title)
    if agency:
        cover["meta.agency"] = agency
    year = _YEAR.search(title) or _YEAR.search(line)
    if year:
        cover["meta.year"] = int(year.group(1))
    return cover


def _agency(text: str) -> str:
    return _YEAR.sub("", text).strip(" \u3000\t:：，,、")


def publication_date(texts: Sequence[str]) -> dt.date | None:
    """The date the report is signed with: a line holding only a date, among its last lines."""
    for line in [t for t in texts if t.strip()][-DATE_SEARCH_LINES:][::-1]:
        m = _DATE.match(line)
        if m:
            try:
                return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                return None
    return None
