"""Read a filled workbook into a Fill: cover fields, parsed numbers, and what the reader noticed.

The parsing and checking work over a small source (`WorkbookSource`): defined names, custom document
properties, the values of each sheet, and which cells hold formulas (with their text). Two sources exist: a file
(`FileSource`, here) and a live Excel book (`xxgk.addin.live.XlwingsSource`); both give the same Fill.

For files, values come from python-calamine. Calamine does not expose defined names, document properties
or formulas, so those few small parts are read straight from the zip (workbook.xml, custom.xml and the
sheet XML of the sheets that hold the form's cells). Cells are addressed only through the defined names.

.xls, .ods and .et files are converted to a temporary .xlsx with LibreOffice first (xxgk.convert).
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache, lru_cache
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, Protocol
from xml.etree import ElementTree as ET
from xml.sax.saxutils import unescape

from python_calamine import CalamineWorkbook
from xlsxwriter.utility import xl_cell_to_rowcol

from xxgk.container import OOXML_SUFFIXES, ContainerCheck, dtd_problem, extension_clause, inspect_file
from xxgk.findings import ERROR, WARNING, Finding, finding, number
from xxgk.labels import field_title
from xxgk.layout import Pos, plan_layout
from xxgk.rules.expand import computed_cells
from xxgk.spec import EXT_PROPERTY, EXT_SEPARATOR, FORMS, FormSpec, defined_name, load_spec
from xxgk.values import as_text, format_number, parse_cell

if TYPE_CHECKING:
    from xxgk.convert import ConversionFailed, Converted

_NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
    "cp": "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties",
}
_REF = re.compile(r"^(?:'((?:[^']|'')+)'|([^'!]+))!\$?([A-Z]{1,3})\$?([0-9]+)$")


class Unreadable(Exception):
    """The file cannot be read as an xxgk workbook; carries the finding to report."""

    def __init__(self, found: Finding) -> None:
        super().__init__(found.message)
        self.finding = found


@dataclass
class Fill:
    """One workbook's content, keyed by cell id."""

    path: Path
    spec: FormSpec
    meta: dict[str, str]
    numbers: dict[str, float]  # every cell id; blanks as 0; computed cells as typed (when typed)
    exact: dict[str, Decimal]  # amount cells at full precision
    blank: set[str]
    typed_computed: set[str]  # computed cells that hold a typed value instead of a formula
    removed_formulas: set[str]  # computed cells whose formula was deleted and left empty (recomputed)
    cached: dict[str, float]  # the value a formula cell shows (its cached result), when it has one
    positions: dict[str, Pos]
    findings: list[Finding] = field(default_factory=list)

    @property
    def form(self) -> str:
        return self.spec.form

    @property
    def agency(self) -> str:
        return self.meta.get("meta.agency", "")

    def address(self, cell_id: str) -> str:
        return self.positions[cell_id].address


# ---- zip-level metadata -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Plan:
    """Where a workbook keeps each cell, grouped for a fast read (the same for every copy of a template)."""

    by_sheet: tuple[tuple[str, tuple[tuple[str, str, bool, Pos], ...]], ...]  # sheet, (id, type, computed, pos)
    formula_refs: tuple[tuple[str, tuple[str, ...]], ...]  # sheet, A1 refs of every cell and cover field on it
    ids: dict[Pos, str]  # where each cell id and cover field id is


def _make_plan(spec: FormSpec, positions: dict[str, Pos]) -> _Plan:
    computed = computed_cells(spec)
    sheets: dict[str, list[tuple[str, str, bool, Pos]]] = {}
    refs: dict[str, list[str]] = {}
    for cid, cell in spec.cells.items():
        pos = positions[cid]
        sheets.setdefault(pos.sheet, []).append((cid, cell.type, cid in computed, pos))
    for pos in positions.values():  # computed cells (formula expected), inputs and cover fields (formula reported)
        refs.setdefault(pos.sheet, []).append(pos.a1)
    return _Plan(tuple((s, tuple(cells)) for s, cells in sheets.items()),
                 tuple((s, tuple(r)) for s, r in refs.items()), {pos: cid for cid, pos in positions.items()})


@dataclass
class Package:
    """A workbook's directory: what the reader needs before it looks at any cell."""

    names: dict[str, str]  # workbook-scoped defined name -> reference text, e.g. '封面'!$B$3 (no leading =)
    properties: dict[str, str]  # custom document properties
    sheet_parts: dict[str, str]  # sheet name -> where the source keeps it (a zip member for files)
    positions: dict[str, dict[str, Pos]] = field(default_factory=dict)  # by form, filled on first use
    plans: dict[str, _Plan] = field(default_factory=dict)  # by form, filled on first use


