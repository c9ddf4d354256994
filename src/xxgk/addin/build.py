"""Builds the Excel add-in addin/xxgk.xlam from the text sources in addin/, reproducibly.

Sources (all text, in the repository's addin/ folder):
- customUI.xml: the ribbon tab;
- vba/*.bas, vba/*.cls: the VBA modules, exactly as their module streams hold them (CRLF, Attribute lines);
  vba/XxgkText.bas is generated from texts.zh.txt (Chinese texts as ChrW codes: the VBA stays ASCII);
- config.tsv: the add-in's config sheet `xxgk.conf` (key, tab, value per line);
- package/: static workbook parts (styles, theme) taken from xlwings' quickstart add-in.

Same sources, same bytes: entries in a fixed order, dated 1980-01-01, no extra fields, stored uncompressed
(deflate output depends on the zlib build, storing does not; vbaProject.bin is compressed inside anyway),
and a VBA project with a fixed id, seed and module order. Run from a source checkout:
`python -m xxgk.addin.build` (or `make addin`); `--check` only compares.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from xxgk.addin.vba_project import Module, ModuleKind, vba_project

ADDIN_DIR = Path(__file__).resolve().parents[3] / "addin"
OUTPUT = "xxgk.xlam"
PROJECT_NAME = "xxgk"  # the VBA project; also xlwings' PROJECT_NAME in vba/xlwings.bas (config names)
PROJECT_ID = "{7C1E5A2D-3B64-4F0E-9A8D-5E2B1C0F4A63}"
SEED = 0x5D
CONFIG_SHEET = "xxgk.conf"  # xlwings reads "<PROJECT_NAME>.conf"; an underscore in front would disable it
TEXT_MODULE = "XxgkText"

MODULES: tuple[tuple[str, ModuleKind], ...] = (
    ("ThisWorkbook", "document"),
    ("Sheet1", "document"),  # the config sheet's code name
    ("xlwings", "standard"),
    ("Dictionary", "class"),
    ("XxgkRibbon", "standard"),
    (TEXT_MODULE, "standard"),
    ("xlwings_udfs", "standard"),  # the worksheet functions' wrappers (config key UDF Modules)
    ("XxgkRemote", "standard"),  # the server mode (config key XXGK_SERVER): buttons through the portal
    # xlwings 0.37.8's VBA web client (BSD), vendored: see addin/vba/VENDORED.md
    ("Remote", "standard"),
    ("WebHelpers", "standard"),
    ("WebClient", "class"),
    ("WebRequest", "class"),
    ("WebResponse", "class"),
    ("IWebAuthenticator", "class"),
)

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
REL_OFFICE_DOCUMENT = NS_REL + "/officeDocument"
REL_CORE = "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties"
REL_APP = NS_REL + "/extended-properties"
REL_CUSTOM_UI = "http://schemas.microsoft.com/office/2006/relationships/ui/extensibility"  # pairs with 2006/01 customui
REL_WORKSHEET = NS_REL + "/worksheet"
REL_STYLES = NS_REL + "/styles"
REL_THEME = NS_REL + "/theme"
REL_VBA = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
CUSTOM_UI_NAMESPACE = "http://schemas.microsoft.com/office/2006/01/customui"

CT_ADDIN = "application/vnd.ms-excel.addin.macroEnabled.main+xml"
CONTENT_TYPES = {
    "xl/workbook.xml": CT_ADDIN,
    "xl/worksheets/sheet1.xml": "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml",
    "xl/styles.xml": "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml",
    "xl/theme/theme1.xml": "application/vnd.openxmlformats-officedocument.theme+xml",
    "xl/vbaProject.bin": "application/vnd.ms-office.vbaProject",
    "docProps/core.xml": "application/vnd.openxmlformats-package.core-properties+xml",
    "docProps/app.xml": "application/vnd.openxmlformats-officedocument.extended-properties+xml",
}  # customUI/customUI.xml takes the default application/xml, as Office writes it

XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
TITLE = "信息公开年报（xxgk）"
DESCRIPTION = "政府信息公开工作年度报告：校验、清除标记、新建模板、汇总。"


class BuildError(Exception):
    """The add-in sources are missing or inconsistent."""


@dataclass(frozen=True)
class Sources:
    folder: Path

    def path(self, relative: str) -> Path:
        path = self.folder / relative
        if not path.is_file():
            raise BuildError(f"missing add-in source: {path} (the add-in builds only from a source checkout)")
        return path

    def read(self, relative: str) -> bytes:
        return self.path(relative).read_bytes()


# --- the Chinese texts of the VBA ------------------------------------------------------------------------


def read_texts(text: str) -> dict[str, str]:
    """`Name = text` lines of texts.zh.txt (comments and blank lines skipped; `\\n` is a line break)."""
    texts: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        name, sep, value = line.partition("=")
        name = name.strip()
        if not sep or not re.fullmatch(r"Zh[A-Za-z0-9]+", name) or name in texts:
            raise BuildError(f"texts.zh.txt line {number}: expected a new `ZhName = text`, got {line!r}")
        texts[name] = value.strip().replace("\\n", "\n")
    return texts


def _vba_pieces(text: str) -> list[str]:
    """VBA expressions that together give `text`: ASCII runs as literals, everything else as ChrW codes."""
    pieces: list[str] = []
    for run in re.findall(r"[ -~]+|\n|[^ -~\n]", text):
        if run == "\n":
            pieces.append("vbLf")
        elif run.isascii():
            pieces.append('"' + run.replace('"', '""') + '"')
        else:
            pieces.extend(f"ChrW(&H{unit:04X})" for unit in _utf16_units(run))
    return pieces


def _utf16_units(char: str) -> list[int]:
    data = char.encode("utf-16-le")
    return [int.from_bytes(data[i : i + 2], "little") for i in range(0, len(data), 2)]


def text_module(texts: dict[str, str]) -> str:
    """The source of the XxgkText module: one function per text (CRLF line ends, ASCII only)."""
    lines = [
        f'Attribute VB_Name = "{TEXT_MODULE}"',
        "' Generated by `make addin` from addin/texts.zh.txt: edit that file, not this one.",
        "' Each function returns one Chinese text, built from UTF-16 code units so that the module stays",
        "' ASCII (code page 1252 cannot hold Chinese).",
        "Option Explicit",
    ]
    for name, text in texts.items():
        pieces = _vba_pieces(text)
        lines += ["", f"Public Function {name}() As String", "    Dim s As String"]
        for start in range(0, len(pieces), 8):
            lines.append("    s = s & " + " & ".join(pieces[start : start + 8]))
        lines += [f"    {name} = s", "End Function"]
    return "\r\n".join(lines) + "\r\n"


# --- the VBA project -------------------------------------------------------------------------------------


def module_file(name: str, kind: ModuleKind) -> str:
    return f"vba/{name}.{'bas' if kind == 'standard' else 'cls'}"


def read_modules(sources: Sources) -> list[Module]:
    modules = []
    for name, kind in MODULES:
        data = sources.read(module_file(name, kind))
        if not data.isascii():
            raise BuildError(f"{module_file(name, kind)}: VBA sources must be ASCII (code page 1252); put Chinese in texts.zh.txt")
        text = data.decode("ascii")
        if "\n" in text.replace("\r\n", ""):
            raise BuildError(f"{module_file(name, kind)}: line ends must be CRLF")
        modules.append(Module(name, kind, text))
    return modules


# --- the workbook parts ----------------------------------------------------------------------------------


def read_config(text: str) -> list[tuple[str, str]]:
    rows = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        key, sep, value = line.partition("\t")
        if not sep or not key.strip():
            raise BuildError(f"config.tsv line {number}: expected `key<TAB>value`, got {line!r}")
        rows.append((key.strip(), value.strip()))
    return rows


def _inline(reference: str, text: str) -> str:
    return f'<c r="{reference}" t="inlineStr"><is><t>{escape(text)}</t></is></c>'


def config_sheet(rows: list[tuple[str, str]]) -> str:
    """The config sheet: keys in column A from A1 down without gaps (how xlwings' GetConfigFromSheet reads it)."""
    cells = "".join(
        f'<row r="{i}">{_inline(f"A{i}", key)}{_inline(f"B{i}", value)}</row>' for i, (key, value) in enumerate(rows, 1)
    )
    dimension = f"A1:B{max(len(rows), 1)}"
    return (
        f'{XML_DECLARATION}<worksheet xmlns="{NS_MAIN}" xmlns:r="{NS_REL}">'
        f'<sheetPr codeName="Sheet1"/><dimension ref="{dimension}"/>'
        '<sheetViews><sheetView tabSelected="1" workbookViewId="0"/></sheetViews>'
        '<sheetFormatPr defaultRowHeight="15"/>'
        '<cols><col min="1" max="2" width="32" customWidth="1"/></cols>'
        f"<sheetData>{cells}</sheetData>"
        '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
        "</worksheet>"
    )


def workbook_xml() -> str:
    return (
        f'{XML_DECLARATION}<workbook xmlns="{NS_MAIN}" xmlns:r="{NS_REL}">'
        '<fileVersion appName="xl" lastEdited="7" lowestEdited="7" rupBuild="27328"/>'
        '<workbookPr codeName="ThisWorkbook"/>'
        '<bookViews><workbookView visibility="hidden" xWindow="0" yWindow="0" windowWidth="16384" windowHeight="8192"/>'
        "</bookViews>"
        f'<sheets><sheet name={quoteattr(CONFIG_SHEET)} sheetId="1" r:id="rId1"/></sheets>'
        '<calcPr calcId="191029"/>'
        "</workbook>"
    )


def relationships(targets: list[tuple[str, str]]) -> str:
    rels = "".join(
        f'<Relationship Id="rId{i}" Type="{kind}" Target="{target}"/>' for i, (kind, target) in enumerate(targets, 1)
    )
    return f'{XML_DECLARATION}<Relationships xmlns="{NS_PKG_REL}">{rels}</Relationships>'


def content_types() -> str:
    overrides = "".join(
        f'<Override PartName="/{part}" ContentType="{kind}"/>' for part, kind in sorted(CONTENT_TYPES.items())
    )
    return (
        f'{XML_DECLARATION}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f"{overrides}</Types>"
    )


def core_properties() -> str:
    return (
        f"{XML_DECLARATION}"
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<dc:title>{escape(TITLE)}</dc:title><dc:description>{escape(DESCRIPTION)}</dc:description>"
        "<dc:creator>xxgk</dc:creator></cp:coreProperties>"
    )


def app_properties() -> str:
    return (
        f'{XML_DECLARATION}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
        "<Application>Microsoft Excel</Application><DocSecurity>0</DocSecurity></Properties>"
    )


def parts(sources: Sources) -> dict[str, bytes]:
    """Every part of the package, by name."""
    modules = read_modules(sources)
    text = {
        "[Content_Types].xml": content_types(),
        "_rels/.rels": relationships(
            [
                (REL_OFFICE_DOCUMENT, "xl/workbook.xml"),
                (REL_CORE, "docProps/core.xml"),
                (REL_APP, "docProps/app.xml"),
                (REL_CUSTOM_UI, "customUI/customUI.xml"),
            ]
        ),
        "docProps/app.xml": app_properties(),
        "docProps/core.xml": core_properties(),
        "xl/workbook.xml": workbook_xml(),
        "xl/_rels/workbook.xml.rels": relationships(
            [
                (REL_WORKSHEET, "worksheets/sheet1.xml"),
                (REL_STYLES, "styles.xml"),
                (REL_THEME, "theme/theme1.xml"),
                (REL_VBA, "vbaProject.bin"),
            ]
        ),
        "xl/worksheets/sheet1.xml": config_sheet(read_config(sources.read("config.tsv").decode("utf-8"))),
    }
    binary = {name: data.encode("utf-8") for name, data in text.items()}
    binary["customUI/customUI.xml"] = sources.read("customUI.xml")
    binary["xl/styles.xml"] = sources.read("package/xl/styles.xml")
    binary["xl/theme/theme1.xml"] = sources.read("package/xl/theme/theme1.xml")
    binary["xl/vbaProject.bin"] = vba_project(PROJECT_NAME, modules, project_id=PROJECT_ID, seed=SEED)
    return binary


def package(contents: dict[str, bytes]) -> bytes:
    """A zip of `contents` that depends on nothing but them (see the module docstring)."""
    first = ["[Content_Types].xml", "_rels/.rels"]
    order = first + sorted(name for name in contents if name not in first)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in order:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED
            info.create_system = 0  # MS-DOS: no Unix permissions
            archive.writestr(info, contents[name])
            info.external_attr = 0  # writestr puts 0o600 there; the central directory is written on close
    return buffer.getvalue()


def build(folder: Path = ADDIN_DIR) -> bytes:
    """The bytes of xxgk.xlam built from the sources in `folder`."""
    return package(parts(Sources(folder)))


def generated_text_module(folder: Path = ADDIN_DIR) -> str:
    return text_module(read_texts(Sources(folder).read("texts.zh.txt").decode("utf-8")))


def _write_atomically(path: Path, data: bytes) -> None:
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(temp, 0o644)  # mkstemp makes it private; these are ordinary repository files
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def update(folder: Path = ADDIN_DIR, *, write: bool = True) -> list[Path]:
    """Regenerate vba/XxgkText.bas, then build xxgk.xlam; the files that changed (or would, with write=False)."""
    changed = []
    text_path = folder / module_file(TEXT_MODULE, "standard")
    text = generated_text_module(folder).encode("ascii")
    if not text_path.is_file() or text_path.read_bytes() != text:
        changed.append(text_path)
        if write:
            _write_atomically(text_path, text)
    xlam_path = folder / OUTPUT
    xlam = build(folder)
    if not xlam_path.is_file() or xlam_path.read_bytes() != xlam:
        changed.append(xlam_path)
        if write:
            _write_atomically(xlam_path, xlam)
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m xxgk.addin.build", description="Build addin/xxgk.xlam.")
    parser.add_argument("--addin-dir", type=Path, default=ADDIN_DIR)
    parser.add_argument("--check", action="store_true", help="only report whether the committed files are current")
    args = parser.parse_args(argv)
    try:
        changed = update(args.addin_dir, write=not args.check)
    except (BuildError, ValueError, UnicodeError) as error:
        print(f"add-in build failed: {error}", file=sys.stderr)
        return 2
    for path in changed:
        print(f"{'out of date' if args.check else 'written'}: {path}", file=sys.stderr if args.check else sys.stdout)
    if args.check and changed:
        print("run `make addin` and commit the result", file=sys.stderr)
        return 1
    if not changed and not args.check:
        print(f"{args.addin_dir / OUTPUT} is up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
