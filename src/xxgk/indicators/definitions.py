"""The indicator dictionary of a form (the spec's `indicators:`), parsed and checked against the form's cells."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from xxgk.spec import EXT_SEPARATOR, SpecError, load_spec, read_yaml, spec_path

RED, YELLOW, SMALL = "red", "yellow", "small"
FLAG_NAMES = {RED: "红色", YELLOW: "黄色", SMALL: "样本偏少"}
SOURCE_NAMES = {"办法": "国办公开办函〔2021〕30号表格", "评估": "年报评估常用阈值（issue 14）"}
_TERM = re.compile(r"\s*([+-]?)\s*([A-Za-z_][\w.]*)\s*")

Terms = tuple[tuple[int, str], ...]  # (sign, cell id)


@dataclass(frozen=True)
class Threshold:
    above: float | None = None
    below: float | None = None

    def hit(self, value: float) -> bool:
        return (self.above is not None and value > self.above) or (self.below is not None and value < self.below)

    def text(self) -> str:
        return f"> {self.above:.0%}" if self.above is not None else f"< {self.below:.0%}" if self.below is not None else ""


@dataclass(frozen=True)
class Indicator:
    id: str
    name: str  # Chinese, e.g. 予以公开率
    numerator: Terms
    denominator: Terms = ()  # empty: a count, not a rate
    min_sample: float = 0
    red: Threshold | None = None
    yellow: Threshold | None = None
    source: str = ""

    @property
    def is_rate(self) -> bool:
        return bool(self.denominator)

    @property
    def cells(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c for _, c in self.numerator + self.denominator))

    def formula(self) -> str:
        return self.written(lambda terms: "".join(("-" if s < 0 else "+" if i else "") + c
                                                  for i, (s, c) in enumerate(terms)))

    def written(self, side: Callable[[Terms], str]) -> str:
        """numerator ÷ denominator as text, each side written by `side`, a sum in parentheses:
        (a+b) ÷ (c+d), a ÷ c; a count is its numerator alone."""
        def part(terms: Terms) -> str:
            return f"({side(terms)})" if len(terms) > 1 and self.is_rate else side(terms)
        return part(self.numerator) + (f" ÷ {part(self.denominator)}" if self.is_rate else "")


def parse_terms(text: str, where: str) -> Terms:
    text = str(text).strip()
    terms: list[tuple[int, str]] = []
    pos = 0
    while pos < len(text):
        m = _TERM.match(text, pos)
        if not m or (terms and not m.group(1)):
            raise SpecError(f"{where}: cannot read {text!r} as a sum of cell ids")
        terms.append((-1 if m.group(1) == "-" else 1, m.group(2)))
        pos = m.end()
    if not terms:
        raise SpecError(f"{where}: empty formula")
    return tuple(terms)


def _threshold(raw: Any, where: str) -> Threshold | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or len(raw) != 1 or next(iter(raw)) not in ("above", "below"):
        raise SpecError(f"{where}: a threshold is {{above: x}} or {{below: x}}, got {raw!r}")
    return Threshold(**{k: float(v) for k, v in raw.items()})


def parse_indicator(raw: dict[str, Any], cells: set[str]) -> Indicator:
    where = f"indicators: {raw.get('id')!r}"
    try:
        ind = Indicator(id=str(raw["id"]), name=str(raw["name"]), numerator=parse_terms(raw["numerator"], where),
                        denominator=parse_terms(raw["denominator"], where) if raw.get("denominator") else (),
                        min_sample=float(raw.get("min_sample", 0)), red=_threshold(raw.get("red"), where),
                        yellow=_threshold(raw.get("yellow"), where), source=str(raw.get("source", "")))
    except KeyError as exc:
        raise SpecError(f"{where}: missing {exc}") from exc
    unknown = [c for c in ind.cells if c not in cells]
    if unknown:
        raise SpecError(f"{where}: unknown cell ids {unknown}")
    return ind


@cache
def indicators(form: str) -> tuple[Indicator, ...]:
    """The indicators of a form (a provincial extension uses its national form's)."""
    national = form.partition(EXT_SEPARATOR)[0]
    cells = set(load_spec(national).cells)
    found = tuple(parse_indicator(r, cells) for r in read_yaml(spec_path(national)).get("indicators") or ())
    ids = [i.id for i in found]
    if len(set(ids)) != len(ids):
        raise SpecError(f"indicators of {national}: duplicate ids")
    return found
