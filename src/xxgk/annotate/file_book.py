"""Annotate a copy of a workbook file by editing only the parts that change, straight in the zip.

openpyxl rebuilds a workbook from its own model and drops what it does not model (custom document
properties survive, but not everything: extensions, some conditional formats, x14 data validations, controls,
VBA...). Here every part is copied byte for byte except the four that must change: the sheets whose cells are
highlighted or whose status cell is written (one attribute or one cell each), styles.xml (fills, fonts and
cell formats appended; existing indices untouched), and, for a new 校验结果 sheet, workbook.xml (one <sheet>
appended after the others, so sheet-local defined names keep their index), its rels and [Content_Types].xml.
The new sheet is written with inline strings (sharedStrings.xml stays as it was).

The input is never opened for writing; the copy is written to a temporary file beside the output and renamed.
"""

from __future__ import annotations

import os
import re
import uuid
import zipfile
from collections.abc import Iterable
from pathlib import Path, PurePosixPath
from xml.etree import ElementTree as ET
from xml.sax.saxutils import escape, quoteattr, unescape

from xlsxwriter.utility import xl_cell_to_rowcol, xl_rowcol_to_cell

from xxgk.annotate.plan import (
    FILL_HEADER,
    NO_FILL,
    RESULT_SHEET,
    WRAPPED_COLUMNS,
    Cell,
    Original,
    PrintSetup,
    ResultSheet,
    Scalar,
    choose_result_sheet,
)

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_WORKSHEET_TYPE = _REL + "/worksheet"
_WORKSHEET_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_NS = {"m": _MAIN, "rel": _PKG_REL}
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class AnnotateError(Exception):
    """The file cannot be annotated (its structure is not what the edits need); the message is Chinese."""


def _text(value: str) -> str:
    return escape(_ILLEGAL_XML.sub("", value))


def _attr(value: str) -> str:
    return quoteattr(_ILLEGAL_XML.sub("", value))


def _argb(fill: str) -> str:
    return "FF" + fill.lstrip("#").upper()


