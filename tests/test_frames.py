"""The DataFrames the library hands out, checked against the reports and the consolidation they come from."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pd = pytest.importorskip("pandas")

from test_consolidate_support import COUNTY_A, SPEC, sample_values, write  # noqa: E402
from xxgk.consolidate import Options, collect  # noqa: E402
from xxgk.consolidate.sheets import UNIT_FILE, UNIT_STATUS, cell_labels, unit_columns  # noqa: E402
from xxgk.frames import FINDING_COLUMNS, detail_frame, findings_frame  # noqa: E402
from xxgk.validate import validate_files  # noqa: E402

SRC = Path(__file__).resolve().parents[1] / "src"


@pytest.fixture(scope="module")
def inbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three agencies, the second with a typed-over total (rule findings), and a file that is no workbook."""
    folder = tmp_path_factory.mktemp("frames") / "收件箱"
    rows = sample_values(COUNTY_A[:3])
    write(folder, rows[0])
    write(folder, rows[1], overrides={"requests.new.total": 99999})
    write(folder, rows[2])
    (folder / "坏文件.xlsx").write_bytes(b"not a workbook")
    return folder


def test_findings_frame_has_one_row_per_finding_in_report_order(inbox: Path) -> None:
    reports = validate_files([inbox])
    frame = findings_frame(reports)
    expected = [(r, f) for r in reports for f in r.findings]
    assert list(frame.columns) == list(FINDING_COLUMNS)
    assert len(frame) == len(expected) >= 3
    for (_, row), (report, f) in zip(frame.iterrows(), expected, strict=True):
        assert row["file"] == str(report.path)
        assert row["agency"] == report.agency
        assert (row["severity"], row["code"], row["message"]) == (f.severity, f.code, f.message)
        assert row["rule"] == (f.rule or "")
        assert row["cells"] == "、".join(f.cells)
        for column, value in (("expected", f.expected), ("actual", f.actual)):
            assert math.isnan(row[column]) if value is None else row[column] == pytest.approx(value)
    assert frame["expected"].dtype == np.float64 and frame["actual"].dtype == np.float64
    broken = frame[frame["file"].str.endswith("坏文件.xlsx")]
    assert len(broken) == 1 and broken.iloc[0]["agency"] == ""
    typed_over = frame[frame["code"] == "formula.overwritten"]
    assert len(typed_over) == 1 and typed_over.iloc[0]["actual"] == 99999


def test_findings_frame_of_clean_reports_is_empty_with_the_columns(inbox: Path) -> None:
    clean = [r for r in validate_files([inbox]) if not r.findings]
    assert clean
    frame = findings_frame(clean)
    assert frame.empty and list(frame.columns) == list(FINDING_COLUMNS)


def test_detail_frame_is_the_unit_detail_of_the_consolidation(inbox: Path) -> None:
    result = collect([inbox], Options(include_invalid=True))
    frame = detail_frame(result)
    columns = unit_columns(SPEC)
    assert list(frame.columns) == [c.key for c in columns]
    assert len(frame) == len(result.units) == 3
    assert frame["meta.agency"].tolist() == [u.name for u in result.units]
    assert frame["meta.uscc"].tolist() == [u.uscc for u in result.units]
    assert frame[UNIT_FILE].tolist() == [u.file for u in result.units]
    assert frame[UNIT_STATUS].tolist() == [u.status for u in result.units]
    assert np.array_equal(frame[list(SPEC.cells)].to_numpy(), result.matrix)
    for cid in ("requests.new.total", "requests.new.natural"):
        assert frame[cid].sum() == pytest.approx(result.matrix[:, list(SPEC.cells).index(cid)].sum())
    assert frame["requests.new.total"].max() == 99999  # the invalid file was summed as reported


def test_detail_frame_with_chinese_labels(inbox: Path) -> None:
    result = collect([inbox], Options(include_invalid=True))
    frame = detail_frame(result, labels=True)
    labels = cell_labels(SPEC)
    assert list(frame.columns)[-len(SPEC.cells):] == [labels[c] for c in SPEC.cells]
    assert frame.columns.is_unique
    assert frame.iloc[:, 0].tolist() == [u.name for u in result.units]


def test_cli_and_validate_do_not_import_pandas_or_xlwings() -> None:
    code = ("import sys, xxgk.cli, xxgk.validate, xxgk.frames; "
            "print(sorted(m for m in ('pandas', 'xlwings') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": str(SRC)})
    assert out.stdout.strip() == "[]"
