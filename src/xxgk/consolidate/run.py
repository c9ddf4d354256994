"""Consolidate an inbox: read every file, decide what counts, sum, check, and write the summary workbook."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from xxgk.consolidate import resolve
from xxgk.consolidate import status as st
from xxgk.consolidate.clashes import flag_shared_codes, warn_newer_invalid
from xxgk.consolidate.identity import agency_key, normalize_name
from xxgk.consolidate.messages import MORE, consolidation_finding
from xxgk.consolidate.model import PARENT, Issue, Submission, Unit
from xxgk.consolidate.previous import Previous, aligned, check_rows, load_previous, same_agencies_total
from xxgk.consolidate.reading import InputError, Progress, read_all, scan
from xxgk.consolidate.resolve import NothingToConsolidate
from xxgk.consolidate.result import Consolidation, check_roster
from xxgk.consolidate.roster import Roster, RosterError, read_roster
from xxgk.findings import ERROR, REGION_REASONS, USCC_REASONS, WARNING, Finding
from xxgk.hints import Hint
from xxgk.identifiers import normalize_uscc, region_problem, uscc_problem
from xxgk.spec import FormSpec, load_spec

TOTAL_FILE = "（汇总合计）"
SHOWN = 3  # agencies named in a message
DEFAULT_AGENCY = "汇总"


class UsageError(ValueError):
    """The options cannot work (the message says why, in Chinese)."""


class NothingConsolidated(NothingToConsolidate):
    """Every file was read, none could be summed; carries the submissions for the account."""

    def __init__(self, message: str, submissions: list[Submission]) -> None:
        super().__init__(message)
        self.submissions = submissions


@dataclass(frozen=True)
class Options:
    output: Path | None = None
    roster: Path | None = None
    previous: Path | None = None
    agency: str | None = None  # the consolidating unit, named on the cover
    uscc: str | None = None
    region: str | None = None
    form: str | None = None
    year: int | None = None
    include_invalid: bool = False
    include_unlisted: bool = False
    force: bool = False
    # Worker processes for reading. None: by inbox size (used by the CLI). Worker processes are spawned, so
    # a script that passes None or > 1 must guard its entry point with `if __name__ == "__main__":`.
    jobs: int | None = 1
    today: dt.date | None = None  # the summary's 填报日期 (default: today)


def check_options(options: Options) -> Roster | None:
    """Raise UsageError for options that cannot work; return the roster when one is given."""
    if options.uscc and (p := uscc_problem(options.uscc)):
        raise UsageError(f"--uscc “{options.uscc}”{USCC_REASONS[p]}。")
    if options.region and (p := region_problem(options.region)):
        raise UsageError(f"--region “{options.region}”{REGION_REASONS[p]}。")
    if options.form and options.year is not None:
        lo, hi = load_spec(options.form).years
        if not lo <= options.year <= hi:
            raise UsageError(f"--year {options.year} 不在 {options.form} 表式适用的 {lo}–{hi} 年之间。")
    out = options.output
    if out is not None:
        if out.suffix.lower() != ".xlsx":
            raise UsageError(f"输出文件应以 .xlsx 结尾：{out}")
        if out.exists() and not options.force:
            raise UsageError(f"输出文件已存在：{out}。如需覆盖，请加 --force。")
    try:
        return read_roster(options.roster) if options.roster else None
    except RosterError as exc:
        raise UsageError(str(exc)) from exc


def cross_year(spec: FormSpec, direct: Sequence[Submission], inner: Sequence[Unit], previous: Previous) -> list[Issue]:
    """prev() rules per agency. Findings on agency reports join the file (and decide its status); those on
    agencies inside a sub-summary are listed only (the sub-summary is judged where it was made)."""
    units = [s.units[0] for s in direct] + list(inner)
    if not units:
        return []
    rows = np.array([u.values for u in units]).reshape(len(units), len(spec.cells))
    found = check_rows(spec, rows, aligned(previous, units), previous)
    for s, fs in zip(direct, found, strict=False):
        s.findings.extend(fs)
        s.cross_year_errors = sum(f.severity == ERROR for f in fs)
    return [Issue(u.name, u.uscc, u.via, f) for u, fs in zip(inner, found[len(direct):], strict=True) for f in fs]


def total_issues(result: Consolidation, previous: Previous | None) -> list[Issue]:
    """Every rule on the summary's own totals. Cross-year ones compare with last year's total of the same
    agencies; when last year's data lacks some of them, they are skipped with a warning saying so."""
    prev, skipped = None, []
    if previous is not None:
        prev, unmatched = same_agencies_total(previous, result.units)
        skipped = [_partial(result, previous, unmatched)] if prev is None else []
    rows = prev[None, :] if prev is not None else None
    (found,) = check_rows(result.spec, result.total[None, :], rows, previous, only_cross_year=False)
    return [Issue(result.agency, result.uscc, TOTAL_FILE, f) for f in [*skipped, *found]]