class _Styles:
    """styles.xml with fonts, fills and cell formats appended (existing indices never move)."""

    def __init__(self, xml: bytes) -> None:
        self.xml = xml.decode("utf-8")
        self.fonts = self._items("fonts", "font")
        self.fills = self._items("fills", "fill")
        self.xfs = self._items("cellXfs", "xf")
        self.added: dict[str, list[str]] = {"fonts": [], "fills": [], "cellXfs": []}
        self._cache: dict[tuple[str, str], int] = {}

    def _block(self, tag: str, xml: str | None = None) -> re.Match[str] | None:
        return re.search(rf"<{tag}\b[^>]*?(?:/>|>(.*?)</{tag}>)", self.xml if xml is None else xml, re.S)

    def _items(self, block: str, tag: str) -> list[str]:
        m = self._block(block)
        if m is None:
            raise AnnotateError(f"样式表中没有 {block}，无法标记单元格。")
        return re.findall(rf"<{tag}\b[^>]*?(?:/>|>.*?</{tag}>)", m.group(1) or "", re.S)

    def _add(self, block: str, item: str) -> int:
        key = (block, item)
        existing = {"fonts": self.fonts, "fills": self.fills, "cellXfs": self.xfs}[block]
        if item in existing:  # an earlier annotation added it: reuse, never pile up copies
            return existing.index(item)
        if key not in self._cache:
            self._cache[key] = len(existing) + len(self.added[block])
            self.added[block].append(item)
        return self._cache[key]

    def xf(self, index: int) -> str:
        every = self.xfs + self.added["cellXfs"]
        return every[index] if 0 <= index < len(every) else every[0]

    def fill_of(self, style: int) -> str:
        """The cell format's fill as #RRGGBB, NO_FILL, or "" when it is not a plain colour (theme, pattern)."""
        m = re.search(r'\bfillId="(\d+)"', self.xf(style))
        fills = self.fills + self.added["fills"]
        fill = fills[int(m.group(1))] if m and int(m.group(1)) < len(fills) else ""
        if not fill or 'patternType="none"' in fill or "patternType" not in fill:
            return NO_FILL
        rgb = re.search(r'<fgColor\b[^>]*\brgb="([0-9A-Fa-f]{8})"', fill)
        return f"#{rgb.group(1)[2:].upper()}" if rgb and 'patternType="solid"' in fill else ""

    def fill_id(self, fill: str) -> int:
        if fill == NO_FILL:
            return 0  # the spreadsheet format reserves fill 0 for "none"
        return self._add("fills", f'<fill><patternFill patternType="solid"><fgColor rgb="{_argb(fill)}"/>'
                                  '<bgColor indexed="64"/></patternFill></fill>')

    def with_fill(self, style: int, fill: str) -> int:
        """A cell format equal to `style` but with this fill (reused when it exists)."""
        xf = _set_attr(_set_attr(self.xf(style), "fillId", str(self.fill_id(fill))), "applyFill", "1")
        every = self.xfs + self.added["cellXfs"]
        return every.index(xf) if xf in every else self._add("cellXfs", xf)

    def result_style(self, kind: str) -> int:
        """Cell formats of the 校验结果 sheet: title, header, wrapped text, one-line text, link."""
        fonts = {"title": '<font><b/><sz val="14"/><name val="宋体"/></font>',
                 "header": '<font><b/><sz val="11"/><name val="宋体"/></font>',
                 "text": '<font><sz val="11"/><name val="宋体"/></font>',
                 "line": '<font><sz val="11"/><name val="宋体"/></font>',
                 "link": '<font><u/><sz val="11"/><color rgb="FF0563C1"/><name val="宋体"/></font>'}
        font = self._add("fonts", fonts[kind])
        fill = self.fill_id(FILL_HEADER) if kind == "header" else 0
        wrap = ('<alignment vertical="top" wrapText="1"/>' if kind in ("text", "header")
                else '<alignment vertical="top"/>' if kind in ("line", "link") else "")
        return self._add("cellXfs", f'<xf numFmtId="0" fontId="{font}" fillId="{fill}" borderId="0" xfId="0" '
                                    f'applyFont="1" applyFill="1" applyAlignment="1">{wrap}</xf>'
                         if wrap else f'<xf numFmtId="0" fontId="{font}" fillId="{fill}" borderId="0" xfId="0" '
                                      'applyFont="1" applyFill="1"/>')

    def serialize(self) -> bytes:
        xml = self.xml
        for block, items in self.added.items():
            if not items:
                continue
            m = self._block(block, xml)
            assert m is not None
            head = re.match(rf"<{block}\b[^>]*?(?=/?>)", m.group(0))
            assert head is not None
            total = len({"fonts": self.fonts, "fills": self.fills, "cellXfs": self.xfs}[block]) + len(items)
            start = _set_attr(head.group(0) + ">", "count", str(total))[:-1]
            body = (m.group(1) or "") + "".join(items)
            xml = xml[: m.start()] + f"{start}>{body}</{block}>" + xml[m.end():]
        return xml.encode("utf-8")


def _set_attr(tag: str, name: str, value: str) -> str:
    """Set an attribute in the start tag at the beginning of `tag` (an element's XML)."""
    end = tag.index(">")
    if tag[end - 1] == "/":
        end -= 1
    start = tag[:end]
    if re.search(rf'\s{name}="[^"]*"', start):
        start = re.sub(rf'(\s){name}="[^"]*"', rf'\g<1>{name}="{value}"', start, count=1)
    else:
        start += f' {name}="{value}"'
    return start + tag[end:]


