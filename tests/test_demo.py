"""`make demo`'s 指标 and 年报体检 part: the commands run as a user runs them and find what they should."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from xxgk.demo import MISTAKES, PLACE, REGION, YEAR, indicators_and_check_demo, write_agencies
from xxgk.samples import agencies


def test_demo_computes_indicators_and_checks_a_report(tmp_path: Path) -> None:
    group = agencies(PLACE, REGION, 3, seed=2024)
    write_agencies(tmp_path / "收件箱", group, YEAR, {k: v for k, v in MISTAKES.items() if k < 3})
    console = Console(record=True, width=200)
    indicators_and_check_demo(console, tmp_path, tmp_path / "收件箱" / f"{group[0].name}.xlsx")
    text = console.export_text()
    assert (tmp_path / "指标.xlsx").stat().st_size > 0 and (tmp_path / "体检.html").stat().st_size > 0
    assert "已计算 3 个单位的指标" in text
    assert "问题及改进部分为空" in text and "Traceback" not in text
