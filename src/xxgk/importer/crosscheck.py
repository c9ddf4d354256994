"""Text against tables: numbers the narrative states, compared with the numbers in the report's own tables."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from xxgk.findings import Finding
from xxgk.findings import number as as_number
from xxgk.importer.messages import import_finding
from xxgk.values import format_number

_NOT_END = r"[^。；;\d]"


@dataclass(frozen=True)
class Claim:
    pattern: re.Pattern[str]
    cells: tuple[str, ...]  # the table cells whose sum the number states
    label: str


def _claim(pattern: str, cells: tuple[str, ...], label: str) -> Claim:
    return Claim(re.compile(pattern), cells, label)


CLAIMS = (
    _claim(rf"(?:收到|受理|新收|接到|接收)[^。；;]{{0,16}}?申请{_NOT_END}{{0,6}}?(\d+)\s*件", ("requests.new.total",),
           "“本年新收政府信息公开申请数量”总计"),
    _claim(rf"(?:办结|答复){_NOT_END}{{0,8}}?(\d+)\s*件", ("requests.total.total",), "“（七）总计”"),
    _claim(rf"(?:上年度?|上一年度?)结转{_NOT_END}{{0,8}}?(\d+)\s*件", ("requests.carried.total",),
           "“上年结转政府信息公开申请数量”总计"),
    _claim(rf"(\d+)\s*件{_NOT_END}{{0,6}}?(?:顺延|结转)(?:到|至)?下一?年度", ("requests.forward.total",),
           "“结转下年度继续办理”总计"),
    _claim(rf"结转(?:到|至)?下一?年度{_NOT_END}{{0,8}}?(\d+)\s*件", ("requests.forward.total",),
           "“结转下年度继续办理”总计"),
    _claim(rf"予以公开(?:及|和|或)部分公开{_NOT_END}{{0,6}}?(\d+)\s*件", ("requests.granted.total", "requests.partial.total"),
           "“（一）予以公开”与“（二）部分公开”总计之和"),
    _claim(rf"行政法?复议{_NOT_END}{{0,6}}?(\d+)\s*件", ("review.total",), "行政复议“总计”"),
    _claim(rf"行政诉讼{_NOT_END}{{0,6}}?(\d+)\s*件", ("suit_direct.total", "suit_after_review.total"),
           "行政诉讼两项“总计”之和"),
)
_NONE_RECEIVED = re.compile(r"(?:未收到|没有(?:收到|接到)|未接到)[^。；;]{0,24}?申请")
_SENTENCE = re.compile(r"[^。；;！!？?]*[。；;！!？?]?")


def check_text(narrative: str, table: Mapping[str, Decimal | None]) -> list[Finding]:
    text = unicodedata.normalize("NFKC", narrative).replace("\n", "")
    out: list[Finding] = []
    seen: set[tuple[tuple[str, ...], Decimal]] = set()
    for sentence in (s.strip() for s in _SENTENCE.findall(text)):
        if not sentence:
            continue
        claims = [(c, Decimal(m.group(1))) for c in CLAIMS for m in c.pattern.finditer(sentence)]
        if _NONE_RECEIVED.search(sentence):
            claims.append((CLAIMS[0], Decimal(0)))
        for claim, number in claims:
            if (claim.cells, number) in seen:
                continue
            got = [v for cid in claim.cells if (v := table.get(cid)) is not None]
            if len(got) != len(claim.cells):
                continue
            seen.add((claim.cells, number))
            total = sum(got, Decimal(0))
            if total != number:
                out.append(import_finding("import.text_mismatch", ids=claim.cells, expected=int(number),
                                          actual=as_number(float(total)), sentence=sentence, text_number=format_number(number),
                                          label=claim.label, table_number=format_number(total)))
    return out
