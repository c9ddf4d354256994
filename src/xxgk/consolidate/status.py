"""The status of each input file in a consolidation (the 报送情况 sheet and the JSON account).

The six statuses of the issue, plus the ones a real inbox needs:

=================  ======  =====================================================================
status             summed  meaning
=================  ======  =====================================================================
已汇总             yes     readable, right form and year, no error, no warning
有警告             yes     as 已汇总, with warnings (e.g. blank cells counted as 0)
有错误未汇总       no      at least one error (rule, cell, cover, cross-year, a USCC shared with another
                           agency); listed, left out
有错误已汇总       yes     the same, but summed because of --include-invalid (marked on the cover)
无法读取           no      corrupt, encrypted, .xls/.et/.ods, bomb, not a template, moved rows …
重复已替代         no      the same agency sent again (same USCC and name, or same name when a copy has no
                           USCC); the later 填报日期 (then file time) wins, even when it has errors (both
                           files then say so). Different names on one USCC are no duplicate: an error on both
非名册单位         no      the sender is not on the roster (summed with --include-unlisted)
表式不符未汇总     no      a template of another form version than the one consolidated
年度不符未汇总     no      a report on another year than the one consolidated
已含于下级汇总     no      the agency is already inside a sub-summary that is summed (the reason says whether
                           the two copies' numbers agree, and which was filled in later)
已跳过             no      lock file (~$…), hidden file, a file that is no workbook (.pdf, .txt …), or a
                           summary made earlier by this same level (cover = --agency/--uscc)
=================  ======  =====================================================================
"""

from __future__ import annotations

ACCEPTED = "已汇总"
WARNINGS = "有警告"
ERRORS = "有错误未汇总"
ERRORS_INCLUDED = "有错误已汇总"
UNREADABLE = "无法读取"
REPLACED = "重复已替代"
UNLISTED = "非名册单位"
WRONG_FORM = "表式不符未汇总"
WRONG_YEAR = "年度不符未汇总"
IN_SUB_SUMMARY = "已含于下级汇总"
SKIPPED = "已跳过"

ALL = (ACCEPTED, WARNINGS, ERRORS, ERRORS_INCLUDED, UNREADABLE, REPLACED, UNLISTED, WRONG_FORM, WRONG_YEAR,
       IN_SUB_SUMMARY, SKIPPED)
SUMMED = frozenset({ACCEPTED, WARNINGS, ERRORS_INCLUDED})
# How a row of the 报送情况 sheet is coloured.
TONE = {ACCEPTED: "ok", WARNINGS: "warn", ERRORS_INCLUDED: "warn", SKIPPED: "muted", REPLACED: "muted",
        IN_SUB_SUMMARY: "muted"}


def tone(status: str) -> str:
    return TONE.get(status, "bad")
