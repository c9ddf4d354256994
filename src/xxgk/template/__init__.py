"""Build the fill-in Excel template of a form: the spec says what, the layout plan says where, the rules
say which cells are formulas and what the 校验 sheet checks.

The workbook has no macros. Live checks are plain formulas (SUM, N, ABS, IF, COUNTIF; for the cover fields
also TRIM, SUBSTITUTE, LEN, MID, FIND, MOD, SUMPRODUCT over array constants, VALUE, EXACT, IFERROR) plus
conditional formats that reference the verdict cells by defined name, so Excel 2010+, WPS and LibreOffice
all show them while staff type. Every cell id, cover field and verdict carries a workbook-scoped defined name:
that, not any cell address, is the contract with the reader and the add-in.

Output is deterministic (fixed document dates, in-memory zip with fixed timestamps) and written
atomically (temp file in the target directory, then os.replace).
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
import warnings
from collections.abc import Callable, Mapping
from decimal import Decimal
from pathlib import Path

from xlsxwriter import Workbook

from xxgk.checksheet import CHECK_HEADERS, CHECK_SHEET, FAILED_NAME, check_name, write_check_sheet
from xxgk.rules.expand import computed_cells
from xxgk.spec import EXT_PROPERTY, FORMS, FormSpec, defined_name, load_spec
from xxgk.template.cover import STATUS_NAME, write_cover
from xxgk.template.covercheck import COVER_CHECK_NOTES, CoverCheck, cover_checks
from xxgk.template.helpsheet import HELP_SHEET, HELP_TEXT, write_help_sheet
from xxgk.template.model import TemplateModel
from xxgk.template.styles import FONT, Styles
from xxgk.template.tables import write_table

__all__ = [
    "CHECK_HEADERS",
    "CHECK_SHEET",
    "COVER_CHECK_NOTES",
    "FAILED_NAME",
    "FONT",
    "HELP_SHEET",
    "HELP_TEXT",
    "STATUS_NAME",
    "CoverCheck",
    "Styles",
    "build_all",
    "build_template",
    "check_name",
    "cover_checks",
    "template_filename",
]

FILENAME_PREFIX = "信息公开年报模板"


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
    extra: Callable[[Workbook, Styles], None] | None = None,
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
    tmp = path.with_name(f".xxgk-{uuid.uuid4().hex[:12]}.tmp")  # short: the final name may be near the limit
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            workbook = Workbook(str(tmp), {"in_memory": True, "strings_to_formulas": False,
                                           "strings_to_urls": False, "strings_to_numbers": False})
            _Builder(spec, workbook, values, overrides).build(extra)
            workbook.close()
        problems = [str(w.message) for w in caught if "xlsxwriter" in (w.filename or "")]
        if problems:
            raise RuntimeError("XlsxWriter rejected part of the template: " + "; ".join(problems))
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


# --------------------------------------------------------------------------- helpers


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


class _Builder(TemplateModel):
    # ------------------------------------------------------------------ workbook

    def build(self, extra: Callable[[Workbook, Styles], None] | None) -> None:
        spec = self.spec
        self.wb.set_properties({
            "title": f"{spec.name}（{spec.form}）",
            "subject": spec.basis,
            "author": "xxgk",
            "company": "",
            "comments": f"xxgk 模板 {spec.form} {spec.spec_version}",
            "created": dt.datetime(spec.years[0], 1, 1, tzinfo=dt.timezone.utc),
        })
        self.wb.set_custom_property("xxgk_form", spec.national_form, "text")
        self.wb.set_custom_property("xxgk_spec_version", spec.spec_version, "text")
        if spec.extension:  # a reader that knows no extensions still reads the national tables
            self.wb.set_custom_property(EXT_PROPERTY, spec.extension.name, "text")
        write_cover(self, self.layout.cover)
        for plan in self.layout.tables:
            write_table(self, plan)
        write_check_sheet(self)
        write_help_sheet(self.wb, spec, self.styles)
        for cid, pos in self.layout.pos.items():
            self.wb.define_name(defined_name(cid), f"={pos.ref}")
        if extra is not None:
            extra(self.wb, self.styles)
