"""Annotate a copy of a workbook file by editing only the parts that change, straight in the zip.

openpyxl rebuilds a workbook from its own model and drops what it does not model (custom document
properties survive, but not everything: extensions, some conditional formats, x14 data validations, controls,
VBA...). Here every part is copied byte for byte except the few that must change: the sheets whose cells are
highlighted or whose status cell is written (one attribute or one cell each), styles.xml (fills, fonts and
cell formats appended; existing indices untouched), and, for a new 校验结果 sheet, workbook.xml (one <sheet>
appended after the others, so sheet-local defined names keep their index), its rels and [Content_Types].xml.
The new sheet is written with inline strings (sharedStrings.xml stays as it was).

Every edited part is parsed and edited as XML (lxml), whatever its producer wrote: prefixes are whatever the
file binds (openpyxl with lxml declares r: on each <sheet>, some SDKs write x:sheetData), and a namespace a new
element needs is declared on it when no ancestor does. The declaration and anything before the root element are
kept as they were, so an edited part differs from the original only where it was edited.

The input is never opened for writing; the copy is written to a temporary file beside the output and renamed.
"""

from __future__ import annotations

import copy
import os
import re
import uuid
import zipfile
from collections.abc import Iterable
from pathlib import Path, PurePosixPath
from typing import ClassVar
from xml.sax.saxutils import escape, quoteattr

from lxml import etree
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
_CONTENT_TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
_WORKSHEET_TYPE = _REL + "/worksheet"
_WORKSHEET_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_PROLOG = re.compile(rb"(?:\xef\xbb\xbf)?\s*(?:<\?xml\b[^>]*\?>)?(?:\s*(?:<!--.*?-->|<\?(?!xml\b)[^>]*\?>))*\s*", re.S)
_DECLARATION = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
_BAD_PART = "工作簿中的 {part} 不是完好的 XML，无法生成标记副本。请用 Excel 或 WPS 打开后另存为 .xlsx 再试。"


class AnnotateError(Exception):
    """The file cannot be annotated (its structure is not what the edits need); the message is Chinese."""


def _clean(value: str) -> str:
    return _ILLEGAL_XML.sub("", value)


def _text(value: str) -> str:
    return escape(_clean(value))


def _attr(value: str) -> str:
    return quoteattr(_clean(value))


def _argb(fill: str) -> str:
    return "FF" + fill.lstrip("#").upper()


class _Part:
    """One XML part parsed for editing; written back with its own declaration (and what precedes the root)."""

    def __init__(self, name: str, data: bytes) -> None:
        try:
            self.root = etree.fromstring(data, _PARSER)
        except (etree.XMLSyntaxError, ValueError):
            raise AnnotateError(_BAD_PART.format(part=name)) from None
        if self.root.getroottree().docinfo.doctype:  # OOXML forbids DTDs; unexpanded entities would dangle
            raise AnnotateError(_BAD_PART.format(part=name))
        prolog = _PROLOG.match(data)
        head = prolog.group(0) if prolog else b""
        declared = re.search(rb'encoding=["\']([^"\']+)', head)
        utf8 = not head.startswith((b"\xff\xfe", b"\xfe\xff")) and (
            declared is None or declared.group(1).lower().replace(b"-", b"") == b"utf8")
        self.head = head if utf8 and head.lstrip(b"\xef\xbb\xbf").startswith(b"<?xml") else _DECLARATION
        self.ns = etree.QName(self.root).namespace or ""

    def q(self, local: str) -> str:
        """A tag in the part's own (root) namespace."""
        return f"{{{self.ns}}}{local}" if self.ns else local

    def serialize(self) -> bytes:
        return self.head + etree.tostring(self.root, encoding="utf-8")


def _local(el: etree._Element) -> str:
    tag = el.tag
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""  # comments and PIs have no name


def _children(parent: etree._Element, local: str) -> list[etree._Element]:
    return [el for el in parent if _local(el) == local]


def _key(el: etree._Element) -> tuple[object, ...]:
    """What an element means, however it is written (prefixes, attribute order, whitespace between elements)."""
    return (el.tag, tuple(sorted(el.attrib.items())), (el.text or "").strip() if len(el) else el.text or "",
            tuple(_key(c) for c in el if isinstance(c.tag, str)))


