"""Findings are data: one frozen record per problem, with a stable code and a Chinese message.

MESSAGES holds the message templates by code (location → problem → remedy). Tests import the same
templates, so a wording change is one edit. Rule mismatches use the rule's own template from the spec.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

Scalar = int | float | str | None

ERROR = "error"
WARNING = "warning"

MESSAGES: dict[str, str] = {
    # cell content
    "cell.text": "「{sheet}」{cell}（{label}）：填写的是文字“{raw}”，按数字 {number} 读取。请只填写阿拉伯数字，不要带单位或说明文字。",
    "cell.number_as_text": "「{sheet}」{cell}（{label}）：数字“{raw}”被存成了文本，表内公式不会计入，已按 {number} 读取。请将单元格设为数值格式后重新输入该数字。",
    "cell.decimal_in_integer": "「{sheet}」{cell}（{label}）：此处应为整数，填写的是 {raw}。请填写整数。",
    "cell.negative": "「{sheet}」{cell}（{label}）：填写的是负数 {raw}，此处不允许负数。请填写不小于 0 的数。",
    "cell.too_many_decimals": "「{sheet}」{cell}（{label}）：金额 {raw} 超过 6 位小数。请以万元为单位，至多保留 6 位小数。",
    "cell.not_a_number": "「{sheet}」{cell}（{label}）：内容“{raw}”不是数字，按 0 计。请填写数字。",
    "cell.formula": "「{sheet}」{cell}（{label}）：填写的是公式“{formula}”，不是数字；已按其显示的结果 {shown} 读取。"
    "请直接填写数字（从别处复制时用“选择性粘贴 → 数值”）。",
    "cell.implausible": "「{sheet}」{cell}（{label}）：{number} 超出{scope}的合理范围（{kind}不超过 {limit}），"
    "疑似多输了数字或误填了编号、金额单位。请核对；确实如此的请在报送说明中注明。",
    "table.blank": "「{sheet}」有 {count} 个单元格未填写，已按 0 计：{listing}。没有发生的事项请填 0。",
    "formula.overwritten": "「{sheet}」{cell}（{label}）：此处应为自动计算的公式，却被填入了数值 {actual}"
    "（按公式应为 {expected}）。请从标准模板恢复公式，或核对数字。",
    "formula.altered": "「{sheet}」{cell}（{label}）：表中显示为 {actual}，按各项数字计算应为 {expected}：自动计算的公式被改动，或文件保存前没有重新计算。请从标准模板恢复该公式，重新计算后保存。",
    "formula.removed": "「{sheet}」{cell}（{label}）：自动计算的公式被删除，已按公式重新计算为 {expected}。请从标准模板恢复公式。",
    # cover
    "cover.formula": "「{sheet}」{label}（{cell}）：填写的是公式“{formula}”（显示为{shown}），不是文字，无法据此核对。"
    "请删除公式，直接输入{label}（不要粘贴超链接或引用其他表格）。",
    "cover.required": "「{sheet}」{label}未填写。请填写{label}。",
    "cover.uscc": "「{sheet}」{label}“{raw}”{reason}。请核对后重新填写 18 位统一社会信用代码。",
    "cover.region": "「{sheet}」{label}“{raw}”{reason}。请填写 6 位数字的行政区划代码。",
    "cover.year": "「{sheet}」{label}“{raw}”{reason}。请填写 4 位数字的报告年度，或改用对应年度的模板。",
    "cover.date": "「{sheet}」{label}“{raw}”不是日期。请按 2025-01-15 的格式填写日期。",
    "cover.choice": "「{sheet}」{label}“{raw}”不是可选值（{choices}）。请从下拉列表中选择。",
    # cross-year
    "previous.missing": "上年报告 {path} 无法使用：{reason} 跨年度核对（上年结转等）未进行，请检查上年报告。",
    "previous.no_match": "上年报告（{files}）中没有“{agency}”（按统一社会信用代码和单位名称查找），跨年度核对（上年结转等）未进行。请提供本单位的上年报告。",
    "yoy.jump": "「{sheet}」{cell}（{label}）：本年 {actual}，上年 {expected}，{factor_text}（{direction}，{limit}）。"
    "疑似录入错误或单位混淆（如元/万元），请核对；确实如此的请在报送说明中注明。",
    "yoy.unchanged": "全部 {count} 个表格数字与上年报告（{path}）完全相同，疑似沿用上年数据。请按本年度实际情况填写。",
    "previous.wrong_year": "上年报告 {path} 的报告年度为 {last}，不是 {year} 的上一年，跨年度核对未进行。请提供 {year} 年上一年的报告。",
    # whole file
    "file.unreadable": "{reason}",
    "file.converted": "{what}，已用 LibreOffice 自动转换为 .xlsx 后读取（原文件未改动）。"
    "今后请在 Excel/WPS 中另存为 Excel 工作簿 (.xlsx) 后报送。",
    "file.macros": "{what}。宏没有运行，也不会带入任何输出，只读取了表中数据。请另存为不含宏的 Excel 工作簿 (.xlsx) 后报送。",
    "file.xlsm": "{what}，其中没有宏，已正常读取。今后请另存为 Excel 工作簿 (.xlsx) 报送（不少单位的安全设置会拦截 .xlsm 文件）。",
    "file.misnamed": "{named}，但本文件实为 Excel 工作簿（{content}），已按实际格式读取。请将文件另存为 .xlsx 后报送。",
    "file.not_template": "不是 xxgk 年报模板：{reason}。请使用标准模板（workbook/ 目录）填报后再校验。",
    "file.unknown_form": "模板表式“{form}”无法识别（本程序支持：{known}）。请使用标准模板填报。",
    "file.spec_version": "本文件由 {form} 表式的 {found} 版模板填写，当前模板为 {current} 版；已按名称读取。如有结构变化，请改用最新模板重新填报。",
    "file.missing_names": "模板结构不完整：缺少 {count} 个定义名称（如 {names}）。请使用标准模板重新填报，不要删除行或列。",
    "file.moved_rows": "「{sheet}」第 {row} 行应为“{expected}”，实际为“{actual}”：表格行被移动、插入或删除。请使用标准模板重新填报。",
}

# Why a .xls/.ods/.et file could not be converted (xxgk.convert): the reason of a file.unreadable finding.
MESSAGES.update({
    "convert.no_soffice": "{what}，需要先用 LibreOffice 转换为 .xlsx 才能读取，但本机没有安装 LibreOffice（soffice）。"
    "请安装 LibreOffice 后重试，或请报送单位在 Excel/WPS 中另存为 Excel 工作簿 (.xlsx) 后重新报送。",
    "convert.timeout": "{what}，用 LibreOffice 转换为 .xlsx 超过 {seconds} 秒仍未完成，已终止。文件可能过大或已损坏；"
    "请在 Excel/WPS 中另存为 Excel 工作簿 (.xlsx) 后重新报送。",
    "convert.failed": "{what}，但 LibreOffice 无法打开它、无法转换为 .xlsx，文件可能已损坏。"
    "请在 Excel/WPS 中打开后另存为 Excel 工作簿 (.xlsx) 再重新报送。",
    "convert.too_large": "{what}，大小 {size}，超过自动转换的上限 {limit}（一份年报通常只有几百 KB），未转换。"
    "请删除无关的工作表和图片，另存为 Excel 工作簿 (.xlsx) 后重新报送。",
    "convert.native_et": "本文件是 WPS 表格的专有格式 (.et)，LibreOffice 无法打开（只有内部为 Excel 97-2003 格式的 .et 能自动转换）。"
    "请在 WPS 中“另存为” Excel 工作簿 (.xlsx) 后重新报送。",
})

USCC_REASONS = {
    "length": "长度不是 18 位",
    "charset": "含有不允许的字符（不使用 I、O、Z、S、V）",
    "check_digit": "校验位不正确",
}
# What people read for a code (the 规则 column of the portal, the CLI): a rule finding shows its own title
# (xxgk.labels.rule_title); every other code its name here. Codes stay in JSON and narrow columns.
CODE_NAMES: dict[str, str] = {
    "rule": "勾稽关系",
    "cell.text": "数字中有文字",
    "cell.number_as_text": "数字存成了文本",
    "cell.decimal_in_integer": "整数栏填了小数",
    "cell.negative": "不允许负数",
    "cell.too_many_decimals": "小数位数过多",
    "cell.not_a_number": "不是数字",
    "cell.formula": "填写了公式",
    "cell.implausible": "数字超出合理范围",
    "table.blank": "有未填写的单元格",
    "formula.overwritten": "公式被数值覆盖",
    "formula.altered": "公式被改动",
    "formula.removed": "公式被删除",
    "cover.formula": "封面填写了公式",
    "cover.required": "封面必填项未填",
    "cover.uscc": "统一社会信用代码有误",
    "cover.region": "行政区划代码有误",
    "cover.year": "报告年度有误",
    "cover.date": "日期有误",
    "cover.choice": "不是可选值",
    "previous.missing": "上年报告无法使用",
    "previous.no_match": "上年报告中没有本单位",
    "previous.wrong_year": "上年报告年度不符",
    "yoy.jump": "与上年相比变化过大",
    "yoy.unchanged": "与上年完全相同",
    "file.unreadable": "文件无法读取",
    "file.converted": "已自动转换格式",
    "file.macros": "文件含宏",
    "file.xlsm": "启用宏的文件格式",
    "file.misnamed": "扩展名与实际格式不符",
    "file.not_template": "不是年报模板",
    "file.unknown_form": "无法识别的表式",
    "file.spec_version": "模板版本较旧",
    "file.missing_names": "模板结构不完整",
    "file.moved_rows": "表格行被移动",
    "convert.no_soffice": "无法转换格式",
    "convert.timeout": "格式转换超时",
    "convert.failed": "格式转换失败",
    "convert.too_large": "文件太大无法转换",
    "convert.native_et": "表格文件需转换",
    "portal.wrong_form": "表式与本年度不符",
    "portal.wrong_year": "报告年度与本次报送不符",
    "portal.other_agency": "封面是其他单位",
    "portal.other_unit": "封面是其他单位",
    "portal.uscc_mismatch": "统一社会信用代码与登记的不一致",
    "portal.wrong_kind": "报表类型与单位不符",
    "portal.other_region": "封面是其他地区",
    "consolidate.duplicate": "重复报送",
    "consolidate.in_sub_summary": "已计入下级汇总",
    "consolidate.in_sub_summary_differs": "与下级汇总中的数字不同",
    "consolidate.included_invalid": "计入了有错误的报表",
    "consolidate.newer_invalid": "新版本有错误",
    "consolidate.no_units": "没有可汇总的单位",
    "consolidate.own_summary": "本级汇总表",
    "consolidate.previous_partial": "上年汇总不完整",
    "consolidate.replaced_valid": "重复已替代",
    "consolidate.shared_uscc": "统一社会信用代码重复",
    "consolidate.shared_uscc_inner": "统一社会信用代码重复",
    "consolidate.summary_mismatch": "汇总表与各单位合计不符",
    "consolidate.unit_twice": "同一单位出现两次",
    "consolidate.unlisted": "不在名册中",
    "consolidate.unlisted_included": "不在名册中但已计入",
    "consolidate.wrong_form": "表式不符",
    "consolidate.wrong_year": "报告年度不符",
    "consolidate.other_cover": "封面是其他单位",
}


def code_name(code: str | None, title: str | None = None) -> str:
    """The Chinese name people read for a finding: its rule's title, else its code's name (never the code)."""
    if title:
        return title
    family = (code or "").partition(".")[0]
    return CODE_NAMES.get(code or "") or {"import": "导入时的问题", "portal": "报送平台核对",
                                          "consolidate": "汇总时的问题"}.get(family, "其他问题")


REGION_REASONS = {"format": "不是 6 位数字", "province": "前两位不是有效的省级代码"}


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str
    message: str
    rule: str | None = None
    ids: tuple[str, ...] = ()
    cells: tuple[str, ...] = ()
    expected: Scalar = None
    actual: Scalar = None
    title: str | None = None  # the check's Chinese name (xxgk.labels), for people; `rule`/`code` are for tools
    factor: float | None = None  # year over year (xxgk.yoy): this year's number / last year's

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["ids"], d["cells"] = list(self.ids), list(self.cells)
        return d


def finding(code: str, severity: str, *, rule: str | None = None, ids: tuple[str, ...] = (),
            cells: tuple[str, ...] = (), expected: Scalar = None, actual: Scalar = None, title: str | None = None,
            **params: Any) -> Finding:
    """A finding whose message is the template of its code filled with params."""
    message = MESSAGES[code].format(expected=expected, actual=actual, **params)
    return Finding(code, severity, message, rule, ids, cells, expected, actual, title)


def count(findings: Iterable[Finding], severity: str) -> int:
    return sum(f.severity == severity for f in findings)


class Counted:
    """errors and warnings: the counts of a record that holds findings."""

    findings: list[Finding]

    @property
    def errors(self) -> int:
        return count(self.findings, ERROR)

    @property
    def warnings(self) -> int:
        return count(self.findings, WARNING)


def number(value: float) -> int | float:
    """A JSON-friendly number: integral floats become int, others keep at most 6 decimals."""
    if value != value:  # NaN
        return value
    return int(value) if float(value).is_integer() else round(float(value), 6)
