"""The 校验结果 rows: each file's findings, the sub-summaries' rows with the 说明 typed there, the totals'."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from xxgk.consolidate import status as st
from xxgk.consolidate.model import Issue, Submission
from xxgk.findings import Finding
from xxgk.hints import Hint
from xxgk.identity import normalize_name


def _issue_key(i: Issue) -> tuple[str, str, tuple[str, ...]]:
    return normalize_name(i.agency), i.finding.rule or i.finding.code, i.finding.cells


def hint_for(hints: Sequence[Hint], f: Finding) -> str:
    """The messages of the fix hints that repair this finding (the 修改建议 of its 校验结果 row)."""
    return "\n".join(h.message for h in hints if f.rule is not None and f.rule in h.fixes)


def gather_issues(subs: Sequence[Submission], inner: Sequence[Issue], totals: Sequence[Issue]) -> list[Issue]:
    """The 校验结果 rows: each file's findings, the sub-summaries' rows with their 说明, the totals'."""
    carried = [i for s in subs if s.status in st.SUMMED for i in s.carried]
    notes = {_issue_key(i): i.note for i in carried if i.note}
    out = [Issue(s.agency or s.guessed, s.uscc, s.name, f, hint=hint_for(s.hints, f)) for s in subs if not s.skipped
           for f in (*s.findings, *s.notes)]
    fresh = {_issue_key(i) for i in inner}
    out += [replace(i, note=notes.get(_issue_key(i), i.note)) for i in inner]
    out += [i for i in carried if _issue_key(i) not in fresh]
    return out + list(totals)
