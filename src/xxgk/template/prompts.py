"""What staff see while typing: the data validation of the input cells (by cell type) and of the cover
fields (by field type), each with its Chinese prompt and the message when Excel refuses an entry."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from xxgk.spec import Field
from xxgk.template.covercheck import USCC_LENGTH

ERROR_TITLE = "输入有误"

CELL_PROMPTS: dict[str, dict[str, Any]] = {
    "count": {
        "validate": "integer", "criteria": ">=", "value": 0,
        "input_title": "请填写整数",
        "input_message": "请输入不小于 0 的整数，只填数字，不带单位或文字；没有请填 0。",
        "error_title": "输入有误",
        "error_message": "请输入不小于 0 的整数（如 0、12），不要带单位、文字或小数。",
    },
    "signed": {
        "validate": "integer", "criteria": "between", "minimum": -999999999, "maximum": 999999999,
        "input_title": "请填写整数（可为负数）",
        "input_message": "请输入整数，减少时填写负数（如 -3）；只填数字，不带单位或文字；没有请填 0。",
        "error_title": "输入有误",
        "error_message": "请输入整数（可以是负数，如 -3），不要带单位、文字或小数。",
    },
    "amount": {
        "validate": "decimal", "criteria": ">=", "value": 0,
        "input_title": "请填写金额（万元）",
        "input_message": "请输入以万元为单位的金额，不小于 0，最多 6 位小数；只填数字，不带单位；没有请填 0。",
        "error_title": "输入有误",
        "error_message": "请输入不小于 0 的数字（单位：万元，最多 6 位小数），不要带单位或文字。",
    },
}


def field_prompt(f: Field, a1: str, years: tuple[int, int]) -> dict[str, Any] | None:
    """The data validation of the cover field `f` in cell `a1`, or None when it needs none."""
    title = f.label[:32]
    rule = _FIELD_RULES.get(f.type)
    if rule is not None:
        required = "（必填）" if f.required else ""
        return {**rule(f, a1, years, required), "input_title": title, "error_title": ERROR_TITLE}
    if f.required:
        return {"validate": "any", "input_title": title, "input_message": f"请填写{f.label}（必填）。"}
    return None


def _choice(f: Field, _a1: str, _years: tuple[int, int], required: str) -> dict[str, Any]:
    choices = "、".join(f.choices)
    return {"validate": "list", "source": list(f.choices),
            "input_message": f"请从下拉列表中选择：{choices}。{required}", "error_message": f"只能选择：{choices}。"}


def _uscc(_f: Field, _a1: str, _years: tuple[int, int], required: str) -> dict[str, Any]:
    return {"validate": "length", "criteria": "==", "value": USCC_LENGTH,
            "input_message": "统一社会信用代码是 18 位的单位身份代码，由数字和大写英文字母组成，"
                             "印在事业单位法人证书、营业执照或机关赋码证书上。请照抄 18 位，不要加空格。" + required,
            "error_message": "统一社会信用代码应为 18 位（数字和大写英文字母），请核对。"}


def _region(_f: Field, a1: str, _years: tuple[int, int], required: str) -> dict[str, Any]:
    # a text cell: 6 characters that read as a number of 6 digits
    return {"validate": "custom", "value": f"=AND(LEN({a1})=6,ISNUMBER(--{a1}),--{a1}>=100000)",
            "input_message": f"请填写 6 位数字的行政区划代码，如 110000（北京市）。{required}",
            "error_message": "行政区划代码应为 6 位数字，如 110000。"}


def _year(_f: Field, _a1: str, years: tuple[int, int], required: str) -> dict[str, Any]:
    lo, hi = years
    return {"validate": "integer", "criteria": "between", "minimum": lo, "maximum": hi,
            "input_message": f"请填写 4 位数字的年份（{lo}—{hi}），如 {lo}。{required}",
            "error_message": f"本模板适用于 {lo}—{hi} 年度的报告，请填写 4 位数字年份。"}


def _date(_f: Field, _a1: str, years: tuple[int, int], required: str) -> dict[str, Any]:
    lo, hi = years
    return {"validate": "date", "criteria": "between", "minimum": dt.date(lo, 1, 1), "maximum": dt.date(hi + 1, 12, 31),
            "input_message": f"请按“年-月-日”填写日期，如 {lo + 1}-01-15。{required}",
            "error_message": f"请填写日期，如 {lo + 1}-01-15。"}


_FIELD_RULES: dict[str, Callable[[Field, str, tuple[int, int], str], dict[str, Any]]] = {
    "choice": _choice, "uscc": _uscc, "region": _region, "year": _year, "date": _date,
}
