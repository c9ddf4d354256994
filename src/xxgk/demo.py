"""`make demo`: build the templates, fill a county's sample agencies (a few with typical mistakes),
validate and consolidate them, compute their indicators, check a publishable report made from one of them
(年报体检), seed a demo 报送平台 and print what was found and where the files are."""

from __future__ import annotations

import random
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from rich.console import Console

from xxgk.cli import print_report
from xxgk.samples import Agency, agencies, sample_fills
from xxgk.spec import load_spec
from xxgk.template import build_all, build_template
from xxgk.validate import validate_files

PLACE, REGION, YEAR = "示范县", "330206", 2024

Mistake = Callable[[dict[str, object]], str]


def _break_r3(values: dict[str, object]) -> str:
    values["requests.forward.natural"] = int(values.get("requests.forward.natural", 0)) + 3  # type: ignore[call-overload]
    return "自然人列“结转下年度”多填了 3，第一项加第二项不再等于第三项加第四项"


def _text_with_unit(values: dict[str, object]) -> str:
    values["requests.new.natural"] = f"{values.get('requests.new.natural', 0)}件"
    return "本年新收申请数填成了带单位的文字"


def _blank_cells(values: dict[str, object]) -> str:
    for cid in ("active.penalty.decisions", "active.coercion.decisions", "review.pending"):
        values.pop(cid, None)
    return "留了 3 个空格未填"


def _bad_uscc(values: dict[str, object]) -> str:
    code = str(values["meta.uscc"])
    values["meta.uscc"] = code[:-1] + ("0" if code[-1] != "0" else "1")
    return "统一社会信用代码校验位错误"


def _negative(values: dict[str, object]) -> str:
    values["requests.granted.business"] = -2
    return "商业企业“予以公开”填了负数"


MISTAKES: dict[int, Mistake] = {2: _break_r3, 5: _text_with_unit, 8: _blank_cells, 11: _bad_uscc, 14: _negative}


def write_agencies(folder: Path, group: list[Agency], year: int, mistakes: dict[int, Mistake]) -> dict[str, str]:
    """One workbook per agency; returns file name -> the mistake planted in it."""
    spec = load_spec("gb2021")
    folder.mkdir(parents=True, exist_ok=True)
    planted = {}
    for i, (agency, values) in enumerate(sample_fills(spec, group, year)):
        name = f"{agency.name}.xlsx"
        if i in mistakes:
            planted[name] = mistakes[i](values)
        build_template(spec, folder / name, values=values)
    return planted


def main(out: Path) -> int:
    console = Console(highlight=False, soft_wrap=True)
    if out.exists():
        shutil.rmtree(out)
    templates = build_all(out / "模板")
    group = agencies(PLACE, REGION, 20, seed=2024)
    inbox = out / "收件箱"
    planted = write_agencies(inbox, group, YEAR, MISTAKES)
    (inbox / "扫描件.xlsx").write_bytes(random.Random(1).randbytes(2048))
    planted["扫描件.xlsx"] = "不是工作簿（损坏的文件）"
    console.rule("xxgk 演示")
    for t in templates:
        console.print(f"模板：{t}")
    console.print(f"已生成 {len(group)} 个单位的年报工作簿：{inbox}")
    for name, what in planted.items():
        console.print(f"  有意制造的问题 · {name}：{what}")
    reports = validate_files(sorted(inbox.glob("*.xlsx")))
    console.rule("校验结果")
    for r in reports:
        if r.findings:
            print_report(console, r)
    ok = sum(r.status == "ok" for r in reports)
    console.print(f"\n共 {len(reports)} 个文件，{ok} 个全部通过；其余见上。")
    console.print(f"单个文件可运行：.venv/bin/xxgk validate '{inbox / (group[2].name + '.xlsx')}'")
    from xxgk.consolidate.demo import consolidate_demo

    consolidate_demo(console, out, inbox, agencies(PLACE, REGION, len(group) + 2, seed=2024))
    indicators_and_check_demo(console, out, inbox / f"{group[0].name}.xlsx")
    portal_demo(console, out / "平台")
    return 0


def _xxgk(console: Console, *args: str) -> None:
    """Run one xxgk command as a user would (its own process), showing the command and what it printed."""
    console.print(f"$ xxgk {' '.join(args)}", style="bold")
    done = subprocess.run([sys.executable, "-m", "xxgk", *args], capture_output=True, text=True)
    console.print((done.stdout + done.stderr).rstrip(), markup=False)


def indicators_and_check_demo(console: Console, out: Path, one_book: Path) -> None:
    """指标 of the county's agencies, and a 年报体检 of the publishable report made from one of their workbooks."""
    console.rule("指标与年报体检")
    _xxgk(console, "indicators", str(out / "收件箱"), "-o", str(out / "指标.xlsx"))
    report = out / "年度报告" / f"{one_book.stem}.docx"
    report.parent.mkdir(parents=True, exist_ok=True)
    _xxgk(console, "report", str(one_book), "-o", str(report))
    _xxgk(console, "check-report", str(report), "-o", str(out / "体检.html"))
    console.print("（报告正文未填写，“存在的主要问题及改进情况”为空，所以体检有错误：这正是它要查出的问题。）")


def portal_demo(console: Console, data: Path) -> None:
    """The 报送平台 with a demo region, accounts and submissions (needs the `web` extra)."""
    try:
        from xxgk.web.demo import print_demo, seed_portal
    except ImportError:
        console.print("报送平台演示需要 web 组件：pip install 'xxgk[web]'")
        return
    print_demo(console, data, seed_portal(data))


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "demo_out")))
