"""The six sections: present, in order, once each, numbered in one style without gaps."""

from __future__ import annotations

from itertools import pairwise

from xxgk.findings import Finding
from xxgk.reportcheck.config import CheckConfig
from xxgk.reportcheck.document import Document
from xxgk.reportcheck.headings import Heading, main_style
from xxgk.reportcheck.messages import report_finding

CN_NUMBERS = "一二三四五六七八九十"


def structure_findings(doc: Document, config: CheckConfig) -> list[tuple[Finding, str]]:
    """Findings with the heading each one quotes."""
    return [*_missing(doc, config), *_order(doc, config), *_repeated(doc, config), *_numbering(doc, config)]


def _missing(doc: Document, config: CheckConfig) -> list[tuple[Finding, str]]:
    found = {h.section for h in doc.tops}
    out = []
    for n, s in enumerate(config.sections):
        if s.id not in found:
            example = f"{CN_NUMBERS[n]}、{s.name}"
            out.append((report_finding("report.section_missing", expected=s.name, name=s.name, position=CN_NUMBERS[n],
                                       example=example), ""))
    return out


def _order(doc: Document, config: CheckConfig) -> list[tuple[Finding, str]]:
    order = "、".join(f"“{s.name}”" for s in config.sections)
    first: list[Heading] = []
    for h in doc.tops:
        if h.section and all(f.section != h.section for f in first):
            first.append(h)
    out = []
    for k, h in enumerate(first):
        before = [f for f in first[:k] if config.position(f.section or "") > config.position(h.section or "")]
        if before:
            out.append((report_finding("report.section_order", expected=order, actual=h.text, heading=h.text,
                                       where=h.where, before=before[-1].text, order=order), h.text))
    return out


def _repeated(doc: Document, config: CheckConfig) -> list[tuple[Finding, str]]:
    out = []
    for s in config.sections:
        heads = [h for h in doc.tops if h.section == s.id]
        if len(heads) > 1:
            listing = "；".join(f"“{h.text}”（{h.where}）" for h in heads)
            out.append((report_finding("report.section_repeated", actual=len(heads), name=s.name, count=len(heads),
                                       headings=listing), heads[1].text))
    return out


def _numbering(doc: Document, config: CheckConfig) -> list[tuple[Finding, str]]:
    style = main_style(doc.headings)
    mains = [h for h in doc.tops if h.style == style]
    if style is None or not mains:
        return []
    names = {n.id: n.name for n in config.numbering}
    out = []
    for h in doc.tops:
        if h.style != style:
            out.append((report_finding("report.numbering_mixed", expected=mains[0].text, actual=h.text, heading=h.text,
                                       where=h.where, style=_style_name(h.style, names),
                                       main=_style_name(style, names), example=mains[0].text), h.text))
    for last, h in pairwise(mains):
        if last.number is not None and h.number is not None and h.number != last.number + 1:
            out.append((report_finding("report.numbering_gap", expected=last.number + 1, actual=h.number,
                                       heading=h.text, where=h.where, number=h.number, before=last.text,
                                       last=last.number), h.text))
    return out


def _style_name(style: str, names: dict[str, str]) -> str:
    """“cn、” → “一、”, “arabic.” → “1.”: the numbering as people write it."""
    for sid, name in sorted(names.items(), key=lambda kv: -len(kv[0])):
        if style.startswith(sid):
            sep = style[len(sid):]
            return name[0] + sep if sep else name
    return style