def _member(zf: zipfile.ZipFile, name: str) -> bytes:
    try:
        return zf.read(name)
    except KeyError:
        return b""


_PACKAGE_PARTS = ("xl/workbook.xml", "xl/_rels/workbook.xml.rels", "docProps/custom.xml")


def _read_package(zf: zipfile.ZipFile) -> Package:
    """Workbooks made from one template share these parts byte for byte: parse each variant once."""
    parts = [_member(zf, name) for name in _PACKAGE_PARTS]
    for name, data in zip(_PACKAGE_PARTS, parts, strict=True):
        _refuse_dtd(name, data)  # these are parsed with ElementTree: never with a DTD
    return _parse_package(*parts)


def _refuse_dtd(member: str, data: bytes) -> None:
    bomb = dtd_problem(member, data)
    if bomb is not None:
        raise Unreadable(finding("file.unreadable", ERROR, reason=bomb.reason))


def _scan_sheet_heads(zf: zipfile.ZipFile, parts: list[str]) -> None:
    """A DTD sits before the root element: calamine would ignore it and read cells as blank, so refuse it."""
    for part in parts:
        try:
            with zf.open(part) as member:
                _refuse_dtd(part, member.read(4096))
        except KeyError:
            continue


@lru_cache(maxsize=64)
def _parse_package(workbook_xml: bytes, rels_xml: bytes, custom_xml: bytes) -> Package:
    wb = ET.fromstring(workbook_xml)
    names = {}
    for dn in wb.iterfind("m:definedNames/m:definedName", _NS):
        name = dn.get("name", "")
        if dn.get("localSheetId") is None or name not in names:
            names[name] = (dn.text or "").strip()
    rels = ET.fromstring(rels_xml)
    targets = {r.get("Id"): r.get("Target", "") for r in rels.iterfind("rel:Relationship", _NS)}
    parts = {}
    for sh in wb.iterfind("m:sheets/m:sheet", _NS):
        target = targets.get(sh.get(f"{{{_NS['r']}}}id"), "")
        path = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
        parts[sh.get("name", "")] = path
    props = {}
    if custom_xml:
        for prop in ET.fromstring(custom_xml).iterfind("cp:property", _NS):
            props[prop.get("name", "")] = "".join(prop.itertext()).strip()
    return Package(names, props, parts)


# A cell whose first child is <f>: its reference and, unless it is a shared formula's follower, the formula.
# Only <c> carries an A1 reference in r="…". Every spreadsheet program writes a space before it; the literal
# start lets the regex engine skip ahead 3x faster. Other whitespace there (hand-formatted XML) takes the
# general pattern.
_FORMULA = re.compile(rb' r="([A-Z]{1,3}[0-9]+)"[^>]*>\s*<(?:\w+:)?f\b[^>]*?(?:/>|>([^<]*)<)')
_FORMULA_ANY_SPACE = re.compile(rb'\sr="([A-Z]{1,3}[0-9]+)"[^>]*>\s*<(?:\w+:)?f\b[^>]*?(?:/>|>([^<]*)<)')
_ENTITIES = {"&quot;": '"', "&apos;": "'"}


def _sheet_formulas(zf: zipfile.ZipFile, sheet: str, part: str, refs: tuple[str, ...]) -> dict[Pos, str]:
    """Which of the given cells (A1 refs on one sheet) hold a formula, with its text: one pass of one pattern
    over the sheet's XML (faster than parsing it); the same read refuses a DTD."""
    xml = _member(zf, part)
    _refuse_dtd(part, xml)
    wanted = _ref_set(refs)
    found = {}
    odd_space = b'\nr="' in xml or b'\tr="' in xml or b'\rr="' in xml
    for m in (_FORMULA_ANY_SPACE if odd_space else _FORMULA).finditer(xml):
        if m.group(1) in wanted:
            row, col = xl_cell_to_rowcol(m.group(1).decode())
            found[Pos(sheet, row, col)] = unescape((m.group(2) or b"").decode("utf-8", "replace"), _ENTITIES)
    return found


@lru_cache(maxsize=32)
def _ref_set(refs: tuple[str, ...]) -> frozenset[bytes]:
    return frozenset(r.encode() for r in refs)


