"""Write a whole template: check the values asked for, add the sheets in order (cover, tables, 校验, 说明),
the document properties and the cells' defined names, then put the file in place atomically."""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Callable, Mapping
from decimal import Decimal
from pathlib import Path

from xlsxwriter import Workbook

from xxgk.atomic import replacing
from xxgk.checksheet import CHECK_SHEET, write_check_sheet
from xxgk.rules.expand import computed_cells
from xxgk.spec import EXT_PROPERTY, FORMS, FormSpec, defined_name, load_spec
from xxgk.template.cover import write_cover
from xxgk.template.helpsheet import HELP_SHEET, write_help_sheet
from xxgk.template.model import TemplateModel
from xxgk.template.styles import Styles
from xxgk.template.tables import write_table

FILENAME_PREFIX = "信息公开年报模板"
WORKBOOK_OPTIONS = {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                    "strings_to_numbers": False}

Extra = Callable[[Workbook, Styles], None]


def template_filename(spec: FormSpec) -> str:
    province = f"_{spec.extension.label}" if spec.extension else ""
    return f"{FILENAME_PREFIX}_{spec.years[0]}{province}.xlsx"


def build_all(out_dir: Path) -> list[Path]:
    """Write the empty template of every known form, national and extended, into out_dir."""
    from xxgk.extensions import extended_forms

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for form in (*FORMS, *extended_forms()):
        spec = load_spec(form)
        paths.append(build_template(spec, out_dir / template_filename(spec)))
    return paths


def build_template(
    spec: FormSpec,
    path: Path,
    *,
    values: Mapping[str, object] | None = None,
    overrides: Mapping[str, object] | None = None,
    extra: Extra | None = None,
) -> Path:
    """Write the template of `spec` to `path` (atomically) and return `path`.

    values: input cells and cover fields by id (numbers written as numbers, strings as strings,
    dates as dates). overrides: a typed value written over a computed cell instead of its formula.
    extra: called with the workbook and the styles after the standard sheets, to add more.
    """
    path = Path(path)
    values = dict(values or {})
    overrides = dict(overrides or {})
    _check_inputs(spec, values, overrides)
    path.parent.mkdir(parents=True, exist_ok=True)
    with replacing(path) as tmp:
        _write_workbook(tmp, spec, values, overrides, extra)
    return path


def _write_workbook(path: Path, spec: FormSpec, values: dict[str, object], overrides: dict[str, object],
                    extra: Extra | None) -> None:
    """XlsxWriter warns rather than fails on what it drops: here that fails."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        t = TemplateModel(spec, Workbook(str(path), dict(WORKBOOK_OPTIONS)), values, overrides)
        _write_sheets(t)
        if extra is not None:
            extra(t.wb, t.styles)
        t.wb.close()
    problems = [str(w.message) for w in caught  # a ResourceWarning of something else may surface here in GC
                if "xlsxwriter" in (w.filename or "") and issubclass(w.category, UserWarning)]
    if problems:
        raise RuntimeError("XlsxWriter rejected part of the template: " + "; ".join(problems))


def _write_sheets(t: TemplateModel) -> None:
    """Document properties, then cover, tables, 校验, 说明, then every cell's defined name."""
    _set_properties(t.wb, t.spec)
    write_cover(t, t.layout.cover)
    for plan in t.layout.tables:
        write_table(t, plan)
    write_check_sheet(t)
    write_help_sheet(t.wb, t.spec, t.styles)
    for cid, pos in t.layout.pos.items():
        t.wb.define_name(defined_name(cid), f"={pos.ref}")


def _set_properties(wb: Workbook, spec: FormSpec) -> None:
    """Document properties, dated by the form (not the clock) so that builds are byte-identical."""
    wb.set_properties({
        "title": f"{spec.name}（{spec.form}）",
        "subject": spec.basis,
        "author": "xxgk",
        "company": "",
        "comments": f"xxgk 模板 {spec.form} {spec.spec_version}",
        "created": dt.datetime(spec.years[0], 1, 1, tzinfo=dt.timezone.utc),
    })
    wb.set_custom_property("xxgk_form", spec.national_form, "text")
    wb.set_custom_property("xxgk_spec_version", spec.spec_version, "text")
    if spec.extension:  # a reader that knows no extensions still reads the national tables
        wb.set_custom_property(EXT_PROPERTY, spec.extension.name, "text")


def _check_inputs(spec: FormSpec, values: Mapping[str, object], overrides: Mapping[str, object]) -> None:
    computed = set(computed_cells(spec))
    fields = set(spec.field_ids)
    for cid, value in values.items():
        if cid in computed:
            raise ValueError(f"{cid} is a computed cell; pass its value in overrides")
        if cid not in spec.cells and cid not in fields:
            raise KeyError(f"unknown cell or field id {cid!r}")
        _check_type(cid, value)
    for cid, value in overrides.items():
        if cid not in computed:
            raise ValueError(f"{cid} is not a computed cell; pass its value in values")
        _check_type(cid, value)
    reserved = {spec.cover.sheet, *(t.sheet for t in spec.tables)} & {CHECK_SHEET, HELP_SHEET}
    if reserved:
        raise ValueError(f"the spec uses the template's own sheet names: {sorted(reserved)}")


def _check_type(cid: str, value: object) -> None:
    if value is None or isinstance(value, (str, dt.date)):
        return
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise TypeError(f"{cid}: cannot write a {type(value).__name__} value")
