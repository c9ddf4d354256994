"""The records a consolidation works with: units (one agency's numbers), submissions (one input file)
and issues (one row of the 校验结果 sheet)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import numpy as np

from xxgk.findings import Counted, Finding
from xxgk.hints import Hint
from xxgk.identity import parse_date
from xxgk.rules.expand import computed_cells
from xxgk.spec import FormSpec

# Cover field ids (the defined names meta_agency … are the workbook contract, like every cell id).
AGENCY, USCC, REGION, YEAR, KIND, PARENT, FILLED_ON = (
    "meta.agency", "meta.uscc", "meta.region", "meta.year", "meta.kind", "meta.parent", "meta.filled_on")
SUMMARY_KIND = "汇总"  # the 报表类型 (cover choice field) of a summary


def input_mask(spec: FormSpec) -> np.ndarray:
    """(m,) bool in spec.cells order: True for an input cell, False for a computed one (it follows its inputs)."""
    computed = computed_cells(spec)
    return np.array([cid not in computed for cid in spec.cells])


@dataclass(frozen=True, eq=False)
class Unit:
    """One agency's numbers: read from its own workbook, or from a sub-summary's 单位明细 rows."""

    key: str  # identity: "uscc:…" or "name:…" (see xxgk.identity.agency_key)
    meta: Mapping[str, str]  # cover field id -> text
    values: np.ndarray  # (m,) float64, spec.cells order, computed cells as reported
    amounts: Mapping[str, Decimal]  # amount cells at full precision
    file: str  # the workbook the numbers came from
    via: str = ""  # the sub-summaries it came through ("县汇总.xlsx ▸ 乡汇总.xlsx"), "" when sent directly
    status: str = ""  # its status where it was summed (已汇总 / 有警告 / 有错误已汇总)

    @property
    def name(self) -> str:
        return self.meta.get(AGENCY, "")

    @property
    def uscc(self) -> str:
        return self.meta.get(USCC, "")


@dataclass(frozen=True)
class Issue:
    """A finding with where it belongs; `note` is the 说明 typed by a consolidator (carried upwards)."""

    agency: str
    uscc: str
    file: str
    finding: Finding
    note: str = ""
    hint: str = ""  # the fix hint that repairs this finding (xxgk.hints), if any


@dataclass
class Submission(Counted):
    """One input file and what became of it."""

    path: Path
    name: str  # as shown: the path relative to the inbox
    mtime: float
    form: str | None = None
    meta: dict[str, str] = field(default_factory=dict)
    kind: str = ""  # the cover's 报表类型 (单位 / 汇总), "" when unreadable
    findings: list[Finding] = field(default_factory=list)  # the file's own (validation) findings
    hints: list[Hint] = field(default_factory=list)  # the cells that would repair its broken rules
    notes: list[Finding] = field(default_factory=list)  # what the consolidation says about the file
    units: list[Unit] = field(default_factory=list)  # the agencies it carries (itself, or a summary's units)
    carried: list[Issue] = field(default_factory=list)  # 校验结果 rows of a sub-summary
    row: np.ndarray | None = None  # the file's own table values
    exact: dict[str, Decimal] = field(default_factory=dict)
    has_unit_rows: bool = False  # a summary whose 单位明细 could be read
    skipped: bool = False  # lock / hidden / not a workbook
    guessed: str = ""  # for an unreadable file: the roster agency its file name names
    key: str = ""
    status: str = ""
    reason: str = ""
    replaced: list[Submission] = field(default_factory=list)  # earlier copies of the same report it replaced
    cross_year_errors: int = 0  # errors found against last year's data (--previous)

    @property
    def readable(self) -> bool:
        return self.row is not None

    @property
    def is_summary(self) -> bool:
        return self.kind == SUMMARY_KIND

    @property
    def agency(self) -> str:
        return self.meta.get(AGENCY, "")

    @property
    def uscc(self) -> str:
        return self.meta.get(USCC, "")

    @property
    def filed(self) -> dt.date | None:
        return parse_date(self.meta.get(FILLED_ON, ""))

    def rank(self) -> tuple[dt.date, float, str]:
        """Of two copies from one agency the higher rank wins: later 填报日期, then later file time."""
        return self.filed or dt.date.min, self.mtime, self.name
