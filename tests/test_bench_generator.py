"""bench/generate.py writes valid workbooks that read back with exactly the generated values."""

from __future__ import annotations

import importlib.util
import sys
import zipfile
from pathlib import Path
from types import ModuleType

import numpy as np
import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from xxgk.engine import Frame, check_fills
from xxgk.reader import read_fill
from xxgk.spec import defined_name, load_spec
from xxgk.template import build_template

N, SEED = 4, 3
BENCH = Path(__file__).resolve().parents[1] / "bench"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_generate", BENCH / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


gen = _load()
SPEC = load_spec(gen.FORM)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Path], list[dict[str, object]]]:
    folder = tmp_path_factory.mktemp("gen")
    paths = gen.generate(folder, N, SEED)
    return paths, [values for _, values in gen.sample(N, SEED)]


def _grids(path: Path) -> dict[str, list[list[object]]]:
    wb = CalamineWorkbook.from_path(str(path))
    try:
        return {name: wb.get_sheet_by_name(name).to_python(skip_empty_area=False) for name in wb.sheet_names}
    finally:
        wb.close()


def _expected_frame(rows: list[dict[str, object]]) -> Frame:
    return Frame.from_rows(SPEC, np.array([[float(r.get(c, 0) or 0) for c in SPEC.cells] for r in rows]))  # type: ignore[arg-type]


def test_files_are_written_in_order_with_every_input(generated) -> None:
    paths, rows = generated
    assert len(paths) == N and all(p.exists() for p in paths)
    assert [p.name for p in paths] == sorted(p.name for p in paths)
    computed = SPEC.computed_ids()
    for values in rows:
        assert set(values) == (set(SPEC.cells) - computed) | set(SPEC.field_ids)


def test_zip_is_sound(generated) -> None:
    for path in generated[0]:
        with zipfile.ZipFile(path) as zf:
            assert zf.testzip() is None
            assert zf.namelist()[0] == "[Content_Types].xml"


def test_read_fill_gives_back_every_generated_value(generated) -> None:
    paths, rows = generated
    fills = [read_fill(p) for p in paths]
    expected = _expected_frame(rows)
    got = Frame.from_fills(SPEC, fills)
    for fill, values in zip(fills, rows, strict=True):
        assert fill.form == SPEC.form
        assert not fill.findings, [f.message for f in fill.findings]
        for fid in SPEC.field_ids:
            assert fill.meta[fid] == str(values[fid]), fid
        for cid in SPEC.cells:
            if cid in values:
                assert fill.numbers[cid] == values[cid], cid
    for cid in SPEC.cells:  # computed cells too, as the engine sees them
        assert np.array_equal(got.column(cid), expected.column(cid)), cid
    findings, _ = check_fills(fills)
    assert findings == [[] for _ in fills]


def test_openpyxl_opens_them_and_cached_results_are_current(generated) -> None:
    paths, rows = generated
    expected = _expected_frame(rows)
    for i, path in enumerate(paths[:2]):
        wb = openpyxl.load_workbook(path, data_only=True)
        for cid in (*SPEC.field_ids, *SPEC.cells):
            dest = next(iter(wb.defined_names[defined_name(cid)].destinations))
            value = wb[dest[0]][dest[1].replace("$", "")].value
            if cid in SPEC.cells:  # formula cells carry the recomputed total as their cached value
                assert value == pytest.approx(expected.column(cid)[i], abs=1e-9), cid
            else:
                assert str(value) == str(rows[i][cid]), cid
        wb.close()
        openpyxl.load_workbook(path).close()  # with formulas, too


def test_same_cells_as_build_template(generated, tmp_path: Path) -> None:
    """Every sheet's every cell (values and cached formula results) matches the slow builder's file."""
    paths, rows = generated
    for i in (0, N - 1):
        reference = build_template(SPEC, tmp_path / f"ref{i}.xlsx", values=rows[i])
        assert _grids(paths[i]) == _grids(reference)


def test_deterministic_for_a_seed(generated, tmp_path: Path) -> None:
    paths, _ = generated
    again = gen.generate(tmp_path, 2, SEED)
    assert [p.read_bytes() for p in again] == [p.read_bytes() for p in paths[:2]]
    other = gen.generate(tmp_path / "other", 1, SEED + 1)
    assert other[0].read_bytes() != paths[0].read_bytes()


def test_manifest_totals(tmp_path: Path) -> None:
    folder = tmp_path / "wb"
    manifest = gen.generate_with_manifest(folder, 3, SEED)
    assert gen.manifest_path(folder).exists()
    assert sorted(p.name for p in folder.iterdir()) == manifest["files"]  # nothing but the workbooks
    assert manifest["n"] == 3 and len(manifest["files"]) == 3
    fills = [read_fill(folder / name) for name in manifest["files"]]
    frame = Frame.from_fills(SPEC, fills)
    for cid in SPEC.cells:
        assert manifest["totals"][cid] == pytest.approx(float(frame.column(cid).sum()), abs=1e-6)
    matrix = np.load(gen.values_path(folder))
    assert np.array_equal(Frame.from_rows(SPEC, matrix).values, frame.values)
