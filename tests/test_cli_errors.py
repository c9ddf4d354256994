"""Every mistake a user can make on the command line ends in a Chinese message and exit code 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from xxgk.cli import main
from xxgk.usage_errors import run_cli


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exc:
        run_cli(main, argv)
    captured = capsys.readouterr()
    return int(exc.value.code or 0), captured.out + captured.err


@pytest.mark.parametrize(("argv", "says"), [
    (["template", "--form", "gb1999", "-o", "x.xlsx"], "“gb1999”不是可选值（可选：gb2021、gb2019）"),
    (["template"], "缺少选项 --output"),
    (["validate"], "缺少参数 PATHS"),
    (["frob"], "没有命令“frob”"),
    (["template", "--bogus"], "没有选项 --bogus"),
    (["consolidate", "x", "-o", "y.xlsx", "--jobs", "0"], "0 小于 1"),
    (["consolidate", "x", "-o", "y.xlsx", "--jobs", "a"], "“a”不是整数"),
])
def test_usage_errors_are_chinese(argv: list[str], says: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(argv, capsys)
    assert code == 2
    assert says in out and "--help" in out
    assert "Traceback" not in out and "Error:" not in out


def test_unwritable_output_names_the_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    code, out = run(["template", "-o", str(blocker / "sub" / "模板.xlsx")], capsys)
    assert code == 2
    assert out.startswith("错误：") and "请检查路径和权限" in out and "Traceback" not in out


def test_path_refusals_and_read_only_outputs_are_chinese(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    import xxgk.report.docx

    (tmp_path / "a.txt").write_text("x")
    (tmp_path / "folder").mkdir()
    cases = [(["import", str(tmp_path / "a.txt"), "-o", str(tmp_path / "a.txt")], "“{}”是文件，这里需要一个文件夹", "a.txt"),
             (["report", str(tmp_path / "folder"), "-o", "x.docx"], "“{}”是文件夹，这里需要一个文件名", "folder"),
             (["report", "x.xlsx", "-o", str(tmp_path / "folder")], "“{}”是文件夹，这里需要一个文件名", "folder")]
    for argv, says, name in cases:
        code, out = run(argv, capsys)
        assert code == 2 and says.format(tmp_path / name) in out, out
    code, out = run(["import", str(tmp_path / "a.txt"), "-o", str(tmp_path / "a.txt" / "sub")], capsys)
    assert code == 2 and "路径中有一部分不是文件夹" in out

    def read_only(path: Path) -> None:  # what a read-only disk does to the temporary file written first
        raise OSError(errno.EROFS, "Read-only file system", str(path))

    workbook = tmp_path / "003.xlsx"
    from xxgk.importer.run import import_file

    assert import_file(Path(__file__).parent / "fixtures/real/003_f58341a77dfa3566.txt", tmp_path,
                       name=workbook.name).output == workbook
    monkeypatch.setattr(xxgk.report.docx.os, "replace", lambda tmp, path: read_only(tmp))
    code, out = run(["report", str(workbook), "-o", str(tmp_path / "folder" / "r.docx")], capsys)
    assert code == 2 and f"“{tmp_path / 'folder'}（输出文件夹）”磁盘为只读" in out, out


def test_version_names_package_and_form_specs(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(["--version"], capsys)
    assert code == 0
    assert out.startswith("xxgk ") and "gb2021 2021.1" in out and "gb2019 2019.1" in out


def test_a_bug_is_not_a_traceback(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import xxgk.template

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(xxgk.template, "build_template", broken)
    monkeypatch.delenv("XXGK_DEBUG", raising=False)
    code, out = run(["template", "-o", "x.xlsx"], capsys)
    assert code == 2 and "程序内部错误" in out and "boom" in out and "Traceback" not in out
