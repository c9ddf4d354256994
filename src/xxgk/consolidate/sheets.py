"""The extra sheets of a summary workbook: names, rows and columns, shared by the writer and by the reader
of sub-summaries.

Every data sheet has the same frame: a title (row 1), a line of totals or counts (row 2), a hidden row of
machine keys (row 3), the header (row 4) and one record per row from row 5. A sub-summary is read back by
those keys, never by position, so a consolidator may sort, filter or hide columns freely.
"""

from __future__ import annotations

from dataclasses import dataclass

from xxgk.labels import cell_labels
from xxgk.spec import FormSpec

SUBMISSIONS = "报送情况"
ROSTER = "名册核对"
UNITS = "单位明细"
ISSUES = "校验结果"
SOURCES = "来源"
CHARTS = "图表"
SHEETS = (SUBMISSIONS, ROSTER, UNITS, ISSUES, SOURCES, CHARTS)

TITLE_ROW, INFO_ROW, KEY_ROW, HEADER_ROW, FIRST_ROW = 0, 1, 2, 3, 4

# Columns of the unit rows besides the cover fields and the cells.
UNIT_STATUS, UNIT_FILE, UNIT_VIA = "unit.status", "unit.file", "unit.via"
FIELD_WIDTHS = {"uscc": 21, "region": 10, "year": 8, "choice": 8, "date": 11, "text": 16}
UNIT_EXTRA = {UNIT_STATUS: "状态", UNIT_FILE: "来源文件", UNIT_VIA: "经由下级汇总"}


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    width: float = 12
    kind: str = "text"  # text | count | amount | signed | share
    hidden: bool = False


ISSUE_COLUMNS = (
    Column("issue.agency", "单位", 26),
    Column("issue.uscc", "统一社会信用代码", 21),
    Column("issue.file", "文件", 28),
    Column("issue.severity", "级别", 7),
    Column("issue.title", "校验项", 24),  # the check named in Chinese (xxgk.labels)
    Column("issue.rule", "规则代码", 10),  # its code, for tools and for matching 说明 upwards
    Column("issue.cells", "涉及单元格", 24),
    Column("issue.actual", "实为（左边）", 11),
    Column("issue.expected", "应为（右边）", 11),
    Column("issue.message", "问题", 60),
    Column("issue.hint", "修改建议", 40),
    Column("issue.note", "说明（请填写原因，随汇总上报）", 30),
    Column("issue.code", "代码", 10, hidden=True),
    Column("issue.ids", "单元格代码", 10, hidden=True),
)
SEVERITY_TEXT = {"error": "错误", "warning": "警告"}

SUBMISSION_COLUMNS = (
    Column("file.index", "序号", 6, "count"),
    Column("file.name", "文件", 34),
    Column("file.agency", "填报单位", 28),
    Column("file.uscc", "统一社会信用代码", 21),
    Column("file.kind", "报表类型", 9),
    Column("file.status", "状态", 14),
    Column("file.errors", "错误数", 7, "count"),
    Column("file.warnings", "警告数", 7, "count"),
    Column("file.units", "计入单位数", 9, "count"),
    Column("file.reason", "原因", 70),
)

ROSTER_COLUMNS = (
    Column("roster.name", "单位名称", 30),
    Column("roster.uscc", "统一社会信用代码", 21),
    Column("roster.region", "行政区划代码", 12),
    Column("roster.parent", "上级主管单位", 24),
    Column("roster.state", "报送情况", 14),
    Column("roster.status", "文件状态", 14),
    Column("roster.file", "文件", 34),
)

SOURCE_COLUMNS = (
    Column("source.cell", "单元格代码", 30),
    Column("source.label", "项目", 40),
    Column("source.address", "位置", 18),
    Column("source.total", "汇总值", 12, "amount"),
    Column("source.rank", "名次", 6, "count"),
    Column("source.agency", "填报单位", 30),
    Column("source.uscc", "统一社会信用代码", 21),
    Column("source.value", "数值", 12, "amount"),
    Column("source.share", "占汇总值", 9, "share"),
)


def unit_columns(spec: FormSpec) -> list[Column]:
    """单位明细: the cover fields, status and provenance, then one column per cell id."""
    labels = cell_labels(spec)
    cols = [Column(f.id, f.label, FIELD_WIDTHS.get(f.type, 14)) for f in spec.cover.fields]
    cols[0] = Column(cols[0].key, cols[0].label, 30)  # the agency's name
    cols += [Column(k, v, 22 if k != UNIT_STATUS else 12) for k, v in UNIT_EXTRA.items()]
    cols += [Column(cid, labels[cid], 12, cell.type) for cid, cell in spec.cells.items()]
    return cols
