"""The WPS add-in's offline package (`xxgk addin wps-package`) and `xxgk addin doctor --wps` on jsaddons folders
laid out as WPS writes them (publish.xml, authaddin.json, jsaddinblockhost.ini)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from xxgk.addin import wps
from xxgk.addin.wps_doctor import jsaddons_folders, oem_files, wps_doctor
from xxgk.cli import main

URL = "https://xxgk.example.gov.cn/wps/"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def test_the_offline_package_holds_the_addin_publish_xml_and_the_note(tmp_path: Path) -> None:
    code, out = run("addin", "wps-package", "-o", str(tmp_path / "包"), "--server", "https://xxgk.example.gov.cn/")
    assert code == 0, out
    folder = tmp_path / "包" / "xxgk_1.0.0"
    assert {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()} == set(wps.addin_files())
    assert 'server: "https://xxgk.example.gov.cn"' in (folder / "js" / "config.js").read_text(encoding="utf-8")
    assert (folder / "ribbon.xml").read_bytes() == wps.addin_files()["ribbon.xml"].read_bytes()
    entry = ET.fromstring((tmp_path / "包" / "publish.xml").read_bytes())[0]
    assert entry.tag == "jsplugin" and entry.attrib["url"] == "xxgk_1.0.0" and entry.attrib["type"] == "et"
    note = (tmp_path / "包" / "安装说明.txt").read_bytes()
    assert note.startswith(b"\xef\xbb\xbf") and b"\r\n" in note  # Windows Notepad reads it as UTF-8
    text = note.decode("utf-8-sig")
    assert "%APPDATA%\\kingsoft\\wps\\jsaddons" in text and "~/.local/share/Kingsoft/wps/jsaddons" in text
    assert "https://xxgk.example.gov.cn" in text and "xxgk addin doctor --wps" in text
    assert [p.name for p in tmp_path.iterdir()] == ["包"]  # no temporary folder left behind


def test_the_package_doctor_accepts_is_the_package_it_wrote(tmp_path: Path) -> None:
    run("addin", "wps-package", "-o", str(tmp_path / "jsaddons"))
    code, out = run("addin", "doctor", "--wps", "--jsaddons", str(tmp_path / "jsaddons"))
    assert "[通过] 离线加载项" in out and "[警告] WPS 还没有记录是否信任" in out and code == 0, out


@pytest.mark.parametrize("args", [("--server", "xxgk.example.gov.cn"), ("--server", "ftp://x/")])
def test_package_refuses_a_bad_address_in_chinese(tmp_path: Path, args: tuple[str, str]) -> None:
    code, out = run("addin", "wps-package", "-o", str(tmp_path / "包"), *args)
    assert code == 2 and "不是网址" in out and not (tmp_path / "包").exists()


def test_package_never_writes_into_a_folder_with_content(tmp_path: Path) -> None:
    (tmp_path / "包").mkdir()
    (tmp_path / "包" / "别的.txt").write_text("x")
    code, out = run("addin", "wps-package", "-o", str(tmp_path / "包"))
    assert code == 2 and "已存在且不是空文件夹" in out
    assert [p.name for p in (tmp_path / "包").iterdir()] == ["别的.txt"]


def jsaddons(tmp_path: Path, entry: str | None = None, auth: object = None, block: str | None = None) -> Path:
    folder = tmp_path / "jsaddons"
    folder.mkdir(parents=True)
    if entry is not None:
        (folder / "publish.xml").write_text(wps.publish_xml(entry), encoding="utf-8")
    if auth is not None:
        (folder / "authaddin.json").write_text(auth if isinstance(auth, str) else json.dumps(auth), encoding="utf-8")
    if block is not None:
        (folder / "jsaddinblockhost.ini").write_text(block, encoding="utf-8")
    return folder


@pytest.fixture(autouse=True)
def no_wps_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    """The doctor also reads WPS's oem.ini where WPS is installed: none on this machine unless a test puts one."""
    from xxgk.addin import wps_doctor as module

    monkeypatch.setattr(module, "oem_files", lambda: [])


def reachable(url: str) -> str | None:
    return None if url == URL + "ribbon.xml" else "连接被拒绝"


def trusted(**record: object) -> dict[str, object]:
    return {"et": {"a1b2": {"name": "xxgk", "path": URL, "mode": 2, **record}, "namelist": "a1b2"},
            "wps": {"c3": {"name": "other", "enable": False, "isload": False}}}


def statuses(checks: list) -> list[tuple[str, str]]:  # type: ignore[type-arg]
    return [(c.status, c.message) for c in checks]


def test_doctor_passes_a_trusted_loaded_online_addin(tmp_path: Path) -> None:
    folder = jsaddons(tmp_path, wps.online_entry(URL), trusted(enable=True, isload=True))
    checks = wps_doctor([folder], reachable)
    assert all(c.status == "ok" for c in checks), statuses(checks)
    assert any("本机能访问" in c.message for c in checks)


