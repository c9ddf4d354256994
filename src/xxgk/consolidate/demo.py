"""`make demo`, last step: consolidate the demo inbox against a roster and say where the summary is."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from xxgk.consolidate.options import Options
from xxgk.consolidate.roster import HEADERS
from xxgk.consolidate.run import consolidate
from xxgk.samples import Agency


def write_roster(path: Path, group: Sequence[Agency]) -> Path:
    """A roster CSV as Excel saves it in China (GBK, CRLF)."""
    header = ",".join(labels[0] for labels in HEADERS.values())
    lines = [header, *(f"{a.name},{a.uscc},{a.region},{a.parent}" for a in group)]
    path.write_bytes("\r\n".join(lines).encode("gbk"))
    return path


def consolidate_demo(console: Console, out: Path, inbox: Path, roster_group: Sequence[Agency]) -> Path:
    roster = write_roster(out / "名册.csv", roster_group)
    summary = out / "示范县汇总.xlsx"
    console.rule("汇总")
    result = consolidate([inbox], Options(output=summary, roster=roster, force=True,
                                          agency=f"{roster_group[0].parent}办公室"))
    rc = result.roster
    assert rc is not None
    console.print(f"名册 {escape(str(roster))}：应报 {rc.expected}，实报 {rc.received}，已汇总 {rc.summed}，"
                  f"未报 {len(rc.missing)}（{escape('、'.join(e.name for e in rc.missing))}）。")
    console.print(f"汇总了 {len(result.units)} 个单位，其余 {len(result.submissions) - len(result.summed_files)} 个文件"
                  f"的原因见“报送情况”表。")
    console.print("汇总表：" + escape(str(summary)))
    console.print(f"命令行：.venv/bin/xxgk consolidate '{inbox}' -o 汇总.xlsx --roster '{roster}'")
    return summary
