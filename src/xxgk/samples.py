"""Realistic sample fills for the demo, the tests and the benchmark.

Values are drawn per cell type and then repaired rule by rule (from the spec's own rules), so a
sample satisfies every equality and inequality rule without this module knowing any of them.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from xxgk.engine import Frame
from xxgk.identifiers import uscc_check_char
from xxgk.rules.ast import BinOp, Expr, Ref
from xxgk.rules.expand import RuleInstance, computed_cells, expand_rules
from xxgk.rules.vector import evaluate
from xxgk.spec import FormSpec

AGENCY_UNITS = (
    "人民政府办公室", "发展和改革局", "教育局", "科学技术局", "公安局", "民政局", "司法局", "财政局",
    "人力资源和社会保障局", "自然资源局", "生态环境局", "住房和城乡建设局", "交通运输局", "水利局",
    "农业农村局", "商务局", "文化和旅游局", "卫生健康局", "退役军人事务局", "应急管理局", "审计局",
    "市场监督管理局", "统计局", "医疗保障局", "城市管理局", "行政审批服务局", "公共资源交易中心",
    "信访局", "林业局", "档案馆",
)
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


@dataclass(frozen=True)
class Agency:
    name: str
    uscc: str
    region: str
    parent: str


def make_uscc(rng: random.Random, region: str) -> str:
    """A valid 统一社会信用代码 for a government organ (登记管理部门 1, 机构类别 1)."""
    body = "11" + region + "".join(rng.choice("0123456789") for _ in range(8)) + rng.choice("ABCDEFGHJK")
    return body + uscc_check_char(body)


def agencies(place: str, region: str, count: int, seed: int = 1) -> list[Agency]:
    rng = random.Random(seed)
    out = []
    for i in range(count):
        unit = AGENCY_UNITS[i % len(AGENCY_UNITS)]
        suffix = "" if i < len(AGENCY_UNITS) else f"（{i // len(AGENCY_UNITS) + 1}）"
        out.append(Agency(f"{place}{unit}{suffix}", make_uscc(rng, region), region, f"{place}人民政府"))
    return out


def _draw(rng: random.Random, cell_type: str, busy: float) -> float:
    if rng.random() > busy:
        return 0
    if cell_type == "amount":
        return round(rng.uniform(0, 500), rng.choice((2, 4, 6)))
    if cell_type == "signed":
        return rng.randint(-3, 5)
    return int(rng.expovariate(1 / (30 * busy)))


def _free_term(expr: Expr, computed: set[str]) -> Ref | None:
    """The first input cell added (not subtracted) at the top level of an expression."""
    if isinstance(expr, Ref) and expr.id not in computed:
        return expr
    if isinstance(expr, BinOp):
        return _free_term(expr.left, computed) or (_free_term(expr.right, computed) if expr.op == "+" else None)
    return None


def _repair(spec: FormSpec, values: dict[str, float], inst: RuleInstance, computed: set[str]) -> None:
    frame = Frame.from_rows(spec, np.array([[values.get(c, 0.0) for c in spec.cells]]))
    gap = float(evaluate(inst.check.left, frame.column, None, 1)[0] - evaluate(inst.check.right, frame.column, None, 1)[0])
    holds = {"<=": gap <= 1e-9, ">=": gap >= -1e-9}.get(inst.check.op, abs(gap) < 1e-9)
    if holds:
        return
    left, right = _free_term(inst.check.left, computed), _free_term(inst.check.right, computed)
    if right is not None and (gap > 0 or left is None):
        values[right.id] = values.get(right.id, 0) + gap
    elif left is not None:
        values[left.id] = values.get(left.id, 0) - gap


def sample_values(spec: FormSpec, rng: random.Random, busy: float = 0.5) -> dict[str, float]:
    """Input cell values that satisfy every equality and inequality rule (computed cells are left to their formulas)."""
    computed = set(computed_cells(spec))
    values = {cid: _draw(rng, cell.type, busy) for cid, cell in spec.cells.items() if cid not in computed}
    for inst in expand_rules(spec):
        if inst.check.op in ("==", "<=", ">=") and not inst.computes and not inst.uses_prev:
            _repair(spec, values, inst, computed)
    return {cid: int(v) if spec.cells[cid].type != "amount" else v for cid, v in values.items()}


def cover_values(spec: FormSpec, agency: Agency, year: int, kind: str = "单位") -> dict[str, str | int]:
    kind_field = next(f.id for f in spec.cover.fields if f.type == "choice")
    by_type: dict[str, str | int] = {"uscc": agency.uscc, "region": agency.region, "year": year,
                                     "date": f"{year + 1}-01-15"}
    out: dict[str, str | int] = {}
    for f in spec.cover.fields:
        if f.type in by_type:
            out[f.id] = by_type[f.type]
    out[spec.cover.fields[0].id] = agency.name
    out[kind_field] = kind
    out.update({"meta.parent": agency.parent, "meta.contact": "王明", "meta.phone": "0574-86780000"})
    return {k: v for k, v in out.items() if k in spec.field_ids}


def sample_fills(spec: FormSpec, group: list[Agency], year: int, seed: int = 7) -> Iterator[tuple[Agency, dict[str, object]]]:
    rng = random.Random(seed)
    for agency in group:
        values: dict[str, object] = dict(sample_values(spec, rng, busy=rng.choice((0.2, 0.5, 0.8))))
        values.update(cover_values(spec, agency, year))
        yield agency, values
