"""Publication date against the deadline (条例第四十九条), and the form against the report year."""

from __future__ import annotations

import datetime as dt

from xxgk.findings import Finding
from xxgk.reportcheck.config import CheckConfig
from xxgk.reportcheck.messages import report_finding
from xxgk.spec import EXT_SEPARATOR, SpecError, form_for_year, load_spec

GIVEN = "命令行 --published 给出"
SIGNED = "文末落款日期"


def kind_of(agency: str, config: CheckConfig) -> str:
    """政府 when the unit name ends with a government suffix (…人民政府), else 部门 (…人民政府办公室 included)."""
    return "政府" if agency.strip().endswith(config.government_suffixes) else "部门"


def deadline(year: int, kind: str, config: CheckConfig) -> dt.date:
    month, day = (int(x) for x in config.deadlines[kind].split("-"))
    return dt.date(year + 1, month, day)


def date_findings(year: int | None, date: dt.date | None, source: str, kind: str, config: CheckConfig
                  ) -> list[Finding]:
    if year is None or date is None or not kind:
        return []
    if date.year <= year:
        return [report_finding("report.date_in_year", expected=f"{year + 1}-01-01 之后", actual=date.isoformat(),
                               date=date.isoformat(), source=source, year=year)]
    due = deadline(year, kind, config)
    if date <= due:
        return []
    return [report_finding("report.late", expected=due.isoformat(), actual=date.isoformat(), date=date.isoformat(),
                           source=source, deadline=due.isoformat(), kind=kind, month=due.month, day=due.day,
                           basis=config.basis)]


def form_findings(year: int | None, form: str | None) -> list[Finding]:
    if year is None or form is None:
        return []
    used = form.partition(EXT_SEPARATOR)[0]
    try:
        expected = form_for_year(year)
    except SpecError:
        return []
    if used == expected:
        return []
    return [report_finding("report.form_year", expected=expected, actual=used, year=year, used=used,
                           used_basis=load_spec(used).basis, wanted=expected, wanted_basis=load_spec(expected).basis)]
