"""Uploaded files: safe names, macro refusal, copying an upload to disk."""

from __future__ import annotations

import re
import shutil
import unicodedata
import zipfile
from pathlib import Path
from typing import BinaryIO

MAX_NAME = 120
MACRO_SUFFIXES = (".xlsm", ".xltm", ".xlam", ".xlsb")
MACRO_PARTS = ("xl/vbaproject.bin", "xl/vbaprojectsignature.bin")
_UNSAFE = re.compile(r"[\x00-\x1f\x7f<>:\"|?*]")


class Refused(ValueError):
    """An upload the portal does not take; the message (Chinese) says why and what to do."""


def safe_name(raw: str | None, default: str = "报表.xlsx") -> str:
    """The file name as uploaded, without folders (no path traversal), control or reserved characters."""
    name = unicodedata.normalize("NFC", (raw or "").replace("\\", "/").rsplit("/", 1)[-1])
    name = _UNSAFE.sub("_", name).strip().strip(".")
    if not name or set(name) <= {"_", " "}:
        return default
    if len(name) > MAX_NAME:
        stem, dot, suffix = name.rpartition(".")
        name = (stem[: MAX_NAME - len(suffix) - 1] + dot + suffix) if dot and len(suffix) < 10 else name[:MAX_NAME]
    return name


def refuse_macros(name: str, path: Path) -> None:
    """Macro-enabled workbooks are refused, by name and by content; nothing in them is ever run."""
    message = f"“{name}”是启用宏的工作簿，平台不接收含宏的文件。请在 Excel/WPS 中另存为“Excel 工作簿 (.xlsx)”后重新上传。"
    if name.lower().endswith(MACRO_SUFFIXES):
        raise Refused(message)
    try:
        with zipfile.ZipFile(path) as zf:
            parts = {n.lower() for n in zf.namelist()}
            types = b""
            if "[content_types].xml" in parts:  # a bounded read: zipfile would inflate all the header declares
                with zf.open("[Content_Types].xml") as member:
                    types = member.read(1 << 16)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError):
        return  # not a zip: the reader says what it is
    if parts & set(MACRO_PARTS) or b"macroEnabled" in types:
        raise Refused(message)


def save_upload(stream: BinaryIO, folder: Path, name: str) -> Path:
    """Copy an upload into its own folder under its safe name (two uploads of one name do not clash)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    with open(path, "wb") as out:
        shutil.copyfileobj(stream, out, 1 << 16)
    return path
