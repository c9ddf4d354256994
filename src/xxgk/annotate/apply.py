"""The one small interface both appliers implement, and the order in which a plan is applied."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from xxgk.annotate.plan import Cell, ClearPlan, Original, Plan, ResultSheet, Scalar


class AnnotatableBook(Protocol):
    """A workbook the plan is applied to: a book open in Excel (xlwings) or a file copy."""

    def prepare(self, sheets: set[str]) -> None:
        """Make these sheets writable before anything is written (fail before the first change, not midway)."""
        ...

    result_name: str  # the result sheet's name, decided by result_grid (see plan.choose_result_sheet)

    def result_grid(self) -> list[list[object]] | None:
        """The values of the result sheet an earlier run wrote, anchored at A1; None when there is none."""
        ...

    def looks(self, cells: Iterable[Cell]) -> dict[Cell, Original]:
        """The current fill (and, for files, style) of each cell."""
        ...

    def content(self, cell: Cell) -> Scalar:
        ...

    def set_fill(self, cell: Cell, fill: str) -> None:
        ...

    def restore(self, cell: Cell, original: Original) -> None:
        """Put a highlighted cell's look back exactly as recorded."""
        ...

    def set_content(self, cell: Cell, value: Scalar) -> None:
        ...

    def write_result_sheet(self, sheet: ResultSheet | None) -> None:
        """Replace the result sheet (named result_name) by `sheet` (None: remove it)."""
        ...


def apply_plan(book: AnnotatableBook, plan: Plan) -> ResultSheet:
    """Every sheet written on is made writable first (a password-protected one stops the run before the first
    change: marks without the result sheet's record could not be cleared). Then earlier highlights that are no
    longer wanted go back; then the new ones, recorded with the look they had before; then the status line and
    the result sheet (with the record)."""
    book.prepare(plan_sheets(plan))
    for cell, original in plan.restore.items():
        book.restore(cell, original)
    if plan.restore_status is not None:
        book.set_content(plan.restore_status[0], plan.restore_status[1].content)
    new = [c for c in plan.highlights if c not in plan.originals]
    originals = {**plan.originals, **book.looks(new)}
    status_original = plan.status_original
    if plan.status is not None and status_original is None:
        status_original = Original(content=book.content(plan.status[0]))
    for cell, fill in plan.highlights.items():
        book.set_fill(cell, fill)
    if plan.status is not None:
        book.set_content(*plan.status)
    sheet = plan.final_sheet(originals, status_original)
    book.write_result_sheet(sheet)
    return sheet


def apply_clear(book: AnnotatableBook, plan: ClearPlan) -> None:
    """清除标记: the highlights back as recorded, the status cell as it was, the result sheet gone."""
    book.prepare({c.sheet for c in plan.restore} | ({plan.status[0].sheet} if plan.status else set()))
    for cell, original in plan.restore.items():
        book.restore(cell, original)
    if plan.status is not None:
        book.set_content(plan.status[0], plan.status[1].content)
    if plan.remove_sheet:
        book.write_result_sheet(None)


def plan_sheets(plan: Plan) -> set[str]:
    """The workbook's own sheets a plan writes on."""
    cells = [*plan.highlights, *plan.restore]
    for pair in (plan.status, plan.restore_status):
        if pair is not None:
            cells.append(pair[0])
    return {c.sheet for c in cells}
