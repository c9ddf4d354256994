"""One published report → its findings: tables (importer + validation), sections, repeated text, dates, form."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from xxgk.findings import ERROR, WARNING, Finding, count
from xxgk.importer.keys import label_key
from xxgk.labels import compact_cells
from xxgk.reportcheck.config import CheckConfig
from xxgk.reportcheck.document import Document
from xxgk.reportcheck.messages import aspect, name_of, report_finding
from xxgk.reportcheck.similar import compact, shared_text
from xxgk.reportcheck.structure import structure_findings
from xxgk.reportcheck.tables import table_findings
from xxgk.reportcheck.timing import GIVEN, SIGNED, date_findings, deadline, form_findings, kind_of

_SENTENCE_QUOTED = re.compile(r"正文“(.*)”写的是")  # the sentence in import.text_mismatch's message


@dataclass(frozen=True)
class Fault:
    """A finding, the text it quotes from the report, and where."""

    finding: Finding
    quote: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {**self.finding.to_dict(), "name": name_of(self.finding), "aspect": aspect(self.finding.code),
                "quote": self.quote, "where": compact_cells(self.finding.cells)}


@dataclass
class Checked:
    doc: Document
    kind: str = ""
    deadline: dt.date | None = None
    published: dt.date | None = None
    published_source: str = ""
    previous: Document | None = None
    faults: list[Fault] = field(default_factory=list)

    @property
    def findings(self) -> list[Finding]:
        return [f.finding for f in self.faults]

    @property
    def status(self) -> str:
        if self.doc.reading is None:
            return "unreadable"
        return "errors" if count(self.findings, ERROR) else ("warnings" if self.findings else "ok")

    def to_dict(self) -> dict[str, Any]:
        d = self.doc
        return {"source": str(d.path), "agency": d.agency or None, "year": d.year,
                "form": d.reading.form if d.reading else None, "kind": self.kind or None,
                "deadline": self.deadline.isoformat() if self.deadline else None,
                "published": self.published.isoformat() if self.published else None,
                "published_source": self.published_source or None,
                "previous": str(self.previous.path) if self.previous else None,
                "headings": [{"text": h.text, "where": h.where, "section": h.section} for h in d.tops],
                "status": self.status, "errors": count(self.findings, ERROR),
                "warnings": count(self.findings, WARNING), "findings": [f.to_dict() for f in self.faults]}


def check_report(doc: Document, config: CheckConfig, previous: Document | None = None,
                 published: dt.date | None = None, kind: str | None = None) -> Checked:
    result = Checked(doc, previous=previous)
    if doc.reading is None:
        result.faults = [Fault(f) for f in table_findings(doc)]
        return result
    result.kind = kind or (kind_of(doc.agency, config) if doc.agency else "")
    result.deadline = deadline(doc.year, result.kind, config) if doc.year and result.kind else None
    result.published, result.published_source = (published, GIVEN) if published else (doc.signed_on, SIGNED)
    if result.published is None:
        result.published_source = ""
    faults = [Fault(f) for f in form_findings(doc.year, doc.reading.form)]
    same_unit = previous is not None and same_unit_last_year(doc, previous)
    faults += [Fault(f, _quote_of(f)) for f in table_findings(doc, previous if same_unit else None)]
    if doc.reading.form is None and not doc.agency and doc.year is None:
        result.faults = faults  # no tables, no title: not an annual report, the importer says so
        return result
    faults += [Fault(f, q) for f, q in structure_findings(doc, config)]
    faults += _problems(doc, config, previous)
    if previous is not None:
        faults += _whole(doc, config, previous)
    faults += [Fault(f, f.actual if isinstance(f.actual, str) else "")
               for f in date_findings(doc.year, result.published, result.published_source, result.kind, config)]
    result.faults = faults
    return result


def same_unit_last_year(doc: Document, before: Document) -> bool:
    return doc.year is not None and before.year == doc.year - 1 and label_key(before.agency) == label_key(doc.agency)


def _quote_of(f: Finding) -> str:
    m = _SENTENCE_QUOTED.search(f.message) if f.code == "import.text_mismatch" else None
    return m.group(1) if m else ""


def _cut(text: str, config: CheckConfig) -> str:
    return text if len(text) <= config.max_quote_chars else text[: config.max_quote_chars] + "……"


def _problems(doc: Document, config: CheckConfig, previous: Document | None) -> list[Fault]:
    heads = [h for h in doc.tops if h.section == config.problems_section]
    if not heads:
        return []  # report.section_missing says so
    text = doc.section_text(config.problems_section)
    chars = len(compact(text))
    if chars < config.min_problems_chars:
        quote = _cut(compact(text), config)
        return [Fault(report_finding("report.problems_empty", expected=config.min_problems_chars, actual=chars,
                                     heading=heads[0].text, where=heads[0].where, chars=chars,
                                     quote=f"：“{quote}”" if quote else ""), quote or heads[0].text)]
    if previous is None:
        return []
    before = previous.section_text(config.problems_section) or previous.whole_text
    shared = shared_text(text, before, config.min_chars, config.sentence_ratio)
    if shared.share < config.problems_warning:
        return []
    severity = ERROR if shared.share >= config.problems_error else WARNING
    limit = config.problems_error if severity == ERROR else config.problems_warning
    quote = _cut(shared.passages[0], config)
    return [Fault(report_finding("report.problems_repeated", severity=severity, expected=f"< {limit:.0%}",
                                 actual=f"{shared.share:.0%}", heading=heads[0].text, percent=f"{shared.share:.0%}",
                                 previous=previous.path.name, count=len(shared.passages), quote=quote),
                  "\n".join(shared.passages))]


def _whole(doc: Document, config: CheckConfig, previous: Document) -> list[Fault]:
    shared = shared_text(doc.whole_text, previous.whole_text, config.min_chars, config.sentence_ratio)
    if shared.share < config.whole_warning:
        return []
    quote = _cut(shared.passages[0], config)
    return [Fault(report_finding("report.text_repeated", expected=f"< {config.whole_warning:.0%}",
                                 actual=f"{shared.share:.0%}", percent=f"{shared.share:.0%}",
                                 previous=previous.path.name, count=len(shared.passages), quote=quote),
                  "\n".join(shared.passages))]
