"""Consolidate an inbox, stage by stage: find the files (reading.scan), read and check each one (reading.read_all),
choose the form and year (choice), settle what each file becomes (settle), sum the agencies (result), check the
totals (checks), gather the 校验结果 rows (issues) and write the summary workbook (workbook)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from xxgk.consolidate import status as st
from xxgk.consolidate.checks import total_issues
from xxgk.consolidate.choice import Choice, NothingToConsolidate, choose
from xxgk.consolidate.issues import gather_issues
from xxgk.consolidate.model import PARENT, Submission, Unit
from xxgk.consolidate.options import Options, UsageError, check_options
from xxgk.consolidate.previous import Previous, last_year_rows, load_previous
from xxgk.consolidate.reading import InputError, Progress, read_all, scan
from xxgk.consolidate.result import Consolidation, check_roster
from xxgk.consolidate.roster import Roster
from xxgk.consolidate.senders import apply_senders
from xxgk.consolidate.settle import settle, settle_unchosen
from xxgk.findings import Finding
from xxgk.identifiers import normalize_uscc

__all__ = ["NothingConsolidated", "Options", "UsageError", "collect", "consolidate"]  # Options: the CLI imports it here

DEFAULT_AGENCY = "汇总"


class NothingConsolidated(NothingToConsolidate):
    """Every file was read, none could be summed; carries the submissions for the account."""

    def __init__(self, message: str, submissions: list[Submission]) -> None:
        super().__init__(message)
        self.submissions = submissions


def consolidate(inputs: Sequence[Path], options: Options, on_progress: Progress | None = None) -> Consolidation:
    """collect() and write the summary workbook to options.output (atomically)."""
    from xxgk.consolidate.workbook import write_summary

    if options.output is None:
        raise UsageError("请用 -o 指定汇总表的输出文件。")
    result = collect(inputs, options, on_progress)
    write_summary(result, options.output, force=options.force)
    return result


def collect(inputs: Sequence[Path], options: Options | None = None, on_progress: Progress | None = None) -> Consolidation:
    """Read, check and sum the inputs (folders and files) without writing anything.

    Raises UsageError for unusable options and NothingConsolidated when no file can be summed."""
    options = options or Options()
    roster = check_options(options)
    items = _items(inputs, options)
    previous = _previous(options)
    subs = read_all(items, jobs=options.jobs, on_progress=on_progress)
    apply_senders(subs, options.senders)
    choice = _choose(subs, options, roster)
    inner_issues = settle(subs, choice, options, roster, previous)
    result = _summed(subs, choice, options, previous)
    result.roster = check_roster(roster, subs, result.units) if roster else None
    result.issues = gather_issues(subs, inner_issues, total_issues(result, previous))
    return result


def _items(inputs: Sequence[Path], options: Options) -> list[tuple[Path, str]]:
    exclude = [p for p in (options.output, options.roster, options.previous) if p is not None]
    try:
        items = scan(inputs, exclude)
    except InputError as exc:
        raise UsageError(str(exc)) from exc
    if not items:
        raise NothingConsolidated("输入中没有任何文件。", [])
    return items


def _previous(options: Options) -> Previous | None:
    if options.previous is None:
        return None
    got = load_previous(options.previous, options.jobs)
    if isinstance(got, Finding):  # the cross-year check asked for cannot run: a usage error, as in validate
        raise UsageError(f"--previous {got.message}")
    return got


def _choose(subs: list[Submission], options: Options, roster: Roster | None) -> Choice:
    try:
        return choose(subs, options.form, options.year)
    except NothingToConsolidate as exc:
        settle_unchosen(subs, roster, options.include_invalid)
        raise NothingConsolidated(str(exc), subs) from exc


def _summed(subs: list[Submission], choice: Choice, options: Options, previous: Previous | None) -> Consolidation:
    """The agencies of every summed file, summed, with the summary's cover."""
    units = [u for s in subs if s.status in st.SUMMED for u in s.units]
    if not units:
        raise NothingConsolidated("没有可以汇总的工作簿：全部文件都有错误、无法读取或未列入名册，详见各文件的原因。", subs)
    return Consolidation(choice.spec, choice.year, subs, units, [], agency=options.agency or default_agency(units),
                         uscc=normalize_uscc(options.uscc or ""), region=(options.region or "").strip(),
                         filled_on=options.today or dt.date.today(), include_invalid=options.include_invalid,
                         previous=previous.source if previous else None,
                         last_year=last_year_rows(choice.spec, previous, units) if previous else None)


def default_agency(units: Sequence[Unit]) -> str:
    """“<common 上级主管单位>（汇总）” when most agencies share one, else “汇总”."""
    parents = Counter(u.meta.get(PARENT, "") for u in units)
    parent, n = parents.most_common(1)[0] if parents else ("", 0)
    return f"{parent}（{DEFAULT_AGENCY}）" if parent and n * 2 > len(units) else DEFAULT_AGENCY
