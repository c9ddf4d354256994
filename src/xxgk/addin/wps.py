"""The WPS JS add-in (addin/wps/): which of its files are shipped and served, and the entries WPS reads to load it.

WPS Office for Windows and Linux loads JS add-ins listed in the user's jsaddons folder (publish.xml):
- online: `<jspluginonline name=… type="et" url="https://portal/wps/" …/>`: WPS fetches ribbon.xml and index.html
  from the portal (the portal serves them at /wps/, see xxgk.web.routers.wps);
- offline: `<jsplugin name=… type="et" url="xxgk_1.0.0" version="1.0.0" …/>`: the add-in's folder `xxgk_1.0.0`
  sits next to publish.xml in jsaddons (what `xxgk addin wps-package` writes).
The formats are those of Kingsoft's wpsjs tool (`wpsjs debug` / `wpsjs build` offline); WPS records each add-in it
trusted in authaddin.json (see xxgk.addin.wps_doctor).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from xml.sax.saxutils import quoteattr

from xxgk.resources import resource_files

NAME = "xxgk"
VERSION = "1.0.0"
TYPE = "et"  # WPS Spreadsheets
FOLDER = "addin/wps"
PARTS = {"": ("ribbon.xml", "manifest.xml", "index.html", "help.html"), "js": ("*.js", "*.css"), "images": ("*.svg",)}
MEDIA = {".xml": "application/xml; charset=utf-8", ".html": "text/html; charset=utf-8",
         ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml"}


@cache
def addin_files() -> dict[str, Path]:
    """The add-in's shipped files: relative path ("js/xxgk-payload.js") -> file (looked up once per process)."""
    out: dict[str, Path] = {}
    for sub, patterns in PARTS.items():
        folder = f"{FOLDER}/{sub}".rstrip("/")
        for pattern in patterns:
            for path in resource_files(folder, pattern):
                out[f"{sub}/{path.name}".lstrip("/")] = path
    return out


def online_entry(url: str) -> str:
    """The publish.xml element loading the add-in from a portal (`url` ends with /wps/)."""
    return (f"<jspluginonline name={quoteattr(NAME)} type={quoteattr(TYPE)} url={quoteattr(url)} "
            f'debug="" enable="enable_dev" install="null" customDomain=""/>')


def offline_entry() -> str:
    """The publish.xml element loading the add-in from its folder in jsaddons (xxgk_1.0.0)."""
    return (f"<jsplugin name={quoteattr(NAME)} type={quoteattr(TYPE)} url={quoteattr(folder_name())} "
            f'version={quoteattr(VERSION)} enable="enable_dev" install="null" customDomain=""/>')


def folder_name() -> str:
    return f"{NAME}_{VERSION}"


def publish_xml(entry: str) -> str:
    return f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<jsplugins>\n  {entry}\n</jsplugins>\n'


CONFIG_JS = "js/config.js"
NOTE = "安装说明.txt"
NOTE_TEXT = """信息公开年报 WPS 加载项（离线安装包）

本文件夹中有：
  {folder}\\      加载项本身
  publish.xml     WPS 的加载项清单
  安装说明.txt    本说明

报送平台地址：{server}

安装（先完全退出 WPS）：
1. 找到本机 WPS 的加载项文件夹（没有就新建）：
   - Windows：%APPDATA%\\kingsoft\\wps\\jsaddons\\
     （在资源管理器地址栏输入 %APPDATA%\\kingsoft\\wps 回车即可打开）
   - Linux（统信 UOS、银河麒麟等）：~/.local/share/Kingsoft/wps/jsaddons/
     （主目录下的隐藏文件夹，文件管理器中按 Ctrl+H 显示）
2. 把文件夹 {folder} 整个复制进去。
3. publish.xml：加载项文件夹中还没有 publish.xml 时，直接复制进去；已经有时（装过别的加载项），
   用记事本或文本编辑器打开原文件，把本包 publish.xml 中 <jsplugin …/> 这一行加到 <jsplugins> 与
   </jsplugins> 之间，保存（编码 UTF-8），不要删除别的行。
4. 启动 WPS 表格。首次加载时 WPS 会询问是否信任此加载项：点「信任」，然后关闭并再次启动 WPS 表格，
   功能区出现「信息公开年报」选项卡。
5. 点「帮助」→「设置」，核对报送平台地址；需要「上报」时填入本单位令牌（在报送平台本单位页面生成）。

没有出现选项卡时，请 IT 人员在这台电脑上运行：xxgk addin doctor --wps
它会说明原因（未信任、未加载、被 WPS 拦截、文件缺失等）以及如何处理。

卸载：退出 WPS，删除加载项文件夹中的 {folder}，并从 publish.xml 中删除含 name="{name}" 的一行。
"""


def config_js(server: str) -> str:
    return ("/* 信息公开年报 WPS 加载项：离线安装包写入的报送平台地址（xxgk addin wps-package --server）。 */\n"
            f"window.XXGK_WPS_CONFIG = window.XXGK_WPS_CONFIG || {{ server: {json.dumps(server, ensure_ascii=False)} }};\n")


def check_server(url: str) -> str:
    """The portal's address as given to --server, without a trailing slash; ValueError (Chinese) when not a URL."""
    from urllib.parse import urlsplit

    text = url.strip().rstrip("/")
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c in text for c in "\"'<> "):
        raise ValueError(f"报送平台地址“{url}”不是网址：应以 http:// 或 https:// 开头，例如 https://xxgk.example.gov.cn")
    return text


def package(out: Path, server: str) -> list[Path]:
    """The offline package in `out` (created; must be empty or absent): the add-in folder with `server` in its
    config.js, publish.xml (offline entry), the Chinese install note. Returns the files written."""
    folder = out / folder_name()
    written: list[Path] = []
    for rel, src in sorted(addin_files().items()):
        dest = folder / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        data = config_js(server).encode() if rel == CONFIG_JS and server else src.read_bytes()
        dest.write_bytes(data)
        written.append(dest)
    for name, text in (("publish.xml", publish_xml(offline_entry())),
                       (NOTE, NOTE_TEXT.format(folder=folder_name(), name=NAME,
                                               server=server or "（未写入：装好后在「帮助」→「设置」中填写）"))):
        path = out / name
        path.write_bytes(text.replace("\n", "\r\n").encode("utf-8-sig") if name == NOTE else text.encode())
        written.append(path)
    return written