def parse_ref(text: str) -> Pos | None:
    m = _REF.match(text)
    if not m:
        return None
    sheet = (m.group(1) or "").replace("''", "'") or (m.group(2) or "")
    row, col = xl_cell_to_rowcol(f"{m.group(3)}{m.group(4)}")
    return Pos(sheet, row, col)


# ---- form detection and positions ---------------------------------------------------------------


def _detect_spec(pkg: Package, path: Path) -> FormSpec:
    from xxgk.extensions import extended_forms, form_keys

    form, ext = pkg.properties.get("xxgk_form"), pkg.properties.get(EXT_PROPERTY)
    if form:
        key = f"{form}{EXT_SEPARATOR}{ext}" if ext else form
        if key not in form_keys():
            raise Unreadable(finding("file.unknown_form", ERROR, form=key, known="、".join(form_keys())))
        return load_spec(key)
    for candidate in (*extended_forms(), *FORMS):  # an extended form holds every name of its national one
        spec = load_spec(candidate)
        if all(defined_name(cid) in pkg.names for cid in spec.cells):
            return spec
    raise Unreadable(finding("file.not_template", ERROR, reason="缺少 xxgk_form 文档属性，也没有模板的定义名称"))


def _positions(spec: FormSpec, pkg: Package) -> tuple[dict[str, Pos], _Plan]:
    """Filled on first use. The Package is cached and shared by threads reading equal workbooks (a portal
    worker's concurrent uploads): the plan goes in before the positions, so whoever finds the positions finds
    the plan too (two threads may both compute them; they compute the same)."""
    form = spec.form
    if form not in pkg.positions:
        positions = _resolve_positions(spec, pkg)
        pkg.plans[form] = _make_plan(spec, positions)
        pkg.positions[form] = positions
    return pkg.positions[form], pkg.plans[form]


def _resolve_positions(spec: FormSpec, pkg: Package) -> dict[str, Pos]:
    positions, missing = {}, []
    for cid in (*spec.field_ids, *spec.cells):
        pos = parse_ref(pkg.names.get(defined_name(cid), ""))
        if pos is None or pos.sheet not in pkg.sheet_parts:
            missing.append(defined_name(cid))
        else:
            positions[cid] = pos
    if missing:
        shown = "、".join(missing[:5]) + ("等" if len(missing) > 5 else "")
        raise Unreadable(finding("file.missing_names", ERROR, count=len(missing), names=shown))
    return positions


# ---- values --------------------------------------------------------------------------------------

Grid = list[list[Any]]


def open_calamine(path: Path) -> CalamineWorkbook:
    """calamine picks its parser by the extension: an Office Open XML workbook under another one (an .xlsm saved
    as .xls, an .xlsx renamed .xlsb) is opened by its content instead."""
    if Path(path).suffix.lower() in OOXML_SUFFIXES:
        return CalamineWorkbook.from_path(str(path))
    with open(path, "rb") as fh:
        return CalamineWorkbook.from_filelike(fh)


def _grids(path: Path, sheets: set[str]) -> dict[str, Grid]:
    wb = open_calamine(path)
    try:
        return {name: wb.get_sheet_by_name(name).to_python(skip_empty_area=False) for name in sheets}
    finally:
        wb.close()


def _at(grids: dict[str, Grid], pos: Pos) -> object:
    grid = grids.get(pos.sheet, [])
    if pos.row < len(grid) and pos.col < len(grid[pos.row]):
        value = grid[pos.row][pos.col]
        return None if value == "" else value
    return None


def _norm(label: str) -> str:
    return re.sub(r"\s+", "", label)


@dataclass(frozen=True)
class _RowCheck:
    sheet: str  # the table's sheet name in the spec (for the message)
    cell_id: str  # one cell of the row: where the workbook's name puts it is where the label must be
    label: str
    label_cols: int


@cache
def _row_checks(form: str) -> tuple[_RowCheck, ...]:
    spec, checks = load_spec(form), []
    for table, plan in zip(spec.tables, plan_layout(spec).tables, strict=True):
        first_of_row: dict[int, str] = {}
        for cid, planned in plan.cells.items():
            first_of_row.setdefault(planned.row, cid)
        checks += [_RowCheck(table.sheet, cid, plan.row_labels[row], plan.label_cols)
                   for row, cid in first_of_row.items() if plan.label_cols]
    return tuple(checks)


