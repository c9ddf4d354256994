"""The form spec: templates/*.yaml parsed once into a typed, validated model.

Every other module (template builder, reader, rules, consolidator, importer) reads this model;
none of them hard-codes a label, a sheet name or a cell id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from xxgk.resources import resource_files, resource_path
from xxgk.values import CELL_TYPES

FIELD_TYPES = ("text", "uscc", "region", "year", "choice", "date")
SEVERITIES = ("error", "warning")
MERGE_UP = "^"  # a header label of "^" continues the label above it (vertical merge)


class SpecError(ValueError):
    """The form definition itself is wrong (never a data error)."""


@dataclass(frozen=True)
class Field:
    id: str
    label: str
    type: str
    required: bool = False
    choices: tuple[str, ...] = ()
    default: str | None = None


@dataclass(frozen=True)
class Cover:
    sheet: str
    title: str
    fields: tuple[Field, ...]


@dataclass(frozen=True)
class Axis:
    """A row or a column of a block: its key and its label path (outermost first)."""

    key: str
    label: tuple[str, ...]
    type: str | None = None
    unit: str | None = None  # shown in its own 单位 column next to the labels, e.g. 条, 次
    variants: tuple[str, ...] = ()  # other wordings of the leaf label found in published reports (importer)

    @property
    def short(self) -> str:
        """The label a message uses: the leaf, with its parent when the leaf is a numbered sub-item."""
        path = [p for p in self.label if p != MERGE_UP]
        if not path:
            return ""
        if len(path) > 1 and path[-1][:1].isdigit():
            return f"{path[-2]}{path[-1]}"
        return path[-1]


@dataclass(frozen=True)
class Cell:
    id: str
    table: str
    block: int
    row: Axis
    column: Axis
    type: str

    @property
    def name(self) -> str:
        return defined_name(self.id)

    @property
    def unit(self) -> str | None:
        return self.row.unit or self.column.unit


@dataclass(frozen=True)
class Block:
    prefix: str
    columns: tuple[Axis, ...]
    rows: tuple[Axis, ...]
    title: str | None = None
    corner: str | None = None

    def cell_id(self, row: Axis, column: Axis) -> str:
        return ".".join(p for p in (self.prefix, row.key, column.key) if p)


@dataclass(frozen=True)
class Table:
    id: str
    sheet: str
    title: str
    blocks: tuple[Block, ...]

    @property
    def label_depth(self) -> int:
        return max(len(r.label) for b in self.blocks for r in b.rows)

    @property
    def unit_cols(self) -> int:
        """1 when a row of the table has a unit (a 单位 column between the labels and the numbers), else 0."""
        return int(any(r.unit for b in self.blocks for r in b.rows))

    @property
    def width(self) -> int:
        return self.label_depth + self.unit_cols + max(len(b.columns) for b in self.blocks)


@dataclass(frozen=True)
class Group:
    name: str
    keys: tuple[str, ...]
    labels: dict[str, str] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class RuleDef:
    id: str
    title: str
    check: str
    message: str
    each: tuple[tuple[str, str], ...] = ()
    severity: str = "error"
    tolerance: float = 0.0
    computes: bool = False


@dataclass(frozen=True)
class ChartDef:
    """A chart of a summary: one bar/slice per key of the @group in `cells`, or the top agencies by one cell."""

    title: str
    kind: str  # an XlsxWriter chart type: bar, column, pie
    cells: str | None = None
    top_agencies: str | None = None
    count: int = 15


@dataclass(frozen=True)
class Limits:
    """Plausibility limits: by the value of a cover field (报表类型), the largest |value| of each cell type."""

    by: str  # the cover field whose value picks the limits
    values: dict[str, dict[str, float]] = field(compare=False, hash=False)  # field value -> cell type -> limit

    def for_kind(self, kind: str, default: str) -> dict[str, float]:
        return self.values.get(kind) or self.values.get(default) or {}


@dataclass(frozen=True)
class Extension:
    """A province's additions to a national form (templates/ext/<name>.yaml): tables, groups, rules, charts."""

    name: str  # e.g. "zj": the merged form is "gb2019+zj"
    label: str  # short Chinese name for file names and messages, e.g. 浙江
    title: str
    version: str
    basis: str
    extends: tuple[str, ...]  # the national forms it may extend
    tables: tuple[str, ...] = ()  # ids of the tables it adds


