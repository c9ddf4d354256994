"""The options of a consolidation and the check that they can work (before any file is read)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from xxgk.consolidate.roster import Roster, RosterError, read_roster
from xxgk.findings import REGION_REASONS, USCC_REASONS
from xxgk.identifiers import region_problem, uscc_problem
from xxgk.spec import load_spec


class UsageError(ValueError):
    """The options cannot work (the message says why, in Chinese)."""


@dataclass(frozen=True)
class Sender:
    """The unit a file was sent for (known to a portal, not read from the file): the file counts as this
    unit's report whatever its cover claims."""

    name: str
    uscc: str = ""


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
    # file name (as shown, relative to its inbox) -> the unit it was sent for; such a file is summed as that
    # unit's, never as the unit its cover names (a portal knows who uploaded what)
    senders: Mapping[str, Sender] | None = None


def check_options(options: Options) -> Roster | None:
    """Raise UsageError for options that cannot work; return the roster when one is given."""
    _check_codes(options)
    _check_year(options)
    _check_output(options.output, options.force)
    try:
        return read_roster(options.roster) if options.roster else None
    except RosterError as exc:
        raise UsageError(str(exc)) from exc


def _check_codes(options: Options) -> None:
    if options.uscc and (p := uscc_problem(options.uscc)):
        raise UsageError(f"--uscc “{options.uscc}”{USCC_REASONS[p]}。")
    if options.region and (p := region_problem(options.region)):
        raise UsageError(f"--region “{options.region}”{REGION_REASONS[p]}。")


def _check_year(options: Options) -> None:
    if options.form and options.year is not None:
        lo, hi = load_spec(options.form).years
        if not lo <= options.year <= hi:
            raise UsageError(f"--year {options.year} 不在 {options.form} 表式适用的 {lo}–{hi} 年之间。")


def _check_output(out: Path | None, force: bool) -> None:
    if out is None:
        return
    if out.suffix.lower() != ".xlsx":
        raise UsageError(f"输出文件应以 .xlsx 结尾：{out}")
    if out.exists() and not force:
        raise UsageError(f"输出文件已存在：{out}。如需覆盖，请加 --force。")