def _check_rows(spec: FormSpec, grids: dict[str, Grid], positions: dict[str, Pos]) -> None:
    """Each row's named cells must sit on the row that carries its label (catches moved rows)."""
    for check in _row_checks(spec.form):
        pos = positions[check.cell_id]
        grid = grids.get(pos.sheet, [])
        found = [as_text(v) for v in grid[pos.row][: check.label_cols]] if pos.row < len(grid) else []
        if check.label not in found and _norm(check.label) not in map(_norm, found):
            actual = next((t for t in found if t), "（空）")
            raise Unreadable(finding("file.moved_rows", ERROR, sheet=check.sheet, row=pos.row + 1,
                                     expected=check.label, actual=actual))


def _cell_finding(problem: str, pos: Pos, cid: str, label: str, raw: object, value: Decimal | None) -> Finding:
    if problem == "text" and str(raw).strip().isascii() and parse_cell(raw, "amount", text_is_problem=False).problem is None:
        problem = "number_as_text"  # a clean ASCII number, only stored as text
    reads_as = problem in ("text", "number_as_text") and value is not None  # expected: the number it would read
    return finding(f"cell.{problem}", ERROR, ids=(cid,), cells=(pos.address,), actual=as_text(raw),
                   expected=number(float(value)) if reads_as and value is not None else None,
                   sheet=pos.sheet, cell=pos.a1, label=label, raw=as_text(raw),
                   number=format_number(value) if value is not None else "0")


@dataclass
class _Numbers:
    numbers: dict[str, float] = field(default_factory=dict)
    exact: dict[str, Decimal] = field(default_factory=dict)
    blank: set[str] = field(default_factory=set)
    typed: set[str] = field(default_factory=set)  # computed cells holding a typed value
    removed: set[str] = field(default_factory=set)  # computed cells left empty, formula deleted
    cached: dict[str, float] = field(default_factory=dict)  # formula cells: the result the workbook shows
    findings: list[Finding] = field(default_factory=list)


def _read_numbers(spec: FormSpec, grids: dict[str, Grid], plan: _Plan, formulas: dict[Pos, str]) -> _Numbers:
    out = _Numbers()
    for sheet, cells in plan.by_sheet:
        grid = grids.get(sheet, [])
        for cid, cell_type, computed, pos in cells:
            try:
                raw = grid[pos.row][pos.col]
            except IndexError:
                raw = None
            if computed and (pos in formulas or raw is None or raw == ""):
                out.numbers[cid] = 0.0  # recomputed by the engine from the inputs
                if pos not in formulas:
                    out.removed.add(cid)
                elif type(raw) in (float, int):
                    out.cached[cid] = float(raw)
                continue
            if pos in formulas:  # an input cell holding a formula: its shown result is read, and reported
                out.findings.append(_input_formula(spec, cid, pos, formulas[pos], raw))
            if type(raw) is float and raw >= 0 and raw.is_integer() and cell_type == "count":
                out.numbers[cid] = raw  # the common case, no parsing needed
                if computed:
                    out.typed.add(cid)
            else:
                _read_other(spec, out, cid, pos, None if raw == "" else raw, computed)
    return out


def _read_other(spec: FormSpec, out: _Numbers, cid: str, pos: Pos, raw: object, computed: bool) -> None:
    cell = spec.cells[cid]
    parsed = parse_cell(raw, cell.type)
    if parsed.blank:
        out.blank.add(cid)
    elif computed:
        out.typed.add(cid)
    if parsed.problem:
        label = f"{cell.row.short}·{cell.column.short}".strip("·")
        out.findings.append(_cell_finding(parsed.problem, pos, cid, label, raw, parsed.value))
    value = parsed.value if parsed.value is not None else Decimal(0)
    out.numbers[cid] = float(value)
    if cell.type == "amount":
        out.exact[cid] = value


def _input_formula(spec: FormSpec, cid: str, pos: Pos, formula: str, raw: object) -> Finding:
    cell = spec.cells[cid]
    label = f"{cell.row.short}·{cell.column.short}".strip("·")
    return finding("cell.formula", WARNING, ids=(cid,), cells=(pos.address,), actual=f"={formula}" if formula else None,
                   sheet=pos.sheet, cell=pos.a1, label=label, formula=_formula_text(formula), shown=as_text(raw) or "空白")


def _formula_text(formula: str, most: int = 60) -> str:
    text = f"={formula}" if formula else "（共享公式）"
    return text if len(text) <= most else text[: most - 1] + "…"