@dataclass(frozen=True)
class FormSpec:
    form: str
    spec_version: str
    name: str
    basis: str
    years: tuple[int, int]
    cover: Cover
    tables: tuple[Table, ...]
    groups: dict[str, Group] = field(compare=False, hash=False)
    rules: tuple[RuleDef, ...]
    previous_aliases: dict[str, str] = field(compare=False, hash=False)
    cells: dict[str, Cell] = field(compare=False, hash=False)
    charts: tuple[ChartDef, ...] = ()
    limits: Limits | None = None
    extension: Extension | None = None

    @property
    def national_form(self) -> str:
        """The national form this spec is or extends (gb2019 for gb2019+zj)."""
        return self.form.partition(EXT_SEPARATOR)[0]

    @property
    def field_ids(self) -> list[str]:
        return [f.id for f in self.cover.fields]

    def field(self, field_id: str) -> Field:
        for f in self.cover.fields:
            if f.id == field_id:
                return f
        raise KeyError(field_id)

    def table(self, table_id: str) -> Table:
        for t in self.tables:
            if t.id == table_id:
                return t
        raise KeyError(table_id)

    def label_of(self, key: str, table_id: str | None = None) -> str:
        """The short label of a row or column key (first found, within a table when given)."""
        for t in self.tables:
            if table_id and t.id != table_id:
                continue
            for b in t.blocks:
                for axis in (*b.rows, *b.columns):
                    if axis.key == key:
                        return axis.short
        for g in self.groups.values():
            if key in g.labels:
                return g.labels[key]
        return key

    def computed_ids(self) -> set[str]:
        from xxgk.rules.expand import computed_cells

        return set(computed_cells(self))


def defined_name(cell_id: str) -> str:
    """The workbook-scoped defined name that carries a cell id (the public data contract)."""
    return cell_id.replace(".", "_")


_ID_RE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")
_GROUP_REF_RE = re.compile(r"^(rows|columns)\((\w+)\)$")


def _label(raw: Any) -> tuple[str, ...]:
    if raw is None:
        return ()
    if isinstance(raw, str):
        return (raw,)
    return tuple(str(x) for x in raw)


def _axis(raw: dict[str, Any], where: str) -> Axis:
    if "key" not in raw:
        raise SpecError(f"{where}: row/column without key")
    ctype = raw.get("type")
    if ctype is not None and ctype not in CELL_TYPES:
        raise SpecError(f"{where}: unknown cell type {ctype!r}")
    unit = raw.get("unit")
    variants = tuple(str(v) for v in raw.get("variants") or ())
    return Axis(key=str(raw["key"]), label=_label(raw.get("label")), type=ctype,
                unit=None if unit is None else str(unit), variants=variants)


def _block(raw: dict[str, Any], where: str) -> Block:
    return Block(
        prefix=str(raw.get("prefix", "")),
        title=raw.get("title"),
        corner=raw.get("corner"),
        columns=tuple(_axis(c, f"{where} column") for c in raw["columns"]),
        rows=tuple(_axis(r, f"{where} row") for r in raw["rows"]),
    )


def _cells(tables: tuple[Table, ...]) -> dict[str, Cell]:
    cells: dict[str, Cell] = {}
    for t in tables:
        for bi, b in enumerate(t.blocks):
            for r in b.rows:
                for c in b.columns:
                    cid = b.cell_id(r, c)
                    if not _ID_RE.match(cid):
                        raise SpecError(f"table {t.id}: bad cell id {cid!r}")
                    if cid in cells:
                        raise SpecError(f"table {t.id}: duplicate cell id {cid!r}")
                    cells[cid] = Cell(cid, t.id, bi, r, c, c.type or r.type or "count")
    return cells


