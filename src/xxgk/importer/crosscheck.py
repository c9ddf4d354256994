"""Text against tables: numbers the narrative states, compared with the numbers in the report's own tables.

What to look for is data in the form spec and its provincial extension (`narrative_claims:`): a pattern whose group is the number, or a
"none" pattern stating zero, and the cells whose sum the sentence states.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from xxgk.findings import Finding
from xxgk.findings import number as as_number
from xxgk.importer.messages import import_finding
from xxgk.spec import EXT_SEPARATOR, read_yaml, spec_path
from xxgk.values import format_number

_SENTENCE = re.compile(r"[^。；;！!？?]*[。；;！!？?]?")  # applied before NFKC: "，" stays inside a sentence


@dataclass(frozen=True)
class Claim:
    pattern: re.Pattern[str]
    cells: tuple[str, ...]  # the table cells whose sum the number states
    none: bool = False  # the pattern states zero ("未收到任何申请")


@cache
def claims(form: str) -> tuple[Claim, ...]:
    """The claims of a national form, and of its provincial extension when `form` names one (gb2019+zj)."""
    national, _, extension = form.partition(EXT_SEPARATOR)
    raw = list(read_yaml(spec_path(national)).get("narrative_claims") or [])
    if extension:
        from xxgk.extensions import extension_claims

        raw += extension_claims(extension)
    return tuple(Claim(re.compile(c.get("pattern") or c["none"]), tuple(c["cells"]), "none" in c) for c in raw)


def check_text(narrative: str, table: Mapping[str, Decimal | None], form: str,
               labels: Mapping[str, str]) -> list[Finding]:
    text = narrative.replace("\n", "")
    out: list[Finding] = []
    seen: set[tuple[tuple[str, ...], Decimal]] = set()
    for sentence in (s.strip() for s in _SENTENCE.findall(text)):
        if not sentence:
            continue
        plain = unicodedata.normalize("NFKC", sentence)  # full-width digits and brackets as ASCII
        stated = [(c, Decimal(0) if c.none else Decimal(m.group(1)))
                  for c in claims(form) for m in c.pattern.finditer(plain)]
        for claim, number in stated:
            got = [v for cid in claim.cells if (v := table.get(cid)) is not None]
            if len(got) != len(claim.cells) or (claim.cells, number) in seen:
                continue
            seen.add((claim.cells, number))
            total = sum(got, Decimal(0))
            if total != number:
                label = "与".join(f"“{labels.get(cid, cid)}”" for cid in claim.cells)
                out.append(import_finding("import.text_mismatch", ids=claim.cells, expected=as_number(float(number)),
                                          actual=as_number(float(total)), sentence=sentence,
                                          text_number=format_number(number), label=label,
                                          table_number=format_number(total)))
    return out
