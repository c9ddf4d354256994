"""`xxgk addin install` and `xxgk addin doctor` on Windows and macOS machines laid out in a temporary folder.

The add-in under test is the custom add-in the installed xlwings ships (its xlwings VBA module declares the
xlwings version), standing in for addin/xxgk.xlam.
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from xxgk import __version__
from xxgk.addin import install
from xxgk.addin.install import FAIL, OK, WARN, Platform, doctor, install_steps, read_config
from xxgk.cli import main
from xxgk.resources import MissingResource
from xxgk.usage_errors import run_cli

xlwings_dir = install.xlwings_folder
XLWINGS = install.package_version("xlwings")
PYTHON = Path(sys.executable)


@pytest.fixture
def source(tmp_path: Path) -> Path:
    pytest.importorskip("xlwings")
    path = tmp_path / "wheel" / "xxgk.xlam"
    path.parent.mkdir()
    shutil.copyfile(xlwings_dir() / "quickstart_addin_ribbon.xlam", path)
    return path


@pytest.fixture(autouse=True)
def shipped(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> None:
    """install and doctor find the test's add-in where they would find the one in the wheel."""
    if "source" in request.fixturenames:
        path = request.getfixturevalue("source")
        monkeypatch.setattr(install, "resource_path", lambda rel: path if rel == install.ADDIN_RESOURCE else None)


