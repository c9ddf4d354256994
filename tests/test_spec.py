"""The form specs load, match the official tables, and a broken spec fails at load time naming the culprit."""

from __future__ import annotations

import copy

import pytest
import yaml

from xxgk.rules.expand import computed_cells, expand_rules
from xxgk.spec import SpecError, defined_name, form_for_year, load_spec, parse_spec, spec_path


def raw(form: str = "gb2021") -> dict:
    with open(spec_path(form), encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def test_requests_table_is_25_rows_by_7_columns() -> None:
    spec = load_spec("gb2021")
    (block,) = spec.table("requests").blocks
    assert len(block.rows) == 25 and len(block.columns) == 7
    assert [c.label[-1] for c in block.columns] == ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]
    assert block.corner == "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
    labels = {r.key: r.label[-1] for r in block.rows}
    assert labels["withheld_safety"] == "3.危及“三安全一稳定”"  # curly quotes as printed
    assert labels["partial"] == "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"
    assert labels["other_no_fee"] == "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"


def test_gb2019_differs_where_the_trial_format_differs() -> None:
    spec = load_spec("gb2019")
    (block,) = spec.table("requests").blocks
    assert len(block.rows) == 23  # （六）其他处理 is a single row
    assert "requests.other.natural" in spec.cells and "requests.other_misc.natural" not in spec.cells
    assert spec.cells["active.license.change"].type == "signed"
    assert spec.cells["active.procurement.amount"].type == "amount"
    assert spec.years == (2019, 2020)


def test_cell_ids_and_names_follow_the_contract() -> None:
    spec = load_spec("gb2021")
    for cid in ("requests.new.natural", "requests.total.total", "requests.forward.other", "review.upheld",
                "suit_after_review.total", "active.rules.issued", "active.fees.amount", "active.coercion.decisions"):
        assert cid in spec.cells
    assert spec.cells["active.fees.amount"].type == "amount"
    assert defined_name("requests.new.natural") == "requests_new_natural"
    assert spec.field_ids == ["meta.agency", "meta.uscc", "meta.region", "meta.year", "meta.kind", "meta.parent",
                              "meta.contact", "meta.phone", "meta.filled_on"]


def test_computed_cells_are_the_totals() -> None:
    spec = load_spec("gb2021")
    computed = computed_cells(spec)
    assert len(computed) == 25 + 6 + 3  # 总计 column, （七）总计 row (six applicant columns), three 复议/诉讼 totals
    order = list(computed)
    assert order.index("requests.total.natural") < order.index("requests.total.total")


def test_rule_instances_cover_every_row_and_column() -> None:
    keys = [i.key for i in expand_rules(load_spec("gb2021"))]
    assert sum(k.startswith("R1[") for k in keys) == 25
    assert sum(k.startswith("R2[") for k in keys) == 7
    assert sum(k.startswith("R3[") for k in keys) == 7
    assert keys.count("R4[review]") == 1 and sum(k.startswith("R4[") for k in keys) == 3
    assert sum(k.startswith("X1[") for k in keys) == 7


def test_form_for_year() -> None:
    assert form_for_year(2020) == "gb2019" and form_for_year(2021) == "gb2021" and form_for_year(2025) == "gb2021"
    with pytest.raises(SpecError):
        form_for_year(2010)


@pytest.mark.parametrize(
    ("edit", "needle"),
    [
        (lambda r: r["rules"][2].update(check="requests.new.{c} + requests.nowhere.{c} == requests.total.{c}"),
         "rule R3: unknown cell id 'requests.nowhere.natural'"),
        (lambda r: r["rules"][0].update(check="requests.{r}.total == sum(requests.{r}.@nobody)"), "rule R1: unknown group @nobody"),
        (lambda r: r["rules"][0].update(check="requests.{r}.total = 1"), "rule R1: unexpected character"),
        (lambda r: r["rules"][0].update(check="requests.{x}.total == 1"), "rule R1: unbound variable {x}"),
        (lambda r: r["rules"][3].update(check="{b}.total == {b}.@results"), "rule R4: '{b}.@results' names several cells"),
        (lambda r: r["rules"][0].update(severity="fatal"), "rule R1: unknown severity"),
        (lambda r: r["rules"][0].pop("message"), "rule R1: missing 'message'"),
        (lambda r: r["tables"][0]["blocks"][0]["columns"].append({"key": "issued", "label": "重复"}), "duplicate cell id 'active.rules.issued'"),
        (lambda r: r["tables"][1].update(sheet="主动公开"), "duplicate sheet names"),
        (lambda r: r["groups"].update(bad="rows(nowhere)"), "group bad"),
        (lambda r: r["tables"][0]["blocks"][0]["columns"][0].update(type="percent"), "unknown cell type 'percent'"),
    ],
)
def test_broken_spec_fails_at_load_naming_the_problem(edit, needle: str) -> None:
    broken = copy.deepcopy(raw())
    edit(broken)
    with pytest.raises(SpecError) as exc:
        parse_spec(broken)
    assert needle in str(exc.value)


def test_computed_cycle_is_a_spec_error() -> None:
    broken = copy.deepcopy(raw())
    broken["rules"].append({"id": "Z9", "title": "环", "message": "x", "computes": True,
                            "check": "requests.new.natural == requests.new.total"})
    with pytest.raises(SpecError, match="cycle"):
        computed_cells(parse_spec(broken))


def test_charts_are_part_of_the_form_spec() -> None:
    spec = load_spec("gb2021")
    assert [c.kind for c in spec.charts] == ["bar", "pie", "bar"]
    broken = copy.deepcopy(raw())
    broken["charts"][0]["cells"] = "requests.@nobody.total"
    with pytest.raises(SpecError, match="chart '本年度办理结果（件）': unknown group @nobody"):
        parse_spec(broken)
    broken["charts"][0] = {"title": "x", "kind": "pie"}
    with pytest.raises(SpecError, match="one of cells / top_agencies"):
        parse_spec(broken)
