"""Year over year (the form spec's `year_over_year:`): warnings, never errors, against last year's report.

A cell whose number grew beyond `up` times, or shrank below `down` times, last year's is usually a typo or a
unit mix-up (元 for 万元); both years under `min_sample` give no warning (3 → 16 is no signal). A report whose
every table number equals last year's (and not all zero) was most likely copied forward (沿用上年数据).
Only input cells are compared: a total follows its inputs, which are compared themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from functools import cache

from xxgk.findings import WARNING, Finding, finding, number
from xxgk.reader import Fill
from xxgk.spec import EXT_SEPARATOR, FormSpec, SpecError, read_yaml, spec_path

TITLES = {"yoy.jump": "与上年相比变化异常", "yoy.unchanged": "沿用上年数据"}


@dataclass(frozen=True)
class YoyRule:
    up: float = 5.0
    down: float = 0.2
    min_sample: float = 10.0


@cache
def yoy_rule(form: str) -> YoyRule:
    """The national form's `year_over_year:` section (defaults when absent)."""
    raw = read_yaml(spec_path(form.partition(EXT_SEPARATOR)[0])).get("year_over_year") or {}
    try:
        rule = YoyRule(float(raw.get("up", 5)), float(raw.get("down", 0.2)), float(raw.get("min_sample", 10)))
    except (TypeError, ValueError) as exc:
        raise SpecError(f"year_over_year: {exc}") from exc
    if not (rule.up > 1 > rule.down > 0 and rule.min_sample >= 0):
        raise SpecError(f"year_over_year: need up > 1 > down > 0 and min_sample >= 0, got {rule}")
    return rule


@cache
def _input_cells(spec: FormSpec) -> tuple[str, ...]:
    from xxgk.rules.expand import computed_cells

    computed = computed_cells(spec)
    return tuple(c for c in spec.cells if c not in computed)


def _previous_id(spec: FormSpec, prev: Fill, cid: str) -> str | None:
    if cid in prev.numbers:
        return cid
    alias = spec.previous_aliases.get(cid)
    return alias if alias in prev.numbers else None


def year_over_year(fill: Fill, prev: Fill | None) -> list[Finding]:
    """The year-over-year warnings of one report against last year's report of the same agency."""
    if prev is None:
        return []
    rule = yoy_rule(fill.spec.form)
    pairs = [(c, p) for c in _input_cells(fill.spec) if (p := _previous_id(fill.spec, prev, c)) is not None]
    if not pairs:
        return []
    out = [_jump(fill, cid, fill.numbers[cid], prev.numbers[pid], rule)
           for cid, pid in pairs if _is_jump(fill.numbers[cid], prev.numbers[pid], rule)]
    same = all(fill.numbers[c] == prev.numbers[p] for c, p in pairs)
    if same and any(fill.numbers[c] for c, _ in pairs):
        out.append(finding("yoy.unchanged", WARNING, title=TITLES["yoy.unchanged"], count=len(pairs),
                           path=prev.path.name, ids=tuple(c for c, _ in pairs)))
    return out


def _is_jump(now: float, last: float, rule: YoyRule) -> bool:
    if max(abs(now), abs(last)) < rule.min_sample or now == last:
        return False
    if last == 0 or now == 0:  # 0 → 12 or 12 → 0: an infinite factor, beyond any threshold
        return True
    ratio = now / last
    return ratio < 0 or ratio > rule.up or ratio < rule.down


def _jump(fill: Fill, cid: str, now: float, last: float, rule: YoyRule) -> Finding:
    pos, cell = fill.positions[cid], fill.spec.cells[cid]
    factor = now / last if last else None
    up = abs(now) > abs(last)
    factor_text = (f"为上年的 {factor:.3g} 倍" if factor is not None and factor > 0
                   else "由 0 变为非 0" if not last else "由非 0 变为 0" if not now else "正负号相反")
    limit = f"上年的 {_plain(rule.up)} 倍" if up else f"上年的 {_plain(rule.down)} 倍"
    found = finding("yoy.jump", WARNING, ids=(cid,), cells=(pos.address,), expected=number(last), actual=number(now),
                   title=TITLES["yoy.jump"], sheet=pos.sheet, cell=pos.a1,
                   label=f"{cell.row.short}·{cell.column.short}".strip("·"),
                   direction="增加" if up else "减少", factor_text=factor_text, limit=limit)
    return replace(found, factor=None if factor is None else round(factor, 6))


def _plain(x: float) -> str:
    text = format(Decimal(str(x)), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
