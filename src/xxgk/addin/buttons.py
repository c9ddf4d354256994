"""The ribbon buttons' Python side (the add-in's VBA calls these through RunPython).

Each entry point is a thin adapter: read the calling book, run the library, apply or open the result, and say
what happened in a Chinese message box. Any exception ends in a Chinese message box too, never a traceback
dialog. RunPython starts a fresh interpreter per click, so imports are lazy and pandas is kept out: xlwings
imports pandas eagerly when it is installed (about 0.3 s of a click), so xlwings is imported with pandas
blocked and the block lifted right after (`import_xlwings`); nothing on these paths uses DataFrames.

For tests (and scripting), every entry point takes the book (or app), the folder and the opener to use instead
of the caller, a dialog and Excel.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

TITLE = "信息公开年报"
F = TypeVar("F", bound=Callable[..., Any])

HELP_TEXT = """信息公开年报工具（xxgk）

校验：检查当前工作簿（包括尚未保存的修改）的全部勾稽关系、数字格式和封面信息，在“校验结果”表中逐条列出问题，并把有问题的单元格标上底色（红色为错误，黄色为警告，橙色为建议修改的单元格）。“说明”列可以填写解释，再次校验时会保留。
清除标记：删除“校验结果”表，恢复单元格原来的底色。
新建模板：生成 2021 版或 2019 版的空白模板，保存到“文档”文件夹并打开。
汇总：选择存放各单位报表的文件夹，生成同一表式的汇总表并打开。

