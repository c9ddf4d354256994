"""Findings the consolidation adds (same Finding record as the validator, own codes and templates)."""

from __future__ import annotations

from typing import Any

from xxgk.findings import Finding, Scalar

MESSAGES: dict[str, str] = {
    "consolidate.wrong_form": "本文件是 {form}（{basis}）表式，本次按 {chosen}（{chosen_basis}）表式汇总，未汇总。"
    "请使用 {chosen_basis} 的标准模板重新填报。",
    "consolidate.wrong_year": "报告年度为 {year}，本次汇总的是 {chosen} 年度，未汇总。请核对报告年度或文件是否报错。",
    "consolidate.duplicate": "本文件（{agency}）与“{winner}”（{winner_agency}）是同一单位的重复报送（{basis}），"
    "以{why}的“{winner}”为准，本文件未汇总。如应以本文件为准，请删去“{winner}”后重新汇总。",
    "consolidate.shared_uscc": "本文件（{agency}）封面的统一社会信用代码与“{other}”（{file}）相同，请核对：两者单位名称不同，"
    "不按同一单位的重复报送处理。请确认哪个单位填错了统一社会信用代码，改正后重新报送；"
    "如确属共用一个代码（如未单独取得代码的下属单位），可加 --include-invalid 计入。",
    "consolidate.shared_uscc_inner": "下级汇总中“{agency}”的统一社会信用代码与“{other}”（{file}）相同，请核对：两者单位名称不同，"
    "按两个单位分别计入。请与下级汇总单位确认哪个单位填错了统一社会信用代码。",
    "consolidate.in_sub_summary": "“{agency}”已包含在下级汇总“{summary}”中，两份数字相同，本文件不再重复计入。",
    "consolidate.in_sub_summary_differs": "“{agency}”已包含在下级汇总“{summary}”中，本文件不再重复计入；但两份数字有 {count} 处不同"
    "（{listing}），{dates}。请与下级汇总单位核实以哪一份为准；如应以本文件为准，请下级汇总单位改正后重新汇总报送。",
    "consolidate.newer_invalid": "注意：替代本文件的“{winner}”是较新的一份，但有 {count} 个错误，{fate}；本文件没有错误。"
    "请与该单位核实以哪一份为准：改正“{winner}”后重新报送，或删去“{winner}”后重新汇总。",
    "consolidate.replaced_valid": "注意：本文件替代了同一单位较早报送、没有错误的“{loser}”，但本文件有 {count} 个错误，{fate}。"
    "请与该单位核实：改正本文件后重新报送，或确认以“{loser}”为准（删去本文件后重新汇总）。",
    "consolidate.previous_partial": "汇总合计的跨年度核对未进行：本次汇总的 {count} 个单位中有 {missing} 个在上年数据“{source}”中"
    "找不到各自对应的单位（{names}），合计数无法与上年同一批单位比较。各单位的跨年度核对照常进行；如需核对合计，"
    "请在 --previous 中提供包含这些单位的上年报表。",
    "consolidate.unit_twice": "“{agency}”同时包含在“{first}”和“{second}”中，只按“{first}”计入一次。"
    "请与两个汇总单位核实该单位的归属。",
    "consolidate.other_cover": "本文件是为“{sender}”报送的，但封面填写的单位是“{cover}”，按“{sender}”的报表汇总。"
    "请“{sender}”核对是否上传了其他单位的报表，改正封面后重新报送。",
    "consolidate.unlisted": "“{agency}”不在名册中，未汇总。如确属应报单位，请将其补入名册后重新汇总。",
    "consolidate.unlisted_included": "“{agency}”不在名册中，按 --include-unlisted 已计入汇总。",
    "consolidate.no_units": "下级汇总没有可识别的“{sheet}”表（可能是手工汇总的），按一个整体计入，"
    "无法核对其中的单位是否被重复计入。请下级汇总单位用 xxgk consolidate 重新汇总后报送。",
    "consolidate.summary_mismatch": "汇总表「{sheet}」{cell}（{label}）为 {actual}，而“{units}”表中各单位之和为 {expected}："
    "汇总后表内数字或“{units}”表的行被改动过。请下级汇总单位重新汇总后报送。",
    "consolidate.own_summary": "这是本级（{agency}）以前生成的汇总表，不作为下级汇总计入，以免用旧数字代替各单位现在报送的报表。"
    "如确是下级报来的汇总表，请核对 --agency / --uscc。",
    "consolidate.included_invalid": "本文件有 {count} 个错误，按 --include-invalid 仍计入汇总。",
}

# Parts of the messages above and of the 原因 column.
DUPLICATE_BASIS = {"uscc": "统一社会信用代码和单位名称相同", "code": "统一社会信用代码相同", "name": "单位名称相同"}
DATE_ORDER = {"mine": "本文件的填报日期（{mine}）较晚", "theirs": "下级汇总中那一份的填报日期（{theirs}）较晚",
              "same": "两份的填报日期相同（{mine}）", "unknown": "填报日期无法比较（本文件：{mine}；下级汇总中：{theirs}）"}
CELL_DIFFERENCE = "{label}：本文件 {mine}，下级汇总中 {theirs}"
NOT_FILLED = "未填"
MORE = "等"
FATE = {"out": "未汇总，该单位因此没有计入汇总", "in": "按 --include-invalid 仍计入汇总"}
REASONS = {
    "summary": "下级汇总，计入 {count} 个单位",
    "counts": "{counts}，首项：{first}",
    "errors": "{count} 个错误",
    "warnings": "{count} 个警告",
    "passed": "全部校验通过",
    "cross_year_only": "因跨年度核对（与 --previous 指定的上年数据比较）发现 {count} 个错误，本文件未汇总；"
    "请与该单位核实，确认无误的可加 --include-invalid 计入",
    "cross_year_some": "其中 {count} 个错误来自跨年度核对（与 --previous 指定的上年数据比较）",
}


def consolidation_finding(code: str, severity: str, *, ids: tuple[str, ...] = (), cells: tuple[str, ...] = (),
                          expected: Scalar = None, actual: Scalar = None, **params: Any) -> Finding:
    """A Finding with one of the consolidation's codes, its message filled from params."""
    message = MESSAGES[code].format(expected=expected, actual=actual, **params)
    return Finding(code, severity, message, None, ids, cells, expected, actual)
