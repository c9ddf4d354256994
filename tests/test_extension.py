"""Provincial extensions: templates/ext/zj.yaml adds seed 002's 不同渠道方式主动公开及回应解读总体情况 table to the
national gb2019 form. The merged spec is an ordinary FormSpec: template, reader, engine and consolidation handle
the extra table like any other (the LibreOffice agreement test runs the extended form as one of its cases)."""

from __future__ import annotations

import copy
import datetime as dt
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from test_consolidate_support import run, sheet
from xxgk.consolidate import status as st
from xxgk.consolidate.sheets import CHARTS
from xxgk.engine import check_fills
from xxgk.extensions import extend, extended_forms, extension_info, extension_path, form_keys
from xxgk.layout import UNIT_HEADER, plan_layout
from xxgk.reader import Unreadable, read_fill
from xxgk.rules.expand import computed_cells, expand_rules
from xxgk.samples import agencies, cover_values, sample_fills
from xxgk.spec import EXTENSIONS, FORMS, SpecError, defined_name, load_spec, spec_path
from xxgk.template import build_template, template_filename
from xxgk.validate import validate_files

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "tests" / "fixtures" / "real" / "002_b7fbc38f06d49b94.txt"
FORM = "gb2019+zj"
TODAY = dt.date(2021, 2, 1)  # the summaries' 填报日期

# Seed 002, lines 9-78, transcribed by hand (the Word bookmark before each number is markup, not text).
SEED_002 = {
    "zj.published": 174,  # （一）主动公开政府信息数 … 条  [Field_1_1_1]
    "zj.gazette": 0,  # 1.政府公报  [Field_1_1_2_1]
    "zj.website": 168,  # 2.政府网站  [Field_1_1_2_2]
    "zj.weibo": 0,  # 3.政务微博  [Field_1_1_2_3]
    "zj.wechat": 233,  # 4.政务微信  [Field_1_1_2_4] — more than the deduplicated total 174
    "zj.other_channels": 0,  # 5.其他方式  [Field_1_1_2_5]
    "zj.responses": 0,  # （三）回应公众关注热点或重大舆情数 … 次  [Field_1_1_3]
    "zj.press": 0,  # 1.参加或举办新闻发布会总次数  [Field_1_1_4_1]
    "zj.press_leaders": 0,  # 其中：主要负责同志参加新闻发布会次数  [Field_1_1_4_2]
    "zj.interviews": 0,  # 2.政府网站在线访谈次数  [Field_1_1_4_2_1]
    "zj.interviews_leaders": 0,  # 其中：主要负责同志参加政府网站在线访谈次数  [Field_1_1_4_2_2]
    "zj.briefings": 0,  # 3.政策解读稿件发布数 … 篇  [Field_1_1_4_3]
    "zj.social_responses": 0,  # 4.微博微信回应事件数  [Field_1_1_4_4]
    "zj.other_responses": 0,  # 5.其他方式回应事件数  [Field_1_1_4_5]
}