def _cover_formulas(spec: FormSpec, positions: dict[str, Pos], formulas: dict[Pos, str],
                    meta: dict[str, str]) -> list[Finding]:
    """A cover field holding a formula (a pasted =HYPERLINK(...), a reference to another file): its own error,
    instead of a misleading "not filled in" or "bad code" (the engine skips the field's other checks)."""
    out = []
    for f in spec.cover.fields:
        pos = positions[f.id]
        if pos in formulas:
            shown = meta.get(f.id, "")
            out.append(finding("cover.formula", ERROR, ids=(f.id,), cells=(pos.address,), title=field_title(f, spec),
                               actual=f"={formulas[pos]}" if formulas[pos] else None, sheet=pos.sheet, cell=pos.a1,
                               label=f.label, formula=_formula_text(formulas[pos]),
                               shown=f"“{shown}”" if shown else "空白"))
    return out


def _blank_findings(spec: FormSpec, blank: set[str], positions: dict[str, Pos]) -> list[Finding]:
    out = []
    for table in spec.tables:
        ids = tuple(cid for cid, c in spec.cells.items() if c.table == table.id and cid in blank)
        if ids:
            listing = "、".join(positions[c].a1 for c in ids[:12]) + ("等" if len(ids) > 12 else "")
            out.append(finding("table.blank", WARNING, ids=ids, cells=tuple(positions[c].address for c in ids),
                               sheet=table.sheet, count=len(ids), listing=listing))
    return out


# ---- sources ---------------------------------------------------------------------------------------


class WorkbookSource(Protocol):
    """What the reader needs from a workbook, wherever it is (a file, a book open in Excel)."""

    path: Path  # what the Fill and its findings name

    def package(self) -> Package:
        """Defined names, custom properties and the sheets present."""
        ...

    def formulas(self, refs: tuple[tuple[str, tuple[str, ...]], ...]) -> dict[Pos, str]:
        """Which of these cells (per sheet, A1 refs) hold a formula rather than a typed value, with the
        formula's text without the leading "=" ("" when the source cannot tell, e.g. a shared formula)."""
        ...

    def grids(self, sheets: set[str]) -> dict[str, Grid]:
        """The values each sheet shows, anchored at A1 (formula cells: their current result)."""
        ...


class FileSource:
    """A workbook file: the few package parts straight from the zip, values through calamine."""

    def __init__(self, path: Path, check: ContainerCheck | None = None) -> None:
        self.path = Path(path)
        self._check = check  # inspect_file's verdict when the caller has it already
        self._zf: zipfile.ZipFile | None = None
        self._pkg: Package | None = None
        self._parsed: set[str] = set()  # sheet parts already scanned for a DTD

    def __enter__(self) -> FileSource:
        # zipfile and calamine check the CRCs of what they read; the parts ElementTree parses are scanned for
        # DTDs in _read_package; calamine's XML parser does not expand entities.
        check = self._check or inspect_file(self.path)
        if not check.ok:
            raise Unreadable(finding("file.unreadable", ERROR, reason=check.reason or check.kind))
        with _file_errors():
            self._zf = zipfile.ZipFile(self.path)
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._zf is not None:
            self._zf.close()

    @property
    def zf(self) -> zipfile.ZipFile:
        if self._zf is None:
            raise RuntimeError("FileSource used outside its with-block")
        return self._zf

    def package(self) -> Package:
        if self._pkg is None:
            with _file_errors():
                self._pkg = _read_package(self.zf)
        return self._pkg

    def formulas(self, refs: tuple[tuple[str, tuple[str, ...]], ...]) -> dict[Pos, str]:
        parts = self.package().sheet_parts
        found: dict[Pos, str] = {}
        with _file_errors():
            for sheet, cells in refs:
                found.update(_sheet_formulas(self.zf, sheet, parts[sheet], cells))
        self._parsed |= {parts[s] for s, _ in refs}
        return found

    def grids(self, sheets: set[str]) -> dict[str, Grid]:
        parts = self.package().sheet_parts
        with _file_errors():
            _scan_sheet_heads(self.zf, sorted({parts[s] for s in sheets if s in parts} - self._parsed))
            return _grids(self.path, sheets)


DAMAGED = ("文件已损坏或不完整，无法读取（常见原因：下载或复制时中断、文件被其他程序改坏）。"
           "请在 Excel 或 WPS 中打开原文件，另存为 Excel 工作簿 (.xlsx) 后重新上传。")  # no exception text: staff read it