def _groups(raw: dict[str, Any], tables: tuple[Table, ...]) -> dict[str, Group]:
    by_prefix = {b.prefix or t.id: b for t in tables for b in t.blocks}
    groups: dict[str, Group] = {}
    for name, value in (raw or {}).items():
        if isinstance(value, dict):
            groups[name] = Group(name, tuple(value), {str(k): str(v) for k, v in value.items()})
        elif isinstance(value, str):
            m = _GROUP_REF_RE.match(value)
            if not m or m.group(2) not in by_prefix:
                raise SpecError(f"group {name}: expected rows(<table>) or columns(<table>), got {value!r}")
            block = by_prefix[m.group(2)]
            axes = block.rows if m.group(1) == "rows" else block.columns
            groups[name] = Group(name, tuple(a.key for a in axes), {a.key: a.short for a in axes})
        else:
            groups[name] = Group(name, tuple(str(v) for v in value))
    return groups


def _rule(raw: dict[str, Any]) -> RuleDef:
    for key in ("id", "title", "check", "message"):
        if key not in raw:
            raise SpecError(f"rule {raw.get('id', '?')}: missing {key!r}")
    severity = raw.get("severity", "error")
    if severity not in SEVERITIES:
        raise SpecError(f"rule {raw['id']}: unknown severity {severity!r}")
    return RuleDef(
        id=str(raw["id"]),
        title=str(raw["title"]),
        check=str(raw["check"]),
        message=str(raw["message"]),
        each=tuple((str(k), str(v)) for k, v in (raw.get("each") or {}).items()),
        severity=severity,
        tolerance=float(raw.get("tolerance", 0)),
        computes=bool(raw.get("computes", False)),
    )


CHART_KINDS = ("bar", "column", "pie")


def _chart(raw: dict[str, Any]) -> ChartDef:
    if raw.get("kind") not in CHART_KINDS or (raw.get("cells") is None) == (raw.get("top_agencies") is None):
        raise SpecError(f"chart {raw.get('title')!r}: needs a kind in {CHART_KINDS} and one of cells / top_agencies")
    return ChartDef(str(raw["title"]), raw["kind"], raw.get("cells"), raw.get("top_agencies"), int(raw.get("count", 15)))


def _limits(raw: dict[str, Any] | None, cover: Cover) -> Limits | None:
    if not raw:
        return None
    by = str(raw.get("by", ""))
    choices = next((f.choices for f in cover.fields if f.id == by and f.type == "choice"), None)
    if choices is None:
        raise SpecError(f"limits: 'by' must name a choice field of the cover, got {by!r}")
    values: dict[str, dict[str, float]] = {}
    for kind, per_type in raw.items():
        if kind == "by":
            continue
        if kind not in choices or not isinstance(per_type, dict) or set(per_type) - set(CELL_TYPES):
            raise SpecError(f"limits: {kind!r} must be one of {choices} mapping cell types {CELL_TYPES} to numbers")
        values[kind] = {t: float(v) for t, v in per_type.items()}
    return Limits(by, values)


def _cover(raw: dict[str, Any]) -> Cover:
    fields = []
    for f in raw["fields"]:
        if f.get("type") not in FIELD_TYPES:
            raise SpecError(f"cover field {f.get('id')}: unknown type {f.get('type')!r}")
        fields.append(
            Field(
                id=f["id"],
                label=f["label"],
                type=f["type"],
                required=bool(f.get("required", False)),
                choices=tuple(f.get("choices", ())),
                default=f.get("default"),
            )
        )
    return Cover(sheet=raw["sheet"], title=raw["title"], fields=tuple(fields))