class _Sheet:
    """One worksheet part's XML, edited cell by cell (everything else byte for byte)."""

    def __init__(self, xml: bytes) -> None:
        self.xml = xml.decode("utf-8")
        if "<sheetData" not in self.xml:  # e.g. written with a namespace prefix (<x:sheetData>) by some SDKs
            raise AnnotateError("工作表的 XML 写法无法识别，无法生成标记副本。请用 Excel 或 WPS 打开后另存为 .xlsx 再试。")

    def _cell(self, a1: str) -> re.Match[str] | None:
        return re.search(rf'<c\b[^>]*?\sr="{a1}"[^>]*?(?:/>|>.*?</c>)', self.xml, re.S)

    def style(self, a1: str) -> int:
        m = self._cell(a1)
        s = re.match(r'<c\b[^>]*?\ss="(\d+)"', m.group(0)) if m else None
        return int(s.group(1)) if s else 0

    def set_style(self, a1: str, style: int) -> None:
        m = self._cell(a1) or self._insert(a1)
        self.xml = self.xml[: m.start()] + _set_attr(m.group(0), "s", str(style)) + self.xml[m.end():]

    def set_value(self, a1: str, value: Scalar) -> None:
        m = self._cell(a1) or self._insert(a1)
        s = self.style(a1)
        self.xml = self.xml[: m.start()] + _cell_xml(a1, value, s) + self.xml[m.end():]

    def _insert(self, a1: str) -> re.Match[str]:
        """Add an empty cell in its row (the row made when missing), in column order; return its match."""
        row, col = xl_cell_to_rowcol(a1)
        m = re.search(rf'<row\b[^>]*?\sr="{row + 1}"[^>]*?(?:/>|>.*?</row>)', self.xml, re.S)
        if m is None:
            self._insert_row(row)
            m = re.search(rf'<row\b[^>]*?\sr="{row + 1}"[^>]*?(?:/>|>.*?</row>)', self.xml, re.S)
            assert m is not None
        element = re.sub(r'\sspans="[^"]*"', "", m.group(0), count=1)  # the row's extent changes
        if element.endswith("/>"):
            element = element[:-2] + "></row>"
        pos = len(element) - len("</row>")
        for c in re.finditer(r'<c\b[^>]*?\sr="([A-Z]+)\d+"', element):
            if xl_cell_to_rowcol(f"{c.group(1)}1")[1] > col:
                pos = c.start()
                break
        element = element[:pos] + f'<c r="{a1}"/>' + element[pos:]
        self.xml = self.xml[: m.start()] + element + self.xml[m.end():]
        found = self._cell(a1)
        assert found is not None
        return found

    def _insert_row(self, row: int) -> None:
        new = f'<row r="{row + 1}"></row>'
        if re.search(r"<sheetData\s*/>", self.xml):
            self.xml = re.sub(r"<sheetData\s*/>", f"<sheetData>{new}</sheetData>", self.xml, count=1)
            return
        for m in re.finditer(r'<row\b[^>]*?\sr="(\d+)"', self.xml):
            if int(m.group(1)) > row + 1:
                self.xml = self.xml[: m.start()] + new + self.xml[m.start():]
                return
        end = self.xml.index("</sheetData>")
        self.xml = self.xml[:end] + new + self.xml[end:]

    def serialize(self) -> bytes:
        return self.xml.encode("utf-8")


def _cell_xml(a1: str, value: Scalar, style: int | None) -> str:
    s = f' s="{style}"' if style else ""
    if value is None or value == "":
        return f'<c r="{a1}"{s}/>'
    if isinstance(value, bool):
        return f'<c r="{a1}"{s} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (int, float)):
        return f'<c r="{a1}"{s}><v>{value!r}</v></c>'
    return f'<c r="{a1}"{s} t="inlineStr"><is><t xml:space="preserve">{_text(str(value))}</t></is></c>'


_MARGINS = '<pageMargins left="0.5" right="0.5" top="0.6" bottom="0.6" header="0.3" footer="0.3"/>'


def _quoted(sheet: str) -> str:
    return "'" + sheet.replace("'", "''") + "'"


