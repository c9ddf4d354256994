"""The roster (名册) of agencies expected to report: read from .xlsx or .csv (UTF-8 with or without BOM, or
GBK/GB18030 as Excel saves CSV in China), matched by USCC, else by normalised name."""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from python_calamine import CalamineWorkbook

from xxgk.container import inspect_file
from xxgk.identity import clean_uscc, normalize_name
from xxgk.values import as_text

# The roster's own header row; the first label of each tuple is the documented one.
HEADERS: dict[str, tuple[str, ...]] = {
    "name": ("单位名称", "填报单位", "单位"),
    "uscc": ("统一社会信用代码", "社会信用代码", "信用代码"),
    "region": ("行政区划代码", "区划代码"),
    "parent": ("上级主管单位", "主管单位", "上级单位"),
}
HEADER_SCAN_ROWS = 10


class RosterError(ValueError):
    """The roster cannot be used; the message says why, in Chinese."""


@dataclass(frozen=True)
class RosterEntry:
    name: str
    uscc: str
    region: str
    parent: str
    line: int  # 1-based row in the roster file


@dataclass(frozen=True)
class Roster:
    path: Path
    entries: tuple[RosterEntry, ...]
    problems: tuple[str, ...] = ()
    _by_uscc: dict[str, RosterEntry] = field(default_factory=dict, compare=False, repr=False)
    _by_name: dict[str, RosterEntry] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for e in self.entries:
            code = clean_uscc(e.uscc)
            if code:
                self._by_uscc.setdefault(code, e)
            self._by_name.setdefault(normalize_name(e.name), e)

    def match(self, name: str, uscc: str) -> RosterEntry | None:
        """The entry of an agency: by USCC when both have one, else by normalised name. When the entry of the code
        has another name and an entry has this name, the name wins (the report carries another agency's code)."""
        code, norm = clean_uscc(uscc), normalize_name(name)
        by_name = self._by_name.get(norm) if norm else None
        by_code = self._by_uscc.get(code) if code else None
        if by_code is None or (by_name is not None and normalize_name(by_code.name) != norm):
            return by_name
        return by_code

    def guess(self, filename: str) -> RosterEntry | None:
        """The entry whose name appears in a file name (for files that could not be read)."""
        stem = normalize_name(filename)
        hits = [(len(k), e) for k, e in self._by_name.items() if k and k in stem]
        return max(hits, key=lambda h: h[0])[1] if hits else None


def _header_key(text: str) -> str | None:
    norm = "".join(unicodedata.normalize("NFKC", text).split()).strip("*＊:：")
    for key, labels in HEADERS.items():
        if norm in labels or any(norm.startswith(lb + "(") for lb in labels):
            return key
    return None


def _rows_from_csv(data: bytes) -> list[list[str]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes almost anything
        raise RosterError("名册 CSV 的编码无法识别，请另存为 UTF-8 或 GBK 编码的 CSV。")
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;，")
    except csv.Error:
        dialect = csv.excel
    return [list(r) for r in csv.reader(io.StringIO(text), dialect)]


def _rows_from_xlsx(path: Path) -> list[list[str]]:
    check = inspect_file(path)
    if not check.ok:
        raise RosterError(f"名册文件无法读取：{check.reason}")
    try:
        wb = CalamineWorkbook.from_path(str(path))
        try:
            for name in wb.sheet_names:
                rows = [[as_text(v) for v in r] for r in wb.get_sheet_by_name(name).to_python()]
                if _find_header(rows) is not None:
                    return rows
        finally:
            wb.close()
    except RosterError:
        raise
    except Exception as exc:
        raise RosterError(f"名册文件无法读取（{exc}）。") from exc
    return []


def _find_header(rows: Sequence[Sequence[str]]) -> tuple[int, dict[str, int]] | None:
    for i, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        cols: dict[str, int] = {}
        for j, cell in enumerate(row):
            key = _header_key(cell)
            if key and key not in cols:
                cols[key] = j
        if "name" in cols:
            return i, cols
    return None


def read_roster(path: Path) -> Roster:
    """Read a roster; raises RosterError (Chinese message) when it is unusable."""
    path = Path(path)
    if not path.is_file():
        raise RosterError(f"找不到名册文件：{path}")
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        rows = _rows_from_csv(path.read_bytes())
    elif suffix in (".xlsx", ".xlsm"):
        rows = _rows_from_xlsx(path)
    else:
        raise RosterError(f"名册应为 .xlsx 或 .csv 文件：{path.name}")
    found = _find_header(rows)
    if found is None:
        wanted = "、".join(labels[0] for labels in HEADERS.values())
        raise RosterError(f"名册“{path.name}”前 {HEADER_SCAN_ROWS} 行中找不到表头“{HEADERS['name'][0]}”。"
                          f"名册的表头应为：{wanted}。")
    return _entries(path, rows, *found)


def _entries(path: Path, rows: list[list[str]], header: int, cols: dict[str, int]) -> Roster:
    entries: list[RosterEntry] = []
    problems: list[str] = []
    seen: dict[str, int] = {}

    def get(row: list[str], key: str) -> str:
        j = cols.get(key)
        return row[j].strip() if j is not None and j < len(row) else ""

    for i, row in enumerate(rows[header + 1:], start=header + 2):
        name, uscc = get(row, "name"), get(row, "uscc")
        if not name and not uscc:
            continue
        if uscc and not clean_uscc(uscc):
            problems.append(f"第 {i} 行“{name}”的统一社会信用代码“{uscc}”无效，按单位名称匹配。")
        key = clean_uscc(uscc) or normalize_name(name)
        if key in seen:
            problems.append(f"第 {i} 行“{name}”与第 {seen[key]} 行重复，已忽略。")
            continue
        seen[key] = i
        entries.append(RosterEntry(name, uscc, get(row, "region"), get(row, "parent"), i))
    if not entries:
        raise RosterError(f"名册“{path.name}”中没有任何单位。")
    return Roster(path, tuple(entries), tuple(problems))
