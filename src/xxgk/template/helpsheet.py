"""The template's 说明 sheet: how to fill the workbook, read the 校验 sheet and lift the protection."""

from __future__ import annotations

import re

from xlsxwriter import Workbook

from xxgk.checksheet import BAD, CHECK_SHEET, OK, TITLE_PT, lines_height
from xxgk.spec import FormSpec
from xxgk.template.sheet import new_sheet, protect
from xxgk.template.styles import Styles

HELP_SHEET = "说明"
HELP_WIDTH = 80  # Excel character units

HELP_TEXT = """\
{name}填写说明（{basis}）
一、怎样填写
1. 先填写“{cover}”表，再依次填写{tables}各表。不要改动表名、行列标签和位置，不要插入或删除行、列，否则汇总和校验程序无法识别。
2. 只填写白色单元格。灰色单元格是自动计算的合计，已用公式锁定，不需要也不能填写。
3. 没有发生的事项请填 0，不要留空。空白单元格在计算中按 0 处理，但写 0 才能表明“确实为零”而不是漏填。
4. 只填写阿拉伯数字，不要带单位或文字（例如“7次”应填 7），不要加空格。件数、次数等填写不小于 0 的整数；表中注明可增可减的栏目可以填写负数。
5. 金额一律以“万元”为单位，最多保留 6 位小数（即精确到分），不要填写以“元”为单位的数字。
6. 输入不符合要求时，表格会弹出提示并拒绝输入；从其他文件复制粘贴的内容不受此限制，粘贴后请自行核对。
二、“{check}”表怎样看
1. “{check}”表先逐项检查“{cover}”表的填写（必填项、代码格式、报告年度等），再列出本报告的各项勾稽关系，每行给出校验项（所在表及行、列名称）、说明、涉及的单元格、左边和右边的计算结果及差额，“结果”列显示 {ok} 表示通过、{bad} 表示未通过。
2. 有未通过的校验时，相关的白色单元格（包括“{cover}”表的填写栏）以红色标出，“{cover}”表下方也会显示未通过的项数。请逐项核对，直到全部显示 {ok}。
3. 需要与上年报告比对的校验（例如上年结转数）不在本表中，由下面的命令行工具完成。
三、工作表保护
各表设置了工作表保护，但没有密码，只为防止误改公式。确需修改时，在“审阅”选项卡点击“撤销工作表保护”（WPS 表格同样在“审阅”中），密码留空直接确定即可；改完请恢复原有公式并重新保护。
四、提交前检查
填写完成后，可在命令行运行：xxgk validate 文件.xlsx
该命令检查全部校验规则、数字格式、统一社会信用代码、行政区划代码等，并逐项给出中文说明。
五、其他
本模板可用 Microsoft Excel、WPS 表格或 LibreOffice 打开和填写，不含宏。
"""

_HEADING = re.compile(r"^[一二三四五六七八九十]+、")


def help_lines(spec: FormSpec) -> list[str]:
    return HELP_TEXT.format(
        name=spec.name, basis=spec.basis, cover=spec.cover.sheet, check=CHECK_SHEET, ok=OK, bad=BAD,
        tables="、".join(f"“{t.sheet}”" for t in spec.tables)).splitlines()


def write_help_sheet(wb: Workbook, spec: FormSpec, s: Styles) -> None:
    ws = new_sheet(wb, HELP_SHEET)
    ws.set_portrait()
    ws.set_column(0, 0, HELP_WIDTH)
    lines = help_lines(spec)
    for row, line in enumerate(lines):
        # explicit heights: LibreOffice does not fit wrapped rows of an xlsx on load
        fmt = s.title if row == 0 else s.heading if _HEADING.match(line) else s.text
        ws.write_string(row, 0, line, fmt)
        ws.set_row(row, TITLE_PT if row == 0 else lines_height(line, HELP_WIDTH))
    ws.print_area(0, 0, len(lines) - 1, 0)
    protect(ws)
