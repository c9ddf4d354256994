"""Fix hints (xxgk.hints): generated one- and two-cell mistakes must be named exactly, ambiguous slips never,
and every hint, applied, must make what it claims hold and break nothing. Real reports at the end."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from test_consolidate_support import records, run, write
from test_real_reports import APPLICANTS, fixture
from test_real_reports import validate as validate_real
from xxgk.cli import main
from xxgk.consolidate.sheets import ISSUES
from xxgk.engine import Frame, evaluate_rules
from xxgk.hints import CellChange, Hint, fix_hints
from xxgk.layout import plan_layout
from xxgk.rules.expand import computed_cells
from xxgk.samples import agencies, sample_fills, sample_values
from xxgk.spec import load_spec
from xxgk.template import build_template
from xxgk.validate import validate_files

SPEC = load_spec("gb2021")
IDS = list(SPEC.cells)
COMPUTED = set(computed_cells(SPEC))
LAYOUT = plan_layout(SPEC)
OUTCOMES = SPEC.groups["outcomes"].keys
REQUEST_INPUTS = [f"requests.{r}.{c}" for r in ("new", "carried", *OUTCOMES, "forward") for c in APPLICANTS]
AGENCY = agencies("测试县", "330206", 1, seed=5)[0]


def where(_row: int, cid: str) -> str:
    return LAYOUT.address(cid)


def consistent_row(seed: int, busy: float = 0.6, bump: dict[str, int] | None = None) -> np.ndarray:
    """A fill satisfying every rule, computed cells included (`bump`: inputs raised, the totals follow)."""
    values = sample_values(SPEC, random.Random(seed), busy)
    for cid, more in (bump or {}).items():
        values[cid] = values.get(cid, 0) + more
    inputs = np.array([[float(values.get(c, 0)) for c in IDS]])
    return Frame.from_rows(SPEC, inputs).values[0]


def all_typed() -> np.ndarray:
    """Every computed cell typed over, as in imported or consolidated data."""
    return np.array([c in COMPUTED for c in IDS])


def hints_of(values: np.ndarray, typed: np.ndarray) -> list[list[Hint]]:
    frame = Frame.from_rows(SPEC, np.atleast_2d(values), np.atleast_2d(typed))
    return fix_hints(frame, evaluate_rules(frame), where)


def broken_after(values: np.ndarray, typed: np.ndarray) -> set[str]:
    frame = Frame.from_rows(SPEC, values[None, :], typed[None, :])
    res = evaluate_rules(frame)
    return {i.key for k, i in enumerate(res.instances) if not res.passed[0, k]}


def applied(values: np.ndarray, hints: list[Hint]) -> np.ndarray:
    out = values.copy()
    for h in hints:
        for c in h.changes:
            out[IDS.index(c.id)] = float(c.after)
    return out


# ---- (a) a typed-over total ---------------------------------------------------------------------------


def natural_column_adding_to_69() -> dict[str, object]:
    values: dict[str, object] = {"meta.agency": AGENCY.name, "meta.uscc": AGENCY.uscc, "meta.year": 2024}
    values.update({"requests.granted.natural": 40, "requests.partial.natural": 20, "requests.withheld_law.natural": 9,
                   "requests.new.natural": 60, "requests.carried.natural": 10, "requests.forward.natural": 1})
    return values


def test_typed_over_total_is_named_with_its_formula_value(tmp_path: Path) -> None:
    """（七）总计 typed 99 where its items add to 69: R2 and R3 break in its column and in the 总计 column."""
    path = build_template(SPEC, tmp_path / "单位.xlsx", values=natural_column_adding_to_69(),
                          overrides={"requests.total.natural": 99})
    (report,) = validate_files([path])
    rules = sorted(f.rule for f in report.findings if f.code == "rule")
    assert rules == ["R2[natural]", "R2[total]", "R3[natural]", "R3[total]"]
    (hint,) = report.hints
    assert hint.changes == (CellChange("requests.total.natural", "'依申请公开'!D29", 99, 69),)
    assert sorted(hint.fixes) == rules
    assert hint.message == "「依申请公开」D29（（七）总计·自然人）填 99，按各项之和应为 69；改为 69 后 4 条校验全部通过。"
    assert report.to_dict()["hints"] == [{
        "changes": [{"id": "requests.total.natural", "cell": "'依申请公开'!D29", "from": 99, "to": 69}],
        "fixes": list(hint.fixes), "message": hint.message}]


def test_a_consistent_fill_gets_no_hint(tmp_path: Path) -> None:
    (report,) = validate_files([build_template(SPEC, tmp_path / "好.xlsx", values=natural_column_adding_to_69())])
    assert report.errors == 0 and report.hints == [] and report.to_dict()["hints"] == []


# ---- (b) all totals typed: the mutated cells are named ------------------------------------------------


@pytest.mark.parametrize("seed", range(8))
def test_one_mutated_input_among_typed_totals_is_named(seed: int) -> None:
    rng = random.Random(seed)
    row, typed = consistent_row(seed), all_typed()
    for cid in rng.sample(REQUEST_INPUTS, 6):
        j = IDS.index(cid)
        wrong = row.copy()
        wrong[j] += rng.randint(1, 9)
        (hints,) = hints_of(wrong, typed)
        assert [h.changes for h in hints] == [(CellChange(cid, LAYOUT.address(cid), wrong[j], row[j]),)], cid
        assert set(hints[0].fixes) == broken_after(wrong, typed)


def test_one_mutated_input_in_a_typed_workbook_is_named(tmp_path: Path) -> None:
    """The same through a real file: every total typed as a value (as an imported report is)."""
    frame_row = consistent_row(3)
    cid = "requests.declined_repeat.business"
    right = int(frame_row[IDS.index(cid)])
    values: dict[str, object] = {c: frame_row[IDS.index(c)] for c in IDS if c not in COMPUTED}
    values.update({"meta.agency": AGENCY.name, "meta.year": 2024, cid: right + 4})
    overrides = {c: frame_row[IDS.index(c)] for c in COMPUTED}
    path = build_template(SPEC, tmp_path / "导入.xlsx", values=values, overrides=overrides)
    (report,) = validate_files([path])
    (hint,) = report.hints
    assert hint.changes == (CellChange(cid, "'依申请公开'!E22", right + 4, right),)
    assert sorted(hint.fixes) == ["R1[declined_repeat]", "R2[business]"]
    assert hint.message == (f"「依申请公开」E22（（五）不予处理2.重复申请·商业企业）填 {right + 4}，按勾稽关系应为 {right}；"
                            f"改为 {right} 后 2 条校验全部通过。")


@pytest.mark.parametrize("seed", range(8))
def test_two_mutated_inputs_in_different_rows_and_columns_are_both_named(seed: int) -> None:
    rng = random.Random(100 + seed)
    row, typed = consistent_row(seed), all_typed()
    for _ in range(5):
        a, b = rng.sample(REQUEST_INPUTS, 2)
        while a.split(".")[1] == b.split(".")[1] or a.split(".")[2] == b.split(".")[2]:
            a, b = rng.sample(REQUEST_INPUTS, 2)
        ja, jb = IDS.index(a), IDS.index(b)
        wrong = row.copy()
        da = rng.randint(1, 9)
        wrong[ja] += da
        wrong[jb] += rng.choice([d for d in range(1, 10) if d != da])  # equal slips could be swapped: ambiguous
        (hints,) = hints_of(wrong, typed)
        got = {c.id: (c.before, c.after) for h in hints for c in h.changes}
        assert got == {a: (wrong[ja], row[ja]), b: (wrong[jb], row[jb])}, [h.message for h in hints]
        # one hint with both when the two broken sets share a cell, else one hint each
        assert [len(h.changes) for h in hints] in ([2], [1, 1])
        assert set().union(*(h.fixes for h in hints)) == broken_after(wrong, typed)


def test_equal_slips_in_a_rectangle_name_no_culprit() -> None:
    """+3 in (（一）, 自然人) and (（二）, 商业企业) breaks the same rules as −3 in the other two corners would
    mend: two equally small fixes, listed, none chosen."""
    corners = ("requests.granted.natural", "requests.partial.business", "requests.granted.business",
               "requests.partial.natural")
    row = consistent_row(1, bump={**dict.fromkeys(corners, 5), "requests.new.natural": 10, "requests.new.business": 10})
    typed = all_typed()
    wrong = row.copy()
    for cid in corners[:2]:
        wrong[IDS.index(cid)] += 3
    (hints,) = hints_of(wrong, typed)
    (hint,) = hints
    assert hint.changes == () and sorted(hint.fixes) == ["R1[granted]", "R1[partial]", "R2[business]", "R2[natural]"]
    assert hint.message.startswith("4 条校验不成立，改动下列任一处的两个单元格都能使其全部通过，无法确定是哪一处填错：可能是")
    for a1 in ("D8", "E9", "E8", "D9"):
        assert f"」{a1}（" in hint.message


def test_independent_groups_are_judged_apart() -> None:
    """A requests slip and an appeals slip share no cell: the first is named; the second (R4 alone) can be mended
    in 结果维持 39 → 36, 尚未审结 12 → 9 or the typed 总计 48 → 51 (结果纠正 and 其他结果 are 0 and cannot go to
    −3): listed, not chosen."""
    row, typed = consistent_row(2), all_typed()
    assert [row[IDS.index(f"review.{k}")] for k in ("upheld", "corrected", "other", "pending", "total")] == [36, 0, 0, 12, 48]
    wrong = row.copy()
    j = IDS.index("requests.unable_create.legal")
    wrong[j] += 2
    wrong[IDS.index("review.upheld")] += 3
    assert broken_after(wrong, typed) == {"R1[unable_create]", "R2[legal]", "R4[review]"}
    (hints,) = hints_of(wrong, typed)
    named, listed = hints
    assert named.changes == (CellChange("requests.unable_create.legal", LAYOUT.address("requests.unable_create.legal"),
                                        wrong[j], row[j]),)
    assert sorted(named.fixes) == ["R1[unable_create]", "R2[legal]"]
    assert listed.changes == () and listed.fixes == ("R4[review]",)
    assert listed.message == ("1 条校验不成立，改动下列任一处的一个单元格都能使其全部通过，无法确定是哪一处填错：可能是"
                              "「复议诉讼」A6（结果维持）（填 39，改为 36）、「复议诉讼」D6（尚未审结）（填 12，改为 9）或"
                              "「复议诉讼」E6（总计）（填 48，改为 51）之一。请逐一核对原始记录后改正。")


# ---- (c) live formulas: an input slip can be mended in any cell of its column ---------------------------


def test_input_slip_under_live_formulas_names_no_cell(tmp_path: Path) -> None:
    values = dict(next(sample_fills(SPEC, [AGENCY], 2024, seed=11))[1])
    values["requests.granted.natural"] = int(values["requests.granted.natural"]) + 4  # type: ignore[call-overload]
    (report,) = validate_files([build_template(SPEC, tmp_path / "单位.xlsx", values=values)])
    assert sorted(f.rule for f in report.findings if f.code == "rule") == ["R3[natural]", "R3[total]"]
    assert report.hints == []


def test_few_equal_candidates_are_listed_without_choosing(tmp_path: Path) -> None:
    """（七）总计·自然人 typed (correctly): an R3 slip can only be in 一、二 or 四 of that column — three cells."""
    values = natural_column_adding_to_69()
    values["requests.new.natural"] = 62  # was 60
    path = build_template(SPEC, tmp_path / "单位.xlsx", values=values, overrides={"requests.total.natural": 69})
    (report,) = validate_files([path])
    assert sorted(f.rule for f in report.findings if f.code == "rule") == ["R3[natural]", "R3[total]"]
    (hint,) = report.hints
    assert hint.changes == () and sorted(hint.fixes) == ["R3[natural]", "R3[total]"]
    assert hint.message == (
        "2 条校验不成立，改动下列任一处的一个单元格都能使其全部通过，无法确定是哪一处填错：可能是"
        "「依申请公开」D6（一、本年新收政府信息公开申请数量·自然人）（填 62，改为 60）、"
        "「依申请公开」D7（二、上年结转政府信息公开申请数量·自然人）（填 10，改为 8）或"
        "「依申请公开」D30（四、结转下年度继续办理·自然人）（填 1，改为 3）之一。请逐一核对原始记录后改正。")


# ---- (d) any hint, applied, repairs what it claims and breaks nothing ---------------------------------


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), cells=st.lists(st.sampled_from(IDS), min_size=1, max_size=3),
       deltas=st.lists(st.integers(-5, 9).filter(bool), min_size=3, max_size=3),
       typed_share=st.sampled_from([0.0, 0.3, 1.0]))
def test_every_hint_applied_repairs_its_rules_and_breaks_none(seed: int, cells: list[str], deltas: list[int],
                                                              typed_share: float) -> None:
    rng = random.Random(seed)
    row = consistent_row(seed)
    typed = np.array([c in COMPUTED and rng.random() < typed_share for c in IDS])
    wrong = row.copy()
    for cid, d in zip(cells, deltas, strict=False):
        j = IDS.index(cid)
        wrong[j] = max(0.0, wrong[j] + d) if SPEC.cells[cid].type == "count" else wrong[j] + d
    (hints,) = hints_of(wrong, typed)
    before = broken_after(wrong, typed)
    after = broken_after(applied(wrong, hints), typed)
    fixed = {k for h in hints if h.changes for k in h.fixes}
    assert fixed <= before and not (fixed & after)
    assert after <= before  # nothing that held is broken
    for h in hints:
        assert set(h.fixes) <= before
        for c in h.changes:
            assert float(c.after) >= 0 and c.after != c.before
            assert SPEC.cells[c.id].type == "amount" or float(c.after).is_integer()
            assert c.cell == LAYOUT.address(c.id)


# ---- adapters ----------------------------------------------------------------------------------------


def test_cli_prints_the_hint_first_and_json_carries_it(tmp_path: Path) -> None:
    path = build_template(SPEC, tmp_path / "单位.xlsx", values=natural_column_adding_to_69(),
                          overrides={"requests.total.natural": 99})
    res = CliRunner().invoke(main, ["validate", str(path)])
    lines = res.output.splitlines()
    assert res.exit_code == 1
    assert lines[1] == "  修改建议：「依申请公开」D29（（七）总计·自然人）填 99，按各项之和应为 69；改为 69 后 4 条校验全部通过。"
    assert lines[2].lstrip().startswith("1. ")
    doc = json.loads(CliRunner().invoke(main, ["validate", "--json", str(path)]).output)
    (hint,) = doc["files"][0]["hints"]
    assert hint["changes"] == [{"id": "requests.total.natural", "cell": "'依申请公开'!D29", "from": 99, "to": 69}]


def test_summary_lists_the_hint_beside_the_findings_it_repairs(tmp_path: Path) -> None:
    inbox = tmp_path / "收件箱"
    group = agencies("甲县", "330206", 2, seed=11)
    rows = [dict(v) for _, v in sample_fills(SPEC, group, 2024, seed=7)]
    write(inbox, rows[0])
    write(inbox, rows[1], overrides={"requests.total.natural": 999})
    run([inbox], tmp_path / "汇总.xlsx", include_invalid=True)
    issues = records(tmp_path / "汇总.xlsx", ISSUES)
    rules = [r for r in issues if r["issue.code"] == "rule"]
    assert sorted(r["issue.rule"] for r in rules) == ["R2[natural]", "R2[total]", "R3[natural]", "R3[total]"]
    assert {r["issue.title"] for r in rules if r["issue.rule"] == "R2[natural]"} == {"「依申请公开」（七）总计·自然人"}
    assert {r["issue.agency"] for r in rules} == {group[1].name}
    (message,) = {r["issue.hint"] for r in rules}
    assert message.startswith("「依申请公开」D29（（七）总计·自然人）填 999，按各项之和应为 ")
    assert all(not r["issue.hint"] for r in issues if r["issue.code"] != "rule")
    # an upper level reads the 修改建议 back with the rows of this summary
    upper = run([tmp_path / "汇总.xlsx"], tmp_path / "上级.xlsx", agency="市汇总", include_invalid=True)
    carried = [i for i in upper.issues if i.finding.code == "rule"]
    assert all(i.finding.title and i.finding.title.startswith("「依申请公开」") for i in carried)
    assert carried and {i.hint for i in carried} == {message}


# ---- (e) real reports ----------------------------------------------------------------------------------


REAL = ["000_fb3348bfed7ae378", "001_70c16c846537526a", "002_b7fbc38f06d49b94", "003_f58341a77dfa3566",
        "004_1dfd185abb919a16", "009_huaian_city_2024"]


@pytest.mark.parametrize("stem", REAL)
def test_real_reports_as_published_get_no_hint(tmp_path: Path, stem: str) -> None:
    """Every rule holds in all six (see test_real_reports): nothing to repair, so no hint."""
    assert validate_real(tmp_path, stem).hints == []


def huaian(tmp_path: Path, changed: dict[str, int], typed_totals: bool = True):
    """淮安 2024 as published (every total typed) or typed as a staff member would (totals left to the formulas),
    with some published numbers changed."""
    fx = fixture("009_huaian_city_2024")
    values = {cid: v for cid, v in fx["values"].items() if cid not in COMPUTED}
    overrides = {cid: v for cid, v in fx["values"].items() if cid in COMPUTED} if typed_totals else {}
    for cid, v in changed.items():
        (overrides if cid in COMPUTED else values)[cid] = v
    values.update({"meta.agency": fx["agency"], "meta.year": fx["year"]})
    (report,) = validate_files([build_template(SPEC, tmp_path / "淮安.xlsx", values=values, overrides=overrides)])
    return report


def test_huaian_dropped_digit_is_named(tmp_path: Path) -> None:
    """（三）2. 自然人 30 typed as 3: its row total 31 ≠ 3+1 = 4 (R1) and the 自然人 （七）总计 2932 ≠ 2932−27 = 2905
    (R2); only that cell is in both, and 30 repairs both."""
    report = huaian(tmp_path, {"requests.withheld_law.natural": 3})
    (hint,) = report.hints
    assert hint.changes == (CellChange("requests.withheld_law.natural", "'依申请公开'!D11", 3, 30),)
    assert sorted(hint.fixes) == ["R1[withheld_law]", "R2[natural]"]
    assert hint.message == ("「依申请公开」D11（（三）不予公开2.其他法律行政法规禁止公开·自然人）填 3，按勾稽关系应为 30；"
                            "改为 30 后 2 条校验全部通过。")


def test_huaian_swapped_digits_in_the_total_row_are_named(tmp_path: Path) -> None:
    """（七）总计·自然人 published 2932, typed 2923: R2[natural] (2923 ≠ 2932), R3[natural] (3001+34 = 3035 ≠
    2923+103 = 3026) and R1[total] (3050 ≠ 2923+53+0+0+61+4 = 3041) break; R2[total] and R3[total] still hold
    (the 总计 column is typed). 2932 is what its formula gives."""
    report = huaian(tmp_path, {"requests.total.natural": 2923})
    (hint,) = report.hints
    assert hint.changes == (CellChange("requests.total.natural", "'依申请公开'!D29", 2923, 2932),)
    assert sorted(hint.fixes) == ["R1[total]", "R2[natural]", "R3[natural]"]
    assert hint.message.startswith("「依申请公开」D29（（七）总计·自然人）填 2923，按各项之和应为 2932；改为 2932 后 3 条")


def test_huaian_slip_in_new_requests_under_live_formulas_is_not_pinned(tmp_path: Path) -> None:
    """一、自然人 3001 typed 3010 with the totals left to the formulas: only R3 breaks (自然人 3044 ≠ 3035, 总计
    3162 ≠ 3153), and any of the 24 free cells of the 自然人 column would mend it: no culprit, nothing listed."""
    report = huaian(tmp_path, {"requests.new.natural": 3010}, typed_totals=False)
    assert sorted(f.rule for f in report.findings if f.code == "rule") == ["R3[natural]", "R3[total]"]
    assert report.hints == []


def test_huaian_appeal_slip_among_typed_totals_is_not_pinned(tmp_path: Path) -> None:
    """行政复议 结果维持 72 typed 27: R4[review] 351 ≠ 27+64+178+37 = 306 breaks alone, and any of its five
    cells (the typed 总计 included) would mend it: more than three candidates, so nothing is said."""
    report = huaian(tmp_path, {"review.upheld": 27})
    assert [f.rule for f in report.findings if f.code == "rule"] == ["R4[review]"]
    assert report.hints == []


def test_last_years_values_are_constants_of_the_cross_year_rule(tmp_path: Path) -> None:
    """上年结转·自然人 3 more than last year's 结转下年度: X1 breaks for 自然人 and 总计 and so does R3 (the totals
    follow their formulas); only that cell is in all four, and last year's number is never the one to change."""
    values = dict(next(sample_fills(SPEC, [AGENCY], 2024, seed=11))[1])
    last = dict(values, **{"meta.year": 2023})
    for c in APPLICANTS:
        last[f"requests.forward.{c}"] = values[f"requests.carried.{c}"]
    right = int(values["requests.carried.natural"])  # type: ignore[call-overload]
    values["requests.carried.natural"] = right + 3
    (tmp_path / "上年").mkdir()
    build_template(SPEC, tmp_path / "上年" / "单位.xlsx", values=last)
    (report,) = validate_files([build_template(SPEC, tmp_path / "单位.xlsx", values=values)], tmp_path / "上年")
    (hint,) = report.hints
    assert hint.changes == (CellChange("requests.carried.natural", "'依申请公开'!D7", right + 3, right),)
    assert sorted(hint.fixes) == ["R3[natural]", "R3[total]", "X1[natural]", "X1[total]"]