def parse_spec(raw: dict[str, Any], *, extension: Extension | None = None) -> FormSpec:
    """Build and check a FormSpec from the YAML mapping; raises SpecError naming the culprit."""
    try:
        tables = tuple(
            Table(
                id=t["id"],
                sheet=t["sheet"],
                title=t["title"],
                blocks=tuple(_block(b, f"table {t['id']}") for b in t["blocks"]),
            )
            for t in raw["tables"]
        )
        cover = _cover(raw["cover"])
        spec = FormSpec(
            form=raw["form"],
            spec_version=str(raw["spec_version"]),
            name=raw["name"],
            basis=raw["basis"],
            years=(int(raw["years"][0]), int(raw["years"][1])),
            cover=cover,
            tables=tables,
            groups=_groups(raw.get("groups", {}), tables),
            rules=tuple(_rule(r) for r in raw.get("rules", [])),
            previous_aliases=dict(raw.get("previous_aliases") or {}),
            cells=_cells(tables),
            charts=tuple(_chart(c) for c in raw.get("charts") or ()),
            limits=_limits(raw.get("limits"), cover),
            extension=extension,
        )
    except KeyError as exc:
        raise SpecError(f"missing key {exc}") from exc
    _check_names(spec)
    from xxgk.rules.expand import expand_rules

    expand_rules(spec)  # parses and instantiates every rule: a bad rule fails here, at load time
    _check_charts(spec)
    return spec


def _check_charts(spec: FormSpec) -> None:
    from xxgk.rules.expand import RuleSyntaxError, expand_ref

    for chart in spec.charts:
        pattern = chart.cells or chart.top_agencies or ""
        try:
            ids = expand_ref(pattern, {}, spec)
        except RuleSyntaxError as exc:
            raise SpecError(f"chart {chart.title!r}: {exc}") from exc
        unknown = [cid for cid in ids if cid not in spec.cells]
        if unknown or (chart.top_agencies and len(ids) != 1):
            raise SpecError(f"chart {chart.title!r}: {pattern!r} does not name {'one cell' if chart.top_agencies else 'cells'}")


def _check_names(spec: FormSpec) -> None:
    sheets = [spec.cover.sheet, *(t.sheet for t in spec.tables)]
    if len(set(sheets)) != len(sheets):
        raise SpecError(f"duplicate sheet names: {sheets}")
    overlap = set(spec.field_ids) & set(spec.cells)
    if overlap:
        raise SpecError(f"ids used both as cover field and cell: {sorted(overlap)}")


FORMS = ("gb2021", "gb2019")  # the national forms
EXT_SEPARATOR = "+"  # gb2019+zj: the national form gb2019 with the extension zj
EXT_FOLDER = "templates/ext"
EXT_PROPERTY = "xxgk_ext"  # the workbook's custom document property naming its extension (next to xxgk_form)
EXTENSIONS = tuple(p.stem for p in resource_files(EXT_FOLDER, "*.yaml"))  # provincial extensions (xxgk.extensions)


def spec_path(form: str) -> Path:
    return resource_path(f"templates/{form}.yaml")


def load_spec(form: str = "gb2021", ext: str | None = None) -> FormSpec:
    """The spec of a national form, or of a national form with a provincial extension: load_spec("gb2019", "zj")
    and load_spec("gb2019+zj") give the same (cached) FormSpec, whose form is "gb2019+zj"."""
    national, _, named = form.partition(EXT_SEPARATOR)
    if ext and named and ext != named:
        raise SpecError(f"form {form!r} names extension {named!r}, not {ext!r}")
    return _load_spec(national, ext or named or None)


@cache
def _load_spec(form: str, ext: str | None) -> FormSpec:
    if form not in FORMS:
        raise SpecError(f"unknown form {form!r}; known: {', '.join(FORMS)}")
    if ext is None:
        return load_spec_file(spec_path(form))
    from xxgk.extensions import load_extended

    return load_extended(form, ext)


_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: 7x faster start-up


def read_yaml(path: Path) -> Any:
    with open(path, encoding="utf-8") as fh:
        return yaml.load(fh, Loader=_YAML_LOADER)


def load_spec_file(path: Path) -> FormSpec:
    return parse_spec(read_yaml(path))


def form_for_year(year: int) -> str:
    for form in FORMS:
        lo, hi = load_spec(form).years
        if lo <= year <= hi:
            return form
    raise SpecError(f"no form covers year {year}")
