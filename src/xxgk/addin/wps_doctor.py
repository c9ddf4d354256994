"""`xxgk addin doctor --wps`: why the WPS add-in does (not) load, read from the user's WPS jsaddons folder.

- publish.xml lists the add-ins WPS is to load: ours is `name="xxgk"` of type et (WPS Spreadsheets), online
  (`<jspluginonline url="https://portal/wps/">`, from the portal's publish page) or offline (`<jsplugin
  url="xxgk_1.0.0">`, the folder beside publish.xml, from `xxgk addin wps-package`);
- authaddin.json is where WPS records the user's trust, per application (wps, et, wpp), one entry per add-in
  with `enable` (trusted) and `isload` (WPS loads it); no entry yet: WPS has not asked, or was not restarted;
- jsaddinblockhost.ini lists the hosts WPS blocks add-ins from.
Each finding is a Check (install.py): the problem in Chinese, and what to do.
"""

from __future__ import annotations

import json
import os
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from xxgk.addin.install import FAIL, OK, WARN, Check
from xxgk.addin.wps import NAME, TYPE, folder_name

PUBLISH, AUTH, BLOCK = "publish.xml", "authaddin.json", "jsaddinblockhost.ini"
REINSTALL = ("在报送平台的「WPS 加载项」页面（网址 /wps/publish）先点「从本机 WPS 卸载」再点「安装到本机 WPS」，"
             "然后退出并重新启动 WPS 表格两次（第一次启动时点「信任」）。离线安装的，按安装包中的安装说明重装。")
Fetch = Callable[[str], str | None]  # url -> None when it answered 200, else the reason


def jsaddons_folders(platform: str | None = None, env: Mapping[str, str] | None = None,
                     home: Path | None = None) -> list[Path]:
    """Where WPS keeps jsaddons for this user: Windows %APPDATA%\\kingsoft\\wps\\jsaddons; Linux
    ~/.local/share/Kingsoft/wps/jsaddons (older builds: ~/.kingsoft/wps/jsaddons)."""
    platform = platform or sys.platform
    env = os.environ if env is None else env
    home = home or Path.home()
    if platform.startswith("win"):
        appdata = Path(env.get("APPDATA") or home / "AppData" / "Roaming")
        return [appdata / "kingsoft" / "wps" / "jsaddons"]
    if platform == "darwin":
        return [home / "Library" / "Containers" / "com.kingsoft.wpsoffice.mac" / "Data" / ".kingsoft" / "wps" / "jsaddons"]
    return [home / ".local" / "share" / "Kingsoft" / "wps" / "jsaddons", home / ".kingsoft" / "wps" / "jsaddons"]


def fetch(url: str) -> str | None:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=8) as r:
            return None if r.status == 200 else f"HTTP {r.status}"
    except urllib.error.HTTPError as exc:
        return f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return str(getattr(exc, "reason", exc))


def oem_files(platform: str | None = None, env: Mapping[str, str] | None = None) -> list[Path]:
    """WPS's oem.ini (the installation's settings: JsApiPlugin, JSPluginsServer) where WPS is usually installed."""
    platform = platform or sys.platform
    env = os.environ if env is None else env
    if platform.startswith("win"):
        roots = [Path(env[k]) / "Kingsoft" / "WPS Office" for k in ("ProgramFiles", "ProgramFiles(x86)", "LOCALAPPDATA")
                 if env.get(k)]
        return sorted(p for root in roots if root.is_dir() for p in root.glob("*/office6/cfgs/oem.ini"))
    return [p for p in (Path("/opt/kingsoft/wps-office/office6/cfgs/oem.ini"),
                        Path("/opt/apps/cn.wps.wps-office-pro/files/kingsoft/wps-office/office6/cfgs/oem.ini"))
            if p.is_file()]