@pytest.fixture(autouse=True)
def no_dll_check(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests configure the running interpreter, beside which no Windows DLL can be: the DLL check has its
    own tests (test_addin_doctor_dll.py)."""
    monkeypatch.setattr(install, "check_xlwings_dll", lambda platform: None)


def add_in_only(name: str) -> str | None:
    """The packages of an environment set up for the add-in: xlwings, no pandas."""
    return XLWINGS if name == "xlwings" else None


def windows(tmp_path: Path, python: Path = PYTHON, **kw: object) -> Platform:
    home = tmp_path / "Users" / "staff"
    kw.setdefault("packages", add_in_only)
    return Platform(install.WINDOWS, home / "AppData" / "Roaming" / "Microsoft" / "Excel" / "XLSTART",
                    home / ".xxgk" / "xxgk.conf", python, **kw)  # type: ignore[arg-type]


def macos(tmp_path: Path, **kw: object) -> Platform:
    home = tmp_path / "Users" / "staff"
    kw.setdefault("packages", add_in_only)
    return Platform(install.MACOS, home / install.MAC_OFFICE, home / install.MAC_SANDBOX / "xxgk.conf", PYTHON,
                    scripts=home / install.MAC_SCRIPTS, **kw)  # type: ignore[arg-type]


def installed(platform: Platform) -> Platform:
    for step in install_steps(platform):
        step.run()
    return platform


def statuses(checks: list[install.Check]) -> list[str]:
    return [c.status for c in checks]


def problem(checks: list[install.Check]) -> install.Check:
    (bad,) = [c for c in checks if c.status != OK]
    return bad


def run(platform: Platform, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["addin", *args], obj=platform)
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


# --------------------------------------------------------------------------- the default platform


def test_current_platform_uses_the_folders_xlwings_uses(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setenv("APPDATA", str(tmp_path / "Roaming"))
    monkeypatch.setenv("USERPROFILE", str(tmp_path / "staff"))
    win = Platform.current()
    assert win.system == "windows" and win.interpreter_key == "INTERPRETER_WIN"
    assert win.addin == tmp_path / "Roaming" / "Microsoft" / "Excel" / "XLSTART" / "xxgk.xlam"
    assert win.config_file == tmp_path / "staff" / ".xxgk" / "xxgk.conf"
    monkeypatch.setattr(sys, "platform", "darwin")
    monkeypatch.setenv("HOME", str(tmp_path / "mac"))
    mac = Platform.current()
    assert mac.system == "macos" and mac.interpreter_key == "INTERPRETER_MAC"
    assert mac.xlstart == (tmp_path / "mac" / "Library" / "Group Containers" / "UBF8T346G9.Office"
                           / "User Content.localized" / "Startup.localized" / "Excel")
    assert mac.config_file == tmp_path / "mac" / "Library" / "Containers" / "com.microsoft.Excel" / "Data" / "xxgk.conf"
    monkeypatch.setattr(sys, "platform", "linux")
    assert Platform.current().system == "linux" and Platform.current().python == PYTHON


def test_config_file_path_matches_what_the_vba_reads() -> None:
    vba = (xlwings_dir() / "xlwings_custom_addin.bas").read_text(encoding="latin-1")
    assert 'Environ("USERPROFILE") & "\\." & PROJECT_NAME & "\\" & PROJECT_NAME & ".conf"' in vba
    assert "Input #iFileNum, sVarName, sVarValue" in vba and "LCase(sVarName) = LCase(sName)" in vba
    for key in ("INTERPRETER_WIN", "INTERPRETER_MAC", "UDF MODULES"):
        assert f'GetConfig("{key}"' in vba


# --------------------------------------------------------------------------- install


def test_install_on_windows_copies_the_addin_and_writes_the_config(tmp_path: Path, source: Path) -> None:
    platform = windows(tmp_path)
    platform.config_file.parent.mkdir(parents=True)
    platform.config_file.write_bytes(b'"LICENSE_KEY","abc"\r\n"INTERPRETER_WIN","C:\\old\\python.exe"\r\n')
    code, out = run(platform, "install")
    assert code == 0, out
    assert platform.addin.read_bytes() == source.read_bytes()
    assert platform.config_file.read_bytes() == (
        f'"LICENSE_KEY","abc"\r\n"INTERPRETER_WIN","{PYTHON}"\r\n"UDF MODULES","xxgk.addin.udfs"\r\n'.encode())
    assert read_config(platform.config_file) == {"LICENSE_KEY": "abc", "INTERPRETER_WIN": str(PYTHON),
                                                 "UDF MODULES": "xxgk.addin.udfs"}
    assert "安装完成" in out and str(platform.addin) in out
    assert sorted(p.name for p in platform.xlstart.iterdir()) == ["xxgk.xlam"]  # no temp file left
    again = platform.config_file.read_bytes()
    assert run(platform, "install")[0] == 0 and platform.config_file.read_bytes() == again


def test_reinstall_removes_the_mark_of_the_web(tmp_path: Path, source: Path) -> None:
    platform = installed(windows(tmp_path))
    mark = Path(f"{platform.addin}:Zone.Identifier")  # on Linux a plain file stands for the stream
    mark.write_text("[ZoneTransfer]\r\nZoneId=3\r\n")
    assert problem(doctor(platform)).status == FAIL
    installed(platform)
    assert not mark.exists()
    assert statuses(doctor(platform)) == [OK] * len(doctor(platform))


def test_dry_run_changes_nothing(tmp_path: Path, source: Path) -> None:
    platform = windows(tmp_path)
    code, out = run(platform, "install", "--dry-run")
    assert code == 0
    assert not (tmp_path / "Users").exists()
    assert out.count("（演练，未执行）") == 2
    assert str(platform.addin) in out and f"INTERPRETER_WIN = {PYTHON}" in out and "xxgk.addin.udfs" in out


def test_install_on_macos_also_places_the_applescript(tmp_path: Path, source: Path) -> None:
    platform = macos(tmp_path)
    assert run(platform, "install")[0] == 0
    assert platform.addin.read_bytes() == source.read_bytes()
    assert read_config(platform.config_file)["INTERPRETER_MAC"] == str(PYTHON)
    script = platform.scripts / f"xlwings-{XLWINGS}.applescript"  # type: ignore[operator]
    assert script.read_bytes() == (xlwings_dir() / script.name).read_bytes()
    assert statuses(doctor(platform)) == [OK] * len(doctor(platform))


def test_install_refuses_on_linux_in_chinese(tmp_path: Path) -> None:
    platform = Platform(install.LINUX, tmp_path, tmp_path / "xxgk.conf", PYTHON)
    code, out = run(platform, "install")
    assert code == 2
    assert "Windows 或 macOS" in out and "WPS" in out and "xxgk validate 文件.xlsx --annotate 标记副本.xlsx" in out
    assert list(tmp_path.iterdir()) == []


def test_install_while_excel_holds_the_file_says_close_excel(tmp_path: Path, source: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    def locked(target: Path, data: bytes) -> None:
        raise PermissionError(13, "Permission denied", str(target))

    monkeypatch.setattr(install, "write_atomically", locked)
    code, out = run(windows(tmp_path), "install")
    assert code == 2 and "请先关闭 Excel" in out and "xxgk.xlam" in out


def test_install_without_the_addin_in_the_package_is_a_clear_error(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(rel: str) -> Path:
        raise MissingResource(f"程序文件缺失：{rel}（安装不完整，请重新安装 xxgk）")

    monkeypatch.setattr(install, "resource_path", missing)
    with pytest.raises(SystemExit) as stop:
        run_cli(main, ["addin", "install"])
    assert stop.value.code == 2


# --------------------------------------------------------------------------- doctor


def test_doctor_passes_after_install(tmp_path: Path, source: Path) -> None:
    platform = installed(windows(tmp_path, registry=lambda key, name: "Excel.Sheet.12"))
    checks = doctor(platform)
    assert statuses(checks) == [OK] * len(checks) and len(checks) == 7
    code, out = run(platform, "doctor")
    assert code == 0 and "全部通过" in out and out.count("[通过]") == 7


def test_doctor_xlwings_not_installed(tmp_path: Path, source: Path) -> None:
    platform = installed(windows(tmp_path))
    broken = replace(platform, packages=lambda name: None)
    bad = problem(doctor(broken))
    assert bad.status == FAIL and "没有安装 xlwings" in bad.message and f'pip install "xxgk-{__version__}-py3-none-any.whl[addin]"' in bad.remedy


def test_doctor_addin_missing_from_xlstart(tmp_path: Path, source: Path) -> None:
    platform = installed(windows(tmp_path))
    platform.addin.unlink()
    bad = problem(doctor(platform))
    assert bad.status == FAIL and str(platform.addin) in bad.message and "xxgk addin install" in bad.remedy
    code, out = run(platform, "doctor")
    assert code == 1 and "[错误]" in out and "处理：运行 xxgk addin install" in out and "共 1 项错误、0 项警告" in out


def test_doctor_addin_differs_from_the_shipped_one(tmp_path: Path, source: Path) -> None:
    platform = installed(windows(tmp_path))
    shutil.copyfile(xlwings_dir() / "quickstart_addin.xlam", platform.addin)
    bad = problem(doctor(platform))
    assert bad.status == WARN and "不同" in bad.message
    assert run(platform, "doctor")[0] == 0  # a warning alone does not fail


def test_doctor_xlwings_version_of_addin_and_package_differ(tmp_path: Path, source: Path) -> None:
    assert install.addin_xlwings_version(source) == XLWINGS
    platform = installed(windows(tmp_path))
    other = replace(platform, packages=lambda name: "0.30.0" if name == "xlwings" else None)
    bad = problem(doctor(other))
    assert bad.status == FAIL
    assert f"加载项内置的 xlwings 版本为 {XLWINGS}，已安装的 xlwings 为 0.30.0" in bad.message
    assert f"pip install xlwings=={XLWINGS}" in bad.remedy


@pytest.mark.parametrize("zone", [3, 4])
def test_doctor_mark_of_the_web(tmp_path: Path, source: Path, zone: int) -> None:
    platform = installed(windows(tmp_path))
    Path(f"{platform.addin}:Zone.Identifier").write_text(
        f"[ZoneTransfer]\r\nZoneId={zone}\r\nReferrerUrl=https://example.gov.cn/\r\n")
    bad = problem(doctor(platform))
    assert bad.status == FAIL and f"ZoneId={zone}" in bad.message and "解除锁定" in bad.remedy


def test_doctor_local_zone_is_fine(tmp_path: Path, source: Path) -> None:
    platform = installed(windows(tmp_path))
    Path(f"{platform.addin}:Zone.Identifier").write_text("[ZoneTransfer]\r\nZoneId=1\r\n")
    assert statuses(doctor(platform)) == [OK] * 7


def test_doctor_config_missing(tmp_path: Path, source: Path) -> None:
    platform = installed(windows(tmp_path))
    platform.config_file.unlink()
    bad = problem(doctor(platform))
    assert bad.status == FAIL and "INTERPRETER_WIN" in bad.message and "xxgk addin install" in bad.remedy


def test_doctor_udf_modules_missing_is_a_warning(tmp_path: Path, source: Path) -> None:
    platform = installed(windows(tmp_path))
    platform.config_file.write_text(f'"INTERPRETER_WIN","{PYTHON}"\r\n')
    bad = problem(doctor(platform))
    assert bad.status == WARN and "XXGK_STATUS" in bad.message


def test_doctor_interpreter_not_found(tmp_path: Path, source: Path) -> None:
    gone = tmp_path / "Python311" / "python.exe"
    platform = installed(windows(tmp_path, python=gone))
    checks = doctor(platform)
    bad = problem(checks)
    assert bad.status == FAIL and "配置的 Python 不存在" in bad.message and str(gone) in bad.message


def test_doctor_interpreter_not_executable(tmp_path: Path, source: Path) -> None:
    fake = tmp_path / "Python311" / "python.exe"
    fake.parent.mkdir()
    fake.write_bytes(b"")
    fake.chmod(0o644)
    bad = problem(doctor(installed(windows(tmp_path, python=fake))))
    assert bad.status == FAIL and "无法运行" in bad.message


def test_doctor_non_ascii_interpreter_path(tmp_path: Path, source: Path) -> None:
    chinese = tmp_path / "张三的程序" / "python.exe"
    chinese.parent.mkdir()
    os.symlink(PYTHON, chinese)
    bad = problem(doctor(installed(windows(tmp_path, python=chinese))))
    assert bad.status == FAIL and "非 ASCII" in bad.message and "C:\\Python311" in bad.remedy


def test_doctor_interpreter_other_than_the_running_one(tmp_path: Path, source: Path) -> None:
    other = tmp_path / "other" / "python.exe"
    other.parent.mkdir()
    shutil.copy2(PYTHON, other)
    asked: list[list[str]] = []

    def has_both(argv: list[str]) -> tuple[int, str]:
        asked.append(argv)
        return 0, "\n"

    platform = installed(windows(tmp_path, run=has_both))
    platform.config_file.write_text(f'"INTERPRETER_WIN","{other}"\r\n"UDF MODULES","xxgk.addin.udfs"\r\n')
    checks = doctor(platform)
    assert statuses(checks) == [OK] * 8 and asked[0][:2] == [str(other), "-c"]
    assert any("它不是运行本命令的" in c.message for c in checks)
    lacking = replace(platform, run=lambda argv: (3, "xxgk xlwings\n"))
    bad = problem(doctor(lacking))
    assert bad.status == FAIL and "没有安装 xxgk、xlwings" in bad.message
    assert f'"{other}" -m pip install "xxgk-{__version__}-py3-none-any.whl[addin]"' in bad.remedy


def test_doctor_probe_runs_the_configured_interpreter() -> None:
    code, out = install.run_quietly([sys.executable, "-c", install.PROBE])
    assert (code, out.strip()) == (0, "") or (code == 3 and "xxgk" in out)  # xxgk comes from PYTHONPATH in tests
    assert install.run_quietly([str(Path("/nonexistent/python"))])[0] == -1


def test_doctor_same_interpreter_through_a_link_is_not_probed(tmp_path: Path, source: Path) -> None:
    link = tmp_path / "link" / "python.exe"
    link.parent.mkdir()
    os.symlink(PYTHON, link)

    def never(argv: list[str]) -> tuple[int, str]:
        raise AssertionError("the running interpreter needs no probe")

    platform = installed(windows(tmp_path, run=never))
    platform.config_file.write_text(f'"INTERPRETER_WIN","{link}"\r\n"UDF MODULES","xxgk.addin.udfs"\r\n')
    assert statuses(doctor(platform)) == [OK] * 7


@pytest.mark.parametrize(("key", "progid"), [
    (r"Software\Microsoft\Windows\CurrentVersion\Explorer\FileExts\.xlsx\UserChoice", "KET.xlsx"),
    (r"Software\Classes\.xlsx", "KET.xlsx"),
    (r"Software\Classes\.xlsx", "WPS.xlsx"),
])
def test_doctor_wps_handles_xlsx(tmp_path: Path, source: Path, key: str, progid: str) -> None:
    registry = {(key, "ProgId" if "UserChoice" in key else ""): progid}
    platform = installed(windows(tmp_path, registry=lambda k, n: registry.get((k, n))))
    bad = problem(doctor(platform))
    assert bad.status == WARN and progid in bad.message and "打开方式" in bad.remedy


def test_doctor_pandas_in_the_addin_environment_is_a_warning(tmp_path: Path, source: Path) -> None:
    platform = installed(windows(tmp_path, packages=lambda name: {"xlwings": XLWINGS, "pandas": "2.2.3"}.get(name)))
    bad = problem(doctor(platform))
    assert bad.status == WARN and "pandas 2.2.3" in bad.message and "pip uninstall pandas" in bad.remedy
    assert run(platform, "doctor")[0] == 0


def test_doctor_macos_without_applescript(tmp_path: Path, source: Path) -> None:
    platform = installed(macos(tmp_path))
    (platform.scripts / f"xlwings-{XLWINGS}.applescript").unlink()  # type: ignore[operator]
    bad = problem(doctor(platform))
    assert bad.status == FAIL and "AppleScript" not in bad.message and ".applescript" in bad.message


def test_doctor_on_linux_says_what_to_do_instead(tmp_path: Path) -> None:
    code, out = run(Platform(install.LINUX, tmp_path, tmp_path / "xxgk.conf", PYTHON), "doctor")
    assert code == 1 and "Windows 或 macOS" in out and "WPS" in out


# --------------------------------------------------------------------------- the add-in this xxgk ships


def test_shipped_addin_declares_the_pinned_xlwings() -> None:
    shipped = install.shipped_addin()
    assert shipped is not None and shipped.name == "xxgk.xlam"
    version = install.addin_xlwings_version(shipped)
    assert version == XLWINGS
    pyproject = (Path(__file__).resolve().parents[1] / "pyproject.toml").read_text(encoding="utf-8")
    assert f'"xlwings=={version}"' in pyproject  # `pip install xxgk[addin]` brings the add-in's xlwings


def test_install_and_doctor_with_the_shipped_addin(tmp_path: Path) -> None:
    platform = installed(windows(tmp_path))
    assert platform.addin.read_bytes() == install.resource_path(install.ADDIN_RESOURCE).read_bytes()
    checks = doctor(platform)
    assert statuses(checks) == [OK] * 7, checks


# --------------------------------------------------------------------------- the 报送平台 mode

TOKEN = "xxgk_" + "A1b2C3d4" * 5


def test_install_with_server_sets_the_portal_mode_and_the_token(tmp_path: Path, source: Path) -> None:
    platform = windows(tmp_path)
    platform.config_file.parent.mkdir(parents=True)
    platform.config_file.write_bytes(b'"LICENSE_KEY","abc"\r\n')
    code, out = run(platform, "install", "--server", "https://xxgk.example.gov.cn/", "--token", TOKEN)
    assert code == 0, out
    assert platform.addin.read_bytes() == source.read_bytes()
    assert read_config(platform.config_file) == {"LICENSE_KEY": "abc", "XXGK_SERVER": "https://xxgk.example.gov.cn",
                                                 "XXGK_TOKEN": TOKEN}
    assert TOKEN not in out and TOKEN[:9] in out  # the token is not printed
    # back to 本机 Python: the portal settings go
    assert run(platform, "install")[0] == 0
    assert set(read_config(platform.config_file)) == {"LICENSE_KEY", "INTERPRETER_WIN", "UDF MODULES"}


@pytest.mark.parametrize("args", [["--server", "xxgk.example.gov.cn"], ["--server", "https://a.b", "--token", "abc"],
                                  ["--token", TOKEN]])
def test_install_with_a_bad_server_or_token_says_why_and_changes_nothing(tmp_path: Path, source: Path,
                                                                         args: list[str]) -> None:
    platform = windows(tmp_path)
    code, out = run(platform, "install", *args)
    assert code == 2 and "错误" in out
    assert not platform.addin.exists() and not platform.config_file.exists()


def test_install_with_previous_sets_last_years_report_for_the_local_click(tmp_path: Path, source: Path) -> None:
    platform = windows(tmp_path)
    last = tmp_path / "2023年报"
    last.mkdir()
    code, out = run(platform, "install", "--previous", str(last))
    assert code == 0, out
    assert read_config(platform.config_file)[install.PREVIOUS_KEY] == str(last.resolve())
    assert install.PREVIOUS_KEY in out
    assert run(platform, "install")[0] == 0  # a later install keeps it
    assert read_config(platform.config_file)[install.PREVIOUS_KEY] == str(last.resolve())
    code, out = run(platform, "install", "--previous", str(tmp_path / "没有"))
    assert code == 2 and "上年报告" in out and "不存在" in out
    code, out = run(platform, "install", "--server", "https://xxgk.example.gov.cn", "--previous", str(last))
    assert code == 2 and "只用于本机方式" in out
