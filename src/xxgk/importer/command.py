"""`xxgk import`: the command-line adapter over xxgk.importer.run."""

from __future__ import annotations

import json
from pathlib import Path

import click

from xxgk.consolidate.progress import progress_bar, wanted
from xxgk.findings import ERROR, WARNING, count
from xxgk.importer.run import ImportResult, expand_inputs, import_files

MARKS = {"ok": "✓", "warnings": "!", "errors": "✗", "failed": "✗", "kept": "·"}
STATUS = {"ok": "通过", "warnings": "有警告", "errors": "有错误", "failed": "未导入", "kept": "已有工作簿，未覆盖"}
MAX_SHOWN = 8  # importer findings listed per file; the workbook's full check is `xxgk validate`


def status_line(r: ImportResult) -> str:
    if r.output is None:
        return f"{MARKS[r.status]} {r.source.name}：{STATUS[r.status]}"
    who = "，".join(x for x in (r.agency, r.form or "") if x)
    return (f"{MARKS[r.status]} {r.source.name} → {r.output}（{who}）：{STATUS[r.status]}，"
            f"{count(r.findings, ERROR)} 个错误，{count(r.findings, WARNING)} 个警告，{r.seconds:.2f} 秒")


def details(r: ImportResult) -> list[str]:
    own = [f for f in r.findings if f.code.startswith("import.")]
    rest = [f for f in r.findings if not f.code.startswith("import.") and f.severity == ERROR]
    shown = (own + rest)[:MAX_SHOWN]
    lines = [f"    {'错误' if f.severity == ERROR else '警告'}：{f.message}" for f in shown]
    hidden = len(own) + len(rest) - len(shown)
    if hidden > 0 or (r.output and len(r.findings) > len(shown)):
        lines.append(f"    （全部校验结果：xxgk validate {r.output}）" if r.output else f"    （另有 {hidden} 条）")
    return lines


def run(paths: tuple[Path, ...], out_dir: Path, as_json: bool, force: bool = False) -> int:
    files = expand_inputs(list(paths))
    if not files:
        click.echo("错误：没有找到要导入的报告（.txt .html .docx .pdf）。请检查路径。", err=True)
        return 2
    out_dir.mkdir(parents=True, exist_ok=True)
    with progress_bar(wanted(as_json), "导入报告") as bar:
        def done(r: ImportResult, n: int, total: int) -> None:
            if not as_json:
                click.echo(status_line(r))
                for line in details(r):
                    click.echo(line)
            if bar:
                bar(n, total)

        results = import_files(files, out_dir, done, force=force)
    if as_json:
        click.echo(json.dumps({"files": [r.to_dict() for r in results]}, ensure_ascii=False, indent=2))
    else:
        n = {s: sum(r.status == s for r in results) for s in STATUS}
        click.echo(f"共 {len(results)} 个报告：通过 {n['ok']}，有警告 {n['warnings']}，有错误 {n['errors']}，"
                   f"未导入 {n['failed']}" + (f"，已有工作簿未覆盖 {n['kept']}（覆盖请加 --force）" if n["kept"] else "")
                   + f"。工作簿在 {out_dir}。")
    if any(r.output is None for r in results):
        return 2
    return 1 if any(r.status == "errors" for r in results) else 0