@pytest.mark.parametrize(("record", "said"), [
    ({"enable": False, "isload": True}, "没有信任此加载项（authaddin.json 中 enable 为 false"),
    ({"enable": True, "isload": False}, "没有加载它（authaddin.json 中 isload 为 false）"),
])
def test_doctor_says_not_trusted_or_not_loaded(tmp_path: Path, record: dict[str, object], said: str) -> None:
    checks = wps_doctor([jsaddons(tmp_path, wps.online_entry(URL), trusted(**record))], reachable)
    (bad,) = [c for c in checks if c.status == "error"]
    assert said in bad.message and "先点「从本机 WPS 卸载」再点「安装到本机 WPS」" in bad.remedy


def test_doctor_says_a_blocked_host(tmp_path: Path) -> None:
    folder = jsaddons(tmp_path, wps.online_entry(URL), trusted(enable=True, isload=True),
                      block="[blockhost]\nhost1=xxgk.example.gov.cn\nhost2=other.example.com\n")
    (bad,) = [c for c in wps_doctor([folder], reachable) if c.status == "error"]
    assert "WPS 拦截了此加载项" in bad.message and "host1=xxgk.example.gov.cn" in bad.message
    assert "other.example.com" not in bad.message


def test_doctor_walks_the_missing_pieces(tmp_path: Path) -> None:
    (missing,) = wps_doctor([tmp_path / "无"], reachable)
    assert missing.status == "error" and "没有找到 WPS 的加载项文件夹" in missing.message
    folder = jsaddons(tmp_path)
    assert "publish.xml 不存在" in wps_doctor([folder], reachable)[-1].message
    (folder / "publish.xml").write_text("<jsplugins><jspluginonline name='别的' type='wps' url='x/'/></jsplugins>")
    assert "没有信息公开年报加载项（name=\"xxgk\"；已有：别的）" in wps_doctor([folder], reachable)[-1].message
    (folder / "publish.xml").write_text("<jsplugins><oops></jsplugins>")
    assert "格式损坏" in wps_doctor([folder], reachable)[-1].message


def test_doctor_checks_the_entry_itself(tmp_path: Path) -> None:
    folder = jsaddons(tmp_path, wps.online_entry("https://elsewhere.example/wps/").replace('type="et"', 'type="wps"'),
                      "{broken json")
    messages = [c.message for c in wps_doctor([folder], reachable) if c.status == "error"]
    assert any("类型是“wps”，不是 WPS 表格（et）" in m for m in messages)
    assert any("本机访问不了（连接被拒绝）" in m for m in messages)
    assert any("authaddin.json 格式损坏" in m for m in messages)
    offline = jsaddons(tmp_path / "b", wps.offline_entry(), {"et": {}})
    checks = wps_doctor([offline], reachable)
    assert any(c.status == "error" and "缺少 ribbon.xml、index.html" in c.message for c in checks)
    assert any(c.status == "warning" and "还没有信任此加载项" in c.message for c in checks)


def test_jsaddons_folders_of_windows_and_linux(tmp_path: Path) -> None:
    assert jsaddons_folders("win32", {"APPDATA": r"C:\Users\王\AppData\Roaming"}, tmp_path) == [
        Path(r"C:\Users\王\AppData\Roaming") / "kingsoft" / "wps" / "jsaddons"]
    assert jsaddons_folders("linux", {}, tmp_path)[0] == tmp_path / ".local" / "share" / "Kingsoft" / "wps" / "jsaddons"


def test_doctor_cli_exit_codes_and_usage(tmp_path: Path) -> None:
    code, out = run("addin", "doctor", "--wps", "--jsaddons", str(tmp_path / "无"))
    assert code == 1 and out.startswith("xxgk WPS 加载项诊断：") and "[错误]" in out
    code, out = run("addin", "doctor", "--jsaddons", str(tmp_path))
    assert code == 2 and "--jsaddons 需要与 --wps 一起使用" in out


def test_doctor_reads_wps_oem_ini(tmp_path: Path) -> None:
    folder = jsaddons(tmp_path, wps.online_entry(URL), trusted(enable=True, isload=True))
    oem = tmp_path / "oem.ini"
    oem.write_text("[Setup]\nLANG_ID=2052\n[Support]\nJsApiPlugin=false\n[Server]\n"
                   "JSPluginsServer=http://oa.example.gov.cn/jsplugins.xml\n", encoding="utf-8")
    checks = wps_doctor([folder], reachable, [oem])
    assert [c.status for c in checks[:2]] == ["error", "warning"]
    assert "关闭了 JS 加载项" in checks[0].message and "JsApiPlugin=true" in checks[0].remedy
    assert "JSPluginsServer=http://oa.example.gov.cn/jsplugins.xml" in checks[1].message
    oem.write_text("[Support]\nJsApiPlugin=true\n", encoding="utf-8")
    assert all(c.status == "ok" for c in wps_doctor([folder], reachable, [oem]))


def test_oem_ini_is_looked_for_where_wps_installs(tmp_path: Path) -> None:
    cfgs = tmp_path / "Kingsoft" / "WPS Office" / "12.1.0.17147" / "office6" / "cfgs"
    cfgs.mkdir(parents=True)
    (cfgs / "oem.ini").write_text("[Support]\n")
    assert oem_files("win32", {"LOCALAPPDATA": str(tmp_path)}) == [cfgs / "oem.ini"]
