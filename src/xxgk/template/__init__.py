"""Build the fill-in Excel template of a form: the spec says what, the layout plan says where, the rules
say which cells are formulas and what the 校验 sheet checks.

The workbook has no macros. Live checks are plain formulas (SUM, N, ABS, IF, COUNTIF; for the cover fields
also TRIM, SUBSTITUTE, LEN, MID, FIND, MOD, SUMPRODUCT over array constants, VALUE, EXACT, IFERROR) plus
conditional formats that reference the verdict cells by defined name, so Excel 2010+, WPS and LibreOffice
all show them while staff type. Every cell id, cover field and verdict carries a workbook-scoped defined name:
that, not any cell address, is the contract with the reader and the add-in.

Output is deterministic (fixed document dates, in-memory zip with fixed timestamps) and written
atomically (temp file in the target directory, then os.replace).
"""

from __future__ import annotations

from xxgk.checksheet import CHECK_HEADERS, CHECK_SHEET, FAILED_NAME, check_name
from xxgk.template.build import build_all, build_template, template_filename
from xxgk.template.cover import STATUS_NAME
from xxgk.template.covercheck import COVER_CHECK_NOTES, CoverCheck, cover_checks
from xxgk.template.helpsheet import HELP_SHEET, HELP_TEXT
from xxgk.template.styles import FONT, Styles

__all__ = [
    "CHECK_HEADERS",
    "CHECK_SHEET",
    "COVER_CHECK_NOTES",
    "FAILED_NAME",
    "FONT",
    "HELP_SHEET",
    "HELP_TEXT",
    "STATUS_NAME",
    "CoverCheck",
    "Styles",
    "build_all",
    "build_template",
    "check_name",
    "cover_checks",
    "template_filename",
]