def national_raw(form: str = "gb2019") -> dict[str, Any]:
    with open(spec_path(form), encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def zj_raw() -> dict[str, Any]:
    with open(extension_path("zj"), encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", text)


# --------------------------------------------------------------------------- the merged spec


def test_merged_spec_is_the_national_form_plus_the_province_table() -> None:
    national, spec = load_spec("gb2019"), load_spec("gb2019", "zj")
    assert spec is load_spec(FORM) and spec.form == FORM and spec.national_form == "gb2019"
    assert spec.spec_version == "2019.1+zj.1" and spec.years == national.years and spec.cover == national.cover
    assert spec.extension is not None and spec.extension.label == "浙江" and spec.extension.tables == ("zj",)
    assert spec.tables[:3] == national.tables  # the national tables untouched, in place
    assert [t.sheet for t in spec.tables] == ["主动公开", "依申请公开", "复议诉讼", "浙江省指标"]
    assert set(national.cells) < set(spec.cells)
    assert sorted(set(spec.cells) - set(national.cells)) == sorted(SEED_002)
    assert all(spec.cells[c].type == "count" for c in SEED_002)
    assert [r.rule.id for r in expand_rules(spec)][-2:] == ["ZJ1", "ZJ1"]
    assert [i.key for i in expand_rules(spec) if i.rule.id == "ZJ1"] == ["ZJ1[press]", "ZJ1[interviews]"]
    assert computed_cells(spec) == computed_cells(national)  # nothing in the province table is a formula
    # the national form is unchanged for everyone else
    assert national.extension is None and not any(c.startswith("zj.") for c in national.cells)
    assert FORMS == ("gb2021", "gb2019") and "zj" in EXTENSIONS
    assert extended_forms() == ("gb2019+zj",) and extended_forms("gb2021") == () and form_keys()[-1] == FORM


def test_units_are_per_row_and_shown_in_their_own_column() -> None:
    spec = load_spec(FORM)
    units = {cid: spec.cells[cid].unit for cid in SEED_002}
    assert {c for c, u in units.items() if u == "篇"} == {"zj.briefings"}
    assert {c for c, u in units.items() if u == "条"} == {"zj.published", "zj.gazette", "zj.website", "zj.weibo",
                                                          "zj.wechat", "zj.other_channels"}
    assert all(u == "次" for c, u in units.items() if c not in ("zj.briefings",) and spec.cells[c].unit != "条")
    assert all(spec.cells[c].unit is None for c in load_spec("gb2019").cells)
    plan = plan_layout(spec).tables[-1]
    assert plan.label_cols == 2 and plan.width == 4  # 统计指标 (two label levels) | 单位 | 统计数
    texts = {(s.first_row, s.first_col): s.text for s in plan.spans}
    assert [s.text for s in plan.spans if s.kind == "header"] == [UNIT_HEADER, "统计数"]
    for cid in SEED_002:
        pos = plan.cells[cid]
        assert pos.col == 3 and texts[(pos.row, 2)] == spec.cells[cid].unit
    # national layouts have no unit column
    assert all(p.width == t.width and t.unit_cols == 0 for p, t in zip(plan_layout(load_spec("gb2019")).tables,
                                                                          load_spec("gb2019").tables, strict=True))


def _seed_rows() -> list[list[str]]:
    """The seed's province table as rows of cells: a cell starts with a tab, a line without one continues it."""
    text = SEED.read_text(encoding="utf-8")
    body = text[text.index("1.不同渠道方式主动公开及回应解读总体情况"): text.index("2.主动公开政府信息具体情况")]
    rows = []
    for chunk in body.split("\n\n")[:-1]:
        cells: list[str] = []
        for line in chunk.strip("\n").split("\n"):
            if line.startswith("\t"):
                cells.append(re.sub(r"\[bookmark: \w+\]", "", line[1:]))
            elif cells:
                cells[-1] += line
        if len(cells) == 3:
            rows.append([_norm(c) for c in cells])
    return rows


def test_labels_structure_and_units_are_the_seed_s() -> None:
    spec = load_spec(FORM)
    (block,) = spec.table("zj").blocks
    header, *body = _seed_rows()
    assert header == ["统计指标", "单位", "统计数"] and (block.corner, block.columns[0].label[-1]) == ("统计指标", "统计数")
    assert spec.table("zj").title in SEED.read_text(encoding="utf-8")
    expected: list[tuple[tuple[str, ...], str]] = []  # (label path, unit) as the seed prints them
    group: str | None = None
    for label, unit, _value in body:
        if unit == "——":  # a heading row: （二）/（四） groups the rows below it
            group = label
        elif label.startswith(("（一）", "（三）")):
            group = None
            expected.append(((label,), unit))
        else:
            assert group is not None
            expected.append(((group, label), unit))
    assert [(tuple(_norm(p) for p in r.label), r.unit) for r in block.rows] == expected


def test_seed_002_values_give_no_error_in_the_province_table(tmp_path: Path) -> None:
    spec = load_spec(FORM)
    for label, _unit, value in _seed_rows()[1:]:  # the hand transcription matches the seed, row by row
        if value:
            row = next(r for r in spec.table("zj").blocks[0].rows if _norm(r.label[-1]) == label)
            assert SEED_002[f"zj.{row.key}"] == int(value), label
    values: dict[str, object] = {"meta.agency": "宁波市北仑区政务服务办公室", "meta.year": 2020, **SEED_002}
    path = build_template(spec, tmp_path / "002.xlsx", values=values)
    fill = read_fill(path)
    assert fill.spec is spec and {c: fill.numbers[c] for c in SEED_002} == SEED_002
    (found,), _ = check_fills([fill])
    assert [f for f in found if f.severity == "error" and set(f.ids) & set(SEED_002)] == []
    assert [f for f in found if f.code == "rule"] == []  # 微信 233 > （一）174 is not a rule


def test_a_leader_count_above_its_total_is_an_error(tmp_path: Path) -> None:
    values = {"meta.agency": "某局", "meta.year": 2020, **SEED_002, "zj.press": 2, "zj.press_leaders": 3}
    (found,), _ = check_fills([read_fill(build_template(load_spec(FORM), tmp_path / "x.xlsx", values=values))])
    (rule,) = [f for f in found if f.code == "rule"]
    assert rule.rule == "ZJ1[press]" and rule.severity == "error" and rule.ids == ("zj.press_leaders", "zj.press")
    assert rule.message.startswith("「不同渠道方式主动公开及回应解读总体情况」“参加或举办新闻发布会”：其中主要负责同志参加 3 次，多于总次数 2 次")
    assert rule.cells == ("'浙江省指标'!D12", "'浙江省指标'!D11")


# --------------------------------------------------------------------------- load errors


def test_load_errors_name_the_problem() -> None:
    with pytest.raises(SpecError, match="unknown extension 'xx'"):
        load_spec("gb2019", "xx")
    with pytest.raises(SpecError, match="extends gb2019, not gb2021"):
        load_spec("gb2021+zj")
    with pytest.raises(SpecError, match="names extension 'zj', not 'other'"):
        load_spec("gb2019+zj", "other")
    with pytest.raises(SpecError, match="unknown form 'gb1999'"):
        load_spec("gb1999", "zj")


def _table(raw: dict[str, Any]) -> dict[str, Any]:
    return raw["tables"][0]


def _rows(raw: dict[str, Any]) -> list[dict[str, Any]]:
    return raw["tables"][0]["blocks"][0]["rows"]


BROKEN = [
    (lambda r: r.update(tabels=[]), "unknown keys ['tabels']"),
    (lambda r: r.pop("extends"), "missing ['extends']"),
    (lambda r: r.update(extension="ZJ"), "lower-case letters"),
    (lambda r: r.update(extension="sh"), "named zj.yaml"),
    (lambda r: r.update(extends=["gb2018"]), "extends unknown national forms ['gb2018']"),
    (lambda r: r.update(extends="gb2021"), "extends gb2021, not gb2019"),
    (lambda r: r.update(tables=[]), "tables must be a non-empty list"),
    (lambda r: _table(r).update(id="active"), "table active: duplicate table id"),
    (lambda r: _table(r).update(sheet="主动公开"), "duplicate sheet names"),
    (lambda r: _table(r)["blocks"][0].update(prefix="active"), "cell id 'active.published' must start with 'zj.'"),
    (lambda r: _rows(r)[1].update(key="published"), "duplicate cell id 'zj.published'"),
    (lambda r: _rows(r)[0].update(type="percent"), "unknown cell type 'percent'"),
    (lambda r: _table(r)["blocks"][0].pop("rows"), "missing key 'rows'"),
    (lambda r: r["groups"].update(applicants=["x"]), "groups ['applicants'] already exist"),
    (lambda r: r.update(groups=["zj_led"]), "groups must be a mapping"),
    (lambda r: r.update(rules={"ZJ1": {}}), "rules must be a list"),
    (lambda r: r["rules"][0].update(id="R1"), "duplicate rule id 'R1'"),
    (lambda r: r["rules"][0].update(check="zj.{a}_chiefs <= zj.{a}"), "rule ZJ1: unknown cell id 'zj.press_chiefs'"),
    (lambda r: r["rules"][0].update(each={"a": "nobody"}), "rule ZJ1: unknown group 'nobody'"),
    (lambda r: r["rules"][0].update(check="zj.{a}_leaders < zj.{a}"), "rule ZJ1"),
    (lambda r: r["rules"][0].pop("message"), "rule ZJ1: missing 'message'"),
    (lambda r: r["charts"][0].update(cells="zj.@nobody"), "unknown group @nobody"),
    (lambda r: r.update(narrative_claims={"cells": ["zj.published"]}), "narrative_claims must be a list"),
    (lambda r: r["narrative_claims"][0].update(cells=["zj.nothing"]), "narrative_claims #1: cells must list"),
    (lambda r: r["narrative_claims"][0].update(pattern="主动公开(\\d+"), "narrative_claims #1: bad regular expression"),
    (lambda r: r["narrative_claims"][0].update(pattern="主动公开\\d+条"), "narrative_claims #1: a pattern needs"),
    (lambda r: r["narrative_claims"][0].update(none="未主动公开"), "narrative_claims #1: expected"),
]


@pytest.mark.parametrize(("edit", "needle"), BROKEN, ids=[n for _, n in BROKEN])
def test_a_broken_extension_fails_at_load_naming_the_culprit(edit: Any, needle: str) -> None:
    raw = zj_raw()
    edit(raw)
    with pytest.raises(SpecError) as caught:
        extend(national_raw(), raw, "zj")
    assert needle in str(caught.value)


def test_an_extension_may_extend_several_forms_and_use_national_cells() -> None:
    raw = zj_raw()
    raw["extends"] = ["gb2019", "gb2021"]
    raw["rules"].append({"id": "ZJ2", "title": "t", "check": "zj.briefings <= zj.published + requests.new.total",
                         "message": "{lhs} {rhs}", "severity": "warning"})
    for form in ("gb2019", "gb2021"):
        spec = extend(national_raw(form), copy.deepcopy(raw), "zj")
        assert spec.form == f"{form}+zj" and spec.table("zj").sheet == "浙江省指标"
        assert [i.key for i in expand_rules(spec)][-1] == "ZJ2"


def test_shipped_extensions_load() -> None:
    for form in extended_forms():
        spec = load_spec(form)
        info = extension_info(form.partition("+")[2])
        assert spec.extension == info and info.tables == tuple(t.id for t in spec.tables[-len(info.tables):])


# --------------------------------------------------------------------------- template and reader


def test_template_is_deterministic_records_its_extension_and_reads_back(tmp_path: Path) -> None:
    spec = load_spec(FORM)
    values = dict(next(iter(sample_fills(spec, agencies("某县", "330206", 1), 2020)))[1])
    a = build_template(spec, tmp_path / "a.xlsx", values=values).read_bytes()
    b = build_template(spec, tmp_path / "b.xlsx", values=values).read_bytes()
    assert a == b
    assert template_filename(spec) == "信息公开年报模板_2019_浙江.xlsx"
    assert (ROOT / "workbook" / template_filename(spec)).read_bytes() == build_template(spec, tmp_path / "c.xlsx").read_bytes()
    with zipfile.ZipFile(tmp_path / "a.xlsx") as z:
        custom = z.read("docProps/custom.xml").decode()
        names = z.read("xl/workbook.xml").decode()
    props = dict(re.findall(r'name="(\w+)"><vt:lpwstr>([^<]*)<', custom))
    assert props == {"xxgk_form": "gb2019", "xxgk_spec_version": "2019.1+zj.1", "xxgk_ext": "zj"}
    assert f'name="{defined_name("zj.press_leaders")}"' in names
    fill = read_fill(tmp_path / "a.xlsx")
    assert fill.spec is spec and fill.findings == []
    assert all(fill.numbers[c] == values[c] for c in SEED_002)
    (found,), _ = check_fills([fill])
    assert found == []  # a sample passes every rule, ZJ1 included
    grid = sheet(tmp_path / "a.xlsx", "浙江省指标")
    assert grid[0][0] == "不同渠道方式主动公开及回应解读总体情况" and grid[2][:4] == ["统计指标", "", "单位", "统计数"]


def _with_properties(src: Path, dest: Path, change: Any) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "docProps/custom.xml":
                data = change(data.decode()).encode()
            zout.writestr(item, data)
    return dest


def test_reader_detects_the_extension_from_the_workbook(tmp_path: Path) -> None:
    src = build_template(load_spec(FORM), tmp_path / "src.xlsx", values={"meta.agency": "某局", "meta.year": 2020})
    ext_prop = re.compile(r'<property [^>]*name="xxgk_ext">.*?</property>')
    unknown = _with_properties(src, tmp_path / "unknown.xlsx", lambda x: x.replace(">zj<", ">sh<"))
    with pytest.raises(Unreadable) as caught:
        read_fill(unknown)
    assert caught.value.finding.code == "file.unknown_form" and "gb2019+sh" in caught.value.finding.message
    assert "gb2019+zj" in caught.value.finding.message  # the known forms, extended ones included
    # without the extension property the workbook is the national form it extends (what an older xxgk reads)
    national = read_fill(_with_properties(src, tmp_path / "national.xlsx", lambda x: ext_prop.sub("", x)))
    assert national.spec is load_spec("gb2019")
    # without any property, the defined names tell: the extended form, not the national one it contains
    bare = _with_properties(src, tmp_path / "bare.xlsx", lambda x: re.sub(r"<property .*</property>", "", x))
    assert read_fill(bare).spec is load_spec(FORM)


# --------------------------------------------------------------------------- consolidation


def test_consolidating_extended_workbooks_gives_an_extended_summary(tmp_path: Path) -> None:
    spec = load_spec(FORM)
    county = agencies("北仑区", "330206", 4, seed=5)
    rows = [dict(v) for _, v in sample_fills(spec, county, 2020, seed=3)]
    inbox = tmp_path / "收件箱"
    for r in rows:
        build_template(spec, inbox / f"{r['meta.agency']}.xlsx", values=r)
    plain = {**cover_values(load_spec("gb2019"), agencies("北仑区", "330206", 5, seed=5)[4], 2020)}
    build_template(load_spec("gb2019"), inbox / "国家表式.xlsx", values=plain)

    result = run([inbox], tmp_path / "县汇总.xlsx", today=TODAY)
    assert result.spec is spec
    assert {s.name: s.status for s in result.submissions}["国家表式.xlsx"] == st.WRONG_FORM
    summary = read_fill(tmp_path / "县汇总.xlsx")
    assert summary.spec is spec and summary.meta["meta.kind"] == "汇总"
    for cid in SEED_002:
        assert summary.numbers[cid] == sum(int(r[cid]) for r in rows), cid  # type: ignore[call-overload]
        assert result.value(cid) == sum(int(r[cid]) for r in rows)  # type: ignore[call-overload]
    (report,) = validate_files([tmp_path / "县汇总.xlsx"])
    assert report.status == "ok", [f.message for f in report.findings]
    labels = [row[0] for row in sheet(tmp_path / "县汇总.xlsx", CHARTS)]
    assert "不同渠道公开政府信息数（条）" in labels and "政务微信" in labels

    # the city consolidates the county's summary with another county's agencies: still extended, still exact
    other = [dict(v) for _, v in sample_fills(spec, agencies("镇海区", "330211", 2, seed=6), 2020, seed=4)]
    city = tmp_path / "市收件箱"
    for r in other:
        build_template(spec, city / f"{r['meta.agency']}.xlsx", values=r)
    (city / "北仑区汇总.xlsx").write_bytes((tmp_path / "县汇总.xlsx").read_bytes())
    upper = run([city], tmp_path / "市汇总.xlsx", today=TODAY, form=FORM)  # --form gb2019+zj
    assert upper.spec is spec and all(s.status == st.ACCEPTED for s in upper.submissions)
    for cid in SEED_002:
        assert upper.value(cid) == sum(int(r[cid]) for r in rows + other), cid  # type: ignore[call-overload]


# --------------------------------------------------------------------------- command line


def _xxgk(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run([sys.executable, "-m", "xxgk", *args], capture_output=True, text=True, timeout=120,
                          env=env, cwd=cwd)


def test_cli_template_ext_and_version(tmp_path: Path) -> None:
    version = _xxgk("--version", cwd=tmp_path)
    assert version.returncode == 0 and "扩展表式：gb2019+zj 2019.1+zj.1（浙江省补充指标）" in version.stdout
    made = _xxgk("template", "--form", "gb2019", "--ext", "zj", "-o", "浙江.xlsx", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    assert (tmp_path / "浙江.xlsx").read_bytes() == (ROOT / "workbook" / "信息公开年报模板_2019_浙江.xlsx").read_bytes()
    alone = _xxgk("template", "--ext", "zj", "-o", "浙江2.xlsx", cwd=tmp_path)  # no --form: the form zj extends
    assert alone.returncode == 0 and (tmp_path / "浙江2.xlsx").read_bytes() == (tmp_path / "浙江.xlsx").read_bytes()
    for args, needle in ((("--form", "gb2021", "--ext", "zj"), "扩展表式“zj”不适用于 gb2021 表式（适用于：gb2019）"),
                         (("--form", "gb2019", "--ext", "sh"), "“sh”不是可选值（可选：zj）")):
        refused = _xxgk("template", *args, "-o", "x.xlsx", cwd=tmp_path)
        assert refused.returncode == 2 and needle in refused.stderr and "Traceback" not in refused.stderr
        assert not (tmp_path / "x.xlsx").exists()
