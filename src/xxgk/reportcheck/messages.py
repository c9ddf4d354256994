"""The findings of 年报体检: code → severity, Chinese message (location → problem → remedy), Chinese name."""

from __future__ import annotations

from typing import Any

from xxgk.findings import ERROR, WARNING, Finding, code_name

MESSAGES: dict[str, tuple[str, str]] = {
    "report.section_missing": (ERROR, "缺少“{name}”部分：报告中没有找到这一部分的标题（应为第{position}部分，如“{example}”）。"
                                      "请按国办公开办函〔2021〕30号的格式补上这一部分（没有内容的也应写明）。"),
    "report.section_order": (ERROR, "“{heading}”（{where}）排在“{before}”之后，顺序不对：各部分应依次为{order}。"
                                    "请调整各部分的顺序。"),
    "report.section_repeated": (WARNING, "“{name}”部分有 {count} 个标题：{headings}。每一部分只应出现一次"
                                         "（疑为沿用旧的八部分结构），请按现行格式合并。"),
    "report.numbering_mixed": (WARNING, "标题“{heading}”（{where}）的编号是“{style}”式，其余各部分标题是“{main}”式"
                                        "（如“{example}”），编号样式不一致。请统一各部分标题的编号。"),
    "report.numbering_gap": (WARNING, "标题“{heading}”（{where}）编号为 {number}，上一个同级标题“{before}”编号为 {last}，"
                                      "编号不连续。请核对是否漏了部分或编号有误。"),
    "report.problems_empty": (ERROR, "“{heading}”（{where}）下只有 {chars} 个字{quote}，没有写明存在的问题和改进措施。"
                                     "请写明本年度的具体问题及改进情况。"),
    "report.problems_repeated": (ERROR, "“{heading}”部分有 {percent} 的文字与上年报告（{previous}）相同（{count} 段），"
                                        "如“{quote}”。问题和改进措施应针对本年度，请按实际情况重写。"),
    "report.text_repeated": (WARNING, "全文有 {percent} 的文字与上年报告（{previous}）相同（{count} 段），如“{quote}”。"
                                      "请核对是否沿用了上年的报告，按本年度实际情况撰写。"),
    "report.late": (ERROR, "发布日期 {date}（{source}）晚于法定期限 {deadline}：{kind}应在次年{month}月{day}日前公布上一年度的"
                           "年度报告（{basis}）。请按期发布，或核对日期。"),
    "report.date_in_year": (ERROR, "日期 {date}（{source}）在报告年度 {year} 年之内，年度尚未结束就已成文，日期或年度有误。"
                                   "请核对报告年度和成文日期。"),
    "report.form_year": (ERROR, "{year} 年度的报告用了 {used} 表式（{used_basis}），{year} 年度应使用 {wanted} 表式"
                                "（{wanted_basis}）。请按本年度的表式重新制表。"),
    "report.previous_other": (WARNING, "给出的上年报告“{file}”是“{other}”{other_year} 年度的报告，不是“{agency}”{last} 年度的；"
                                       "仍按它比较了文字。如不是本单位上一年度的报告，请改正 --previous。"),
    "report.previous_unmatched": (WARNING, "上年报告（{files}）中没有“{agency}”{last} 年度的报告（按单位名称和年度对应），"
                                           "未与上年比较。请提供本单位上一年度的报告。"),
}

NAMES: dict[str, str] = {
    "report.section_missing": "缺少部分", "report.section_order": "部分顺序不对", "report.section_repeated": "部分重复出现",
    "report.numbering_mixed": "编号样式不一致", "report.numbering_gap": "编号不连续",
    "report.problems_empty": "问题及改进部分为空",
    "report.problems_repeated": "问题及改进沿用上年", "report.text_repeated": "全文与上年雷同",
    "report.late": "逾期发布", "report.date_in_year": "日期在报告年度之内", "report.form_year": "表式与年度不符",
    "report.previous_unmatched": "未找到上年报告", "report.previous_other": "上年报告不是本单位上一年度的",
}

# What a finding is about (the 方面 column): by code, else by family; everything else is the tables'.
ASPECTS: dict[str, str] = {
    "report.section_missing": "章节结构", "report.section_order": "章节结构", "report.section_repeated": "章节结构",
    "report.numbering_mixed": "章节结构", "report.numbering_gap": "章节结构",
    "report.problems_empty": "问题及改进",
    "report.problems_repeated": "问题及改进", "report.text_repeated": "与上年雷同",
    "report.late": "发布时间", "report.date_in_year": "发布时间", "report.form_year": "表式",
    "report.previous_unmatched": "与上年雷同", "report.previous_other": "与上年雷同", "import.text_mismatch": "正文与统计表",
    "yoy.unchanged": "与上年雷同",
}
TABLES = "表格数据"
ASPECT_ORDER = ("表式", "表格数据", "正文与统计表", "章节结构", "问题及改进", "与上年雷同", "发布时间")


def aspect(code: str) -> str:
    return ASPECTS.get(code, TABLES)


def name_of(f: Finding) -> str:
    return NAMES.get(f.code) or code_name(f.code, f.title)


def report_finding(code: str, *, severity: str | None = None, expected: Any = None, actual: Any = None,
                   **params: Any) -> Finding:
    default, template = MESSAGES[code]
    return Finding(code, severity or default, template.format(**params), None, (), (), expected, actual, NAMES[code])
