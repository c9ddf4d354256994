"""What `xxgk consolidate` prints: a short account on a terminal, or the JSON account."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape

from xxgk.consolidate import status as st
from xxgk.consolidate.account import account, failure_account
from xxgk.consolidate.model import Submission
from xxgk.consolidate.options import Options, UsageError
from xxgk.consolidate.progress import progress_bar, wanted
from xxgk.consolidate.result import Consolidation
from xxgk.consolidate.run import NothingConsolidated, consolidate

EXIT_OK, EXIT_NOTHING = 0, 2
MAX_LISTED = 30
COLOUR = {"ok": "green", "warn": "yellow", "bad": "red", "muted": "bright_black"}


MARK = {"ok": "[green]✓[/]", "warn": "[yellow]![/]", "bad": "[red]✗[/]", "muted": "[bright_black]·[/]"}


def _print(console: Console, subs: Sequence[Submission]) -> None:
    """One line per file that was not simply summed (at most MAX_LISTED), then the counts."""
    shown = [s for s in subs if s.status != st.ACCEPTED]
    for s in shown[:MAX_LISTED]:
        tone = st.tone(s.status)
        who = f"（{escape(s.agency or s.guessed)}）" if s.agency or s.guessed else ""
        console.print(f"{MARK[tone]} {escape(s.name)}{who}：[{COLOUR[tone]}]{s.status}[/]")
        console.print("     " + escape(s.reason))
    if len(shown) > MAX_LISTED:
        console.print(f"……另有 {len(shown) - MAX_LISTED} 个文件，见汇总表的“报送情况”表。")
    if not subs:
        return  # the reason follows ("输入中没有任何文件")
    counts = "，".join(f"{s} {n}" for s in st.ALL if (n := sum(x.status == s for x in subs)))
    console.print(f"共 {len(subs)} 个文件：{counts}。")


def _print_result(console: Console, result: Consolidation, output: Path) -> None:
    _print(console, result.submissions)
    rc = result.roster
    if rc is not None:
        console.print(f"名册：应报 {rc.expected}，实报 {rc.received}（已汇总 {rc.summed}），未报 {len(rc.missing)}。")
        for e in rc.missing[:MAX_LISTED]:
            console.print(f"  [red]未报[/] {escape(e.name)} {e.uscc}")
        for problem in rc.roster.problems[:5]:
            console.print(f"  [yellow]名册[/] {escape(problem)}")
    errors = sum(i.finding.severity == "error" for i in result.issues)
    console.print(f"校验结果 {len(result.issues)} 条（错误 {errors}），见“校验结果”表。")
    if result.include_invalid:
        console.print(f"[yellow]按 --include-invalid，{result.count(st.ERRORS_INCLUDED)} 份有错误的报表已计入汇总。[/]")
    console.print(f"[bold]已汇总 {len(result.units)} 个单位（{result.spec.form}，{result.year} 年度）：[/]"
                  + escape(str(output)))


def run(inputs: Sequence[Path], options: Options, as_json: bool) -> int:
    """Consolidate and print; returns the exit code (0 written, 2 nothing consolidated or wrong usage)."""
    console = Console(highlight=False, soft_wrap=True)
    try:
        with progress_bar(wanted(as_json)) as on_progress:
            result = consolidate(list(inputs), options, on_progress)
    except UsageError as exc:
        if as_json:
            click.echo(json.dumps({"written": False, "error": str(exc)}, ensure_ascii=False, indent=2))
        else:
            click.echo(f"错误：{exc}", err=True)
        return EXIT_NOTHING
    except NothingConsolidated as exc:
        if as_json:
            click.echo(json.dumps(failure_account(str(exc), exc.submissions), ensure_ascii=False, indent=2))
        else:
            _print(console, exc.submissions)
            console.print("[red]未生成汇总表：[/]" + escape(str(exc)))
        return EXIT_NOTHING
    assert options.output is not None
    if as_json:
        click.echo(json.dumps(account(result, options.output, True), ensure_ascii=False, indent=2))
    else:
        _print_result(console, result, options.output)
    return EXIT_OK
