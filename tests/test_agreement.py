"""The two rule compilers agree: LibreOffice recalculating the template's live checks gives, rule instance
by rule instance, the same verdict as the vectorised engine — on valid fills, on each kind of violation,
with blank cells, and on random perturbations. Computed totals agree too.

Cached formula results are stripped from the files first, so LibreOffice must compute every verdict itself.
"""

from __future__ import annotations

import random
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from xxgk.engine import check_fills
from xxgk.libreoffice import recalc_many
from xxgk.reader import read_fill
from xxgk.rules.expand import computed_cells, expand_rules
from xxgk.samples import agencies, sample_fills
from xxgk.spec import FormSpec, defined_name, load_spec
from xxgk.template import build_template, check_name

pytestmark = pytest.mark.libreoffice

GROUP = agencies("一致县", "330206", 6, seed=9)


def _cases(spec: FormSpec) -> dict[str, tuple[dict[str, object], dict[str, object]]]:
    """name -> (values, overrides)."""
    samples = [v for _, v in sample_fills(spec, GROUP, spec.years[0], seed=21)]
    computed = set(computed_cells(spec))
    inputs = [c for c in spec.cells if c not in computed and spec.cells[c].type == "count"]
    cases: dict[str, tuple[dict[str, object], dict[str, object]]] = {"valid": (samples[0], {})}
    r3 = dict(samples[1])
    r3["requests.forward.legal"] = int(r3.get("requests.forward.legal", 0)) + 2  # type: ignore[call-overload]
    cases["r3_inputs"] = (r3, {})
    cases["r1_override"] = (samples[2], {"requests.new.total": 12345})
    cases["r2_override"] = (samples[3], {"requests.total.research": 7})
    cases["r4_override"] = (samples[4], {"suit_direct.total": 1})
    blanks = {k: v for k, v in samples[5].items() if k.startswith("meta.") or random.Random(1).random() < 0.4}
    cases["blanks"] = (blanks, {})
    cases["empty"] = ({}, {})
    rng = random.Random(4)
    for k in range(4):
        values = dict(samples[k])
        for cid in rng.sample(inputs, 3):
            values[cid] = max(0, int(values.get(cid, 0)) + rng.randint(-5, 5))  # type: ignore[call-overload]
        overrides = {c: rng.randint(0, 50) for c in rng.sample(sorted(computed), 2)} if k % 2 else {}
        cases[f"random{k}"] = (values, overrides)
    return cases


def _strip_cached_results(path: Path) -> None:
    """Drop every formula's cached <v> so only a real recalculation can produce verdicts."""
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                data = re.sub(rb"(<f>[^<]*</f>)<v>[^<]*</v>", rb"\1", data)
            zout.writestr(item, data)
    tmp.replace(path)


def _named_values(path: Path, names: list[str]) -> dict[str, object]:
    wb = openpyxl.load_workbook(path)
    refs = {n: wb.defined_names[n].attr_text for n in names}
    book = CalamineWorkbook.from_path(str(path))
    grids: dict[str, list[list[object]]] = {}
    out = {}
    for name, ref in refs.items():
        sheet, cell = ref.rsplit("!", 1)
        sheet = sheet.strip("'")
        if sheet not in grids:
            grids[sheet] = book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
        row, col = openpyxl.utils.cell.coordinate_to_tuple(cell.replace("$", ""))
        out[name] = grids[sheet][row - 1][col - 1]
    return out


@pytest.fixture(scope="module", params=["gb2021", "gb2019"])
def recalculated(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    spec = load_spec(request.param)
    base = tmp_path_factory.mktemp(request.param)
    cases = _cases(spec)
    sources = []
    for name, (values, overrides) in cases.items():
        path = build_template(spec, base / "in" / f"{name}.xlsx", values=values, overrides=overrides)
        _strip_cached_results(path)
        sources.append(path)
    outputs = recalc_many(sources, base / "out")
    return spec, list(cases), sources, outputs


def test_live_checks_and_engine_agree_on_every_rule_instance(recalculated) -> None:
    spec, names, sources, outputs = recalculated
    instances = [i for i in expand_rules(spec) if not i.uses_prev]
    fills = [read_fill(p) for p in sources]
    findings, _ = check_fills(fills)
    failing_somewhere = set()
    for name, out, found in zip(names, outputs, findings, strict=True):
        live = _named_values(out, [check_name(i.key) for i in instances])
        live_failed = {i.key for i in instances if live[check_name(i.key)] == "✗"}
        assert all(live[check_name(i.key)] in ("✓", "✗") for i in instances), name
        engine_failed = {f.rule for f in found if f.code == "rule"}
        assert live_failed == engine_failed, name
        failing_somewhere |= live_failed
    # the cases really exercise every kind of rule, passing and failing
    assert {k.split("[")[0] for k in failing_somewhere} == {"R1", "R2", "R3", "R4"}


def test_expected_cases_fail_the_expected_rules(recalculated) -> None:
    _, names, sources, _ = recalculated
    fills = dict(zip(names, (read_fill(p) for p in sources), strict=True))
    findings, _ = check_fills(list(fills.values()))
    rules = {n: {f.rule for f in fs if f.code == "rule"} for n, fs in zip(fills, findings, strict=True)}
    assert rules["valid"] == set() and rules["blanks"] == set() and rules["empty"] == set()
    assert rules["r3_inputs"] == {"R3[legal]", "R3[total]"}
    assert "R1[new]" in rules["r1_override"]
    assert "R2[research]" in rules["r2_override"]
    assert rules["r4_override"] == {"R4[suit_direct]"}


def test_computed_totals_agree(recalculated) -> None:
    spec, names, sources, outputs = recalculated
    fills = [read_fill(p) for p in sources]
    _, frames = check_fills(fills)
    frame = frames[spec.form]
    computed = list(computed_cells(spec))
    for row, out in enumerate(outputs):
        live = _named_values(out, [defined_name(c) for c in computed])
        for cid in computed:
            assert float(live[defined_name(cid)] or 0) == pytest.approx(frame.column(cid)[row]), (names[row], cid)
