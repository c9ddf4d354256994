"""Decide what each input file becomes: which form and year are consolidated, which copy of a twice-sent
report counts, which agencies are already inside a sub-summary, who is not on the roster, and the status."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace

from xxgk.consolidate import status as st
from xxgk.consolidate.clashes import duplicate_basis, in_sub_summary
from xxgk.consolidate.identity import KeyResolver
from xxgk.consolidate.messages import REASONS, consolidation_finding
from xxgk.consolidate.model import YEAR, Submission
from xxgk.consolidate.reading import SUMMARY_KIND
from xxgk.consolidate.roster import Roster
from xxgk.extensions import form_keys
from xxgk.findings import ERROR, WARNING
from xxgk.spec import FormSpec, form_for_year, load_spec


class NothingToConsolidate(ValueError):
    """No input could be consolidated (the message says why, in Chinese)."""


@dataclass(frozen=True)
class Choice:
    spec: FormSpec
    year: int


def _year(sub: Submission) -> int | None:
    text = sub.meta.get(YEAR, "")
    return int(text) if text.isdigit() else None


def choose(subs: Sequence[Submission], form: str | None = None, year: int | None = None) -> Choice:
    """The form (given, else the majority of readable files) and the year (likewise)."""
    readable = [s for s in subs if s.readable]
    if form is None and year is not None:
        form = form_for_year(year)
    if form is None:
        if not readable:
            raise NothingToConsolidate("没有任何可读取的年报工作簿，无法汇总。")
        counts = Counter(s.form for s in readable)
        keys = form_keys()  # ties: the newer national form, a national form before its extensions
        form = max(counts, key=lambda f: (counts[f], -keys.index(f) if f in keys else -len(keys)))
    assert form is not None
    spec = load_spec(form)
    if year is None:
        lo, hi = spec.years
        years = Counter(y for s in readable if s.form == form and (y := _year(s)) is not None and lo <= y <= hi)
        if not years:
            raise NothingToConsolidate(f"没有任何 {form} 表式、填写了有效报告年度的工作簿，无法汇总。")
        year = max(years, key=lambda y: (years[y], y))
    return Choice(spec, year)


def screen(subs: Sequence[Submission], choice: Choice) -> list[Submission]:
    """Settle unreadable files and files of another form or year; return the candidates."""
    spec, out = choice.spec, []
    for s in subs:
        if not s.readable:
            s.status = st.SKIPPED if s.skipped else st.UNREADABLE
        elif s.form != spec.form:
            other = load_spec(s.form or spec.form)
            s.status = st.WRONG_FORM
            s.notes.append(consolidation_finding("consolidate.wrong_form", ERROR, form=other.form, basis=other.basis,
                                                 chosen=spec.form, chosen_basis=spec.basis))
        elif _year(s) not in (None, choice.year):
            s.status = st.WRONG_YEAR
            s.notes.append(consolidation_finding("consolidate.wrong_year", ERROR, year=_year(s), chosen=choice.year))
        else:
            out.append(s)
    return out


def settle_unusable(subs: Sequence[Submission], include_invalid: bool) -> None:
    """Statuses when no form or year could be chosen: every readable file lacks a usable cover."""
    for s in subs:
        s.status = (st.SKIPPED if s.skipped else st.UNREADABLE) if not s.readable else verdict(s, include_invalid)


def assign_keys(cands: Sequence[Submission]) -> None:
    """Agency keys for every candidate and its units (a copy without USCC joins a copy that has one; different
    agencies on one USCC get different keys, see identity.KeyResolver)."""
    summaries = [s for s in cands if s.kind == SUMMARY_KIND]
    resolver = KeyResolver([(u.name, u.uscc) for s in cands for u in s.units if s.kind != SUMMARY_KIND or s.has_unit_rows],
                           [(s.agency, s.uscc) for s in summaries])
    for s in cands:
        key = resolver.cover_key(s.agency, s.uscc) if s.kind == SUMMARY_KIND else resolver.key(s.agency, s.uscc)
        s.key = key or f"file:{s.name}"
        opaque = s.kind == SUMMARY_KIND and not s.has_unit_rows
        s.units = [replace(u, key=f"summary:{s.key}" if opaque else resolver.key(u.name, u.uscc) or f"file:{s.name}#{i}")
                   for i, u in enumerate(s.units)]


def drop_own_summaries(cands: Sequence[Submission], own_key: str) -> list[Submission]:
    """A summary made earlier by this very level (its cover names the consolidating unit) is not a sub-summary:
    counting it would replace the agencies' current reports by its old numbers."""
    out = []
    for s in cands:
        if own_key and s.kind == SUMMARY_KIND and s.key == own_key:
            s.status = st.SKIPPED
            s.notes.append(consolidation_finding("consolidate.own_summary", WARNING, agency=s.agency))
        else:
            out.append(s)
    return out


def _same_report(a: Submission, b: Submission) -> bool:
    """Two summaries of one name are copies only when they share an agency (else two places named alike)."""
    if a.kind != SUMMARY_KIND or not (a.has_unit_rows and b.has_unit_rows):
        return True
    return bool({u.key for u in a.units} & {u.key for u in b.units})


def _why(winner: Submission, loser: Submission) -> str:
    if winner.filed != loser.filed:
        return "填报日期较晚"
    return "文件修改时间较晚" if winner.mtime != loser.mtime else "文件名排序在后"


def drop_duplicates(cands: Sequence[Submission]) -> list[Submission]:
    """Keep the latest copy of each agency's report (summaries and agency reports are told apart). Different
    agencies that carry one USCC have different keys (identity.KeyResolver): neither replaces the other."""
    groups: dict[tuple[bool, str], list[Submission]] = {}
    for s in cands:
        groups.setdefault((s.kind == SUMMARY_KIND, s.key), []).append(s)
    for group in groups.values():
        kept: list[Submission] = []
        for s in sorted(group, key=lambda s: s.rank(), reverse=True):
            winner = next((k for k in kept if _same_report(k, s)), None)
            if winner is None:
                kept.append(s)
                continue
            s.status = st.REPLACED
            winner.replaced.append(s)
            s.notes.append(consolidation_finding("consolidate.duplicate", WARNING, winner=winner.name,
                                                 agency=_shown(s), winner_agency=_shown(winner),
                                                 basis=duplicate_basis(s, winner), why=_why(winner, s)))
    return [s for s in cands if not s.status]


def _shown(sub: Submission) -> str:
    return sub.agency or sub.uscc or sub.name


def listed(sub: Submission, roster: Roster | None) -> bool:
    if roster is None or roster.match(sub.agency, sub.uscc):
        return True
    return sub.kind == SUMMARY_KIND and any(roster.match(u.name, u.uscc) for u in sub.units)


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
        if s.kind != SUMMARY_KIND or not _roster_gate(s, roster, include_unlisted):
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
        if s.kind == SUMMARY_KIND:
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
    if sub.kind == SUMMARY_KIND:
        parts.append(REASONS["summary"].format(count=len(sub.units)))
    if sub.cross_year_errors:
        alone = sub.status == st.ERRORS and sub.cross_year_errors == sub.errors
        parts.append(REASONS["cross_year_only" if alone else "cross_year_some"].format(count=sub.cross_year_errors))
    if sub.errors or sub.warnings:
        own = [f for f in sub.findings if f.severity == ERROR] or sub.findings
        counts = "，".join(REASONS[k].format(count=n) for k, n in (("errors", sub.errors), ("warnings", sub.warnings)) if n)
        parts.append(REASONS["counts"].format(counts=counts, first=own[0].message))
    return parts or [REASONS["passed"]]
