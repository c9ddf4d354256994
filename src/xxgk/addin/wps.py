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


def addin_files() -> dict[str, Path]:
    """The add-in's shipped files: relative path ("js/xxgk-payload.js") -> file."""
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
