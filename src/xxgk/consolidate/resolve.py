"""Decide what each candidate file becomes (after the form and year were chosen): which copy of a twice-sent
report counts, which agencies are already inside a sub-summary, who is not on the roster, and the status."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from xxgk.consolidate import status as st
from xxgk.consolidate.clashes import in_sub_summary
from xxgk.consolidate.messages import consolidation_finding
from xxgk.consolidate.model import Submission
from xxgk.consolidate.roster import Roster
from xxgk.findings import WARNING
from xxgk.spec import FormSpec


def settle_unusable(subs: Sequence[Submission], include_invalid: bool) -> None:
    """Statuses when no form or year could be chosen: every readable file lacks a usable cover."""
    for s in subs:
        s.status = (st.SKIPPED if s.skipped else st.UNREADABLE) if not s.readable else verdict(s, include_invalid)


def listed(sub: Submission, roster: Roster | None) -> bool:
    if roster is None or roster.match(sub.agency, sub.uscc):
        return True
    return sub.is_summary and any(roster.match(u.name, u.uscc) for u in sub.units)


def verdict(sub: Submission, include_invalid: bool) -> str:
    if sub.errors:
        return st.ERRORS_INCLUDED if include_invalid else st.ERRORS
    return st.WARNINGS if sub.warnings else st.ACCEPTED


def _roster_gate(sub: Submission, roster: Roster | None, include_unlisted: bool) -> bool:
    """False (and status 非名册单位) when the sender is not on the roster and unlisted ones are not summed."""
    if listed(sub, roster):
        return True
    if include_unlisted:
        sub.notes.append(consolidation_finding("consolidate.unlisted_included", WARNING, agency=sub.agency))
        return True
    sub.status = st.UNLISTED
    sub.notes.append(consolidation_finding("consolidate.unlisted", WARNING, agency=sub.agency))
    return False


def settle_summaries(kept: Sequence[Submission], roster: Roster | None, include_invalid: bool,
                     include_unlisted: bool) -> dict[str, Submission]:
    """Statuses of the sub-summaries; an agency inside two of them counts once. Returns agency key -> summary."""
    claimed: dict[str, Submission] = {}
    for s in kept:
        if not s.is_summary or not _roster_gate(s, roster, include_unlisted):
            continue
        s.status = verdict(s, include_invalid)
        if s.status not in st.SUMMED:
            continue
        units = []
        for u in s.units:
            first = claimed.get(u.key)
            if first is None:
                claimed[u.key] = s
                units.append(u)
            else:
                s.findings.append(consolidation_finding("consolidate.unit_twice", WARNING, agency=u.name,
                                                        first=first.name, second=s.name))
        s.units = units
        s.status = verdict(s, include_invalid)
    return claimed


def settle_direct(spec: FormSpec, kept: Sequence[Submission], claimed: dict[str, Submission], roster: Roster | None,
                  include_unlisted: bool) -> list[Submission]:
    """Agency reports already inside a summed sub-summary, or not on the roster; returns the rest."""
    out = []
    for s in kept:
        if s.is_summary:
            continue
        inside = claimed.get(s.units[0].key)
        if inside is not None:
            s.status = st.IN_SUB_SUMMARY
            s.notes.append(in_sub_summary(spec, s, inside))
        elif _roster_gate(s, roster, include_unlisted):
            out.append(s)
    return out


def finish(direct: Sequence[Submission], include_invalid: bool) -> None:
    """Final statuses of the agency reports (after the cross-year checks added their findings)."""
    for s in direct:
        s.status = verdict(s, include_invalid)
        s.units = [replace(u, status=s.status) for u in s.units]
        if s.status == st.ERRORS_INCLUDED:
            s.notes.append(consolidation_finding("consolidate.included_invalid", WARNING, count=s.errors))