WPS 用户：模板的“校验”表会自动显示校验结果；也可以在命令行运行 xxgk validate 文件.xlsx --annotate 标记副本.xlsx。"""


def import_xlwings() -> Any:
    """xlwings without pandas (0.1 s instead of 0.4 s); a later `import pandas` still works."""
    if "xlwings" in sys.modules:
        return sys.modules["xlwings"]
    blocked = "pandas" not in sys.modules
    if blocked:
        sys.modules["pandas"] = None  # type: ignore[assignment]  # makes `import pandas` raise ImportError
    try:
        import xlwings
    finally:
        if blocked:
            del sys.modules["pandas"]
    return xlwings


def _caller() -> Any:
    return import_xlwings().Book.caller()


def _active_app() -> Any:
    return import_xlwings().apps.active


# MessageBoxW styles: OK, the icon, and system-modal + foreground + topmost so the box never opens behind Excel.
MB_ICONWARNING, MB_ICONINFORMATION = 0x30, 0x40
MB_FRONT = 0x1000 | 0x10000 | 0x40000  # MB_SYSTEMMODAL | MB_SETFOREGROUND | MB_TOPMOST
MessageBox = Callable[[int, str, str, int], int]  # user32.MessageBoxW(hwnd, text, title, style) -> 0 on failure


def native_message_box() -> MessageBox | None:
    """Windows' MessageBoxW (None elsewhere): xlwings' app.alert opens a plain box owned by Excel's window,
    which can come up behind Excel; ours is system-modal, topmost, with the Chinese title."""
    if sys.platform != "win32":
        return None
    import ctypes

    return ctypes.windll.user32.MessageBoxW


def _hwnd(app: Any) -> int | None:
    """Excel's window handle for a COM app; None for the remote book's app (its alert is an action)."""
    try:
        return int(app.hwnd)
    except Exception:
        return None


def alert(target: Any, text: str, *, error: bool = False, box: MessageBox | None = None) -> None:
    """A message box in the calling Excel (target: a book or an app), in front of every window."""
    app = getattr(target, "app", target)
    hwnd = _hwnd(app)
    box = box if box is not None else native_message_box() if hwnd is not None else None
    if box is None or hwnd is None:
        app.alert(text, title=TITLE, buttons="ok", mode="critical" if error else "info")
        return
    show_box(box, hwnd, text, error)


def show_box(box: MessageBox, hwnd: int, text: str, error: bool) -> None:
    style = MB_FRONT | (MB_ICONWARNING if error else MB_ICONINFORMATION)
    if not box(hwnd, text, TITLE, style):
        raise OSError("MessageBoxW 失败")


def _failure_text(exc: BaseException) -> str:
    where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    place = f"（{Path(where.filename).name}:{where.lineno}）" if where else ""
    return (f"操作没有完成：{exc}\n\n这是程序的问题，不是您的操作错误。请把这段文字截图发给信息技术人员。"
            f"\n{type(exc).__name__}{place}")


def _user_facing(exc: BaseException) -> bool:
    """Exceptions whose message already tells the user, in Chinese, what to do (not a program fault)."""
    from xxgk.addin.live import LiveReadError
    from xxgk.annotate.file_book import AnnotateError
    from xxgk.annotate.xlwings_book import ProtectedSheet

    return isinstance(exc, (LiveReadError, ProtectedSheet, AnnotateError))


def _user_text(exc: BaseException) -> str:
    if isinstance(exc, OSError):  # a file that cannot be written or read: say which and why, in Chinese
        from xxgk.usage_errors import os_message

        return f"操作没有完成：{os_message(exc)}"
    return str(exc) if _user_facing(exc) else _failure_text(exc)


def entry(func: F) -> F:
    """Every failure of a button ends in a Chinese message box (in the caller's Excel), never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except Exception as exc:
            target = kwargs.get("book") or kwargs.get("app")
            text = _user_text(exc)
            try:
                alert(target if target is not None else _active_app(), text, error=True)
            except Exception:
                last_resort(exc, text, target)
            return None

    return wrapper  # type: ignore[return-value]


def last_resort(exc: BaseException, text: str, target: Any, box: MessageBox | None = None) -> None:
    """Excel's message box failed too: a bare system-modal box; failing that, the text on stderr and exit code 1,
    which RunPython shows in its own error box (exit 0 would show nothing). The remote book never gets here
    (its alert is an action); if it did, the server's own error handling takes the original exception."""
    if target is not None and _is_remote(target):
        raise exc
    box = box if box is not None else native_message_box()
    if box is not None:
        try:
            show_box(box, 0, text, True)
            return
        except Exception:
            pass
    print(text, file=sys.stderr)
    raise SystemExit(1)


def _is_remote(target: Any) -> bool:
    from xxgk.addin.live import is_remote

    book = target if hasattr(target, "sheets") else getattr(getattr(target, "books", None), "active", None)
    try:
        return book is not None and is_remote(book)
    except Exception:
        return False


# ---- 校验 / 清除标记 ------------------------------------------------------------------------------------


def summary_text(errors: int, warnings: int, hints: int, sheet: str = "校验结果") -> str:
    if errors == 0 and warnings == 0:
        return "校验通过：没有发现问题。"
    text = f"发现 {errors} 个错误、{warnings} 个警告，已在“{sheet}”表中逐条列出，有问题的单元格已标出底色。"
    if hints:
        text += f"\n其中 {hints} 条修改建议列在最前面。"
    return text


def _last_year_of(book: Any, previous: Any) -> Any:
    """Who finds last year's report: the caller's (the portal's), else this PC's setting for a local book;
    a remote book without one has none (the server's settings are not the user's)."""
    if previous is not None:
        return previous
    from xxgk.addin.live import is_remote

    if is_remote(book):  # the book itself (not _is_remote's guess from a book or an app: one call less)
        return None
    from xxgk.addin.previous import local_previous

    return local_previous


@entry
def validate(*, book: Any = None, now: dt.datetime | None = None, previous: Any = None) -> None:
    """校验: read the open book as it is now, validate it (against last year's report when one is known:
    previous, a xxgk.addin.previous.PreviousOf, else the local setting XXGK_PREVIOUS), mark the result in it."""
    book = book if book is not None else _caller()
    from xxgk.addin.live import read_live
    from xxgk.annotate.run import annotate, check_one
    from xxgk.annotate.xlwings_book import quiet, writing
    from xxgk.reader import Unreadable

    last_year_of = _last_year_of(book, previous)
    compared = ""
    with quiet(book):
        try:
            fill, source = read_live(book, named=False)
        except Unreadable as exc:
            text = f"无法校验这个工作簿：{exc.finding.message}"
            plan = None
        else:
            last = last_year_of(fill) if last_year_of is not None else None
            findings, hints = check_one(fill, last.fill, last.notes) if last is not None else check_one(fill)
            compared = f"\n已与上年报告（{last.source}）比较。" if last is not None and last.fill is not None else ""
            with writing(book, source) as target:
                plan = annotate(target, source, fill, findings, hints, now)
    if plan is None:
        alert(book, text, error=True)
        return
    alert(book, summary_text(plan.errors, plan.warnings, len(hints), plan.sheet_name) + compared)


@entry
def clear(*, book: Any = None) -> None:
    """清除标记: remove the result sheet and the highlights, nothing else."""
    book = book if book is not None else _caller()
    from xxgk.annotate.apply import apply_clear
    from xxgk.annotate.plan import plan_clear, read_previous
    from xxgk.annotate.xlwings_book import quiet, writing

    with quiet(book), writing(book) as target:
        previous = read_previous(target.result_grid())
        if previous.present:
            apply_clear(target, plan_clear(previous))
    if not previous.present:
        alert(book, "这个工作簿没有校验标记，无需清除。")
        return
    alert(book, f"已清除校验标记：“{target.result_name}”表已删除，单元格恢复原来的底色。")


# ---- 新建模板 / 汇总 -------------------------------------------------------------------------------------


FOLDERID_DOCUMENTS = "{FDD39AD0-238F-46AF-ADB4-6C85480369C7}"


def shell_documents() -> Path | None:
    """The shell's Documents folder (SHGetKnownFolderPath(FOLDERID_Documents)): where Explorer's 文档 really is,
    also when IT redirected it to a network share or OneDrive moved it. None off Windows or on failure."""
    if sys.platform != "win32":
        return None
    import ctypes
    import uuid
    from ctypes import wintypes

    guid = (ctypes.c_byte * 16).from_buffer_copy(uuid.UUID(FOLDERID_DOCUMENTS).bytes_le)
    found = ctypes.c_wchar_p()
    shell32 = ctypes.windll.shell32
    try:
        if shell32.SHGetKnownFolderPath(ctypes.byref(guid), wintypes.DWORD(0), None, ctypes.byref(found)) != 0:
            return None
        return Path(found.value) if found.value else None
    finally:
        ctypes.windll.ole32.CoTaskMemFree(found)


def documents_folder(known: Callable[[], Path | None] | None = None) -> Path:
    """Where new files go: the shell's Documents folder; without one, %USERPROFILE%\\Documents, else home."""
    shell = (known or shell_documents)()
    if shell is not None and shell.is_dir():
        return shell
    home = Path(os.environ.get("USERPROFILE") or Path.home())
    docs = home / "Documents"
    return docs if docs.is_dir() else home


def free_path(path: Path) -> Path:
    """`path`, or `name (2).xlsx`, `name (3).xlsx`... when it exists: never overwrite a user's file."""
    n = 2
    candidate = path
    while candidate.exists():
        candidate = path.with_name(f"{path.stem} ({n}){path.suffix}")
        n += 1
    return candidate


def _open_in_excel(app: Any) -> Callable[[Path], Any]:
    return lambda path: app.books.open(str(path))


def _app_of(book: Any, app: Any) -> Any:
    if app is not None:
        return app
    return book.app if book is not None else _active_app()


@entry
def new_template(form: str = "gb2021", *, app: Any = None, folder: Path | None = None,
                 opener: Callable[[Path], Any] | None = None) -> Path | None:
    """新建模板: build the empty template of `form` in the Documents folder and open it."""
    from xxgk.spec import FORMS, load_spec
    from xxgk.template import build_template, template_filename

    app = _app_of(None, app)
    if form not in FORMS:
        alert(app, f"不认识的表式“{form}”（可选：{'、'.join(FORMS)}）。", error=True)
        return None
    spec = load_spec(form)
    path = free_path(Path(folder or documents_folder()) / template_filename(spec))
    build_template(spec, path)
    (opener or _open_in_excel(app))(path)
    return path


def pick_folder(app: Any) -> Path | None:
    """Excel's own folder picker (Application.FileDialog, msoFileDialogFolderPicker = 4) on Windows."""
    if sys.platform != "win32":
        return None
    dialog = app.api.FileDialog(4)
    dialog.Title = "选择存放各单位报表的文件夹"
    if dialog.Show() != -1:
        return None
    return Path(str(dialog.SelectedItems(1)))


def summary_path(folder: Path, when: dt.datetime) -> Path:
    """Beside the inbox folder (not inside it: the next run would read the summary as an input)."""
    return free_path(folder.parent / f"{folder.name}_汇总_{when:%Y%m%d-%H%M}.xlsx")


@entry
def consolidate(*, app: Any = None, folder: Path | None = None, output: Path | None = None,
                opener: Callable[[Path], Any] | None = None, now: dt.datetime | None = None) -> Path | None:
    """汇总: ask for the inbox folder, consolidate it into a summary beside it (compared with XXGK_PREVIOUS when
    set: year-over-year warnings, cross-year rules, last year's 指标), open the summary."""
    app = _app_of(None, app)
    folder = folder or pick_folder(app)
    if folder is None:
        if sys.platform != "win32":
            alert(app, "本平台不能在 Excel 中选择文件夹。请在命令行运行：xxgk consolidate 收件文件夹 -o 汇总.xlsx")
        return None
    from xxgk.addin.previous import configured_path
    from xxgk.consolidate import NothingToConsolidate, Options, UsageError
    from xxgk.consolidate import consolidate as run_consolidation

    output = output or summary_path(Path(folder), now or dt.datetime.now())
    last_year = configured_path()  # XXGK_PREVIOUS: last year's summary or inbox, as `xxgk consolidate --previous`
    try:
        result = run_consolidation([Path(folder)], Options(output=output, jobs=1, previous=last_year
                                                           if last_year is not None and last_year.exists() else None))
    except (UsageError, NothingToConsolidate) as exc:
        alert(app, f"未生成汇总表：{exc}", error=True)
        return None
    errors = sum(i.finding.severity == "error" for i in result.issues)
    (opener or _open_in_excel(app))(output)
    alert(app, f"已汇总 {len(result.units)} 个单位，汇总表：{output}\n校验结果 {len(result.issues)} 条（错误 {errors}），"
               "见汇总表的“校验结果”表；各文件的情况见“报送情况”表。")
    return output


@entry
def help(*, app: Any = None) -> None:
    alert(_app_of(None, app), HELP_TEXT)
