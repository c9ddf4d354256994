"""The live reader (a book open in Excel, through xlwings) and the file reader give the same Fill and the same
findings for the same workbook. The live side runs on xlwings' remote-interpreter book, whose payload is built
from the real file as xlwings' VBA client sends it."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from xlwings_payload import payload_from_file, remote_book, set_value
from xxgk.addin.live import FORMULAS_KEY, LiveReadError, read_live
from xxgk.engine import check_fills
from xxgk.layout import plan_layout
from xxgk.reader import Fill, Unreadable, read_fill
from xxgk.samples import agencies, sample_fills
from xxgk.spec import load_spec
from xxgk.template import build_template

GROUP = agencies("实时县", "330206", 4, seed=3)


def _samples(form: str) -> list[dict[str, object]]:
    spec = load_spec(form)
    return [dict(v) for _, v in sample_fills(spec, GROUP, spec.years[0], seed=13)]


def _cases(form: str) -> dict[str, tuple[dict[str, object], dict[str, object]]]:
    samples = _samples(form)
    errors = dict(samples[1])
    errors["requests.forward.natural"] = int(errors.get("requests.forward.natural", 0)) + 3  # type: ignore[call-overload]
    text = dict(samples[2])
    text["active.penalty.decisions"] = "7次"
    text["active.license.decisions"] = "１２"
    text["review.upheld"] = -1
    text["active.rules.issued"] = 2.5
    blanks = {k: v for k, v in samples[3].items() if k.startswith("meta.") or random.Random(2).random() < 0.5}
    cover = {**samples[0], "meta.uscc": "12345", "meta.year": "2024年", "meta.filled_on": "去年"}
    return {
        "valid": (samples[0], {}),
        "errors": (errors, {}),
        "typed_over_totals": (samples[1], {"requests.total.natural": 99, "review.total": 5}),
        "formula_removed": (samples[2], {"requests.new.total": None}),
        "text_in_cells": (text, {}),
        "blanks": (blanks, {}),
        "empty": ({}, {}),
        "cover_problems": (cover, {}),
    }


def _same_fill(a: Fill, b: Fill) -> None:
    assert a.spec.form == b.spec.form
    assert a.meta == b.meta
    assert a.numbers == b.numbers
    assert a.exact == b.exact
    assert a.blank == b.blank
    assert a.typed_computed == b.typed_computed
    assert a.removed_formulas == b.removed_formulas
    assert a.cached == b.cached
    assert a.positions == b.positions


def _findings(fill: Fill) -> list[dict[str, object]]:
    (found,), _ = check_fills([fill])
    return [f.to_dict() for f in found]


@pytest.mark.parametrize("form", ["gb2021", "gb2019", "gb2019+zj"])
def test_both_readers_give_the_same_fill_and_findings(tmp_path: Path, form: str) -> None:
    spec = load_spec(form)
    codes = set()
    for name, (values, overrides) in _cases(form).items():
        overrides = {k: v for k, v in overrides.items() if k in spec.cells}
        path = build_template(spec, tmp_path / f"{name}.xlsx", values={k: v for k, v in values.items()
                                                                       if k in spec.cells or k in spec.field_ids},
                              overrides=overrides)
        from_file = read_fill(path)
        live, _ = read_live(remote_book(payload_from_file(path)))
        _same_fill(from_file, live)
        assert _findings(from_file) == _findings(live), name
        codes |= {f["code"] for f in _findings(live)}
    # the cases exercise what the readers decide: typed-over, removed and text cells, blanks, rules, cover
    assert {"rule", "formula.overwritten", "formula.removed", "cell.text", "table.blank", "cover.uscc"} <= codes


def test_live_read_sees_unsaved_edits(tmp_path: Path) -> None:
    """What Excel shows now counts, not the file last saved (the edit: a cover field no formula depends on, so
    the payload needs no recalculation)."""
    spec = load_spec("gb2021")
    values = _samples("gb2021")[0]
    path = build_template(spec, tmp_path / "saved.xlsx", values=values)
    payload = payload_from_file(path)
    cell = plan_layout(spec).pos["meta.year"]
    set_value(payload, cell.sheet, cell.a1, "2019")
    live, _ = read_live(remote_book(payload))
    assert _findings(read_fill(path)) == []
    assert [f["code"] for f in _findings(live)] == ["cover.year"]
    edited = build_template(spec, tmp_path / "edited.xlsx", values={**values, "meta.year": "2019"})
    assert _findings(read_fill(edited)) == _findings(live)


def test_live_read_of_a_book_that_is_not_a_template_is_unreadable(tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active["A1"] = "随便一个表"
    wb.save(tmp_path / "plain.xlsx")
    with pytest.raises(Unreadable) as caught:
        read_live(remote_book(payload_from_file(tmp_path / "plain.xlsx")))
    assert caught.value.finding.code == "file.not_template"


def test_remote_book_without_formulas_stops_rather_than_guess(tmp_path: Path) -> None:
    path = build_template(load_spec("gb2021"), tmp_path / "a.xlsx", values=_samples("gb2021")[0])
    payload = payload_from_file(path)
    for sheet in payload["sheets"]:
        del sheet[FORMULAS_KEY]
    with pytest.raises(LiveReadError, match="公式"):
        read_live(remote_book(payload))


def test_form_recognised_by_names_without_custom_properties(tmp_path: Path) -> None:
    path = build_template(load_spec("gb2019"), tmp_path / "a.xlsx", values=_samples("gb2019")[0])
    payload = payload_from_file(path)
    payload["xxgk_custom_properties"] = {}
    live, _ = read_live(remote_book(payload))
    assert live.form == "gb2019"
    assert _findings(live) == _findings(read_fill(path))


def test_names_as_excel_lists_them() -> None:
    """COM lists sheet-scoped names as 'Sheet!name' and references with '=' (quoted when needed)."""
    from types import SimpleNamespace

    from xxgk.addin.live import defined_names

    book = SimpleNamespace(names=[
        SimpleNamespace(name="封面!Print_Area", refers_to="=封面!$A$1:$B$14"),
        SimpleNamespace(name="meta_agency", refers_to="=封面!$B$3"),
        SimpleNamespace(name="依申请公开!requests_new_natural", refers_to="='依申请公开'!$Z$99"),
        SimpleNamespace(name="requests_new_natural", refers_to="='依申请公开'!$D$6"),
    ])
    assert defined_names(book) == {"Print_Area": "封面!$A$1:$B$14", "meta_agency": "封面!$B$3",
                                   "requests_new_natural": "'依申请公开'!$D$6"}


class _ComRange:
    """xlwings' Range as COM gives it: tuples of tuples, numbers as floats, formulas as strings."""

    def __init__(self, values: list[list[object]], formulas: list[list[str]], rows: int, cols: int) -> None:
        self._values = tuple(tuple(r[:cols]) for r in values[:rows])
        self.formula = tuple(tuple(r[:cols]) for r in formulas[:rows])

    def options(self, **_kw: object) -> _ComRange:
        return self

    @property
    def value(self) -> object:
        return self._values


