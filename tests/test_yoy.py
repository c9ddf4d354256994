"""Year over year (xxgk.yoy): warnings against last year's report, thresholds from the form spec."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from xxgk.findings import WARNING
from xxgk.samples import agencies, sample_fills
from xxgk.spec import load_spec
from xxgk.template import build_template
from xxgk.validate import validate_files
from xxgk.yoy import yoy_rule

GROUP = agencies("测试县", "330206", 3, seed=5)


def sample(year: int, index: int = 0, form: str = "gb2021") -> dict[str, object]:
    return dict(list(sample_fills(load_spec(form), GROUP, year, seed=11))[index][1])


def write(path: Path, values: dict[str, object], form: str = "gb2021") -> Path:
    return build_template(load_spec(form), path, values=values)


def _pair(tmp_path: Path, edit) -> tuple[list, dict, dict]:  # type: ignore[no-untyped-def]
    last = sample(2023)
    this = dict(last, **{"meta.year": 2024})
    edit(this, last)
    (report,) = validate_files([write(tmp_path / "今年.xlsx", this)], write(tmp_path / "去年.xlsx", last))
    return [f for f in report.findings if f.code.startswith("yoy.")], this, last


def test_thresholds_come_from_the_spec() -> None:
    for form in ("gb2021", "gb2019", "gb2019+zj"):
        rule = yoy_rule(form)
        assert (rule.up, rule.down, rule.min_sample) == (5, 0.2, 10)


def test_tenfold_cell_is_a_warning_naming_cell_numbers_and_factor(tmp_path: Path) -> None:
    def edit(this: dict, last: dict) -> None:
        last["active.rules.issued"], this["active.rules.issued"] = 12, 120  # typed twice: ×10
        last["requests.new.natural"], this["requests.new.natural"] = 40, 41
    found, _, _ = _pair(tmp_path, edit)
    (jump,) = [f for f in found if f.code == "yoy.jump"]
    assert jump.severity == WARNING and jump.ids == ("active.rules.issued",)
    assert (jump.expected, jump.actual, jump.factor) == (12, 120, 10)
    assert "本年 120，上年 12" in jump.message and "10 倍" in jump.message and jump.cells[0].startswith("'")
    assert jump.title == "与上年相比变化异常"


def test_drop_below_a_fifth_and_zero_to_many(tmp_path: Path) -> None:
    def edit(this: dict, last: dict) -> None:
        last["active.rules.issued"], this["active.rules.issued"] = 100, 19  # ×0.19
        last["active.normative.issued"], this["active.normative.issued"] = 0, 30  # from nothing
    found, _, _ = _pair(tmp_path, edit)
    jumps = {f.ids[0]: f for f in found if f.code == "yoy.jump"}
    assert set(jumps) == {"active.rules.issued", "active.normative.issued"}
    assert jumps["active.rules.issued"].factor == 0.19 and "减少" in jumps["active.rules.issued"].message
    assert jumps["active.normative.issued"].factor is None and "由 0 变为非 0" in jumps["active.normative.issued"].message


def test_small_samples_and_moderate_changes_give_no_warning(tmp_path: Path) -> None:
    def edit(this: dict, last: dict) -> None:
        last["active.rules.issued"], this["active.rules.issued"] = 1, 9  # ×9 but both under 10
        last["active.normative.issued"], this["active.normative.issued"] = 10, 50  # exactly ×5: not beyond
        last["requests.new.natural"], this["requests.new.natural"] = 50, 10  # exactly ×0.2: not below
    found, _, _ = _pair(tmp_path, edit)
    assert not [f for f in found if f.code == "yoy.jump"]


def test_copied_forward_report_is_flagged_once(tmp_path: Path) -> None:
    found, _, _ = _pair(tmp_path, lambda this, last: None)
    (same,) = found
    assert same.code == "yoy.unchanged" and "沿用上年数据" in same.message and "完全相同" in same.message
    assert same.title == "沿用上年数据" and len(same.ids) > 100


def test_no_previous_no_yoy_and_cli_json(tmp_path: Path) -> None:
    this = sample(2024)
    path = write(tmp_path / "今年.xlsx", this)
    (report,) = validate_files([path])
    assert not [f for f in report.findings if f.code.startswith("yoy.")]
    last = dict(this, **{"meta.year": 2023, "active.rules.issued": 1000})
    prev = write(tmp_path / "去年" / "去年.xlsx", last)
    res = subprocess.run([sys.executable, "-m", "xxgk", "validate", str(path), "--previous", str(prev.parent), "--json"],
                         capture_output=True, text=True, check=False)
    issues = json.loads(res.stdout)["files"][0]["issues"]
    (jump,) = [i for i in issues if i["code"] == "yoy.jump"]
    assert jump["ids"] == ["active.rules.issued"] and jump["expected"] == 1000 and jump["severity"] == "warning"


def test_consolidate_warns_per_agency_and_on_the_total(tmp_path: Path) -> None:
    """xxgk consolidate --previous (a folder of last year's reports): a copied-forward agency, a ×10 cell, and a
    total compared with last year's total of the same agencies; warnings only, every file still summed."""
    import datetime as dt

    from xxgk.consolidate import Options, consolidate
    from xxgk.consolidate import status as st

    lasts = [dict(v) for _, v in sample_fills(load_spec("gb2021"), GROUP, 2023, seed=11)]
    for k, last in enumerate(lasts):
        write(tmp_path / "去年" / f"{k}.xlsx", last)
    this = [dict(v, **{"meta.year": 2024}) for v in lasts]
    this[1]["active.rules.issued"] = int(lasts[1].get("active.rules.issued", 0) or 0) * 10 + 100  # type: ignore[call-overload]
    for k in (1, 2):  # moderate changes elsewhere, so only agency 0 is a copy
        this[k]["requests.new.natural"] = int(this[k].get("requests.new.natural", 0) or 0) + 1  # type: ignore[call-overload]
    for k, now in enumerate(this):
        write(tmp_path / "今年" / f"{k}.xlsx", now)
    result = consolidate([tmp_path / "今年"], Options(output=tmp_path / "汇总.xlsx", previous=tmp_path / "去年",
                                                     today=dt.date(2025, 2, 1), include_invalid=True))
    yoy = [i for i in result.issues if i.finding.code.startswith("yoy.")]
    by_agency = {(i.agency, i.finding.code) for i in yoy}
    assert (GROUP[0].name, "yoy.unchanged") in by_agency and (GROUP[1].name, "yoy.jump") in by_agency
    jump = next(i.finding for i in yoy if i.agency == GROUP[1].name and i.finding.code == "yoy.jump")
    assert jump.ids == ("active.rules.issued",) and jump.severity == WARNING and jump.factor and jump.factor > 5
    assert jump.cells[0].startswith("'") and "本年" in jump.message and "上年" in jump.message
    assert all(s.status in st.SUMMED for s in result.submissions)
    assert all(f.severity == WARNING for s in result.submissions for f in s.findings if f.code.startswith("yoy."))
    assert not [i for i in yoy if i.agency == GROUP[2].name]
    assert {i.finding.code for i in yoy if i.file == "（汇总合计）"} <= {"yoy.jump"}  # the total moved, not copied


REAL = Path(__file__).resolve().parent / "fixtures" / "real"


def test_real_report_as_last_year(tmp_path: Path) -> None:
    """淮安市人民政府's published 2024 report (imported) as last year's: its 2025 report copied forward is
    沿用上年数据; 行政事业性收费 typed in 元 instead of 万元 (96,171.6 万元 → 961,716,000) and 行政处罚 with a digit
    dropped (3,985,758 → 398,575) are the jumps named, each with both years' numbers and the factor."""
    from xxgk.importer.run import import_files
    from xxgk.validate import read_all
    from xxgk.yoy import input_cells

    (result,) = import_files([REAL / "009_huaian_city_2024.txt"], tmp_path / "2024")
    assert result.output is not None
    (last,) = read_all([result.output])
    spec = load_spec("gb2021")
    copied = {c: last.numbers[c] for c in input_cells(spec) if c not in last.blank}
    copied.update({k: v for k, v in last.meta.items() if v}, **{"meta.year": 2025})
    (same,) = validate_files([write(tmp_path / "淮安2025_照抄.xlsx", copied)], result.output)
    (unchanged,) = [f for f in same.findings if f.code == "yoy.unchanged"]
    assert "009_huaian_city_2024.xlsx" in unchanged.message and len(unchanged.ids) > 100
    assert not [f for f in same.findings if f.code == "yoy.jump"]
    typo = dict(copied, **{"active.fees.amount": 961716000, "active.penalty.decisions": 398575})
    (report,) = validate_files([write(tmp_path / "淮安2025.xlsx", typo)], result.output)
    jumps = {f.ids[0]: f for f in report.findings if f.code == "yoy.jump"}
    assert set(jumps) == {"active.fees.amount", "active.penalty.decisions"}
    fees, penalty = jumps["active.fees.amount"], jumps["active.penalty.decisions"]
    assert (fees.expected, fees.actual, fees.factor) == (96171.6, 961716000, 10000)
    assert (penalty.expected, penalty.actual) == (3985758, 398575) and penalty.factor == pytest.approx(0.1, abs=1e-4)
    assert "本年 961716000，上年 96171.6" in fees.message and "为上年的 10,000 倍" in fees.message
    assert "为上年的 0.1 倍" in penalty.message  # not 1e+04 or 0.100000
    assert not [f for f in report.findings if f.code == "yoy.unchanged"]
