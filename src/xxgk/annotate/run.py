"""Validate-and-annotate, for a live book and for files (`xxgk validate --annotate`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from xxgk.annotate.apply import AnnotatableBook, apply_plan
from xxgk.annotate.plan import STATUS_NAME, Cell, Plan, plan_annotation, read_previous, status_cell
from xxgk.container import inspect_file
from xxgk.findings import Finding
from xxgk.hints import Hint
from xxgk.layout import Pos
from xxgk.reader import Fill, WorkbookSource

ANNOTATABLE = (".xlsx", ".xlsm")  # annotated as they are; .xls/.ods/.et through their conversion


def check_one(fill: Fill, previous: Fill | None = None, notes: Sequence[Finding] = ()
              ) -> tuple[list[Finding], list[Hint]]:
    """The findings and fix hints of one fill, as `xxgk validate` reports them; with last year's report of the
    same unit also the cross-year rules and year-over-year warnings (notes: why last year's was not used)."""
    from xxgk.engine import check_all

    checked = check_all([fill], [previous] if previous is not None else None)
    return checked.findings[0] + list(notes), checked.hints[0]


def status_target(source: WorkbookSource, fill: Fill) -> Cell | None:
    """Where this book's status line goes (next to the live status formula, or on it when it is text)."""
    names = source.package().names
    cell = Cell.parse(names.get(STATUS_NAME, ""))
    if cell is None or cell.sheet not in source.package().sheet_parts:
        return None
    formula = Pos(cell.sheet, cell.row, cell.col) in source.formulas(((cell.sheet, (cell.a1,)),))
    return status_cell(fill.spec, names, formula)


def annotate(book: AnnotatableBook, source: WorkbookSource, fill: Fill, findings: Sequence[Finding],
             hints: Sequence[Hint], when: dt.datetime | None = None) -> Plan:
    """Apply the result of one validated fill to its book; returns the plan applied."""
    previous = read_previous(book.result_grid())
    plan = plan_annotation(findings, hints, fill.spec, previous, status_target(source, fill),
                           when or dt.datetime.now(), fill.agency, book.result_name)
    apply_plan(book, plan)
    return plan


def annotate_file(path: Path, out: Path, fill: Fill, findings: Sequence[Finding], hints: Sequence[Hint],
                  when: dt.datetime | None = None) -> Path:
    """Write an annotated copy of `path` to `out` (atomically; `path` is only read). An .xls/.ods/.et is
    converted with LibreOffice first, as the reader did: the copy is then an .xlsx (copy_suffix)."""
    from xxgk.annotate.file_book import AnnotateError

    if Path(out).resolve() == Path(path).resolve():
        raise ValueError(f"标记副本不能覆盖原文件：{path}")
    check = inspect_file(path)  # counts what each member really inflates to before any reader opens it
    if not check.convertible:
        if not check.ok:
            raise AnnotateError(check.reason or check.kind)
        return _annotate_xlsx(path, out, fill, findings, hints, when)
    from xxgk.convert import ConversionFailed, converted_xlsx

    try:
        with converted_xlsx(path, check) as converted:
            return _annotate_xlsx(converted.path, out, fill, findings, hints, when)
    except ConversionFailed as exc:
        raise AnnotateError(str(exc)) from None


def _annotate_xlsx(path: Path, out: Path, fill: Fill, findings: Sequence[Finding], hints: Sequence[Hint],
                   when: dt.datetime | None) -> Path:
    from xxgk.annotate.file_book import FileBook
    from xxgk.reader import FileSource

    with FileSource(path) as source:  # checks the container (a converted file too) before FileBook reads it
        book = FileBook(path)
        annotate(book, source, fill, findings, hints, when)
    return book.save(out)


def copy_suffix(path: Path) -> str:
    """The annotated copy's extension: the original's, or .xlsx for a file LibreOffice converts (.xls/.ods/.et)."""
    if path.suffix.lower() in ANNOTATABLE:
        return path.suffix
    return ".xlsx" if inspect_file(path).convertible else path.suffix


def conversion_note(path: Path) -> str:
    """What to tell about a copy made through a conversion (Chinese), or "" when `path` is annotated as it is."""
    from xxgk.convert import describe

    check = inspect_file(path)
    if not check.convertible:
        return ""
    return f"{describe(path, check)}，已用 LibreOffice 转换，标记副本为 .xlsx 工作簿；原文件未改动"


def annotated_paths(inputs: Sequence[Path], target: str | Path) -> list[Path]:
    """Where each input's annotated copy goes: `target` itself for one input given as a file name, else a file
    of the same name in the folder `target` (numbered when two inputs share a name). A folder is named as such
    by existing, by a trailing slash (kept only in the string: pathlib drops it), or by several inputs. A converted
    input's copy is named .xlsx (乙.xls -> 乙.xlsx)."""
    as_folder = len(inputs) > 1 or Path(target).is_dir() or str(target).endswith(("/", "\\"))
    target = Path(target)
    if not as_folder:
        return [target]
    out: list[Path] = []
    for path in inputs:
        suffix = copy_suffix(path)
        candidate, n = target / f"{path.stem}{suffix}", 2
        while candidate in out:
            candidate = target / f"{path.stem} ({n}){suffix}"
            n += 1
        out.append(candidate)
    return out


def annotation_problem(source: Path, out: Path) -> str | None:
    """Why `source` cannot be annotated into `out` (Chinese), or None."""
    if out.resolve() == source.resolve():
        return f"标记副本不能覆盖原文件：{source}。请换一个输出文件名或文件夹。"
    check = inspect_file(source)
    if not check.convertible and source.suffix.lower() not in ANNOTATABLE:
        return f"只能为 .xlsx/.xlsm 工作簿及可转换的 .xls/.ods/.et 文件生成标记副本：{source.name}。请先另存为 .xlsx。"
    suffix = ".xlsx" if check.convertible else source.suffix
    if out.suffix.lower() != suffix.lower():
        what = (f"应为 .xlsx 格式（{source.name} 经 LibreOffice 转换为 .xlsx 后标记）" if check.convertible
                else f"应与原文件同为 {suffix} 格式")
        return (f"标记副本{what}：{out.name}。"
                "要写入文件夹时，请先建好该文件夹，或在文件夹名末尾加 /。")
    if check.macros:  # a copy would carry the VBA project along: macros are never kept in outputs
        macros = "宏" if check.kind == "ods" else " VBA 宏"
        return f"{source.name} 含{macros}，不生成标记副本（宏不会被复制到任何输出）。请另存为不含宏的 .xlsx 后再标记。"
    if out.exists() and not is_annotated_copy(out):
        return f"“{out}”已存在，且不是标记副本，未覆盖（以免丢失该文件）。请换一个输出文件名或文件夹。"
    return None


def is_annotated_copy(path: Path) -> bool:
    """Whether `path` is a copy annotated earlier (its result sheet is ours): only such a file is overwritten."""
    from xxgk.annotate.file_book import FileBook

    if not inspect_file(path).ok:  # counted inflation first: FileBook hands the file to calamine
        return False
    try:
        return FileBook(path).result_grid() is not None
    except Exception:  # whatever cannot be read as an annotated copy is not one
        return False
