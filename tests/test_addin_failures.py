"""Issue 12 §8: the add-in's failure paths. Windows APIs (MessageBoxW, SHGetKnownFolderPath, the COM workbook's
protection) are stood in for by fakes, so each path runs on Linux exactly as the code takes it on Windows."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from xlwings_payload import payload_from_file, remote_book
from xxgk.addin import buttons, install
from xxgk.addin.install import Platform
from xxgk.cli import main
from xxgk.spec import load_spec
from xxgk.template import build_template


@pytest.fixture
def source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "wheel" / "xxgk.xlam"
    path.parent.mkdir()
    path.write_bytes(b"xlam")
    monkeypatch.setattr(install, "resource_path", lambda rel: path)
    return path


def _windows(tmp_path: Path, python: Path, encoding: str) -> Platform:
    home = tmp_path / "Users" / "staff"
    return Platform(install.WINDOWS, home / "AppData" / "Roaming" / "Microsoft" / "Excel" / "XLSTART",
                    home / ".xxgk" / "xxgk.conf", python, encoding=encoding, packages=lambda name: "0.37.8")


# ---- install: an interpreter path the ANSI code page cannot write


def test_install_refuses_a_path_outside_the_code_page_before_copying(tmp_path: Path, source: Path) -> None:
    platform = _windows(tmp_path, Path("C:/Users/Zoë 张/AppData/Local/Programs/Python/python.exe"), "cp1252")
    result = CliRunner().invoke(main, ["addin", "install"], obj=platform)
    assert result.exit_code == 2, result.output
    assert not isinstance(result.exception, UnicodeEncodeError) and "Traceback" not in result.output
    assert "无法安装" in result.output and "“张”" in result.output and "没有复制或改动任何文件" in result.output
    assert not (tmp_path / "Users").exists()  # nothing half-installed: no add-in, no config


def test_install_writes_a_chinese_path_in_a_chinese_code_page(tmp_path: Path, source: Path) -> None:
    platform = _windows(tmp_path, Path("C:/Users/张三/python.exe"), "gbk")
    result = CliRunner().invoke(main, ["addin", "install"], obj=platform)
    assert result.exit_code == 0, result.output
    assert "张三".encode("gbk") in platform.config_file.read_bytes()


# ---- message boxes: in front of Excel, Chinese title; a failing one still reaches the user


class _ComApp:
    hwnd = 4242

    def alert(self, *args: Any, **kw: Any) -> None:
        raise AssertionError("xlwings' owned box must not be used on Windows")


def test_message_box_is_system_modal_topmost_with_the_chinese_title() -> None:
    shown: list[tuple[int, str, str, int]] = []
    buttons.alert(_ComApp(), "校验通过", box=lambda *a: shown.append(a) or 1)
    ((hwnd, text, title, style),) = shown
    assert (hwnd, text, title) == (4242, "校验通过", "信息公开年报")
    assert style & 0x1000 and style & 0x40000 and style & 0x10000  # MB_SYSTEMMODAL, MB_TOPMOST, MB_SETFOREGROUND
    assert style & 0xF0 == 0x40
    shown.clear()
    buttons.alert(_ComApp(), "错了", error=True, box=lambda *a: shown.append(a) or 1)
    assert shown[0][3] & 0xF0 == 0x30


class _BrokenApp:
    hwnd = 1

    def alert(self, *args: Any, **kw: Any) -> None:
        raise RuntimeError("RPC 服务器不可用")


def test_a_failing_message_box_ends_in_exit_code_1_with_the_text_on_stderr(monkeypatch: pytest.MonkeyPatch,
                                                                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(buttons, "native_message_box", lambda: None)  # no Windows box either

    with pytest.raises(SystemExit) as stop:
        buttons.help(app=_BrokenApp())
    assert stop.value.code == 1  # RunPython shows stderr in its own box only for a non-zero exit
    assert "操作没有完成：RPC 服务器不可用" in capsys.readouterr().err


def test_a_failing_excel_box_falls_back_to_a_bare_system_box(monkeypatch: pytest.MonkeyPatch) -> None:
    shown: list[tuple[int, str, str, int]] = []

    def box(hwnd: int, *rest: Any) -> int:  # a box owned by a hung Excel fails; the bare one shows
        return 0 if hwnd else shown.append((hwnd, *rest)) or 1  # type: ignore[func-returns-value]

    monkeypatch.setattr(buttons, "native_message_box", lambda: box)
    buttons.help(app=_BrokenApp())
    ((hwnd, text, title, style),) = shown
    assert hwnd == 0 and title == "信息公开年报" and text.startswith("操作没有完成：") and style & 0x1000


# ---- a workbook with protected structure: checked first, nothing changed


class _ComWorkbook:
    def __init__(self, password: str) -> None:
        self.ProtectStructure, self.ProtectWindows, self.password = True, False, password
        self.calls: list[str] = []

    def Unprotect(self, password: str) -> None:
        self.calls.append("Unprotect")
        if password != self.password:
            raise RuntimeError("com_error: password")
        self.ProtectStructure = False

    def Protect(self, password: str, Structure: bool, Windows: bool) -> None:
        self.calls.append(f"Protect({Structure},{Windows})")
        self.ProtectStructure = True


class _Sheet:
    def __init__(self, name: str, writes: list[str]) -> None:
        self.name, self.writes, self.api = name, writes, object()

    def range(self, *cell: Any) -> Any:
        writes, name = self.writes, self.name

        class _Cell:
            color = None

            def __setattr__(self, attr: str, value: Any) -> None:
                writes.append(f"{name}{cell}.{attr}")

        return _Cell()


class _Book:
    def __init__(self, api: _ComWorkbook, sheets: list[_Sheet]) -> None:
        self.api, self.sheets = api, sheets


def _plan() -> Any:
    from xxgk.annotate.plan import FILL_ERROR, Cell, Original, Plan, ResultSheet

    return Plan(ResultSheet([], [], []), {Cell("主动公开", 5, 3): FILL_ERROR}, {}, None, {}, Original())


def test_protected_structure_with_a_password_stops_before_any_colour() -> None:
    from xxgk.annotate.apply import apply_plan
    from xxgk.annotate.xlwings_book import ProtectedSheet, writing

    writes: list[str] = []
    wb = _ComWorkbook(password="secret")
    with pytest.raises(ProtectedSheet, match="结构保护") as refused, writing(_Book(wb, [_Sheet("主动公开", writes)])) as t:
        apply_plan(t, _plan())
    assert "没有做任何改动" in str(refused.value)
    assert writes == [] and wb.ProtectStructure is True and wb.calls == ["Unprotect"]


def test_protected_structure_without_a_password_is_lifted_and_put_back() -> None:
    from xxgk.annotate.xlwings_book import writing

    wb = _ComWorkbook(password="")
    with writing(_Book(wb, [_Sheet("主动公开", [])])) as target:
        target.prepare({"主动公开"})
        assert wb.ProtectStructure is False
    assert wb.calls == ["Unprotect", "Protect(True,False)"] and wb.ProtectStructure is True


# ---- 新建模板: the shell's Documents folder


def test_new_template_goes_to_the_shells_documents_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    profile = tmp_path / "Users" / "staff"
    (profile / "Documents").mkdir(parents=True)
    onedrive = tmp_path / "Users" / "staff" / "OneDrive - 某某县政府" / "文档"
    onedrive.mkdir(parents=True)
    monkeypatch.setenv("USERPROFILE", str(profile))
    monkeypatch.setattr(buttons, "shell_documents", lambda: onedrive)
    spec = load_spec("gb2021")
    app = remote_book(payload_from_file(build_template(spec, tmp_path / "单位.xlsx"))).app
    path = buttons.new_template("gb2021", app=app, opener=lambda p: None)
    assert path is not None and path.parent == onedrive
    assert list((profile / "Documents").iterdir()) == []


def test_documents_folder_falls_back_when_the_shell_has_none(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "Documents").mkdir()
    monkeypatch.setenv("USERPROFILE", str(tmp_path))
    assert buttons.documents_folder(lambda: None) == tmp_path / "Documents"
    assert buttons.documents_folder(lambda: tmp_path / "gone") == tmp_path / "Documents"


@pytest.mark.skipif(sys.platform == "win32", reason="off Windows the shell is not asked")
def test_shell_documents_is_none_off_windows() -> None:
    assert buttons.shell_documents() is None