class _ComSheet:
    def __init__(self, ws: object, values: list[list[object]]) -> None:
        import openpyxl.worksheet.worksheet

        assert isinstance(ws, openpyxl.worksheet.worksheet.Worksheet)
        self.name = ws.title
        self._values = [[None if v == "" else v for v in row] for row in values]
        self._formulas = [[c.value if isinstance(c.value, str) and c.value.startswith("=") else
                           ("" if v is None else str(v)) for c, v in zip(row, vals, strict=False)]
                          for row, vals in zip(ws.iter_rows(max_col=len(values[0]), max_row=len(values)), self._values,
                                               strict=False)]
        from types import SimpleNamespace

        self.used_range = SimpleNamespace(last_cell=SimpleNamespace(row=len(values), column=len(values[0])))

    def range(self, first: tuple[int, int] | str, last: tuple[int, int] | None = None) -> _ComRange:
        if isinstance(first, str):  # "A1:K40", as the stamped book's block is asked for (one COM call)
            from xlsxwriter.utility import xl_cell_to_rowcol

            start, end = first.split(":")
            assert start == "A1"
            row, col = xl_cell_to_rowcol(end)
            first, last = (1, 1), (row + 1, col + 1)
        assert first == (1, 1) and last is not None
        return _ComRange(self._values, self._formulas, *last)


class _ByName(list):  # type: ignore[type-arg]
    """An xlwings collection (Sheets, Names): by position or by name."""

    def __getitem__(self, key: object) -> object:
        if isinstance(key, str):
            return next(x for x in self if x.name == key)
        return super().__getitem__(key)  # type: ignore[call-overload]


def test_the_com_branch_reads_like_the_file(tmp_path: Path) -> None:
    """Formulas from Range.formula and properties from CustomDocumentProperties, as on Windows."""
    from types import SimpleNamespace

    import openpyxl
    from python_calamine import CalamineWorkbook

    values, overrides = _cases("gb2021")["typed_over_totals"]
    path = build_template(load_spec("gb2021"), tmp_path / "a.xlsx", values=values, overrides=overrides)
    wb = openpyxl.load_workbook(path)
    grids = CalamineWorkbook.from_path(str(path))
    sheets = [_ComSheet(ws, grids.get_sheet_by_name(ws.title).to_python(skip_empty_area=False)) for ws in wb.worksheets]
    props = [SimpleNamespace(Name=p.name, Value=p.value) for p in wb.custom_doc_props.props]
    names = [SimpleNamespace(name=n, refers_to="=" + d.attr_text) for n, d in wb.defined_names.items()]
    book = SimpleNamespace(api=SimpleNamespace(CustomDocumentProperties=props), names=_ByName(names),
                           sheets=_ByName(sheets), fullname=str(path))
    live, _ = read_live(book)
    from_file = read_fill(path)
    _same_fill(from_file, live)
    assert _findings(live) == _findings(from_file) and live.typed_computed