def _remove(el: etree._Element) -> None:
    """Remove an element, keeping the whitespace that followed it."""
    parent = el.getparent()
    assert parent is not None
    prev = el.getprevious()
    if el.tail and el.tail.strip() == "":
        pass  # whitespace between siblings: dropped with the element
    elif el.tail:
        if prev is not None:
            prev.tail = (prev.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


_STYLE_ORDER = ("numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs")
_STYLE_DEFAULTS = {
    "fonts": ("font", ('<font><sz val="11"/><name val="宋体"/></font>',)),
    "fills": ("fill", ('<fill><patternFill patternType="none"/></fill>', '<fill><patternFill patternType="gray125"/></fill>')),
    "borders": ("border", ("<border><left/><right/><top/><bottom/><diagonal/></border>",)),
    "cellStyleXfs": ("xf", ('<xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>',)),
    "cellXfs": ("xf", ('<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>',)),
}


class _Styles:
    """styles.xml with fonts, fills and cell formats appended (existing indices never move)."""

    ITEMS: ClassVar[dict[str, str]] = {"fonts": "font", "fills": "fill", "cellXfs": "xf"}

    def __init__(self, xml: bytes) -> None:
        self.part = _Part("xl/styles.xml", xml)
        self.changed = False
        self.blocks: dict[str, etree._Element] = {}
        self.items: dict[str, list[etree._Element]] = {}
        for block, item in self.ITEMS.items():
            self.blocks[block] = self._block(block)
            self.items[block] = _children(self.blocks[block], item)
        self.keys = {block: [_key(el) for el in items] for block, items in self.items.items()}

    def _block(self, block: str) -> etree._Element:
        """The block (fonts, fills, cellXfs), made in its schema place with the defaults every workbook has when
        the producer left it out or empty (a minimal styles.xml: <styleSheet/>), borders and cellStyleXfs too."""
        root = self.part.root
        for name in _STYLE_ORDER[1:_STYLE_ORDER.index(block) + 1]:
            found = _children(root, name)
            element = found[0] if found else None
            if element is None:
                element = root.makeelement(self.part.q(name), {})
                earlier = [el for el in root if _local(el) in _STYLE_ORDER[:_STYLE_ORDER.index(name)]]
                if earlier:
                    earlier[-1].addnext(element)
                else:
                    root.insert(0, element)
                self.changed = True
            if name in _STYLE_DEFAULTS and len(_children(element, _STYLE_DEFAULTS[name][0])) == 0:
                for snippet in _STYLE_DEFAULTS[name][1]:
                    element.append(self._new(snippet))
                element.set("count", str(len(_STYLE_DEFAULTS[name][1])))
                self.changed = True
        return _children(root, block)[0]

    def _add(self, block: str, item: etree._Element) -> int:
        """The index of an item equal to `item`, appended when there is none (an earlier annotation's is reused)."""
        key = _key(item)
        if key in self.keys[block]:
            return self.keys[block].index(key)
        parent, items = self.blocks[block], self.items[block]
        parent.insert(parent.index(items[-1]) + 1 if items else 0, item)
        items.append(item)
        self.keys[block].append(_key(item))
        parent.set("count", str(len(items)))
        self.changed = True
        return len(items) - 1

    def _new(self, snippet: str) -> etree._Element:
        return etree.fromstring(f'<w xmlns="{self.part.ns}">{snippet}</w>', _PARSER)[0]

    def xf(self, index: int) -> etree._Element:
        xfs = self.items["cellXfs"]
        if not xfs:
            raise AnnotateError("样式表中没有单元格格式，无法标记单元格。")
        return xfs[index] if 0 <= index < len(xfs) else xfs[0]

    def fill_of(self, style: int) -> str:
        """The cell format's fill as #RRGGBB, NO_FILL, or "" when it is not a plain colour (theme, pattern)."""
        fid, fills = self.xf(style).get("fillId", ""), self.items["fills"]
        fill = fills[int(fid)] if fid.isdigit() and int(fid) < len(fills) else None
        pattern = _children(fill, "patternFill") if fill is not None else []
        kind = pattern[0].get("patternType") if pattern else None
        if kind is None or kind == "none":
            return NO_FILL
        colour = _children(pattern[0], "fgColor")
        rgb = colour[0].get("rgb", "") if colour else ""
        return f"#{rgb[2:].upper()}" if kind == "solid" and re.fullmatch("[0-9A-Fa-f]{8}", rgb) else ""

    def fill_id(self, fill: str) -> int:
        if fill == NO_FILL:
            return 0  # the spreadsheet format reserves fill 0 for "none"
        return self._add("fills", self._new(f'<fill><patternFill patternType="solid"><fgColor rgb="{_argb(fill)}"/>'
                                            '<bgColor indexed="64"/></patternFill></fill>'))

    def with_fill(self, style: int, fill: str) -> int:
        """A cell format equal to `style` but with this fill (reused when it exists)."""
        xf = copy.deepcopy(self.xf(style))
        xf.set("fillId", str(self.fill_id(fill)))
        xf.set("applyFill", "1")
        return self._add("cellXfs", xf)

    def result_style(self, kind: str) -> int:
        """Cell formats of the 校验结果 sheet: title, header, wrapped text, one-line text, link."""
        fonts = {"title": '<font><b/><sz val="14"/><name val="宋体"/></font>',
                 "header": '<font><b/><sz val="11"/><name val="宋体"/></font>',
                 "text": '<font><sz val="11"/><name val="宋体"/></font>',
                 "line": '<font><sz val="11"/><name val="宋体"/></font>',
                 "link": '<font><u/><sz val="11"/><color rgb="FF0563C1"/><name val="宋体"/></font>'}
        font = self._add("fonts", self._new(fonts[kind]))
        fill = self.fill_id(FILL_HEADER) if kind == "header" else 0
        wrap = ('<alignment vertical="top" wrapText="1"/>' if kind in ("text", "header")
                else '<alignment vertical="top"/>' if kind in ("line", "link") else "")
        align = ' applyAlignment="1"' if wrap else ""
        return self._add("cellXfs", self._new(f'<xf numFmtId="0" fontId="{font}" fillId="{fill}" borderId="0" xfId="0" '
                                              f'applyFont="1" applyFill="1"{align}>{wrap}</xf>'))

    def serialize(self) -> bytes:
        return self.part.serialize()


class _Sheet:
    """One worksheet part, edited cell by cell (everything else as it was)."""

    def __init__(self, name: str, xml: bytes) -> None:
        self.part = _Part(name, xml)
        data = _children(self.part.root, "sheetData")
        if not data:
            raise AnnotateError("工作表的 XML 写法无法识别，无法生成标记副本。请用 Excel 或 WPS 打开后另存为 .xlsx 再试。")
        self.data = data[0]
        self.rows: dict[int, etree._Element] = {}
        self.cells: dict[str, etree._Element] = {}
        self.changed = False
        number = 0
        for row in _children(self.data, "row"):
            number = _number(row.get("r"), number + 1)
            self.rows[number] = row
            col = -1
            for cell in _children(row, "c"):
                ref = cell.get("r")
                col = xl_cell_to_rowcol(ref)[1] if ref and re.fullmatch(r"\$?[A-Z]{1,3}\$?\d+", ref) else col + 1
                if not ref:  # position implied by order: made explicit before any cell is inserted beside it
                    cell.set("r", xl_rowcol_to_cell(number - 1, col))
                self.cells[cell.get("r", "").replace("$", "")] = cell

    def style(self, a1: str) -> int:
        cell = self.cells.get(a1)
        s = cell.get("s", "0") if cell is not None else "0"
        return int(s) if s.isdigit() else 0

    def set_style(self, a1: str, style: int) -> None:
        (self.cells[a1] if a1 in self.cells else self._insert(a1)).set("s", str(style))
        self.changed = True

    def set_value(self, a1: str, value: Scalar) -> None:
        cell = self.cells[a1] if a1 in self.cells else self._insert(a1)
        style = self.style(a1)
        for child in list(cell):
            cell.remove(child)
        cell.text = None
        cell.attrib.clear()
        cell.set("r", a1)
        if style:
            cell.set("s", str(style))
        self.changed = True
        if value is None or value == "":
            return
        q = self.part.q
        if isinstance(value, bool):
            cell.set("t", "b")
            etree.SubElement(cell, q("v")).text = str(int(value))
        elif isinstance(value, (int, float)):
            etree.SubElement(cell, q("v")).text = repr(value)
        else:
            cell.set("t", "inlineStr")
            t = etree.SubElement(etree.SubElement(cell, q("is")), q("t"))
            t.set(_XML_SPACE, "preserve")
            t.text = _clean(str(value))

    def _insert(self, a1: str) -> etree._Element:
        """Add an empty cell in its row (the row made when missing), in column order."""
        row, col = xl_cell_to_rowcol(a1)
        element = self.rows.get(row + 1)
        if element is None:
            element = self._insert_row(row + 1)
        element.attrib.pop("spans", None)  # the row's extent changes
        cell = element.makeelement(self.part.q("c"), {"r": a1})
        for i, child in enumerate(element):
            if _comes_after(child, col):
                element.insert(i, cell)
                break
        else:
            element.append(cell)
        self.cells[a1] = cell
        return cell

    def _insert_row(self, number: int) -> etree._Element:
        row = self.data.makeelement(self.part.q("row"), {"r": str(number)})
        later = [n for n in self.rows if n > number]
        if later:
            self.rows[min(later)].addprevious(row)
        else:
            self.data.append(row)
        self.rows[number] = row
        return row

    def serialize(self) -> bytes:
        return self.part.serialize()


def _comes_after(child: etree._Element, col: int) -> bool:
    """Whether a new cell in column `col` goes before this child of its row (a later cell, or an extLst)."""
    if not isinstance(child.tag, str):
        return False
    if _local(child) != "c":
        return True
    return xl_cell_to_rowcol(child.get("r", "A1").replace("$", ""))[1] > col


def _number(text: str | None, default: int) -> int:
    return int(text) if text and text.isdigit() else default
def _cell_xml(a1: str, value: Scalar, style: int | None) -> str:
    s = f' s="{style}"' if style else ""
    if value is None or value == "":
        return f'<c r="{a1}"{s}/>'
    if isinstance(value, bool):
        return f'<c r="{a1}"{s} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (int, float)):
        return f'<c r="{a1}"{s}><v>{value!r}</v></c>'
    return f'<c r="{a1}"{s} t="inlineStr"><is><t xml:space="preserve">{_text(str(value))}</t></is></c>'


_FROZEN = ('<sheetViews><sheetView workbookViewId="0"><pane ySplit="4" topLeftCell="A5" activePane="bottomLeft" '
           'state="frozen"/></sheetView></sheetViews>')  # the header row stays in view
_MARGINS = '<pageMargins left="0.5" right="0.5" top="0.6" bottom="0.6" header="0.3" footer="0.3"/>'


def _quoted(sheet: str) -> str:
    return "'" + sheet.replace("'", "''") + "'"


def _sheet_elements(wb: _Part) -> list[etree._Element]:
    sheets = _children(wb.root, "sheets")
    if not sheets:
        raise AnnotateError("workbook.xml 的结构无法识别（缺少 sheets），无法添加“校验结果”表。")
    return _children(sheets[0], "sheet")


def print_names(wb: _Part, result: str, printing: PrintSetup) -> None:
    """Give the result sheet its print area and title rows in workbook.xml (replacing any earlier ones), and
    widen the cover's print area to take in the status cell."""
    names = [sheet.get("name", "") for sheet in _sheet_elements(wb)]
    if result not in names:
        raise AnnotateError("workbook.xml 的结构无法识别，无法设置“校验结果”表的打印区域。")
    index = str(names.index(result))
    cover = str(names.index(printing.status.sheet)) if printing.status is not None and printing.status.sheet in names else None
    found = _children(wb.root, "definedNames")
    block = found[0] if found else _defined_names(wb)
    for name in _children(block, "definedName"):
        kind, local = name.get("name"), name.get("localSheetId")
        if local == index and kind in ("_xlnm.Print_Area", "_xlnm.Print_Titles"):
            _remove(name)
        elif local == cover and kind == "_xlnm.Print_Area":
            assert printing.status is not None
            name.text = _clean(printing.cover_area(name.text or ""))
    q = _quoted(result)
    for kind, area in (("Print_Area", printing.area), ("Print_Titles", printing.titles)):
        if not area:
            continue
        name = block.makeelement(wb.q("definedName"), {"name": f"_xlnm.{kind}", "localSheetId": index})
        name.text = _clean(f"{q}!{area}")
        block.append(name)


def _defined_names(wb: _Part) -> etree._Element:
    """A new <definedNames>, placed where the schema wants it (after sheets, functionGroups, externalReferences)."""
    before = [el for el in wb.root if _local(el) in ("sheets", "functionGroups", "externalReferences")]
    block = wb.root.makeelement(wb.q("definedNames"), {})
    before[-1].addnext(block)
    block.tail, before[-1].tail = before[-1].tail, None
    return block


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
    cols = "".join(f'<col min="{first + 1}" max="{last + 1}" width="{w}" customWidth="1"/>'
                   for first, last, w in sheet.width_runs)
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
        + (_FROZEN if sheet.listed else '<sheetViews><sheetView workbookViewId="0"/></sheetViews>')
        + '<sheetFormatPr defaultRowHeight="15"/>'
        + (f"<cols>{cols}</cols>" if cols else "") + f"<sheetData>{''.join(rows)}</sheetData>"
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
        self._parsed: dict[str, _Part] = {}
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

    def _xml(self, name: str) -> _Part:
        """A part parsed for editing: written back (serialized) when the copy is saved."""
        if name not in self._parsed:
            self._parsed[name] = _Part(name, self._part(name))
        return self._parsed[name]

    def _sheet_parts(self) -> dict[str, str]:
        wb = _Part("xl/workbook.xml", self._part("xl/workbook.xml"))
        rels = _Part("xl/_rels/workbook.xml.rels", self._part("xl/_rels/workbook.xml.rels"))
        targets = {r.get("Id"): r.get("Target", "") for r in _children(rels.root, "Relationship")}
        parts = {}
        for sh in _sheet_elements(wb):
            target = targets.get(sh.get(f"{{{_REL}}}id"), "")
            parts[sh.get("name", "")] = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
        return parts

    def _sheet(self, name: str) -> _Sheet:
        part = self.sheets.get(name)
        if part is None:
            raise AnnotateError(f"工作簿中没有工作表“{name}”。")
        if part not in self._edits:
            self._edits[part] = _Sheet(part, self._part(part))
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
            print_names(self._xml("xl/workbook.xml"), self.result_name, sheet.printing)

    def _add_sheet(self, xml: bytes) -> None:
        names = set(self.data) | set(self.changed)
        n = 1
        while f"xl/worksheets/sheet{n}.xml" in names:
            n += 1
        part = f"xl/worksheets/sheet{n}.xml"
        rels = self._xml("xl/_rels/workbook.xml.rels")
        ids = {r.get("Id") for r in _children(rels.root, "Relationship")}
        k = 1
        while f"rId{k}" in ids:
            k += 1
        rid = f"rId{k}"
        rels.root.append(rels.root.makeelement(rels.q("Relationship"), {
            "Id": rid, "Type": _WORKSHEET_TYPE, "Target": f"worksheets/sheet{n}.xml"}))
        types = self._xml("[Content_Types].xml")
        types.root.append(types.root.makeelement(types.q("Override"), {
            "PartName": f"/{part}", "ContentType": _WORKSHEET_CT}))
        wb = self._xml("xl/workbook.xml")
        existing = _sheet_elements(wb)
        container = _children(wb.root, "sheets")[0]
        sheet_ids = [_number(s.get("sheetId"), 0) for s in existing]
        # r: is declared on the new <sheet> itself unless an ancestor binds it (openpyxl with lxml binds it on
        # each <sheet>, not on the root)
        bound = _REL in container.nsmap.values()
        entry = container.makeelement(wb.q("sheet"), {"name": self.result_name, "sheetId": str(max(sheet_ids, default=0) + 1)},
                                      nsmap=None if bound else {"r": _REL})
        if existing:
            existing[-1].addnext(entry)
            entry.tail, existing[-1].tail = existing[-1].tail, None
        else:
            container.append(entry)
        entry.set(f"{{{_REL}}}id", rid)
        self.changed[part] = xml
        self.sheets[self.result_name] = part

    # ---- output

    def save(self, out: Path) -> Path:
        """Write the annotated copy atomically (temp file beside `out`, then rename). Only parts that were
        edited are written anew; every other part is copied as it was."""
        for part, sheet in self._edits.items():
            if sheet.changed:
                self.changed[part] = sheet.serialize()
        if self.styles.changed:
            self.changed["xl/styles.xml"] = self.styles.serialize()
        for name, parsed in self._parsed.items():
            self.changed[name] = parsed.serialize()
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