def _partial(result: Consolidation, previous: Previous, unmatched: Sequence[Unit]) -> Finding:
    names = "、".join(u.name or u.uscc for u in unmatched[:SHOWN]) + (MORE if len(unmatched) > SHOWN else "")
    return consolidation_finding("consolidate.previous_partial", WARNING, count=len(result.units),
                                 missing=len(unmatched), source=previous.source, names=names)


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


def default_agency(units: Sequence[Unit]) -> str:
    """“<common 上级主管单位>（汇总）” when most agencies share one, else “汇总”."""
    parents = Counter(u.meta.get(PARENT, "") for u in units)
    parent, n = parents.most_common(1)[0] if parents else ("", 0)
    return f"{parent}（{DEFAULT_AGENCY}）" if parent and n * 2 > len(units) else DEFAULT_AGENCY


def _previous(options: Options) -> tuple[Previous | None, list[Issue]]:
    if options.previous is None:
        return None, []
    got = load_previous(options.previous, options.jobs)
    if isinstance(got, Finding):  # the cross-year check asked for cannot run: a usage error, as in validate
        raise UsageError(f"--previous {got.message}")
    return got, []


def _items(inputs: Sequence[Path], options: Options) -> list[tuple[Path, str]]:
    exclude = [p for p in (options.output, options.roster, options.previous) if p is not None]
    try:
        items = scan(inputs, exclude)
    except InputError as exc:
        raise UsageError(str(exc)) from exc
    if not items:
        raise NothingConsolidated("输入中没有任何文件。", [])
    return items


def _choose(subs: list[Submission], options: Options, roster: Roster | None) -> resolve.Choice:
    try:
        return resolve.choose(subs, options.form, options.year)
    except NothingToConsolidate as exc:
        resolve.settle_unusable(subs, options.include_invalid)
        raise NothingConsolidated(str(exc), _described(subs, roster)) from exc


def _settle(subs: list[Submission], choice: resolve.Choice, roster: Roster | None, options: Options,
            previous: Previous | None) -> list[Issue]:
    """Give every file its status; returns the cross-year issues of agencies inside sub-summaries."""
    cands = resolve.screen(subs, choice)
    resolve.assign_keys(cands)
    own = agency_key(options.agency or "", options.uscc or "") if options.agency or options.uscc else ""
    kept = resolve.drop_duplicates(resolve.drop_own_summaries(cands, own))
    flag_shared_codes(kept)
    claimed = resolve.settle_summaries(kept, roster, options.include_invalid, options.include_unlisted)
    direct = resolve.settle_direct(choice.spec, kept, claimed, roster, options.include_unlisted)
    inner = [u for s in kept if s.kind == resolve.SUMMARY_KIND and s.status in st.SUMMED for u in s.units]
    issues = cross_year(choice.spec, direct, inner, previous) if previous else []
    resolve.finish(direct, options.include_invalid)
    warn_newer_invalid(kept)
    _described(subs, roster)
    return issues


def collect(inputs: Sequence[Path], options: Options | None = None, on_progress: Progress | None = None) -> Consolidation:
    """Read, check and sum the inputs (folders and files) without writing anything.

    Raises UsageError for unusable options and NothingConsolidated when no file can be summed."""
    options = options or Options()
    roster = check_options(options)
    items = _items(inputs, options)
    previous, problems = _previous(options)
    subs = read_all(items, jobs=options.jobs, on_progress=on_progress)
    choice = _choose(subs, options, roster)
    inner_issues = _settle(subs, choice, roster, options, previous)
    units = [u for s in subs if s.status in st.SUMMED for u in s.units]
    if not units:
        raise NothingConsolidated("没有可以汇总的工作簿：全部文件都有错误、无法读取或未列入名册，详见各文件的原因。", subs)
    result = Consolidation(choice.spec, choice.year, subs, units, [],
                           agency=options.agency or default_agency(units),
                           uscc=normalize_uscc(options.uscc or ""), region=(options.region or "").strip(),
                           filled_on=options.today or dt.date.today(), include_invalid=options.include_invalid,
                           previous=previous.source if previous else None)
    result.roster = check_roster(roster, subs, units) if roster else None
    result.issues = problems + gather_issues(subs, inner_issues, total_issues(result, previous))
    return result


def _described(subs: list[Submission], roster: Roster | None) -> list[Submission]:
    for s in subs:
        if roster is not None and not s.readable and not s.skipped:
            entry = roster.guess(s.name)
            s.guessed = entry.name if entry else ""
        s.reason = resolve.describe(s)
    return subs


def consolidate(inputs: Sequence[Path], options: Options, on_progress: Progress | None = None) -> Consolidation:
    """collect() and write the summary workbook to options.output (atomically)."""
    from xxgk.consolidate.workbook import write_summary

    if options.output is None:
        raise UsageError("请用 -o 指定汇总表的输出文件。")
    result = collect(inputs, options, on_progress)
    write_summary(result, options.output, force=options.force)
    return result
