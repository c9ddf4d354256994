"""The template's cell formats: one XlsxWriter format per look, created once per workbook."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from xlsxwriter import Workbook
from xlsxwriter.format import Format

FONT = "宋体"
CELL_NUM_FORMATS = {"count": "0", "signed": "0", "amount": "0.######"}
FIELD_NUM_FORMATS = {"text": "@", "uscc": "@", "choice": "@", "region": "@", "year": "0", "date": "yyyy-mm-dd"}
GREY, WHITE, HEADER_GREY, NOTE_GREY = "#E7E6E6", "#FFFFFF", "#F2F2F2", "#595959"


@dataclass(frozen=True)
class Styles:
    """The formats the template uses, handed to `extra` so added sheets look the same."""

    title: Format
    subtitle: Format
    block_title: Format
    header: Format
    corner: Format
    label: Format  # a row label, left aligned
    label_group: Format  # a row label grouping several rows, centred
    inputs: Mapping[str, Format]  # unlocked white input cell, by cell type
    computed: Mapping[str, Format]  # locked grey formula cell, by cell type
    fields: Mapping[str, Format]  # cover value cell, by field type
    status: Format
    text: Format  # wrapped, left-aligned plain text
    heading: Format
    note: Format
    cell: Format  # bordered wrapped text cell (校验 sheet)
    number: Format  # bordered number cell (校验 sheet)
    code: Format  # small grey text: a check's code for tools (校验 sheet)
    verdict: Format
    ok: Format  # conditional: green
    bad: Format  # conditional: red
    warn: Format  # conditional: yellow
    integer: Format  # conditional: number format without decimals


def make_styles(wb: Workbook) -> Styles:
    """Add the template's formats to `wb`, always in the same order (the output bytes depend on it)."""

    def fmt(**props: Any) -> Format:
        return wb.add_format({"font_name": FONT, "font_size": 11, "valign": "vcenter", **props})

    box = {"border": 1, "text_wrap": True}
    inputs = {t: fmt(**box, locked=False, bg_color=WHITE, num_format=f, align="right")
              for t, f in CELL_NUM_FORMATS.items()}
    computed = {t: fmt(**box, locked=True, bg_color=GREY, num_format=f, align="right")
                for t, f in CELL_NUM_FORMATS.items()}
    fields = {t: fmt(**box, locked=False, bg_color=WHITE, num_format=f, align="left")
              for t, f in FIELD_NUM_FORMATS.items()}
    return Styles(
        title=fmt(bold=True, font_size=16, align="center", text_wrap=True),
        subtitle=fmt(align="center", font_color=NOTE_GREY),
        block_title=fmt(bold=True, font_size=12, align="left"),
        header=fmt(**box, bold=True, align="center", bg_color=HEADER_GREY),
        corner=fmt(**box, align="center", bg_color=HEADER_GREY),
        label=fmt(**box, align="left"),
        label_group=fmt(**box, align="center"),
        inputs=inputs,
        computed=computed,
        fields=fields,
        status=fmt(bold=True, font_size=12, align="center", border=1, text_wrap=True),
        text=fmt(text_wrap=True, align="left", valign="top"),
        heading=fmt(bold=True, font_size=12, align="left"),
        note=fmt(text_wrap=True, align="left", font_color=NOTE_GREY),
        cell=fmt(**box, align="left"),
        number=fmt(border=1, align="right"),
        code=fmt(border=1, align="left", font_size=8, font_color="#7F7F7F", text_wrap=True),
        verdict=fmt(border=1, bold=True, align="center"),
        ok=wb.add_format({"font_color": "#006100", "bg_color": "#C6EFCE"}),
        bad=wb.add_format({"font_color": "#9C0006", "bg_color": "#FFC7CE"}),
        warn=wb.add_format({"font_color": "#9C5700", "bg_color": "#FFEB9C"}),
        integer=wb.add_format({"num_format": "0"}),
    )
