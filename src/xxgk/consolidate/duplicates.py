"""Copies of one agency's report: agency keys for every candidate, a summary made earlier by this very level,
the latest copy winning over earlier ones, and a newer copy with errors that replaced a valid one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from xxgk.consolidate import status as st
from xxgk.consolidate.keys import KeyResolver
from xxgk.consolidate.messages import DUPLICATE_BASIS, FATE, consolidation_finding
from xxgk.consolidate.model import Submission
from xxgk.findings import WARNING
from xxgk.identity import clean_uscc, normalize_name


def assign_keys(cands: Sequence[Submission]) -> None:
    """Agency keys for every candidate and its units (a copy without USCC joins a copy that has one; different
    agencies on one USCC get different keys, see keys.KeyResolver)."""
    summaries = [s for s in cands if s.is_summary]
    resolver = KeyResolver([(u.name, u.uscc) for s in cands for u in s.units if not s.is_summary or s.has_unit_rows],
                           [(s.agency, s.uscc) for s in summaries])
    for s in cands:
        key = resolver.cover_key(s.agency, s.uscc) if s.is_summary else resolver.key(s.agency, s.uscc)
        s.key = key or f"file:{s.name}"
        opaque = s.is_summary and not s.has_unit_rows
        s.units = [replace(u, key=f"summary:{s.key}" if opaque else resolver.key(u.name, u.uscc) or f"file:{s.name}#{i}")
                   for i, u in enumerate(s.units)]


def drop_own_summaries(cands: Sequence[Submission], own_key: str) -> list[Submission]:
    """A summary made earlier by this very level (its cover names the consolidating unit) is not a sub-summary:
    counting it would replace the agencies' current reports by its old numbers."""
    out = []
    for s in cands:
        if own_key and s.is_summary and s.key == own_key:
            s.status = st.SKIPPED
            s.notes.append(consolidation_finding("consolidate.own_summary", WARNING, agency=s.agency))
        else:
            out.append(s)
    return out


def _same_report(a: Submission, b: Submission) -> bool:
    """Two summaries of one name are copies only when they share an agency (else two places named alike)."""
    if not a.is_summary or not (a.has_unit_rows and b.has_unit_rows):
        return True
    return bool({u.key for u in a.units} & {u.key for u in b.units})


def _why(winner: Submission, loser: Submission) -> str:
    if winner.filed != loser.filed:
        return "填报日期较晚"
    return "文件修改时间较晚" if winner.mtime != loser.mtime else "文件名排序在后"


def drop_duplicates(cands: Sequence[Submission]) -> list[Submission]:
    """Keep the latest copy of each agency's report (summaries and agency reports are told apart). Different
    agencies that carry one USCC have different keys (keys.KeyResolver): neither replaces the other."""
    groups: dict[tuple[bool, str], list[Submission]] = {}
    for s in cands:
        groups.setdefault((s.is_summary, s.key), []).append(s)
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


def duplicate_basis(a: Submission, b: Submission) -> str:
    """Why two copies count as one agency's: the same code and name, the same code, or the same name."""
    code = clean_uscc(a.uscc)
    same_code = bool(code) and code == clean_uscc(b.uscc)
    name = normalize_name(a.agency)
    same_name = bool(name) and name == normalize_name(b.agency)
    return DUPLICATE_BASIS["uscc" if same_code and same_name else "code" if same_code else "name"]


def warn_newer_invalid(subs: Sequence[Submission]) -> None:
    """A newer copy with errors replaced a copy without: the later one still wins, both files say so."""
    for new in subs:
        valid = [old for old in new.replaced if not old.errors]
        if not valid or new.status not in (st.ERRORS, st.ERRORS_INCLUDED):
            continue
        fate = FATE["out" if new.status == st.ERRORS else "in"]
        for old in valid:
            old.notes.append(consolidation_finding("consolidate.newer_invalid", WARNING, winner=new.name,
                                                   count=new.errors, fate=fate))
        latest = max(valid, key=Submission.rank)
        new.notes.append(consolidation_finding("consolidate.replaced_valid", WARNING, loser=latest.name,
                                               count=new.errors, fate=fate))
