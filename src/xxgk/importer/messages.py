"""The importer's findings: a stable code, a severity, and a Chinese message (location → problem → remedy)."""

from __future__ import annotations

from typing import Any

from xxgk.findings import ERROR, WARNING, Finding

MESSAGES: dict[str, tuple[str, str]] = {
    "import.ocr": (ERROR, "“{name}”没有文字层（扫描件或图片），需要 OCR：本程序不识别图片中的文字。"
                          "请向发布单位索取 Word/PDF 原文，或先用 OCR 软件转成文字后再导入。"),
    "import.exists": (ERROR, "“{name}”未导入：输出文件“{output}”已存在，为免覆盖未重新生成。"
                             "如需覆盖，请加 --force；或换一个输出目录。"),
    "import.internal": (ERROR, "“{name}”导入时程序内部出错（{reason}），未生成工作簿。请把这份报告发给技术人员；"
                               "设置环境变量 XXGK_DEBUG=1 可显示详细信息。"),
    "import.too_large": (ERROR, "“{name}”有 {size}，超过导入上限 {limit}，未读取。请确认文件是否正确，或拆分后再导入。"),
    "import.unreadable": (ERROR, "“{name}”无法读取：{reason}。请确认文件完整，或另存为 .docx / .html / .txt 后再导入。"),
    "import.unknown_form": (ERROR, "“{name}”中找不到年报统计表的表头（如“本年制发件数”“本年新制作数量”），无法判断表式，"
                                   "未生成工作簿。请确认这是政府信息公开工作年度报告。"),
    "import.form_by_year": (WARNING, "表头不足以判断表式，按报告年度 {year} 采用 {form} 表式。请核对。"),
    "import.row_missing": (WARNING, "「{sheet}」：报告中没有找到{labels}（共 {count} 行），这些行未填写。"
                                    "请对照原文核对（行名写法不同时，可在表式 YAML 中为该行加 variants）。"),
    "import.blank_total": (WARNING, "「{sheet}」：原文中 {count} 个合计栏为空（{labels}），工作簿中照原文留空、不按公式计算"
                                    "（校验结果中的“自动计算的公式被删除”即指这些栏）。合计不应空缺，请向报告单位核实。"),
    "import.count_mismatch": (ERROR, "{where}“{label}”一行应有 {expected} 个数，读到 {actual} 个：“{raw}”。"
                                     "可能有单元格丢失、多出或数字粘连，无法确定各数对应哪一列，本行未填写。请对照原文手工填写。"),
    "import.duplicate_row": (ERROR, "{where}“{label}”一行在报告中出现两次且数字不同（另见 {other}），无法确定取哪一行，"
                                    "本行未填写。请对照原文核对。"),
    "import.unreadable_value": (ERROR, "{where}“{label}”：“{raw}”不是可以确定的数字，该单元格未填写。请对照原文手工填写。"),
    "import.unit_dropped": (WARNING, "{where}“{label}”：原文为“{raw}”，去掉单位“{unit}”后按 {number} 填入。"
                                     "统计表只填数字，请确认单位无误。"),
    "import.yuan": (WARNING, "{where}“{label}”：原文为“{raw}”（单位元），本表以万元为单位，已换算为 {number} 万元。请核对。"),
    "import.note": (WARNING, "{where}“{label}”：原文为“{raw}”，按 {number} 填入，括号内说明“{note}”保留在批注中。"),
    "import.label_by_position": (WARNING, "{where}：原文行名“{raw}”与表式的“{label}”不完全相同（疑为印刷错误），"
                                          "因其正好位于“{before}”与“{after}”两行之间，按位置认作“{label}”填入。"
                                          "请对照原文核对这一行的数字。"),
    "import.group_row": (ERROR, "{where}：原文把“{group}”印成一行（“{printed} {raw}”），没有分列其 {count} 个子项"
                                "（{items}），无法把数字分到各子项，这些子项未填写。请向报告单位核实各子项的数字后手工填写。"),
    "import.group_row_zero": (WARNING, "{where}：原文把“{group}”印成一行（“{printed} {raw}”），没有分列其 {count} 个子项"
                                       "（{items}）；该行全为 0，各子项均按 0 填入。请核对。"),
    "import.table_repeated": (ERROR, "「{sheet}」在报告中出现了 {count} 次（如本年与上年对比）：{places}。"
                                     "无法确定哪一处是本年度（{year} 年）的数字，本表未填写。"
                                     "请对照原文，把本年度的数字手工填入本表。"),
    "import.table_repeated_year": (WARNING, "「{sheet}」在报告中出现了 {count} 次（如本年与上年对比）：{places}。"
                                            "按各处标注的年度，取用第 {chosen} 处（{year} 年）的数字，其余未用。请核对。"),
    "import.text_mismatch": (WARNING, "正文与统计表不一致：正文“{sentence}”写的是 {text_number}，"
                                      "统计表中{label}为 {table_number}。请核对正文或统计表。"),
}


# The Chinese name of each code: what people read where a finding's kind is shown (导入提示, --json "title").
NAMES: dict[str, str] = {
    "import.ocr": "需要 OCR", "import.exists": "工作簿已存在", "import.internal": "程序内部错误",
    "import.too_large": "文件过大", "import.unreadable": "无法读取", "import.unknown_form": "无法判断表式",
    "import.form_by_year": "按年度判断表式", "import.row_missing": "缺少行", "import.blank_total": "合计空缺",
    "import.count_mismatch": "数字个数不符", "import.duplicate_row": "行重复出现",
    "import.unreadable_value": "数字无法确定", "import.unit_dropped": "去掉单位", "import.yuan": "元换算为万元",
    "import.note": "括号内说明", "import.label_by_position": "行名有误按位置认定",
    "import.group_row": "子项合印一行", "import.group_row_zero": "子项合印一行（全为 0）",
    "import.table_repeated": "统计表重复出现", "import.table_repeated_year": "统计表重复出现（按年度取用）",
    "import.text_mismatch": "正文与统计表不一致",
}


def import_finding(code: str, *, ids: tuple[str, ...] = (), expected: Any = None, actual: Any = None,
                   **params: Any) -> Finding:
    severity, template = MESSAGES[code]
    if isinstance(params.get("reason"), str):  # a reason from elsewhere may end its own sentence
        params["reason"] = params["reason"].rstrip("。")
    return Finding(code, severity, template.format(expected=expected, actual=actual, **params), None, ids, (), expected,
                   actual, NAMES.get(code))
