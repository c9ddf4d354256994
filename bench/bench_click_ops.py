"""Count the xlwings operations of one 校验 click (issue 13 §4), before and after, on the same books.

Wall time of a COM round trip is not measurable here (no Excel), so the click is counted: the remote book's
actions (what Excel applies) and a recorder of the xlwings object model (tests/xlwings_counting.py: every property
read or write, method call and collection item a COM book would send to Excel). "before" is the count of
main at a20c222 (the add-in read all 259 defined names one by one, looked every sheet up by walking the sheet
list, wrote one colour and one hyperlink per cell), "a76c81b" the first cut (one block read per sheet, colours
batched, links in the values write; the writer looked sheets up again, read the status cell again, asked for the
status line's name and the book's name), "bc6d1b3" with a full result sheet for a passing book and eight runs of
column widths, measured with this same recorder and these same books; "now" is run now.

    PYTHONPATH=src .venv/bin/python bench/bench_click_ops.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from test_addin_click_ops import SPEC, _values, click, ten_findings_book
from xxgk.template import build_template

BEFORE = {"passing book": (1011, 18), "10 findings": (1414, 68)}  # (object-model operations, actions) at a20c222
FIRST_CUT = {"passing book": (62, 18), "10 findings": (83, 27)}  # at a76c81b
FULL_SHEET = {"passing book": (50, 18), "10 findings": (66, 26)}  # at bc6d1b3: a full result sheet when passing


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        books = {"passing book": build_template(SPEC, folder / "通过.xlsx", values=_values()),
                 "10 findings": ten_findings_book(folder)}
        print(f"{'book':<14}{'ops before':>11}{'a76c81b':>9}{'bc6d1b3':>9}{'now':>6}{'ratio':>8}"
              f"{'actions before':>16}{'a76c81b':>9}{'bc6d1b3':>9}{'now':>6}")
        for name, path in books.items():
            ops, actions, _ = click(path)
            before_ops, before_actions = BEFORE[name]
            cut_ops, cut_actions = FIRST_CUT[name]
            full_ops, full_actions = FULL_SHEET[name]
            print(f"{name:<14}{before_ops:>11}{cut_ops:>9}{full_ops:>9}{ops:>6}{before_ops / ops:>7.1f}x"
                  f"{before_actions:>16}{cut_actions:>9}{full_actions:>9}{actions:>6}")


if __name__ == "__main__":
    main()
