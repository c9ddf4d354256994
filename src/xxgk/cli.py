"""The xxgk command line: a thin click layer over the library."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape

from xxgk.addin.cli import addin
from xxgk.clihelp import ZhHelpGroup
from xxgk.extensions import extended_forms, extension_info, form_keys
from xxgk.findings import code_name
from xxgk.labels import compact_cells
from xxgk.spec import EXT_SEPARATOR, EXTENSIONS, FORMS, load_spec
from xxgk.usage_errors import ChoiceZh, IsoDate, PositiveInt, run_cli
from xxgk.validate import ERRORS, SKIPPED, UNREADABLE, FileReport, PreviousUnusable, validate_files
from xxgk.web.command import portal_admin, serve

STATUS_TEXT = {"ok": "[green]通过[/]", "warnings": "[yellow]有警告[/]", "errors": "[red]有错误[/]",
               "unreadable": "[red]无法读取[/]", "skipped": "[dim]已跳过[/]"}
SEVERITY_TEXT = {"error": "[red]错误[/]", "warning": "[yellow]警告[/]"}


def version_text() -> str:
    from xxgk import __version__

    forms = "；".join(f"{f} {load_spec(f).spec_version}（{load_spec(f).basis}）" for f in FORMS)
    extended = "；".join(f"{f} {load_spec(f).spec_version}（{extension_info(f.partition(EXT_SEPARATOR)[2]).title}）"
                         for f in extended_forms())
    return f"xxgk {__version__}\n表式：{forms}" + (f"\n扩展表式：{extended}" if extended else "")


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        click.echo(version_text())
        ctx.exit()


@click.group(cls=ZhHelpGroup, help="政府信息公开工作年度报告工具：生成模板、校验、汇总，导入已发布的年报，生成可发布的年度报告。")
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=_print_version,
              help="显示程序和表式版本并退出。")
def main() -> None:
    pass


main.add_command(addin)


def run() -> None:
    """The console script: user errors become a Chinese message and exit code 2, never a traceback."""
    run_cli(main)


def _option(ctx: click.Context, name: str) -> click.Parameter:
    return next(p for p in ctx.command.params if p.name == name)


@main.command(help="生成标准 Excel 模板。")
@click.option("--form", type=ChoiceZh(FORMS), default="gb2021", show_default=True, help="表式版本")
@click.option("--ext", type=ChoiceZh(EXTENSIONS), help="省级扩展表式（在国家表式上增加本省的表；未给 --form 时用它扩展的表式）")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True, help="输出文件")
def template(form: str, ext: str | None, output: Path) -> None:
    from xxgk.template import build_template

    ctx = click.get_current_context()
    if output.suffix.lower() != ".xlsx":
        raise click.BadParameter(f"“{output}”应以 .xlsx 结尾（模板是 Excel 工作簿）", ctx, _option(ctx, "output"))
    if ext and f"{form}{EXT_SEPARATOR}{ext}" not in extended_forms():
        allowed = extension_info(ext).extends
        if ctx.get_parameter_source("form") is click.core.ParameterSource.DEFAULT:
            form = allowed[0]  # --ext alone: the (first) national form the extension extends
        else:
            raise click.BadParameter(f"扩展表式“{ext}”不适用于 {form} 表式（适用于：{'、'.join(allowed)}），"
                                     f"请改用 --form {allowed[0]}", ctx, _option(ctx, "ext"))
    path = build_template(load_spec(form, ext), output)
    click.echo(f"已生成模板：{path}")


def print_report(console: Console, report: FileReport) -> None:
    name = escape(report.shown_name)
    head = f"{name}（{escape(report.agency)}）" if report.agency else name
    if report.status == SKIPPED:
        console.print(f"[dim]-[/] {head}：{STATUS_TEXT[SKIPPED]}（{escape(report.reason)}）")
        return
    if not report.findings:
        console.print(f"[green]✓[/] {head}：全部校验通过")
        return
    mark = "[red]✗[/]" if report.status in ("errors", "unreadable") else "[yellow]![/]"
    console.print(f"{mark} {head}：{STATUS_TEXT[report.status]}，{report.errors} 个错误，{report.warnings} 个警告")
    for hint in report.hints:
        console.print("  [cyan]修改建议：[/]" + escape(hint.message))
    for n, f in enumerate(report.findings, 1):
        where = compact_cells(f.cells)
        sides = ("" if f.expected is None else f"  应为 {f.expected}") + ("" if f.actual is None else f"  实为 {f.actual}")
        head = "  ".join(p for p in (code_name(f.code, f.title), where) if p)  # Chinese name; codes are in --json
        console.print(f"  {n}. {SEVERITY_TEXT[f.severity]}" + escape(f" {head}{sides}".rstrip()))
        console.print("     " + escape(f.message))


def exit_code(reports: list[FileReport]) -> int:
    if any(r.status == UNREADABLE for r in reports):
        return 2
    return 1 if any(r.status == ERRORS for r in reports) else 0


@main.command(help="校验填好的年报工作簿，列出全部勾稽关系错误、不合格单元格和未填项。")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--previous", type=click.Path(path_type=Path),
              help="上年度的年报工作簿或所在文件夹（按统一社会信用代码、单位名称对应，跨年度核对）")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON")
@click.option("--annotate", "annotate_to", type=click.Path(),  # a str: a trailing slash says "folder"
              help="另存一份标记副本：加“校验结果”表、标出有问题的单元格（原文件不变）；多个文件时为文件夹")
def validate(paths: tuple[Path, ...], previous: Path | None, as_json: bool, annotate_to: str | None) -> None:
    try:
        reports = validate_files(list(paths), previous)
    except PreviousUnusable as exc:
        click.echo(f"错误：{str(exc).rstrip('。')}。跨年度核对无法进行，请检查 --previous。", err=True)
        sys.exit(2)
    if all(r.status == SKIPPED for r in reports):
        skipped = "".join(f"\n  {r.shown_name}：{r.reason}" for r in reports)
        click.echo(f"错误：没有找到要校验的工作簿（.xlsx）。请检查路径。{skipped}", err=True)
        sys.exit(2)
    if as_json:
        click.echo(json.dumps({"files": [r.to_dict() for r in reports]}, ensure_ascii=False, indent=2))
    else:
        console = Console(highlight=False, soft_wrap=True)
        for r in reports:
            print_report(console, r)
        counts = {s: sum(r.status == s for r in reports) for s in STATUS_TEXT}
        console.print(f"共 {len(reports)} 个文件：通过 {counts['ok']}，有警告 {counts['warnings']}，"
                      f"有错误 {counts['errors']}，无法读取 {counts['unreadable']}"
                      + (f"，已跳过 {counts['skipped']}（不是报表）" if counts["skipped"] else "") + "。")
    missing = write_annotated(reports, annotate_to) if annotate_to is not None else 0
    sys.exit(2 if missing else exit_code(reports))


def write_annotated(reports: list[FileReport], target: str) -> int:
    """--annotate: one annotated copy per readable file (messages on stderr: stdout may be JSON); returns how
    many copies were not written (the exit code says so: a script must not take a missing copy for done)."""
    from xxgk.annotate.file_book import AnnotateError
    from xxgk.annotate.run import annotate_file, annotated_paths, annotation_problem, conversion_note

    reports = [r for r in reports if r.status != SKIPPED]  # not reports at all
    if len(reports) > 1 and Path(target).suffix.lower() in (".xlsx", ".xlsm") and not Path(target).is_dir():
        click.echo(f"错误：{len(reports)} 个文件的标记副本要写入一个文件夹，--annotate 给的“{target}”是文件名。"
                   "请改为文件夹（如 --annotate 标记副本），未生成标记副本。", err=True)
        sys.exit(2)
    missing = 0
    for report, out in zip(reports, annotated_paths([r.path for r in reports], target), strict=True):
        problem = f"{report.path.name} 无法读取。" if report.fill is None else annotation_problem(report.path, out)
        if problem is None and report.fill is not None:
            try:
                annotate_file(report.path, out, report.fill, report.findings, report.hints)
            except AnnotateError as exc:
                problem = f"{report.path.name}：{exc}"
        if problem:
            click.echo(f"未生成标记副本：{problem}", err=True)
            missing += 1
        else:
            note = conversion_note(report.path)
            click.echo(f"已写出标记副本：{out}" + (f"（{report.path.name}：{note}）" if note else ""), err=True)
    return missing


@main.command(short_help="汇总各单位的年报工作簿，生成同一表式的汇总表。",
              help="汇总各单位报送的年报工作簿，生成同一表式的汇总表（含报送情况、名册核对、单位明细、校验结果、来源和图表）。"
              "INPUTS 为收件文件夹或文件。")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True, help="汇总表（.xlsx）")
@click.option("--roster", type=click.Path(dir_okay=False, path_type=Path), help="名册（.xlsx 或 .csv）：应报单位")
@click.option("--previous", type=click.Path(path_type=Path), help="上年汇总表或上年收件文件夹（跨年度核对）")
@click.option("--agency", help="汇总单位名称（写入封面）")
@click.option("--uscc", help="汇总单位的统一社会信用代码")
@click.option("--region", help="汇总单位的行政区划代码")
@click.option("--form", type=ChoiceZh(form_keys()), help="表式（默认：多数文件的表式）")
@click.option("--year", type=int, help="报告年度（默认：多数文件的年度）")
@click.option("--include-invalid", is_flag=True, help="有错误的报表也计入汇总（封面注明）")
@click.option("--include-unlisted", is_flag=True, help="不在名册中的单位也计入汇总")
@click.option("--force", is_flag=True, help="覆盖已存在的输出文件")
@click.option("--jobs", type=PositiveInt(), help="并行读取的进程数（默认按文件数自动决定）")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON")
def consolidate(inputs: tuple[Path, ...], output: Path, roster: Path | None, previous: Path | None,
                agency: str | None, uscc: str | None, region: str | None, form: str | None, year: int | None,
                include_invalid: bool, include_unlisted: bool, force: bool, jobs: int | None, as_json: bool) -> None:
    from xxgk.consolidate.command import run
    from xxgk.consolidate.run import Options

    options = Options(output=output, roster=roster, previous=previous, agency=agency, uscc=uscc, region=region,
                      form=form, year=year, include_invalid=include_invalid, include_unlisted=include_unlisted,
                      force=force, jobs=jobs)
    sys.exit(run(inputs, options, as_json))


@main.command("import", short_help="导入已发布的年报（.txt .html .docx .pdf），生成模板工作簿并校验。",
              help="导入已发布的政府信息公开工作年度报告（文本、网页、Word、PDF），按表式生成填好的模板工作簿"
              "（含来源、报告正文），并校验。PATHS 为报告文件或文件夹。")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-o", "--output", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="输出目录（每份报告一个 .xlsx）")
@click.option("--force", is_flag=True, help="覆盖输出目录中已存在的同名工作簿")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON（含每个数字的原文和位置）")
def import_(paths: tuple[Path, ...], out_dir: Path, force: bool, as_json: bool) -> None:
    from xxgk.importer.command import run as run_import

    sys.exit(run_import(paths, out_dir, as_json, force))


@main.command(short_help="计算各单位、各地区的指标（予以公开率、纠错率等），与上年比较。",
              help="计算各单位和各地区（按计数相加）的指标：申请总量、予以公开率、实质公开率、纠错率等（定义见表式"
              "规范 indicators），区内排名、与上年比较，样本偏少的标出且不排名，超过阈值的标红/标黄；每个数值注明"
              "来自哪个文件的哪些单元格。INPUTS 为工作簿或文件夹（可含多个年度）。")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--previous", type=click.Path(path_type=Path), help="上年度的年报工作簿或所在文件夹（计算上年值和变化）")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="指标工作簿（.xlsx）")
@click.option("--force", is_flag=True, help="覆盖已存在的输出文件")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON（每个单位的各项指标）")
def indicators(inputs: tuple[Path, ...], previous: Path | None, output: Path | None, force: bool,
               as_json: bool) -> None:
    from xxgk.indicators.command import run as run_indicators

    sys.exit(run_indicators(inputs, previous, output, force, as_json))


@main.command("check-report", short_help="体检已发布的年报（.txt .html .docx .pdf）：统计表、六个部分、问题与改进、与上年雷同、发布时间。",
              help="体检已发布的政府信息公开工作年度报告：导入并校验统计表（不猜数字），核对表式与年度、六个部分是否齐全、"
              "顺序和编号，“存在的主要问题及改进情况”是否为空、是否沿用上年，全文是否与上年雷同，正文数字与统计表，"
              "发布日期是否超过法定期限（条例第四十九条：部门 1月31日、政府 3月31日）。每个问题引用原文。"
              "PATHS 为报告文件或文件夹；多份报告时输出一张汇总表（谁有什么问题）。")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--previous", multiple=True, type=click.Path(path_type=Path),
              help="上年度的报告文件或文件夹（可多次给出；按单位名称和年度对应），用于核对是否沿用上年文字")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="体检结果：.xlsx（可筛选）或 .html（可排序）")
@click.option("--published", type=IsoDate(), help="发布日期（如 2025-01-20）；不给时取文末落款日期")
@click.option("--kind", type=ChoiceZh(("政府", "部门")), help="报告单位类别（默认按单位名称：以“人民政府”结尾为政府，其余为部门）")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON（每份报告的全部问题）")
def check_report(paths: tuple[Path, ...], previous: tuple[Path, ...], output: Path | None, published: dt.date | None,
                 kind: str | None, as_json: bool) -> None:
    from xxgk.reportcheck.command import run as run_check

    sys.exit(run_check(paths, previous, output, published, kind, as_json))


@main.command(short_help="由年报工作簿生成可发布的年度报告（Word/网页，可另存 PDF）。",
              help="由填好的年报工作簿生成可发布的年度报告：标题、六个部分的正文（取自“报告正文”表）和三张统计表"
              "（官方格式，合并表头）。工作簿有错误或输出文件已存在时不生成，除非加 --force。")
@click.argument("workbook", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="输出文件：.docx（Word）或 .html（网页）")
@click.option("--pdf", is_flag=True, help="同时用 LibreOffice 转换为 PDF（与 .docx 同名）")
@click.option("--force", is_flag=True, help="工作簿有错误、或输出文件已存在时也生成（覆盖）")
def report(workbook: Path, output: Path, pdf: bool, force: bool) -> None:
    from xxgk.report.write import ReportRefused, write_report

    try:
        written = write_report(workbook, output, pdf=pdf, force=force)
    except ReportRefused as exc:
        click.echo(f"错误：{exc}", err=True)
        for n, f in enumerate(exc.findings[:10], 1):
            click.echo(f"  {n}. {f.message}", err=True)
        if len(exc.findings) > 10:
            click.echo(f"  …… 共 {len(exc.findings)} 个错误，全部见：xxgk validate {workbook}", err=True)
        sys.exit(1 if exc.findings else 2)
    except RuntimeError as exc:
        click.echo(f"错误：{exc}", err=True)
        sys.exit(2)
    if written.errors:
        click.echo(f"注意：工作簿有 {len(written.errors)} 个错误，已按 --force 照样生成。")
    if not written.narrative:
        click.echo("注意：工作簿没有“报告正文”表，报告只有标题、各部分标题和统计表，正文请自行补充。")
    for path in written.paths:
        click.echo(f"已生成：{path}")


main.add_command(serve)
main.add_command(portal_admin)