@contextmanager
def _file_errors() -> Iterator[None]:
    """Anything a damaged file makes zipfile, ElementTree or calamine raise becomes Unreadable."""
    try:
        yield
    except Unreadable:
        raise
    except (zipfile.BadZipFile, KeyError, ET.ParseError, OSError, ValueError) as exc:
        raise Unreadable(finding("file.unreadable", ERROR, reason=DAMAGED)) from exc
    except Exception as exc:  # calamine raises its own error types
        raise Unreadable(finding("file.unreadable", ERROR, reason=DAMAGED)) from exc


def read_fill(path: Path, check: ContainerCheck | None = None) -> Fill:
    """Read one workbook file; raises Unreadable (with a finding) when it is not a usable xxgk workbook.
    An .xls, .ods or .et is read through a temporary .xlsx converted by LibreOffice (xxgk.convert).
    `check`: inspect_file(path) when the caller has it already."""
    path = Path(path)
    check = check or inspect_file(path)
    if check.convertible:
        return _read_converted(path, check)
    with FileSource(path, check) as source:
        fill = read_source(source)
    fill.findings[:0] = _container_notes(path, check)
    return fill


def _read_converted(path: Path, check: ContainerCheck) -> Fill:
    from xxgk.convert import ConversionFailed, converted_xlsx

    try:
        with converted_xlsx(path, check) as converted:
            return read_converted(path, check, converted)
    except ConversionFailed as exc:
        raise Unreadable(finding("file.unreadable", ERROR, reason=str(exc))) from None


def read_converted(path: Path, check: ContainerCheck, converted: Converted | ConversionFailed) -> Fill:
    """Read `path` through its conversion (xxgk.convert), or raise Unreadable saying why it failed."""
    from xxgk.convert import ConversionFailed

    if isinstance(converted, ConversionFailed):
        raise Unreadable(finding("file.unreadable", ERROR, reason=str(converted)))
    with FileSource(converted.path) as source:
        fill = read_source(source)
    fill.path = path
    fill.findings[:0] = [finding("file.converted", WARNING, what=converted.what), *_container_notes(path, check)]
    return fill


def _container_notes(path: Path, check: ContainerCheck) -> list[Finding]:
    """Warnings about the file itself: macros (never run, never kept), the macro-enabled format, an extension
    that hides the real format."""
    ext, named = path.suffix.lower(), extension_clause(path)
    if check.macros:
        if check.kind == "xlsm" and ext != ".xlsm":
            what = f"{named}，但本文件实为启用宏的工作簿 (.xlsm)，含 VBA 宏"
        elif check.kind == "xlsm":
            what = "本文件是启用宏的工作簿 (.xlsm)，含 VBA 宏"
        else:
            what = f"本文件（{check.content or ext}）含宏"
        return [finding("file.macros", WARNING, what=what)]
    if check.kind == "xlsm" or (check.ok and ext == ".xlsm"):
        what = ("本文件保存为启用宏的工作簿 (.xlsm)" if ext == ".xlsm"
                else f"{named}，但本文件实为启用宏的工作簿格式 (.xlsm)")
        return [finding("file.xlsm", WARNING, what=what)]
    if check.ok and ext not in OOXML_SUFFIXES:
        return [finding("file.misnamed", WARNING, named=named, content=check.content)]
    return []


def read_source(source: WorkbookSource) -> Fill:
    """Read one workbook from any source; raises Unreadable when it is not a usable xxgk workbook."""
    pkg = source.package()
    spec = _detect_spec(pkg, source.path)
    positions, plan = _positions(spec, pkg)
    formulas = source.formulas(plan.formula_refs)
    grids = source.grids({p.sheet for p in positions.values()})
    _check_rows(spec, grids, positions)
    meta = {f: as_text(_at(grids, positions[f])) for f in spec.field_ids}
    got = _read_numbers(spec, grids, plan, formulas)
    fill = Fill(source.path, spec, meta, got.numbers, got.exact, got.blank, got.typed, got.removed, got.cached,
                positions, _cover_formulas(spec, positions, formulas, meta) + got.findings)
    fill.findings.extend(_blank_findings(spec, got.blank, positions))
    found_version = pkg.properties.get("xxgk_spec_version", spec.spec_version)
    if found_version != spec.spec_version:
        fill.findings.insert(0, finding("file.spec_version", WARNING, form=spec.form, found=found_version,
                                        current=spec.spec_version))
    return fill
