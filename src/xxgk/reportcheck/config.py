"""templates/report_check.yaml loaded once into a typed model."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from xxgk.resources import resource_path
from xxgk.spec import read_yaml

CONFIG_FILE = "templates/report_check.yaml"


@dataclass(frozen=True)
class Section:
    id: str
    name: str
    words: tuple[str, ...]


@dataclass(frozen=True)
class Numbering:
    id: str
    name: str
    pattern: re.Pattern[str]
    rank: int  # 0 = the highest level


@dataclass(frozen=True)
class CheckConfig:
    sections: tuple[Section, ...]  # in the required order
    match_order: tuple[str, ...]
    problems_section: str
    numbering: tuple[Numbering, ...]
    max_heading_chars: int
    deadlines: dict[str, str]  # kind (政府/部门) → "MM-DD"
    basis: str
    government_suffixes: tuple[str, ...]
    min_chars: int
    sentence_ratio: float
    problems_warning: float
    problems_error: float
    whole_warning: float
    min_problems_chars: int
    max_quote_chars: int

    def section(self, section_id: str) -> Section:
        return next(s for s in self.sections if s.id == section_id)

    def position(self, section_id: str) -> int:
        return [s.id for s in self.sections].index(section_id)


@cache
def load_config() -> CheckConfig:
    raw = read_yaml(resource_path(CONFIG_FILE))
    sections = tuple(Section(s["id"], s["name"], tuple(s["words"])) for s in raw["sections"])
    ids = {s.id for s in sections}
    order = tuple(raw["match_order"])
    if set(order) != ids or raw["problems_section"] not in ids:
        raise ValueError(f"{CONFIG_FILE}: match_order/problems_section must name the sections {sorted(ids)}")
    deadlines = {k: str(v) for k, v in raw["deadlines"].items() if k != "basis"}
    sim = raw["similarity"]
    return CheckConfig(
        sections=sections, match_order=order, problems_section=raw["problems_section"],
        numbering=tuple(Numbering(n["id"], n["name"], re.compile(n["pattern"]), k)
                        for k, n in enumerate(raw["numbering"])),
        max_heading_chars=int(raw["max_heading_chars"]), deadlines=deadlines, basis=str(raw["deadlines"]["basis"]),
        government_suffixes=tuple(raw["government_suffixes"]), min_chars=int(sim["min_chars"]),
        sentence_ratio=float(sim["sentence_ratio"]),
        problems_warning=float(sim["problems"]["warning"]), problems_error=float(sim["problems"]["error"]),
        whole_warning=float(sim["whole"]["warning"]), min_problems_chars=int(raw["min_problems_chars"]),
        max_quote_chars=int(raw["max_quote_chars"]))