def print_names(wb: str, result: str, printing: PrintSetup) -> str:
    """workbook.xml with the result sheet's print area and title rows (replacing any earlier ones) and the
    cover's print area widened to take in the status cell."""
    names = [_unescape(m.group(1)) for m in re.finditer(r'<(?:\w+:)?sheet\b[^>]*?\sname="([^"]*)"', wb)]
    if result not in names:
        raise AnnotateError("workbook.xml 的结构无法识别，无法设置“校验结果”表的打印区域。")
    index = names.index(result)
    own = re.compile(rf'<definedName\b[^>]*?name="_xlnm\.(?:Print_Area|Print_Titles)"[^>]*?localSheetId="{index}"'
                     rf'[^>]*>[^<]*</definedName>|<definedName\b[^>]*?localSheetId="{index}"[^>]*?'
                     r'name="_xlnm\.(?:Print_Area|Print_Titles)"[^>]*>[^<]*</definedName>')
    wb = own.sub("", wb)
    if printing.status is not None and printing.status.sheet in names:
        cover = names.index(printing.status.sheet)
        cover_area = re.compile(rf'(<definedName\b(?=[^>]*?name="_xlnm\.Print_Area")'
                                rf'(?=[^>]*?localSheetId="{cover}")[^>]*>)([^<]*)(</definedName>)')
        wb = cover_area.sub(lambda m: m.group(1) + _text(printing.cover_area(_unescape(m.group(2)))) + m.group(3), wb)
    q = _quoted(result)
    area, titles = f"{q}!{printing.area}", f"{q}!{printing.titles}"
    items = (f'<definedName name="_xlnm.Print_Area" localSheetId="{index}">{_text(area)}</definedName>'
             f'<definedName name="_xlnm.Print_Titles" localSheetId="{index}">{_text(titles)}</definedName>')
    if re.search(r"<definedNames\b[^>]*/>", wb):
        return re.sub(r"<definedNames\b[^>]*/>", f"<definedNames>{items}</definedNames>", wb, count=1)
    if "<definedNames" in wb:
        return _before_close(wb, "definedNames", items).decode("utf-8")
    end = re.search(r"</(?:\w+:)?sheets>", wb)
    if end is None:
        raise AnnotateError("workbook.xml 的结构无法识别，无法设置“校验结果”表的打印区域。")
    return wb[: end.end()] + f"<definedNames>{items}</definedNames>" + wb[end.end():]


def _unescape(text: str) -> str:
    return unescape(text, {"&apos;": "'", "&quot;": '"'})


def result_sheet_xml(sheet: ResultSheet, styles: _Styles) -> bytes:
    kinds = {"title": "title", "header": "header"}  # the rest: finding rows wrap in WRAPPED_COLUMNS only
    ids = {k: styles.result_style(k) for k in ("title", "header", "text", "line", "link")}
    links = {(link.row, link.col) for link in sheet.links}
    hidden, wrapped = set(sheet.hidden), set(sheet.wrapped)
    rows = []
    for r, (values, kind) in enumerate(zip(sheet.rows, sheet.kinds, strict=True)):
        cells = []
        for c, value in enumerate(values):
            style = ids["link" if (r, c) in links else kinds.get(kind, "text" if r in wrapped and c in WRAPPED_COLUMNS
                                                                else "line")]
            if value is not None and value != "":
                cells.append(_cell_xml(xl_rowcol_to_cell(r, c), value, style))
        attrs = ' hidden="1"' if r in hidden else f' ht="{sheet.height(r):g}" customHeight="1"' if r in wrapped else ""
        rows.append(f'<row r="{r + 1}"{attrs}>{"".join(cells)}</row>' if cells or attrs else "")
    cols = "".join(f'<col min="{i + 1}" max="{i + 1}" width="{w}" customWidth="1"/>' for i, w in enumerate(sheet.column_widths))
    hyperlinks = "".join(f'<hyperlink ref="{xl_rowcol_to_cell(link.row, link.col)}" location={_attr(link.target)} '
                         f"display={_attr(link.text)}/>" for link in sheet.links)
    last = xl_rowcol_to_cell(max(len(sheet.rows) - 1, 0), max(sheet.width - 1, 0))
    p = sheet.printing
    fit = '<pageSetUpPr fitToPage="1"/>' if p is not None else ""
    page = (f'<printOptions gridLines="1"/>{_MARGINS}<pageSetup paperSize="{p.paper}" orientation="landscape" '
            f'fitToWidth="{p.fit_wide}" fitToHeight="{p.fit_tall}"/>') if p is not None else _MARGINS
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}">'
        f'<sheetPr><tabColor rgb="FFC00000"/>{fit}</sheetPr>'
        f'<dimension ref="A1:{last}"/>'
        '<sheetViews><sheetView workbookViewId="0"><pane ySplit="4" topLeftCell="A5" activePane="bottomLeft" '
        'state="frozen"/></sheetView></sheetViews>'
        '<sheetFormatPr defaultRowHeight="15"/>'
        f"<cols>{cols}</cols><sheetData>{''.join(rows)}</sheetData>"
        + (f"<hyperlinks>{hyperlinks}</hyperlinks>" if hyperlinks else "")
        + page
        + "</worksheet>"
    ).encode("utf-8")


