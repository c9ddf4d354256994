"""The xxgk command line: a thin click layer over the library."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from xxgk.spec import FORMS, load_spec
from xxgk.validate import ERRORS, UNREADABLE, FileReport, validate_files

STATUS_TEXT = {"ok": "[green]通过[/]", "warnings": "[yellow]有警告[/]", "errors": "[red]有错误[/]",
               "unreadable": "[red]无法读取[/]"}
SEVERITY_TEXT = {"error": "[red]错误[/]", "warning": "[yellow]警告[/]"}


@click.group(help="政府信息公开工作年度报告工具：生成模板、校验、汇总。")
@click.version_option(package_name="xxgk")
def main() -> None:
    pass


@main.command(help="生成标准 Excel 模板。")
@click.option("--form", type=click.Choice(FORMS), default="gb2021", show_default=True, help="表式版本")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True, help="输出文件")
def template(form: str, output: Path) -> None:
    from xxgk.template import build_template

    path = build_template(load_spec(form), output)
    click.echo(f"已生成模板：{path}")


def _print_report(console: Console, report: FileReport) -> None:
    title = f"{report.path.name}  {report.agency or ''}  {STATUS_TEXT[report.status]}"
    if not report.findings:
        console.print(f"✓ {title}：全部校验通过")
        return
    table = Table(title=title, title_justify="left", show_lines=False, expand=False)
    for col in ("级别", "规则", "位置", "应为", "实为", "说明"):
        table.add_column(col, overflow="fold")
    for f in report.findings:
        cells = "、".join(f.cells[:3]) + ("…" if len(f.cells) > 3 else "")
        table.add_row(SEVERITY_TEXT[f.severity], f.rule or f.code, cells,
                      "" if f.expected is None else str(f.expected),
                      "" if f.actual is None else str(f.actual), f.message)
    console.print(table)


def exit_code(reports: list[FileReport]) -> int:
    if any(r.status == UNREADABLE for r in reports):
        return 2
    return 1 if any(r.status == ERRORS for r in reports) else 0


@main.command(help="校验填好的年报工作簿，列出全部勾稽关系错误、不合格单元格和未填项。")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--previous", type=click.Path(path_type=Path), help="上年度的年报工作簿（跨年度核对）")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON")
def validate(paths: tuple[Path, ...], previous: Path | None, as_json: bool) -> None:
    reports = validate_files(list(paths), previous)
    if as_json:
        click.echo(json.dumps({"files": [r.to_dict() for r in reports]}, ensure_ascii=False, indent=2))
    else:
        console = Console(highlight=False)
        for r in reports:
            _print_report(console, r)
        counts = {s: sum(r.status == s for r in reports) for s in STATUS_TEXT}
        console.print(f"共 {len(reports)} 个文件：通过 {counts['ok']}，有警告 {counts['warnings']}，"
                      f"有错误 {counts['errors']}，无法读取 {counts['unreadable']}。")
    sys.exit(exit_code(reports))
