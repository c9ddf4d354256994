"""Everything a user can do wrong on the command line ends here as a Chinese message and exit code 2.

click's own messages are English; the common cases are said again in Chinese. An error that is not the
user's (a bug) still gets a short Chinese message, with the traceback only when XXGK_DEBUG is set.
"""

from __future__ import annotations

import datetime as dt
import errno
import os
import re
import sys
from collections.abc import Callable

import click

USAGE = 2


def usage_message(exc: click.UsageError) -> str:
    command = exc.ctx.command_path if exc.ctx else "xxgk"
    hint = f"请运行 {command} --help 查看用法。"
    if isinstance(exc, click.MissingParameter):
        return f"缺少{_param(exc.param)}。{hint}"
    if isinstance(exc, click.NoSuchOption):
        return f"没有选项 {exc.option_name}。{hint}"
    if isinstance(exc, click.BadOptionUsage | click.BadArgumentUsage):
        return f"{exc.format_message()}。{hint}"
    if isinstance(exc, click.BadParameter):
        return f"{_param(exc.param)} 的值无效：{_click_zh(exc.message).rstrip('。.')}。{hint}"
    if (unknown := re.match(r"No such command '(.*)'", exc.message)):
        return f"没有命令“{unknown.group(1)}”。{hint}"
    return f"命令行有误（{exc.format_message()}）。{hint}"


class ChoiceZh(click.Choice):
    """click.Choice whose refusal is in Chinese."""

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> object:
        try:
            return super().convert(value, param, ctx)
        except click.BadParameter:
            self.fail(f"“{value}”不是可选值（可选：{'、'.join(map(str, self.choices))}）", param, ctx)


class PositiveInt(click.ParamType):
    """A whole number of at least 1, refused in Chinese."""

    name = "integer"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> int:
        try:
            number = int(str(value))
        except ValueError:
            self.fail(f"“{value}”不是整数", param, ctx)
        if number < 1:
            self.fail(f"{number} 小于 1", param, ctx)
        return number


class IsoDate(click.ParamType):
    """A date written 2025-01-20 (or 2025/1/20, 2025年1月20日), refused in Chinese."""

    name = "date"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> dt.date:
        if isinstance(value, dt.date):
            return value
        m = re.fullmatch(r"\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*", str(value))
        try:
            if m is None:
                raise ValueError
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            self.fail(f"“{value}”不是日期（请写成 2025-01-20）", param, ctx)


_CLICK_ZH = (  # click's own refusals of a value (click.Path, int), said again in Chinese
    (r"^\w+ '(.*)' does not exist\.?$", "找不到“{}”"),
    (r"^\w+ '(.*)' is a directory\.?$", "“{}”是文件夹，这里要的是文件"),
    (r"^\w+ '(.*)' is a file\.?$", "“{}”是文件，这里要的是文件夹"),
    (r"^\w+ '(.*)' is not readable\.?$", "“{}”没有读取权限"),
    (r"^\w+ '(.*)' is not writable\.?$", "“{}”没有写入权限"),
    (r"^'(.*)' is not a valid integer(?: range)?\.?$", "“{}”不是整数"),
    (r"^'(.*)' is not a valid float(?: range)?\.?$", "“{}”不是数字"),
)


def _click_zh(message: str) -> str:
    for pattern, chinese in _CLICK_ZH:
        if (m := re.match(pattern, message)):
            return chinese.format(m.group(1))
    return message


def _param(param: click.Parameter | None) -> str:
    if param is None:
        return "参数"
    if isinstance(param, click.Option):
        return f"选项 {param.opts[-1]}"
    return f"参数 {(param.name or '').upper()}"


_OS_REASONS = {
    errno.ENOENT: "找不到该文件或文件夹",
    errno.EACCES: "没有访问权限",
    errno.EPERM: "没有访问权限",
    errno.EISDIR: "这是一个文件夹，不是文件",
    errno.ENOTDIR: "路径中有一部分不是文件夹",
    errno.ENOSPC: "磁盘空间不足",
    errno.EROFS: "磁盘为只读",
    errno.ENAMETOOLONG: "文件名过长",
    errno.EEXIST: "是已有的文件，不能当作文件夹",
}
_TEMP_FILE = re.compile(r"^\.xxgk-[0-9a-f]+\.\w+$")  # the writers' temporary file beside the output (atomic save)


def os_reason(exc: OSError) -> str:
    """Why an operating-system call failed, in Chinese ("没有访问权限"), without the path."""
    return _OS_REASONS.get(exc.errno or 0) or exc.strerror or str(exc)


def os_message(exc: OSError) -> str:
    reason = os_reason(exc)
    name = str(exc.filename) if exc.filename else ""
    if _TEMP_FILE.match(os.path.basename(name)):  # the user named the output, not our temporary file
        return f"无法在文件夹“{os.path.dirname(name) or '.'}”中写入文件：{reason}。请检查路径和权限后重试。"
    where = f"“{name}”" if name else ""
    return f"{where}{reason}。请检查路径和权限后重试。"


def run_cli(main: click.Command, argv: list[str] | None = None) -> None:
    """Run a click command as the console script does, turning every user error into exit 2."""
    try:
        code = main.main(args=argv, prog_name="xxgk", standalone_mode=False)
    except click.UsageError as exc:
        _fail(usage_message(exc))
    except click.exceptions.Abort:
        _fail("已取消。")
    except OSError as exc:
        _fail(os_message(exc))
    except click.ClickException as exc:
        _fail(exc.format_message())
    except KeyboardInterrupt:
        _fail("已中断。")
    except Exception as exc:  # a bug: never a bare traceback for the user
        if (wrapped := _wrapped_os_error(exc)) is not None:
            _fail(os_message(wrapped))
        if os.environ.get("XXGK_DEBUG"):
            raise
        _fail(f"程序内部错误（{type(exc).__name__}：{exc}）。请把本信息和所用文件发给技术人员；"
              "设置环境变量 XXGK_DEBUG=1 可显示详细信息。")
    sys.exit(code if isinstance(code, int) else 0)


def _wrapped_os_error(exc: BaseException) -> OSError | None:
    """XlsxWriter and others wrap the OSError of a file they could not create."""
    for inner in (*exc.args, exc.__cause__, exc.__context__):
        if isinstance(inner, OSError):
            return inner
    return None


def _fail(message: str, echo: Callable[..., None] = click.echo) -> None:
    echo(f"错误：{message}", err=True)
    sys.exit(USAGE)
