"""Zip bombs whose headers lie (issue 12 §1): every path that inflates a member counts the bytes it really
inflates and stops at the cap; the sizes in the local and central headers are never trusted."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import xxgk
from bomb_support import lying_bomb
from xxgk.container import inspect_file

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "workbook" / "信息公开年报模板_2021.xlsx"
HONEST = re.compile(r"文件内部成员“xl/worksheets/sheet1\.xml”压缩比异常（解压后 [\d.]+ MB），疑似“压缩炸弹”，已拒绝读取。")


@pytest.fixture(scope="module")
def bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return lying_bomb(TEMPLATE, tmp_path_factory.mktemp("bomb") / "年报.xlsx")


def _honest(tmp_path: Path) -> Path:
    """The same worksheet, 300 MB of zeros, with honest headers."""
    path = tmp_path / "honest.xlsx"
    with zipfile.ZipFile(TEMPLATE) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            if item.filename == "xl/worksheets/sheet1.xml":
                with zout.open(item.filename, "w") as out:
                    for _ in range(300):
                        out.write(bytes(2**20))
            else:
                zout.writestr(item, zin.read(item.filename))
    return path


@pytest.mark.parametrize("prefix_crc", [False, True], ids=["real-crc", "crc-of-claimed-prefix"])
def test_lying_bomb_gets_the_honest_bombs_reason(tmp_path: Path, prefix_crc: bool) -> None:
    bomb = lying_bomb(TEMPLATE, tmp_path / "b.xlsx", prefix_crc=prefix_crc)
    with zipfile.ZipFile(bomb) as zf:  # the headers really lie
        assert zf.getinfo("xl/worksheets/sheet1.xml").file_size == 100 * 1024
    lying, honest = inspect_file(bomb), inspect_file(_honest(tmp_path))
    assert (lying.kind, honest.kind) == ("zip_bomb", "zip_bomb")
    assert HONEST.fullmatch(lying.reason.split("请")[0]) and HONEST.fullmatch(honest.reason.split("请")[0])


def test_a_member_longer_than_declared_is_refused(tmp_path: Path) -> None:
    """Below the caps a lie is still refused: calamine would read another sheet than zipfile."""
    small = lying_bomb(TEMPLATE, tmp_path / "s.xlsx", inflated=300 * 1024)
    res = inspect_file(small)
    assert res.kind == "corrupt" and "实际大小与文件记录不符" in (res.reason or "")


def _peak(args: list[str]) -> tuple[int, float, float, str]:
    """Run `args` from a fresh parent: (peak RSS of the child in bytes, CPU seconds, wall seconds, output)."""
    probe = ("import resource, subprocess, sys, time; t = time.monotonic(); "
             "r = subprocess.run(sys.argv[1:], capture_output=True, text=True); w = time.monotonic() - t; "
             "u = resource.getrusage(resource.RUSAGE_CHILDREN); "
             "print(u.ru_maxrss * 1024, u.ru_utime + u.ru_stime, w); print(r.stdout + r.stderr)")
    env = {**os.environ, "PYTHONPATH": str(Path(xxgk.__file__).parents[1])}  # the xxgk under test
    out = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, text=True, env=env, check=True)
    first, _, rest = out.stdout.partition("\n")
    rss, cpu, wall = first.split()
    return int(rss), float(cpu), float(wall), rest


def test_cli_validate_stays_within_300_mb_and_3_s(bomb: Path) -> None:
    rss, cpu, wall, out = _peak([sys.executable, "-m", "xxgk", "validate", str(bomb)])
    assert rss <= 300 * 2**20, f"peak RSS {rss / 2**20:.0f} MB"
    assert cpu <= 3.0, f"{cpu:.1f} s of CPU (wall {wall:.1f} s)"  # CPU: the machine is shared, wall time varies
    assert "疑似“压缩炸弹”，已拒绝读取" in out, out


def test_annotated_copy_and_reader_refuse_it(bomb: Path, tmp_path: Path) -> None:
    from xxgk.annotate.file_book import AnnotateError
    from xxgk.annotate.run import annotate_file
    from xxgk.reader import Unreadable, read_fill

    with pytest.raises(Unreadable) as caught:
        read_fill(bomb)
    assert "压缩炸弹" in caught.value.finding.message
    with pytest.raises(AnnotateError, match="压缩炸弹"):
        annotate_file(bomb, tmp_path / "out.xlsx", None, [], [])  # type: ignore[arg-type]
    assert not (tmp_path / "out.xlsx").exists()


def test_lying_ods_never_reaches_libreoffice(tmp_path: Path) -> None:
    ods = tmp_path / "t.ods"
    with zipfile.ZipFile(ods, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("META-INF/manifest.xml", "<manifest/>")
        zf.writestr("content.xml", "<office:document-content/>")
    bomb = lying_bomb(ods, tmp_path / "bomb.ods", member="content.xml")
    res = inspect_file(bomb)
    assert res.kind == "zip_bomb" and not res.convertible


def test_importer_refuses_a_lying_docx(tmp_path: Path) -> None:
    import docx

    from xxgk.importer.run import read_report

    doc = tmp_path / "r.docx"
    document = docx.Document()
    document.add_paragraph("政府信息公开工作年度报告")
    document.save(str(doc))
    bomb = lying_bomb(doc, tmp_path / "bomb.docx", member="word/document.xml")
    source = read_report(bomb)
    assert source.unreadable is not None and "压缩炸弹" in source.unreadable.message