def oem_checks(files: list[Path]) -> list[Check]:
    """JS add-ins switched off for the installation (JsApiPlugin=false), or a unit-wide add-in list
    (JSPluginsServer): then publish.xml may be ignored and the add-in belongs in that list."""
    import configparser

    checks: list[Check] = []
    for path in files:
        ini = configparser.ConfigParser(strict=False, interpolation=None)
        try:
            ini.read_string(path.read_bytes().decode("utf-8", "replace"))
        except configparser.Error:
            continue
        support = {k.lower(): v.strip().lower() for k, v in (ini["Support"].items() if "Support" in ini else [])}
        server = {k.lower(): v.strip() for k, v in (ini["Server"].items() if "Server" in ini else [])}
        if support.get("jsapiplugin") in ("false", "0"):
            checks.append(Check(FAIL, f"本机 WPS 关闭了 JS 加载项（{path} 中 JsApiPlugin=false）。",
                                "请 IT 人员把该行改为 JsApiPlugin=true（[Support] 一节），或联系 WPS 的供应商开启加载项。"))
        if server.get("jspluginsserver"):
            checks.append(Check(WARN, f"本机 WPS 由单位统一配置加载项清单（{path}：JSPluginsServer={server['jspluginsserver']}），"
                                      "publish.xml 可能不起作用。",
                                "请 IT 人员把报送平台 /wps/publish 页上的 <jspluginonline …/> 一行加入该清单（jsplugins.xml）。"))
    return checks


def wps_doctor(folders: list[Path], get: Fetch = fetch, oem: list[Path] | None = None) -> list[Check]:
    checks = oem_checks(oem_files() if oem is None else oem)
    return checks + folder_checks(folders, get)


def folder_checks(folders: list[Path], get: Fetch) -> list[Check]:
    folder = next((f for f in folders if f.is_dir()), None)
    if folder is None:
        return [Check(FAIL, f"没有找到 WPS 的加载项文件夹（{folders[0]}）：本机没有装 WPS Office，或从未启动过 WPS。",
                      "安装 WPS Office 并启动一次 WPS 表格，再安装加载项。")]
    checks = [Check(OK, f"WPS 加载项文件夹：{folder}")]
    entry, more = publish_entry(folder)
    checks += more
    if entry is None:
        return checks
    checks += entry_checks(folder, entry, get)
    checks += trust_checks(folder, entry)
    checks += block_checks(folder, entry)
    return checks


def publish_entry(folder: Path) -> tuple[ET.Element | None, list[Check]]:
    path = folder / PUBLISH
    if not path.is_file():
        return None, [Check(FAIL, f"{path} 不存在：本机还没有安装任何 WPS 加载项。", REINSTALL)]
    try:
        root = ET.fromstring(path.read_bytes())
    except ET.ParseError as exc:
        return None, [Check(FAIL, f"{path} 格式损坏（{exc}），WPS 无法读取其中的加载项。",
                            "退出 WPS，把该文件改名备份后重新安装加载项（其他加载项也需重装）。")]
    ours = [e for e in root if e.tag in ("jspluginonline", "jsplugin") and e.get("name") == NAME]
    if not ours:
        names = "、".join(sorted({e.get("name", "") for e in root if e.get("name")})) or "无"
        return None, [Check(FAIL, f"{path} 中没有信息公开年报加载项（name=\"{NAME}\"；已有：{names}）。", REINSTALL)]
    checks: list[Check] = []
    if len(ours) > 1:
        checks.append(Check(WARN, f"{path} 中有 {len(ours)} 条信息公开年报加载项，WPS 只用其中一条。",
                            "退出 WPS，删除多余的行（保留指向本平台的一条）。"))
    return ours[-1], checks


def entry_checks(folder: Path, entry: ET.Element, get: Fetch) -> list[Check]:
    checks: list[Check] = []
    url, kind = entry.get("url", ""), entry.get("type", "")
    if kind != TYPE:
        checks.append(Check(FAIL, f"publish.xml 中加载项的类型是“{kind}”，不是 WPS 表格（et）：它只会出现在别的组件中。",
                            REINSTALL))
    if entry.get("enable", "") in ("false", "disable", "0"):
        checks.append(Check(FAIL, "publish.xml 中加载项被设为停用（enable）。", REINSTALL))
    if entry.tag == "jsplugin":
        checks.append(offline_check(folder, url))
    elif not url.endswith("/") or urlsplit(url).scheme not in ("http", "https"):
        checks.append(Check(FAIL, f"publish.xml 中加载项的地址“{url}”不对：应为 http(s)://报送平台/wps/（以 / 结尾）。",
                            REINSTALL))
    else:
        failure = get(url + "ribbon.xml")
        checks.append(Check(OK, f"在线加载项：{url}，本机能访问。") if failure is None else
                      Check(FAIL, f"在线加载项：{url}，本机访问不了（{failure}）：WPS 启动时拿不到加载项。",
                            "检查网络、代理和防火墙，在浏览器中打开该地址下的 ribbon.xml 试试；地址变了就重新安装。"))
    return checks


