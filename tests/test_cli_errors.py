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
    (["consolidate", "x", "-o", "y.xlsx", "--year", "二〇二五"], "“二〇二五”不是整数"),
    (["template", "-o", "tests"], "“tests”是文件夹，这里要的是文件"),
    (["template", "-o", "模板.csv"], "“模板.csv”应以 .xlsx 结尾"),
    (["template", "-o", ""], "应以 .xlsx 结尾"),
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
    assert "路径中有一部分不是文件夹" in out
    code, out = run(["template", "-o", str(blocker / "模板.xlsx")], capsys)
    assert code == 2 and f"“{blocker}”是已有的文件，不能当作文件夹" in out  # not the English "File exists"


def test_an_unwritable_folder_is_named_not_the_temporary_file(tmp_path: Path) -> None:
    import errno

    from xxgk.usage_errors import os_message

    temp = tmp_path / "年报" / ".xxgk-0123456789ab.tmp"
    message = os_message(PermissionError(errno.EACCES, "Permission denied", str(temp)))
    assert message == f"无法在文件夹“{temp.parent}”中写入文件：没有访问权限。请检查路径和权限后重试。"


def test_a_missing_file_is_called_missing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(["validate", str(tmp_path / "不存在.xlsx")], capsys)
    assert code == 2 and f"找不到文件“{tmp_path / '不存在.xlsx'}”。请检查文件名和所在文件夹。" in out


def test_several_annotated_copies_are_not_written_to_one_file_name(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    from xxgk.spec import load_spec
    from xxgk.template import build_template

    inputs = [str(build_template(load_spec("gb2021"), tmp_path / f"{n}.xlsx")) for n in ("甲", "乙")]
    code, out = run(["validate", *inputs, "--annotate", str(tmp_path / "标记.xlsx")], capsys)
    assert code == 2 and "--annotate 给的" in out and "请改为文件夹" in out
    assert not (tmp_path / "标记.xlsx").exists()


def test_path_refusals_and_read_only_outputs_are_chinese(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    import xxgk.report.docx

    (tmp_path / "a.txt").write_text("x")
    (tmp_path / "folder").mkdir()
    cases = [(["import", str(tmp_path / "a.txt"), "-o", str(tmp_path / "a.txt")], "“{}”是文件，这里要的是文件夹", "a.txt"),
             (["report", str(tmp_path / "folder"), "-o", "x.docx"], "“{}”是文件夹，这里要的是文件", "folder"),
             (["report", "x.xlsx", "-o", str(tmp_path / "folder")], "“{}”是文件夹，这里要的是文件", "folder")]
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
    assert code == 2 and f"无法在文件夹“{tmp_path / 'folder'}”中写入文件：磁盘为只读" in out, out  # not .xxgk-….docx


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


def test_a_copy_not_written_is_exit_code_2_even_for_a_valid_file(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """A script must not take `--annotate` for done when no copy was written (here: onto the input itself)."""
    from xxgk.samples import agencies, sample_fills
    from xxgk.spec import load_spec
    from xxgk.template import build_template

    spec = load_spec("gb2021")
    ((_, values),) = sample_fills(spec, agencies("甲县", "330206", 1), 2024)
    src = build_template(spec, tmp_path / "甲.xlsx", values=values)
    before = src.read_bytes()
    assert run(["validate", str(src)], capsys)[0] == 0
    code, out = run(["validate", str(src), "--annotate", str(src)], capsys)
    assert code == 2 and "未生成标记副本：标记副本不能覆盖原文件" in out
    assert src.read_bytes() == before


def test_an_existing_file_that_is_not_an_annotated_copy_is_never_overwritten(tmp_path: Path,
                                                                             capsys: pytest.CaptureFixture[str]) -> None:
    """`--annotate 收件箱/` when the folder holds an original of the same name: refused; a copy annotated earlier
    is replaced (running again after a fix)."""
    from xxgk.spec import load_spec
    from xxgk.template import build_template

    src = build_template(load_spec("gb2021"), tmp_path / "新" / "甲.xlsx")
    original = build_template(load_spec("gb2021"), tmp_path / "收件箱" / "甲.xlsx", values={"meta.agency": "甲"})
    before = original.read_bytes()
    code, out = run(["validate", str(src), "--annotate", str(tmp_path / "收件箱")], capsys)
    assert code == 2 and "已存在，且不是标记副本，未覆盖" in out and original.read_bytes() == before
    copy = tmp_path / "退回" / "甲.xlsx"
    assert run(["validate", str(src), "--annotate", str(copy)], capsys)[0] == 1  # a blank template has errors
    assert run(["validate", str(src), "--annotate", str(copy)], capsys)[0] == 1  # the earlier copy is replaced


def test_an_empty_inbox_says_so_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "收件箱").mkdir()
    code, out = run(["consolidate", str(tmp_path / "收件箱"), "-o", str(tmp_path / "汇总.xlsx")], capsys)
    assert code == 2 and "输入中没有任何文件" in out and "共 0 个文件" not in out


def test_one_file_annotated_into_a_new_folder_named_with_a_slash(tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    from xxgk.spec import load_spec
    from xxgk.template import build_template

    src = build_template(load_spec("gb2021"), tmp_path / "甲.xlsx")
    code, out = run(["validate", str(src), "--annotate", str(tmp_path / "退回") + "/"], capsys)
    assert code == 1 and (tmp_path / "退回" / "甲.xlsx").is_file()  # a blank template has errors
    code, out = run(["validate", str(src), "--annotate", str(tmp_path / "退回2")], capsys)
    assert code == 2 and "在文件夹名末尾加 /" in out
