"""`xxgk addin install` and `xxgk addin doctor`: a thin click layer over xxgk.addin.install.

The commands take the machine from the click context's obj when one is given (tests pass a Platform
over a temporary folder), else Platform.current().
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from xxgk.addin.install import (
    FAIL,
    OK,
    WARN,
    AddinUnsupported,
    Check,
    Platform,
    doctor,
    install_steps,
    previous_setting,
    server_settings,
)
from xxgk.clihelp import ZhHelpGroup

MARK = {OK: "[通过]", WARN: "[警告]", FAIL: "[错误]"}  # words, not symbols: a GBK console cannot print ✓


def _platform() -> Platform:
    obj = click.get_current_context().obj
    return obj if isinstance(obj, Platform) else Platform.current()


@click.group(cls=ZhHelpGroup, help="Excel 加载项（Windows / macOS 的 Microsoft Excel）与 WPS 加载项：安装、诊断、离线安装包。")
def addin() -> None:
    pass


@addin.command(help="把加载项复制到 Excel 的启动文件夹，并把当前 Python 写入加载项的配置。安装前请关闭 Excel。")
@click.option("--dry-run", is_flag=True, help="只列出将要做的事，不做任何改动")
@click.option("--server", metavar="网址", help="报送平台方式：按钮经报送平台校验、上报（本机无需 Python），例如 https://xxgk.example.gov.cn")
@click.option("--token", metavar="令牌", help="本单位的上报令牌（在报送平台本单位页面生成）；与 --server 一起使用")
@click.option("--previous", metavar="路径", type=click.Path(path_type=Path),
              help="本机方式：上年年报工作簿或所在文件夹；“校验”时与上年比较（变化异常、沿用上年数据、上年结转）")
def install(dry_run: bool, server: str | None, token: str | None, previous: Path | None) -> None:
    platform = _platform()
    if token is not None and server is None:
        click.echo("错误：--token 需要与 --server 一起使用。", err=True)
        sys.exit(2)
    if previous is not None and server is not None:
        click.echo("错误：--previous 只用于本机方式；报送平台方式自动与本单位上年已接受的报表比较。", err=True)
        sys.exit(2)
    try:
        steps = install_steps(platform, server=server_settings(server, token) if server is not None else None,
                              previous=previous_setting(previous) if previous is not None else None)
    except ValueError as exc:
        click.echo(f"错误：{exc}", err=True)
        sys.exit(2)
    except AddinUnsupported as exc:
        click.echo(f"错误：{exc}", err=True)
        sys.exit(2)
    for step in steps:
        click.echo(("（演练，未执行）" if dry_run else "") + step.text)
        if dry_run:
            continue
        try:
            step.run()
        except PermissionError as exc:
            click.echo(f"错误：无法写入“{exc.filename or ''}”：文件正被占用或没有权限。请先关闭 Excel，再运行 xxgk addin install。",
                       err=True)
            sys.exit(2)
    if not dry_run:
        click.echo("安装完成。请重新启动 Excel，功能区会出现“信息公开年报”选项卡；如没有出现，运行 xxgk addin doctor。")


@addin.command(name="doctor", help="检查加载项能否工作（Python、xlwings 版本、路径、WPS 文件关联、“来自网络”标记等），并说明如何处理。"
               "加 --wps：检查 WPS 加载项为什么没有出现（未信任、未加载、被拦截等）。")
@click.option("--wps", "wps_addin", is_flag=True, help="检查 WPS 表格的加载项（读取本机 WPS 的 jsaddons 文件夹）")
@click.option("--jsaddons", type=click.Path(file_okay=False, path_type=Path), metavar="文件夹",
              help="WPS 加载项文件夹（默认：Windows %APPDATA%\\kingsoft\\wps\\jsaddons，Linux ~/.local/share/Kingsoft/wps/jsaddons）")
def doctor_command(wps_addin: bool, jsaddons: Path | None) -> None:
    if jsaddons is not None and not wps_addin:
        click.echo("错误：--jsaddons 需要与 --wps 一起使用。", err=True)
        sys.exit(2)
    if wps_addin:
        from xxgk.addin.wps_doctor import jsaddons_folders, wps_doctor

        checks = wps_doctor([jsaddons] if jsaddons else jsaddons_folders())
        click.echo(checklist(checks, "xxgk WPS 加载项诊断：", "全部通过：启动 WPS 表格即可使用“信息公开年报”选项卡。",
                             "xxgk addin doctor --wps"))
    else:
        checks = doctor(_platform())
        click.echo(checklist(checks))
    sys.exit(1 if any(c.status == FAIL for c in checks) else 0)


@addin.command(name="wps-package", help="生成 WPS 加载项的离线安装包（加载项文件夹、publish.xml、安装说明），"
                                        "供不能从报送平台安装的电脑使用（Windows 和国产操作系统上的 WPS）。")
@click.option("-o", "--output", "out", required=True, type=click.Path(path_type=Path), metavar="文件夹",
              help="安装包写入的文件夹（不能已存在且有内容）")
@click.option("--server", metavar="网址", help="报送平台地址，例如 https://xxgk.example.gov.cn（不填则装好后在「帮助」→「设置」中填写）")
def wps_package(out: Path, server: str | None) -> None:
    from xxgk.addin import wps
    from xxgk.atomic import new_folder

    try:
        url = wps.check_server(server) if server else ""
    except ValueError as exc:
        click.echo(f"错误：{exc}", err=True)
        sys.exit(2)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        click.echo(f"错误：“{out}”已存在且不是空文件夹。请换一个文件夹名，或先删除它。", err=True)
        sys.exit(2)
    try:
        with new_folder(out) as tmp:
            files = wps.package(tmp, url)
    except OSError as exc:
        click.echo(f"错误：无法写入“{out}”（{exc.strerror or exc}）。", err=True)
        sys.exit(2)
    click.echo(f"已生成 WPS 加载项离线安装包：{out}（{len(files)} 个文件）。安装方法见其中的“{wps.NOTE}”。")
    if not url:
        click.echo("提示：没有写入报送平台地址（--server），装好后需在「帮助」→「设置」中填写。")


def checklist(checks: list[Check], title: str = "xxgk 加载项诊断：",
              passed: str = "全部通过：重新启动 Excel 后即可使用“信息公开年报”选项卡。",
              again: str = "xxgk addin doctor") -> str:
    lines = [title]
    for c in checks:
        lines.append(f"{MARK[c.status]} {c.message}")
        if c.remedy:
            lines.append(f"       处理：{c.remedy}")
    errors, warnings = sum(c.status == FAIL for c in checks), sum(c.status == WARN for c in checks)
    if errors or warnings:
        then = f"请按“处理”逐项解决，再运行 {again}。" if any(c.remedy for c in checks) else ""
        lines.append(f"共 {errors} 项错误、{warnings} 项警告。{then}")
    else:
        lines.append(passed)
    return "\n".join(lines)
