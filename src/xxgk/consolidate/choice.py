"""Which form and year are consolidated, and the files of another form or year (or none at all) set aside."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from xxgk.consolidate import status as st
from xxgk.consolidate.messages import consolidation_finding
from xxgk.consolidate.model import YEAR, Submission
from xxgk.extensions import form_keys
from xxgk.findings import ERROR
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
    spec = load_spec(form if form is not None else _majority_form(readable))
    return Choice(spec, _majority_year(readable, spec) if year is None else year)


def _majority_form(readable: Sequence[Submission]) -> str:
    if not readable:
        raise NothingToConsolidate("没有任何可读取的年报工作簿，无法汇总。")
    counts = Counter(s.form for s in readable)
    keys = form_keys()  # ties: the newer national form, a national form before its extensions
    form = max(counts, key=lambda f: (counts[f], -keys.index(f) if f in keys else -len(keys)))
    assert form is not None
    return form


def _majority_year(readable: Sequence[Submission], spec: FormSpec) -> int:
    lo, hi = spec.years
    years = Counter(y for s in readable if s.form == spec.form and (y := _year(s)) is not None and lo <= y <= hi)
    if not years:
        raise NothingToConsolidate(f"没有任何 {spec.form} 表式、填写了有效报告年度的工作簿，无法汇总。")
    return max(years, key=lambda y: (years[y], y))


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
