"""The two rule compilers agree: LibreOffice recalculating the template's live checks gives, rule instance
by rule instance, the same verdict as the vectorised engine — on valid fills, on each kind of violation,
with blank cells, and on random perturbations. Computed totals agree too, and so do the cover checks: each
live cover line fails exactly when the engine reports that cover finding (code and field), including the
typos both accept (lower case, spaces, full-width characters in a USCC; a year or region typed as text).

Cached formula results are stripped from the files first, so LibreOffice must compute every verdict itself.
"""

from __future__ import annotations

import random
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from xlsx_support import strip_cached_results
from xxgk.engine import Frame, check_fills
from xxgk.findings import Finding
from xxgk.libreoffice import recalc_many
from xxgk.reader import read_fill
from xxgk.rules.ast import Ref
from xxgk.rules.expand import RuleInstance, computed_cells, expand_rules
from xxgk.samples import agencies, sample_fills
from xxgk.spec import FormSpec, defined_name, load_spec
from xxgk.template import FAILED_NAME, STATUS_NAME, build_template, check_name, cover_checks

pytestmark = pytest.mark.libreoffice

GROUP = agencies("一致县", "330206", 6, seed=9)


def _fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def _cover_cases(spec: FormSpec, valid: dict[str, object]) -> dict[str, dict[str, object]]:
    """name -> cover fields changed from a valid cover (None: left blank), each with the cover lines it fails."""
    uscc, lo = str(valid["meta.uscc"]), spec.years[0]
    wrong_check = uscc[:17] + ("0" if uscc[17] != "0" else "1")
    return {
        "cover_agency_blank": {"meta.agency": None},
        "cover_uscc_check_digit": {"meta.uscc": wrong_check},
        "cover_uscc_lowercase": {"meta.uscc": uscc.lower()},
        "cover_uscc_with_I": {"meta.uscc": uscc[:10] + "I" + uscc[11:]},
        "cover_uscc_with_O": {"meta.uscc": uscc[:10] + "O" + uscc[11:]},
        "cover_uscc_17_chars": {"meta.uscc": uscc[:17]},
        "cover_region_5_digits": {"meta.region": "33020"},
        "cover_region_no_province": {"meta.region": "990000"},
        "cover_year_out_of_range": {"meta.year": lo - 2},
        "cover_year_as_text": {"meta.year": "2024年"},
        "cover_kind_not_a_choice": {"meta.kind": "部门"},
        # typos both accept: spaces around and inside the code, a year/region/kind as padded text
        "cover_spaces": {"meta.uscc": f" {uscc[:8]} {uscc[8:]}\t", "meta.region": " 330206 ", "meta.year": f" {lo} ",
                         "meta.kind": "\u3000汇总 "},
        # full-width forms (an input method left in full-width mode), a region typed as a number
        "cover_fullwidth": {"meta.uscc": _fullwidth(uscc.lower()), "meta.year": _fullwidth(str(lo)), "meta.region": 330206},
    }


COVER_EXPECTED = {  # the cover lines each case fails (all others: none)
    "empty": {"cover.required[meta.agency]", "cover.required[meta.year]"},
    "cover_agency_blank": {"cover.required[meta.agency]"},
    "cover_uscc_check_digit": {"cover.uscc[meta.uscc]"},
    "cover_uscc_with_I": {"cover.uscc[meta.uscc]"},
    "cover_uscc_with_O": {"cover.uscc[meta.uscc]"},
    "cover_uscc_17_chars": {"cover.uscc[meta.uscc]"},
    "cover_region_5_digits": {"cover.region[meta.region]"},
    "cover_region_no_province": {"cover.region[meta.region]"},
    "cover_year_out_of_range": {"cover.year[meta.year]"},
    "cover_year_as_text": {"cover.year[meta.year]"},
    "cover_kind_not_a_choice": {"cover.choice[meta.kind]"},
}


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
    for name, change in _cover_cases(spec, samples[0]).items():
        values = {**samples[0], **change}
        cases[name] = ({k: v for k, v in values.items() if v is not None}, {})
    for inst in _inequalities(spec):  # a part exceeding its whole (a provincial extension's “其中”)
        left, right = inst.check.left, inst.check.right
        assert isinstance(left, Ref) and isinstance(right, Ref), inst.key
        cases[_exceeds(inst.key)] = ({**samples[0], left.id: int(samples[0].get(right.id, 0)) + 3}, {})  # type: ignore[call-overload]
    return cases


def _inequalities(spec: FormSpec) -> list[RuleInstance]:
    return [i for i in expand_rules(spec) if i.check.op == "<=" and not i.uses_prev]


def _exceeds(key: str) -> str:
    return "exceeds_" + re.sub(r"\W+", "_", key).strip("_")


def _defined_names(path: Path) -> dict[str, str]:
    """The workbook's global defined names as LibreOffice wrote them (read from xl/workbook.xml: loading the whole
    recalculated book in openpyxl for them took most of this module's time)."""
    with zipfile.ZipFile(path) as z:
        root = ElementTree.fromstring(z.read("xl/workbook.xml"))
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    return {dn.get("name", ""): (dn.text or "").strip() for dn in root.iterfind("m:definedNames/m:definedName", ns)
            if dn.get("localSheetId") is None}