def test_the_2019_form_gets_the_same_hints(tmp_path: Path) -> None:
    spec = load_spec("gb2019")
    values: dict[str, object] = {"meta.agency": AGENCY.name, "meta.year": 2020, "requests.granted.natural": 5,
                                 "requests.other.natural": 2, "requests.new.natural": 7}
    path = build_template(spec, tmp_path / "2019.xlsx", values=values, overrides={"requests.total.natural": 9})
    (report,) = validate_files([path])
    (hint,) = report.hints
    assert [(c.id, c.before, c.after) for c in hint.changes] == [("requests.total.natural", 9, 7)]
    assert sorted(hint.fixes) == ["R2[natural]", "R2[total]", "R3[natural]", "R3[total]"]
    assert "按各项之和应为 7；改为 7 后 4 条校验全部通过。" in hint.message


def test_a_broken_inequality_gets_no_hint_and_does_not_hide_one() -> None:
    """浙江 ZJ1 (其中主要负责同志 ≤ 总次数) is an inequality: never repaired by a hint, never in its fixes."""
    spec = load_spec("gb2019+zj")
    ids = list(spec.cells)
    row = np.zeros(len(ids))
    for cid, v in {"requests.granted.natural": 5, "requests.new.natural": 5, "zj.press": 2, "zj.press_leaders": 3}.items():
        row[ids.index(cid)] = v
    values = Frame.from_rows(spec, row[None, :]).values
    typed = np.zeros_like(values, dtype=bool)
    typed[0, ids.index("requests.total.natural")] = True
    values[0, ids.index("requests.total.natural")] = 8
    frame = Frame.from_rows(spec, values, typed)
    results = evaluate_rules(frame)
    assert {i.key for k, i in enumerate(results.instances) if not results.passed[0, k]} == {
        "R2[natural]", "R2[total]", "R3[natural]", "R3[total]", "ZJ1[press]"}
    (hints,) = fix_hints(frame, results, lambda _i, cid: cid)
    assert [(h.changes, sorted(h.fixes)) for h in hints] == [
        ((CellChange("requests.total.natural", "requests.total.natural", 8, 5),),
         ["R2[natural]", "R2[total]", "R3[natural]", "R3[total]"])]