def offline_check(folder: Path, url: str) -> Check:
    where = folder / url
    missing = [f for f in ("ribbon.xml", "index.html", "js/xxgk-client.js") if not (where / f).is_file()]
    if missing:
        return Check(FAIL, f"离线加载项的文件夹 {where} 缺少 {'、'.join(missing)}。",
                     f"退出 WPS，把离线安装包中的 {folder_name()} 文件夹整个复制到 {folder}。")
    return Check(OK, f"离线加载项：{where}")


def trust_checks(folder: Path, entry: ET.Element) -> list[Check]:
    path = folder / AUTH
    if not path.is_file():
        return [Check(WARN, "WPS 还没有记录是否信任此加载项（没有 authaddin.json）：安装后还没有启动过 WPS 表格。",
                      "启动 WPS 表格，询问是否信任时点「信任」，然后退出并再启动一次。")]
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (ValueError, UnicodeDecodeError) as exc:
        return [Check(FAIL, f"{path} 格式损坏（{exc}），WPS 无法读取信任记录。",
                      "退出 WPS，把该文件改名备份，再启动 WPS 表格并在询问时点「信任」。")]
    record = trust_record(data, entry)
    if record is None:
        return [Check(WARN, "WPS 表格还没有信任此加载项（authaddin.json 中没有它的记录）。",
                      "启动 WPS 表格，询问是否信任时点「信任」，然后退出并再启动一次（点「信任」的那次不会加载）。")]
    if record.get("enable") is False or str(record.get("enable")).lower() == "false":
        return [Check(FAIL, "WPS 表格没有信任此加载项（authaddin.json 中 enable 为 false：询问时点了「不信任」，"
                            "或被 WPS 停用）。", REINSTALL)]
    if record.get("isload") is False or str(record.get("isload")).lower() == "false":
        return [Check(FAIL, "WPS 表格信任了此加载项但没有加载它（authaddin.json 中 isload 为 false）。", REINSTALL)]
    return [Check(OK, "WPS 表格已信任并加载此加载项（authaddin.json：enable、isload 为 true）。")]


def trust_record(data: Any, entry: ET.Element) -> dict[str, Any] | None:
    """Our add-in's record under "et": the entry named xxgk, or whose path is our url."""
    host = data.get(TYPE) if isinstance(data, dict) else None
    if not isinstance(host, dict):
        return None
    url = entry.get("url", "").rstrip("/")
    for record in host.values():
        if not isinstance(record, dict):
            continue
        path = str(record.get("path", "")).rstrip("/").replace("\\", "/")
        if record.get("name") == NAME or (url and (path == url or path.endswith("/" + url))):
            return record
    return None


def block_checks(folder: Path, entry: ET.Element) -> list[Check]:
    path = folder / BLOCK
    if not path.is_file():
        return []
    text = path.read_bytes().decode("utf-8", "replace")
    host = urlsplit(entry.get("url", "")).hostname or ""
    hits = [line.strip() for line in text.splitlines() if line.strip() and (
        (host and host in line) or NAME in line or folder_name() in line)]
    if not hits:
        return [Check(OK, f"{path} 中没有拦截本加载项。")]
    return [Check(FAIL, f"WPS 拦截了此加载项（{path} 中有：{'；'.join(hits[:3])}）。",
                  f"退出 WPS，用文本编辑器删除 {path} 中的这几行（或把该文件改名备份），再启动 WPS 表格并点「信任」。")]