def _named_values(path: Path, names: list[str]) -> dict[str, object]:
    defined = _defined_names(path)
    refs = {n: defined[n] for n in names}
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


@dataclass
class Recalculated:
    """One form's cases: built (cached results stripped), recalculated in one LibreOffice start, checked by the
    engine; `live` holds what LibreOffice computed for every verdict, total, the failure count and the status."""

    spec: FormSpec
    names: list[str]
    sources: list[Path]
    outputs: list[Path]
    findings: list[list[Finding]]
    frame: Frame
    live: list[dict[str, object]]


@pytest.fixture(scope="module", params=["gb2021", "gb2019", "gb2019+zj"])
def recalculated(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Recalculated:
    spec = load_spec(request.param)
    base = tmp_path_factory.mktemp(request.param)
    cases = _cases(spec)
    sources = []
    for name, (values, overrides) in cases.items():
        path = build_template(spec, base / "in" / f"{name}.xlsx", values=values, overrides=overrides)
        strip_cached_results(path)
        sources.append(path)
    outputs = recalc_many(sources, base / "out")
    findings, frames = check_fills([read_fill(p) for p in sources])
    wanted = [*(check_name(i.key) for i in expand_rules(spec) if not i.uses_prev), *(c.name for c in cover_checks(spec)),
              *(defined_name(c) for c in computed_cells(spec)), FAILED_NAME, STATUS_NAME]
    live = [_named_values(out, wanted) for out in outputs]
    return Recalculated(spec, list(cases), sources, outputs, findings, frames[spec.form], live)


def test_live_checks_and_engine_agree_on_every_rule_instance(recalculated: Recalculated) -> None:
    r = recalculated
    instances = [i for i in expand_rules(r.spec) if not i.uses_prev]
    failing_somewhere = set()
    for name, live, found in zip(r.names, r.live, r.findings, strict=True):
        live_failed = {i.key for i in instances if live[check_name(i.key)] == "✗"}
        assert all(live[check_name(i.key)] in ("✓", "✗") for i in instances), name
        engine_failed = {f.rule for f in found if f.code == "rule"}
        assert live_failed == engine_failed, name
        failing_somewhere |= live_failed
    # the cases really exercise every kind of rule, passing and failing
    inequalities = {i.rule.id for i in _inequalities(r.spec)}
    assert {k.split("[")[0] for k in failing_somewhere} == {"R1", "R2", "R3", "R4", *inequalities}


def test_expected_cases_fail_the_expected_rules(recalculated: Recalculated) -> None:
    rules = {n: {f.rule for f in fs if f.code == "rule"} for n, fs in zip(recalculated.names, recalculated.findings, strict=True)}
    assert rules["valid"] == set() and rules["blanks"] == set() and rules["empty"] == set()
    assert rules["r3_inputs"] == {"R3[legal]", "R3[total]"}
    assert "R1[new]" in rules["r1_override"]
    assert "R2[research]" in rules["r2_override"]
    assert rules["r4_override"] == {"R4[suit_direct]"}
    assert all(rules[n] == set() for n in recalculated.names if n.startswith("cover_"))
    for inst in _inequalities(recalculated.spec):
        assert rules[_exceeds(inst.key)] == {inst.key}


def test_live_cover_checks_and_engine_agree(recalculated: Recalculated) -> None:
    r = recalculated
    checks = cover_checks(r.spec)
    codes = {c.code for c in checks}
    rule_names = [check_name(i.key) for i in expand_rules(r.spec) if not i.uses_prev]
    failing_somewhere = set()
    for name, live, found in zip(r.names, r.live, r.findings, strict=True):
        assert all(live[c.name] in ("✓", "✗") for c in checks), name
        live_failed = {c.key for c in checks if live[c.name] == "✗"}
        engine_failed = {f"{f.code}[{f.ids[0]}]" for f in found if f.code in codes}
        assert live_failed == engine_failed, name
        assert live_failed == COVER_EXPECTED.get(name, set()), name
        # a cover finding without a live line is at most a warning (the 填报日期's format) ...
        assert all(f.severity == "warning" for f in found if f.code.startswith("cover.") and f.code not in codes), name
        # ... so the cover's status counts exactly the engine's errors among cover and rule findings
        errors = [f for f in found if f.severity == "error" and (f.code == "rule" or f.code in codes)]
        assert live[FAILED_NAME] == len(errors) == len(live_failed) + sum(live[n] == "✗" for n in rule_names), name
        assert str(live[STATUS_NAME]).startswith("✓" if not errors else f"✗ 有 {len(errors)} 项"), name
        failing_somewhere |= live_failed
    # the cases fail every kind of cover check somewhere
    assert {k.split("[")[0] for k in failing_somewhere} == codes


def test_computed_totals_agree(recalculated: Recalculated) -> None:
    r = recalculated
    for row, live in enumerate(r.live):
        for cid in computed_cells(r.spec):
            assert float(live[defined_name(cid)] or 0) == pytest.approx(r.frame.column(cid)[row]), (r.names[row], cid)
