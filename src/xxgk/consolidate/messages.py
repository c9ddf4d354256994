"""Findings the consolidation adds (same Finding record as the validator, own codes and templates)."""

from __future__ import annotations

from typing import Any

from xxgk.findings import Finding, Scalar

MESSAGES: dict[str, str] = {
    "consolidate.wrong_form": "本文件是 {form}（{basis}）表式，本次按 {chosen}（{chosen_basis}）表式汇总，未汇总。"
    "请使用 {chosen_basis} 的标准模板重新填报。",
    "consolidate.wrong_year": "报告年度为 {year}，本次汇总的是 {chosen} 年度，未汇总。请核对报告年度或文件是否报错。",
    "consolidate.duplicate": "与“{winner}”是同一单位（{agency}）的重复报送，以{why}的“{winner}”为准，本文件未汇总。",
    "consolidate.in_sub_summary": "“{agency}”已包含在下级汇总“{summary}”中，本文件不再重复计入。"
    "如两份数字不同，请与下级汇总单位核实以哪一份为准。",
    "consolidate.unit_twice": "“{agency}”同时包含在“{first}”和“{second}”中，只按“{first}”计入一次。"
    "请与两个汇总单位核实该单位的归属。",
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


def consolidation_finding(code: str, severity: str, *, ids: tuple[str, ...] = (), cells: tuple[str, ...] = (),
                          expected: Scalar = None, actual: Scalar = None, **params: Any) -> Finding:
    """A Finding with one of the consolidation's codes, its message filled from params."""
    message = MESSAGES[code].format(expected=expected, actual=actual, **params)
    return Finding(code, severity, message, None, ids, cells, expected, actual)
