"""Settle what each file becomes once the form and year are chosen, in stages: other form or year, duplicate
copies, shared codes, sub-summaries and the agencies inside them, the roster, cross-year errors, the status
and its 原因."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from xxgk.consolidate import status as st
from xxgk.consolidate.checks import cross_year
from xxgk.consolidate.choice import Choice, screen
from xxgk.consolidate.clashes import flag_shared_codes, in_sub_summary
from xxgk.consolidate.duplicates import assign_keys, drop_duplicates, drop_own_summaries, warn_newer_invalid
from xxgk.consolidate.messages import consolidation_finding
from xxgk.consolidate.model import Issue, Submission, Unit
from xxgk.consolidate.options import Options
from xxgk.consolidate.previous import Previous
from xxgk.consolidate.reasons import explain
from xxgk.consolidate.roster import Roster
from xxgk.findings import WARNING
from xxgk.identity import agency_key
from xxgk.spec import FormSpec


def settle(subs: list[Submission], choice: Choice, options: Options, roster: Roster | None,
           previous: Previous | None) -> list[Issue]:
    """Give every file its status and 原因; returns the cross-year issues of agencies inside sub-summaries."""
    cands = screen(subs, choice)
    assign_keys(cands)
    kept = drop_duplicates(drop_own_summaries(cands, agency_key(options.agency or "", options.uscc or "")))
    flag_shared_codes(kept)
    claimed = _settle_summaries(kept, roster, options.include_invalid, options.include_unlisted)
    direct = _settle_direct(choice.spec, kept, claimed, roster, options.include_unlisted)
    inner = [u for s in kept if s.is_summary and s.status in st.SUMMED for u in s.units]
    issues = cross_year(choice.spec, direct, inner, previous) if previous else []
    _finish(direct, options.include_invalid)
    warn_newer_invalid(kept)
    explain(subs, roster)
    return issues


def settle_unchosen(subs: list[Submission], roster: Roster | None, include_invalid: bool) -> None:
    """Statuses and 原因 when no form or year could be chosen: every readable file lacks a usable cover."""
    for s in subs:
        s.status = (st.SKIPPED if s.skipped else st.UNREADABLE) if not s.readable else _verdict(s, include_invalid)
    explain(subs, roster)


def _settle_summaries(kept: Sequence[Submission], roster: Roster | None, include_invalid: bool,
                      include_unlisted: bool) -> dict[str, Submission]:
    """Statuses of the sub-summaries; an agency inside two of them counts once. Returns agency key -> summary."""
    claimed: dict[str, Submission] = {}
    for s in kept:
        if not s.is_summary or not _roster_gate(s, roster, include_unlisted):
            continue
        s.status = _verdict(s, include_invalid)
        if s.status in st.SUMMED:
            s.units = _claim(s, claimed)
            s.status = _verdict(s, include_invalid)
    return claimed


def _claim(summary: Submission, claimed: dict[str, Submission]) -> list[Unit]:
    """The summary's agencies that no earlier summary claimed (now claimed by it); a warning for each other one."""
    units = []
    for u in summary.units:
        first = claimed.get(u.key)
        if first is None:
            claimed[u.key] = summary
            units.append(u)
        else:
            summary.findings.append(consolidation_finding("consolidate.unit_twice", WARNING, agency=u.name,
                                                          first=first.name, second=summary.name))
    return units


def _settle_direct(spec: FormSpec, kept: Sequence[Submission], claimed: dict[str, Submission],
                   roster: Roster | None, include_unlisted: bool) -> list[Submission]:
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


def _roster_gate(sub: Submission, roster: Roster | None, include_unlisted: bool) -> bool:
    """False (and status 非名册单位) when the sender is not on the roster and unlisted ones are not summed."""
    if _listed(sub, roster):
        return True
    if include_unlisted:
        sub.notes.append(consolidation_finding("consolidate.unlisted_included", WARNING, agency=sub.agency))
        return True
    sub.status = st.UNLISTED
    sub.notes.append(consolidation_finding("consolidate.unlisted", WARNING, agency=sub.agency))
    return False


def _listed(sub: Submission, roster: Roster | None) -> bool:
    if roster is None or roster.match(sub.agency, sub.uscc):
        return True
    return sub.is_summary and any(roster.match(u.name, u.uscc) for u in sub.units)


def _finish(direct: Sequence[Submission], include_invalid: bool) -> None:
    """Final statuses of the agency reports (after the cross-year checks added their findings)."""
    for s in direct:
        s.status = _verdict(s, include_invalid)
        s.units = [replace(u, status=s.status) for u in s.units]
        if s.status == st.ERRORS_INCLUDED:
            s.notes.append(consolidation_finding("consolidate.included_invalid", WARNING, count=s.errors))


def _verdict(sub: Submission, include_invalid: bool) -> str:
    if sub.errors:
        return st.ERRORS_INCLUDED if include_invalid else st.ERRORS
    return st.WARNINGS if sub.warnings else st.ACCEPTED