class FileBook:
    """A workbook file being annotated into a copy: reads the input, collects the edits, writes the output."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        with zipfile.ZipFile(self.path) as zf:
            self.infos = zf.infolist()
            self.data = {i.filename: zf.read(i.filename) for i in self.infos}
        self.changed: dict[str, bytes] = {}
        self.sheets = self._sheet_parts()
        self.styles = _Styles(self._part("xl/styles.xml"))
        self._edits: dict[str, _Sheet] = {}
        self._grids: dict[str, list[list[object]]] = {}
        self.result_name = RESULT_SHEET

    # ---- parts

    def _part(self, name: str) -> bytes:
        if name in self.changed:
            return self.changed[name]
        if name not in self.data:
            raise AnnotateError(f"工作簿缺少 {name}，无法生成标记副本。")
        return self.data[name]

    def _sheet_parts(self) -> dict[str, str]:
        wb = ET.fromstring(self._part("xl/workbook.xml"))
        rels = ET.fromstring(self._part("xl/_rels/workbook.xml.rels"))
        targets = {r.get("Id"): r.get("Target", "") for r in rels.iterfind("rel:Relationship", _NS)}
        parts = {}
        for sh in wb.iterfind("m:sheets/m:sheet", _NS):
            target = targets.get(sh.get(f"{{{_REL}}}id"), "")
            parts[sh.get("name", "")] = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
        return parts

    def _sheet(self, name: str) -> _Sheet:
        part = self.sheets.get(name)
        if part is None:
            raise AnnotateError(f"工作簿中没有工作表“{name}”。")
        if part not in self._edits:
            self._edits[part] = _Sheet(self._part(part))
        return self._edits[part]

    def _grid(self, sheet: str) -> list[list[object]]:
        if sheet not in self._grids:
            from python_calamine import CalamineWorkbook

            wb = CalamineWorkbook.from_path(str(self.path))
            try:
                self._grids[sheet] = list(map(list, wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)))
            finally:
                wb.close()
        return self._grids[sheet]

    # ---- AnnotatableBook

    def prepare(self, sheets: set[str]) -> None:
        for name in sheets:
            self._sheet(name)  # a missing sheet fails here, before any edit

    def result_grid(self) -> list[list[object]] | None:
        self.result_name, grid = choose_result_sheet(lambda name: self._grid(name) if name in self.sheets else None)
        return [list(row) for row in grid] if grid is not None else None

    def looks(self, cells: Iterable[Cell]) -> dict[Cell, Original]:
        out = {}
        for cell in cells:
            style = self._sheet(cell.sheet).style(cell.a1)
            out[cell] = Original(self.styles.fill_of(style), style)
        return out

    def content(self, cell: Cell) -> Scalar:
        grid = self._grid(cell.sheet)
        value = grid[cell.row][cell.col] if cell.row < len(grid) and cell.col < len(grid[cell.row]) else None
        return None if value == "" else value if isinstance(value, (str, int, float)) or value is None else str(value)

    def set_fill(self, cell: Cell, fill: str) -> None:
        sheet = self._sheet(cell.sheet)
        sheet.set_style(cell.a1, self.styles.with_fill(sheet.style(cell.a1), fill))

    def restore(self, cell: Cell, original: Original) -> None:
        sheet = self._sheet(cell.sheet)
        if original.style is not None:
            sheet.set_style(cell.a1, original.style)
        elif original.fill:  # recorded by Excel: its colour, on the cell's current format
            sheet.set_style(cell.a1, self.styles.with_fill(sheet.style(cell.a1), original.fill))

    def set_content(self, cell: Cell, value: Scalar) -> None:
        self._sheet(cell.sheet).set_value(cell.a1, value)

    def write_result_sheet(self, sheet: ResultSheet | None) -> None:
        if sheet is None:
            raise AnnotateError("标记副本不支持删除“校验结果”表。")
        xml = result_sheet_xml(sheet, self.styles)
        if self.result_name in self.sheets:
            self.changed[self.sheets[self.result_name]] = xml
            self._edits.pop(self.sheets[self.result_name], None)
        else:
            self._add_sheet(xml)
        if sheet.printing is not None:
            wb = self._part("xl/workbook.xml").decode("utf-8")
            self.changed["xl/workbook.xml"] = print_names(wb, self.result_name, sheet.printing).encode("utf-8")

    def _add_sheet(self, xml: bytes) -> None:
        names = set(self.data) | set(self.changed)
        n = 1
        while f"xl/worksheets/sheet{n}.xml" in names:
            n += 1
        part = f"xl/worksheets/sheet{n}.xml"
        rels = self._part("xl/_rels/workbook.xml.rels").decode("utf-8")
        ids = set(re.findall(r'\bId="([^"]+)"', rels))
        k = 1
        while f"rId{k}" in ids:
            k += 1
        rid = f"rId{k}"
        rel = f'<Relationship Id="{rid}" Type="{_WORKSHEET_TYPE}" Target="worksheets/sheet{n}.xml"/>'
        self.changed["xl/_rels/workbook.xml.rels"] = _before_close(rels, "Relationships", rel)
        types = self._part("[Content_Types].xml").decode("utf-8")
        override = f'<Override PartName="/{part}" ContentType="{_WORKSHEET_CT}"/>'
        self.changed["[Content_Types].xml"] = _before_close(types, "Types", override)
        wb = self._part("xl/workbook.xml").decode("utf-8")
        prefix = re.search(rf'xmlns:(\w+)="{re.escape(_REL)}"', wb)
        if prefix is None:
            raise AnnotateError("workbook.xml 的结构无法识别，无法添加“校验结果”表。")
        sheet_ids = [int(i) for i in re.findall(r'<sheet\b[^>]*?\ssheetId="(\d+)"', wb)]
        entry = f'<sheet name="{self.result_name}" sheetId="{max(sheet_ids, default=0) + 1}" {prefix.group(1)}:id="{rid}"/>'
        self.changed["xl/workbook.xml"] = _before_close(wb, "sheets", entry)
        self.changed[part] = xml
        self.sheets[self.result_name] = part

    # ---- output

    def save(self, out: Path) -> Path:
        """Write the annotated copy atomically (temp file beside `out`, then rename)."""
        for part, sheet in self._edits.items():
            self.changed[part] = sheet.serialize()
        self.changed["xl/styles.xml"] = self.styles.serialize()
        out = Path(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(f".xxgk-{uuid.uuid4().hex[:12]}.tmp")
        try:
            with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
                for info in self.infos:
                    data = self.changed.get(info.filename, self.data[info.filename])
                    zout.writestr(info, data, compress_type=info.compress_type)
                for name, data in self.changed.items():
                    if name not in self.data:
                        zout.writestr(name, data)
            os.replace(tmp, out)
        finally:
            if tmp.exists():
                tmp.unlink()
        return out


def _before_close(xml: str, tag: str, item: str) -> bytes:
    """Insert `item` as the last child of the first <tag> element (which may be written empty: <tag/>)."""
    m = re.search(rf"<((?:\w+:)?{tag})\b[^>]*?(/?)>", xml)
    if m is None:
        raise AnnotateError(f"工作簿结构无法识别（缺少 {tag}），无法添加“校验结果”表。")
    if m.group(2):
        element = m.group(0)[:-2] + f">{item}</{m.group(1)}>"
        return (xml[: m.start()] + element + xml[m.end():]).encode("utf-8")
    end = xml.index(f"</{m.group(1)}>", m.end())
    return (xml[:end] + item + xml[end:]).encode("utf-8")
