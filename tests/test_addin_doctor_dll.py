"""Issue 13 §5: `xxgk addin doctor` checks xlwings' DLL where the add-in's VBA loads it (beside the configured
interpreter, or one folder up for a virtual environment), of Office's bitness, by the PE header's Machine field.
Office's bitness comes from the registry (faked here)."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from click.testing import CliRunner

from xxgk.addin import install
from xxgk.addin.install import FAIL, OK, Platform, check_xlwings_dll, office_bitness, pe_bits
from xxgk.cli import main

VERSION = "0.37.8"


def pe(path: Path, machine: int) -> Path:
    """A minimal PE image: MZ header, e_lfanew, PE signature, the COFF Machine field."""
    path.parent.mkdir(parents=True, exist_ok=True)
    head = bytearray(0x80)
    head[:2] = b"MZ"
    head[0x3C:0x40] = struct.pack("<I", 0x40)
    head[0x40:0x44] = b"PE\0\0"
    head[0x44:0x46] = struct.pack("<H", machine)
    path.write_bytes(bytes(head))
    return path


def platform(tmp_path: Path, python: Path, bits: int | None) -> Platform:
    home = tmp_path / "Users" / "staff"
    config = home / ".xxgk" / "xxgk.conf"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(f'"INTERPRETER_WIN","{python}"\r\n"UDF MODULES","xxgk.addin.udfs"\r\n', encoding="utf-8")
    return Platform(install.WINDOWS, home / "XLSTART", config, python, packages=lambda name: VERSION,
                    office_bits=lambda: bits)


def test_pe_bits_reads_the_machine_field(tmp_path: Path) -> None:
    assert pe_bits(pe(tmp_path / "a.dll", 0x8664)) == 64
    assert pe_bits(pe(tmp_path / "b.dll", 0x14C)) == 32
    (tmp_path / "c.dll").write_bytes(b"not a dll")
    assert pe_bits(tmp_path / "c.dll") is None and pe_bits(tmp_path / "missing.dll") is None


@pytest.mark.parametrize("bits", [64, 32])
def test_the_dll_of_offices_bitness_beside_the_interpreter_passes(tmp_path: Path, bits: int) -> None:
    python = tmp_path / "Python311" / "python.exe"
    pe(python.parent / f"xlwings{bits}-{VERSION}.dll", 0x8664 if bits == 64 else 0x14C)
    check = check_xlwings_dll(platform(tmp_path, python, bits))
    assert check is not None and check.status == OK and f"{bits} 位 Office" in check.message


def test_a_virtual_environment_has_it_one_folder_up(tmp_path: Path) -> None:
    python = tmp_path / "venv" / "Scripts" / "python.exe"
    pe(tmp_path / "venv" / f"xlwings64-{VERSION}.dll", 0x8664)
    check = check_xlwings_dll(platform(tmp_path, python, 64))
    assert check is not None and check.status == OK


def test_32_bit_office_without_the_32_bit_dll_is_an_error(tmp_path: Path) -> None:
    python = tmp_path / "Python311" / "python.exe"
    pe(python.parent / f"xlwings64-{VERSION}.dll", 0x8664)
    check = check_xlwings_dll(platform(tmp_path, python, 32))
    assert check is not None and check.status == FAIL
    assert f"xlwings32-{VERSION}.dll" in check.message and "32 位 Office" in check.message
    assert "pip install --force-reinstall xlwings==0.37.8" in check.remedy


def test_a_dll_whose_header_is_the_other_bitness_is_an_error(tmp_path: Path) -> None:
    python = tmp_path / "Python311" / "python.exe"
    pe(python.parent / f"xlwings64-{VERSION}.dll", 0x14C)  # named 64, built 32
    check = check_xlwings_dll(platform(tmp_path, python, 64))
    assert check is not None and check.status == FAIL and "不是 64 位的 DLL" in check.message


def test_doctor_lists_the_dll_check_in_chinese(tmp_path: Path) -> None:
    python = tmp_path / "Python311" / "python.exe"
    result = CliRunner().invoke(main, ["addin", "doctor"], obj=platform(tmp_path, python, 64))
    assert result.exit_code == 1 and f"找不到 xlwings64-{VERSION}.dll" in result.output


def test_office_bitness_from_the_registry() -> None:
    c2r = {(r"SOFTWARE\Microsoft\Office\ClickToRun\Configuration", "Platform"): "x86"}
    msi = {(r"SOFTWARE\Microsoft\Office\16.0\Outlook", "Bitness"): "x64"}
    assert office_bitness(lambda k, n: c2r.get((k, n))) == 32
    assert office_bitness(lambda k, n: msi.get((k, n))) == 64
    assert office_bitness(lambda k, n: None) is None
