"""Consolidation: many agencies' workbooks → one validated summary workbook of the same form, level by level.

    from xxgk.consolidate import Options, consolidate
    result = consolidate([Path("收件箱")], Options(output=Path("县汇总.xlsx"), roster=Path("名册.csv")))
    result.units                      # the summed agencies
    result.value("requests.new.total")
    result.contributions("requests.new.total")   # [(unit, value)], largest first
    [(s.name, s.status, s.reason) for s in result.submissions]

`collect()` does everything but write; `write_summary()` writes a Consolidation. A summary can be
consolidated again: its 单位明细 sheet lists the agencies it holds, so an upper level sums the same agencies
(and notices one sent both directly and inside a sub-summary), and its 校验结果 rows keep their 说明.
Statuses: xxgk.consolidate.status.
"""

from xxgk.consolidate.choice import NothingToConsolidate
from xxgk.consolidate.model import Issue, Submission, Unit
from xxgk.consolidate.options import Options, UsageError
from xxgk.consolidate.result import Consolidation, RosterCheck
from xxgk.consolidate.roster import Roster, RosterError, read_roster
from xxgk.consolidate.run import NothingConsolidated, collect, consolidate
from xxgk.consolidate.workbook import OutputExists, write_summary

__all__ = [
    "Consolidation",
    "Issue",
    "NothingConsolidated",
    "NothingToConsolidate",
    "Options",
    "OutputExists",
    "Roster",
    "RosterCheck",
    "RosterError",
    "Submission",
    "Unit",
    "UsageError",
    "collect",
    "consolidate",
    "read_roster",
    "write_summary",
]
