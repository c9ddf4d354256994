"""The outcome of a consolidation: the summed units, the totals (numpy sums, amounts in exact Decimal),
provenance per cell, the roster check and every issue."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

import numpy as np

from xxgk.consolidate import status as st
from xxgk.consolidate.model import Issue, Submission, Unit, input_mask
from xxgk.consolidate.roster import Roster, RosterEntry
from xxgk.engine import Frame
from xxgk.rules.expand import computed_cells
from xxgk.spec import FormSpec

SUMMED, RECEIVED, MISSING = "已汇总", "已报未汇总", "未报"


@dataclass(frozen=True)
class RosterLine:
    entry: RosterEntry
    state: str  # 已汇总 / 已报未汇总 / 未报
    status: str = ""  # the status of the file that brought it
    file: str = ""


@dataclass(frozen=True)
class RosterCheck:
    roster: Roster
    lines: tuple[RosterLine, ...]
    unlisted: tuple[Submission, ...]

    @property
    def expected(self) -> int:
        return len(self.lines)

    @property
    def received(self) -> int:
        return sum(line.state != MISSING for line in self.lines)

    @property
    def summed(self) -> int:
        return sum(line.state == SUMMED for line in self.lines)

    @property
    def missing(self) -> list[RosterEntry]:
        return [line.entry for line in self.lines if line.state == MISSING]


def check_roster(roster: Roster, subs: Sequence[Submission], units: Sequence[Unit]) -> RosterCheck:
    """Expected agencies versus received ones: matched by USCC, else by normalised name."""
    found: dict[int, RosterLine] = {}
    rank = {MISSING: 0, RECEIVED: 1, SUMMED: 2}

    def note(entry: RosterEntry | None, state: str, status: str, file: str) -> None:
        if entry is None:
            return
        old = found.get(entry.line)
        if old is None or rank[state] > rank[old.state]:
            found[entry.line] = RosterLine(entry, state, status, file)

    for s in subs:
        if s.skipped:
            continue
        if not s.readable:
            note(roster.guess(s.name), RECEIVED, s.status, s.name)
            continue
        summed = s.status in st.SUMMED
        note(roster.match(s.agency, s.uscc), SUMMED if summed else RECEIVED, s.status, s.name)
        for u in s.units:
            note(roster.match(u.name, u.uscc), RECEIVED, s.status, s.name)
    for u in units:
        note(roster.match(u.name, u.uscc), SUMMED, u.status or st.ACCEPTED, u.via or u.file)
    lines = tuple(found.get(e.line, RosterLine(e, MISSING)) for e in roster.entries)
    unlisted = tuple(s for s in subs if s.status == st.UNLISTED)
    return RosterCheck(roster, lines, unlisted)


@dataclass
class Consolidation:
    spec: FormSpec
    year: int
    submissions: list[Submission]
    units: list[Unit]  # the summed agencies, in order
    issues: list[Issue]
    agency: str = "汇总"  # the consolidating unit (cover)
    uscc: str = ""
    region: str = ""
    filled_on: dt.date | None = None
    roster: RosterCheck | None = None
    include_invalid: bool = False
    previous: str | None = None  # last year's source, when cross-year checks ran
    last_year: np.ndarray | None = None  # (units, cells): last year's values of the same agencies, NaN unknown
    matrix: np.ndarray = field(init=False)  # (units, cells)
    total: np.ndarray = field(init=False)  # (cells,): inputs summed, computed cells recomputed
    amounts: dict[str, Decimal] = field(init=False)  # amount cells summed exactly

    def __post_init__(self) -> None:
        m = len(self.spec.cells)
        self.matrix = (np.array([u.values for u in self.units], dtype=np.float64).reshape(len(self.units), m))
        computed = computed_cells(self.spec)
        summed = np.where(input_mask(self.spec), self.matrix.sum(axis=0), 0.0)
        self.amounts = {cid: sum((u.amounts.get(cid, Decimal(0)) for u in self.units), Decimal(0))
                        for cid, cell in self.spec.cells.items() if cell.type == "amount" and cid not in computed}
        for cid, value in self.amounts.items():
            summed[self.index[cid]] = float(value)
        self.total = Frame.from_rows(self.spec, summed[None, :]).values[0]

    @cached_property
    def index(self) -> dict[str, int]:
        return {cid: j for j, cid in enumerate(self.spec.cells)}

    def value(self, cell_id: str) -> float | Decimal:
        """The summary's value of a cell (amount cells exactly)."""
        if cell_id in self.amounts:
            return self.amounts[cell_id]
        return float(self.total[self.index[cell_id]])

    def contributions(self, cell_id: str) -> list[tuple[Unit, float]]:
        """Provenance: the agencies that contributed to a cell and how much, largest first (zeros left out)."""
        col = self.matrix[:, self.index[cell_id]]
        nz = np.flatnonzero(col)
        order = nz[np.argsort(-col[nz], kind="stable")]
        return [(self.units[i], float(col[i])) for i in order]

    def count(self, status: str) -> int:
        return sum(s.status == status for s in self.submissions)

    @property
    def summed_files(self) -> list[Submission]:
        return [s for s in self.submissions if s.status in st.SUMMED]
