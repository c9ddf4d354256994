"""The 原因 column: why each file has its status, in a sentence or two."""

from __future__ import annotations

from xxgk.consolidate import status as st
from xxgk.consolidate.messages import REASONS
from xxgk.consolidate.model import Submission
from xxgk.consolidate.roster import Roster
from xxgk.findings import ERROR


def explain(subs: list[Submission], roster: Roster | None) -> list[Submission]:
    """Give every file its 原因 (and an unreadable one the roster agency its file name names); returns subs."""
    for s in subs:
        if roster is not None and not s.readable and not s.skipped:
            entry = roster.guess(s.name)
            s.guessed = entry.name if entry else ""
        s.reason = describe(s)
    return subs


def describe(sub: Submission) -> str:
    """The 原因 column: why the file has its status, in a sentence or two."""
    if sub.status in (st.ACCEPTED, st.WARNINGS, st.ERRORS, st.ERRORS_INCLUDED):
        text = "；".join(_checked(sub))
        return text + ("" if text.endswith("。") or not sub.notes else "。") + "".join(n.message for n in sub.notes)
    if sub.notes:
        return "".join(n.message for n in sub.notes)
    own = [f for f in sub.findings if f.severity == ERROR] or sub.findings
    return own[0].message if own else sub.reason


def _checked(sub: Submission) -> list[str]:
    """The 原因 of a file that was checked: what it carries, why it is left out, its errors and warnings."""
    parts = []
    if sub.is_summary:
        parts.append(REASONS["summary"].format(count=len(sub.units)))
    if sub.cross_year_errors:
        alone = sub.status == st.ERRORS and sub.cross_year_errors == sub.errors
        parts.append(REASONS["cross_year_only" if alone else "cross_year_some"].format(count=sub.cross_year_errors))
    if sub.errors or sub.warnings:
        own = [f for f in sub.findings if f.severity == ERROR] or sub.findings
        counts = "，".join(REASONS[k].format(count=n) for k, n in (("errors", sub.errors), ("warnings", sub.warnings)) if n)
        parts.append(REASONS["counts"].format(counts=counts, first=own[0].message))
    return parts or [REASONS["passed"]]
