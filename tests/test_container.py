"""Tests for xxgk.container.inspect_file, on real files built in tmp_path."""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import struct
import subprocess
import zipfile
from pathlib import Path

import pytest
import xlsxwriter

from xxgk.container import KINDS, ContainerCheck, inspect_file
from xxgk.libreoffice import find_soffice

# --------------------------------------------------------------------------- builders


def make_xlsx(path: Path) -> Path:
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("表1")
    ws.write("A1", "项目")
    ws.write("A2", 2)
    ws.write("A3", 3)
    ws.write_formula("A4", "=A2+A3")
    wb.close()
    return path


def rewrite_zip(src: Path, dst: Path, replace: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", compression) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, replace.get(info.filename, zin.read(info.filename)))
    return dst


def build_cfb(streams: dict[str, bytes]) -> bytes:
    """A minimal but valid version-3 compound file (512-byte sectors, no mini stream).

    Every stream is padded to 4096 bytes so it lives in regular sectors.
    """
    ss, free, end, fatsect, nostream = 512, 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
    names = list(streams)
    payloads = [streams[n].ljust(4096, b"\0") for n in names]
    n_dir = -(-(1 + len(names)) // 4)
    fat: list[int] = [fatsect]
    dir_first = len(fat)
    fat += [*range(dir_first + 1, dir_first + n_dir), end]
    starts = []
    for p in payloads:
        n = -(-len(p) // ss)
        starts.append(len(fat))
        fat += [*range(len(fat) + 1, len(fat) + n), end]
    assert len(fat) <= ss // 4, "test CFB too large for one FAT sector"
    fat += [free] * (ss // 4 - len(fat))

    def entry(name: str, etype: int, child: int, right: int, start: int, size: int) -> bytes:
        raw = name.encode("utf-16-le") + b"\0\0"
        return (
            raw.ljust(64, b"\0")
            + struct.pack("<HBBIII", len(raw), etype, 1, nostream, right, child)
            + b"\0" * 16  # clsid
            + b"\0" * 4  # state bits
            + b"\0" * 16  # times
            + struct.pack("<IQ", start, size)
        )

    dir_blob = entry("Root Entry", 5, 1 if names else nostream, nostream, end, 0)
    for i, (name, p) in enumerate(zip(names, payloads, strict=True)):
        right = i + 2 if i + 1 < len(names) else nostream
        dir_blob += entry(name, 2, nostream, right, starts[i], len(p))
    dir_blob = dir_blob.ljust(n_dir * ss, b"\0")

    header = (
        bytes.fromhex("D0CF11E0A1B11AE1")
        + b"\0" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\0" * 6
        + struct.pack("<IIIIIIIII", 0, 1, dir_first, 0, 4096, end, 0, end, 0)
        + struct.pack("<I", 0)
        + struct.pack("<108I", *([free] * 108))
    )
    assert len(header) == ss
    body = (
        struct.pack(f"<{ss // 4}I", *fat) + dir_blob + b"".join(p.ljust(-(-len(p) // ss) * ss, b"\0") for p in payloads)
    )
    return header + body


BOF = struct.pack("<HH", 0x0809, 16) + struct.pack("<HHHHII", 0x0600, 0x0005, 0x0DBB, 0x07CC, 0, 0)
FILEPASS = struct.pack("<HH", 0x002F, 6) + b"\x00\x00" + b"\x11" * 4
EOF_REC = struct.pack("<HH", 0x000A, 0)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def check(path: Path, **kw: int) -> ContainerCheck:
    """inspect_file plus invariants that hold for every verdict."""
    before = (sha(path), path.stat().st_mtime_ns) if path.is_file() else None
    res = inspect_file(path, **kw)
    assert isinstance(res, ContainerCheck)
    assert res.kind in KINDS
    if res.ok:
        assert res.kind == "xlsx" and res.reason is None
    else:
        assert res.reason and any("\u4e00" <= ch <= "\u9fff" for ch in res.reason), res
    if before is not None:
        assert (sha(path), path.stat().st_mtime_ns) == before, "inspect_file modified its input"
    return res


@pytest.fixture
def xlsx(tmp_path: Path) -> Path:
    return make_xlsx(tmp_path / "报表.xlsx")


@pytest.fixture(scope="module")
def lo_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """.ods and .xls produced by the real LibreOffice from a real xlsx."""
    soffice = find_soffice()
    if soffice is None:
        pytest.fail(
            "LibreOffice (soffice) is required by this test suite but was not found: "
            "apt-get install libreoffice-calc-nogui (or set XXGK_SOFFICE)."
        )
    base = tmp_path_factory.mktemp("lo")
    src = make_xlsx(base / "source.xlsx")
    profile = (base / "profile").as_uri()
    out: dict[str, Path] = {}
    for fmt in ("ods", "xls"):
        proc = subprocess.run(
            [
                soffice,
                f"-env:UserInstallation={profile}",
                "--headless",
                "--norestore",
                "--convert-to",
                fmt,
                "--outdir",
                str(base / fmt),
                str(src),
            ],
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        produced = base / fmt / f"source.{fmt}"
        assert produced.is_file(), f"soffice --convert-to {fmt} failed: {proc.stdout} {proc.stderr}"
        out[fmt] = produced
    return out


# --------------------------------------------------------------------------- good input


def test_real_xlsx_is_ok(xlsx: Path) -> None:
    assert check(xlsx) == ContainerCheck(True, "xlsx", None, False, ".xlsx")


def test_detection_is_by_content_not_extension(xlsx: Path, tmp_path: Path) -> None:
    wrong = tmp_path / "其实是xlsx.xls"
    shutil.copyfile(xlsx, wrong)
    assert check(wrong).kind == "xlsx"


# --------------------------------------------------------------------------- names and sizes


@pytest.mark.parametrize(("name", "kind"), [("~$x.xlsx", "lock_file"), (".~lock.x.xlsx#", "lock_file"),
                                           (".~甲县.xlsx", "lock_file"), (".甲县.xlsx", "xlsx")])
def test_lock_names_decide_other_dot_names_are_judged_by_content(tmp_path: Path, xlsx: Path, name: str,
                                                                  kind: str) -> None:
    p = tmp_path / name
    shutil.copyfile(xlsx, p)  # a lock file is one whatever its content; ".甲县.xlsx" is not hidden on Windows
    assert check(p).kind == kind


def test_macos_companion_file_is_hidden(tmp_path: Path) -> None:
    p = tmp_path / "._甲县.xlsx"
    p.write_bytes(b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X        " + b"\0" * 100)
    assert check(p).kind == "hidden" and "._" in (check(p).reason or "")


def test_empty_file(tmp_path: Path) -> None:
    p = tmp_path / "空.xlsx"
    p.write_bytes(b"")
    assert check(p).kind == "empty"


def test_directory_and_missing_file_do_not_raise(tmp_path: Path) -> None:
    d = tmp_path / "dir.xlsx"
    d.mkdir()
    assert check(d).kind == "not_workbook"
    assert check(tmp_path / "missing.xlsx").ok is False


# --------------------------------------------------------------------------- damaged and foreign files


def test_truncated_xlsx_is_corrupt(xlsx: Path, tmp_path: Path) -> None:
    data = xlsx.read_bytes()
    p = tmp_path / "截断.xlsx"
    p.write_bytes(data[: len(data) // 2])
    res = check(p)
    assert res.kind == "corrupt"
    assert "损坏" in (res.reason or "")


def test_crc_error_in_workbook_xml_is_corrupt(xlsx: Path, tmp_path: Path) -> None:
    stored = rewrite_zip(xlsx, tmp_path / "stored.xlsx", {}, zipfile.ZIP_STORED)
    data = stored.read_bytes()
    assert data.count(b"<sheets>") == 1
    p = tmp_path / "crc.xlsx"
    p.write_bytes(data.replace(b"<sheets>", b"<sheetz>"))
    res = check(p)
    assert res.kind == "corrupt"
    assert "workbook.xml" in (res.reason or "")


def test_random_bytes_are_not_a_workbook(tmp_path: Path) -> None:
    p = tmp_path / "random.xlsx"
    p.write_bytes(random.Random(1234).randbytes(20_000))
    res = check(p)
    assert res.kind == "not_workbook"
    assert ".xlsx" in (res.reason or "")


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("a.pdf", b"%PDF-1.7\n..."),
        ("a.xls", b"<html><body><table><tr><td>1</td></tr></table></body></html>"),
        ("a.xml", b'<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"/>'),
        ("a.csv", "项目,数量\n公开,3\n".encode()),
    ],
)
def test_other_formats_are_not_workbooks(tmp_path: Path, name: str, content: bytes) -> None:
    p = tmp_path / name
    p.write_bytes(content)
    assert check(p).kind == "not_workbook"


def test_docx_and_plain_zip_are_not_workbooks(xlsx: Path, tmp_path: Path) -> None:
    docx = tmp_path / "a.docx"
    with zipfile.ZipFile(docx, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<document/>")
    assert "Word" in (check(docx).reason or "")

    archive = tmp_path / "附件.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.write(xlsx, "报表.xlsx")
    res = check(archive)
    assert res.kind == "not_workbook" and "解压" in (res.reason or "")


def test_mutated_files_never_raise(xlsx: Path, tmp_path: Path) -> None:
    rng = random.Random(42)
    data = xlsx.read_bytes()
    p = tmp_path / "m.xlsx"
    for i in range(150):
        b = bytearray(data)
        if i % 3 == 0:
            b = b[: rng.randrange(1, len(b))]
        else:
            for _ in range(rng.randrange(1, 8)):
                b[rng.randrange(len(b))] = rng.randrange(256)
        p.write_bytes(bytes(b))
        check(p)  # any verdict, but a verdict


# --------------------------------------------------------------------------- bombs


def test_zip_bomb_200mb_of_zeros(tmp_path: Path) -> None:
    p = tmp_path / "bomb.xlsx"
    chunk = bytes(2**20)
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as m:
            for _ in range(200):
                m.write(chunk)
    assert p.stat().st_size < 2 * 2**20
    res = check(p)
    assert res.kind == "zip_bomb"
    assert "炸弹" in (res.reason or "")


def test_zip_bomb_by_ratio_alone(tmp_path: Path) -> None:
    p = tmp_path / "ratio.xlsx"
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/media/zeros.bin", bytes(5 * 2**20))  # 5 MB < 50 MB total, ratio ~1000
    assert check(p).kind == "zip_bomb"
    assert check(p, max_ratio=5000).kind == "xlsx"


def test_zip_bomb_by_member_count(tmp_path: Path) -> None:
    p = tmp_path / "many.xlsx"
    with zipfile.ZipFile(p, "w", zipfile.ZIP_STORED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        for i in range(10_000):
            z.writestr(f"x/{i}", b"")
    assert check(p).kind == "zip_bomb"


def test_size_limit_is_configurable(xlsx: Path) -> None:
    assert check(xlsx, max_uncompressed=1000).kind == "zip_bomb"


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol9 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
]>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets>&lol9;</sheets></workbook>
"""


def test_xml_bomb_in_workbook_xml(xlsx: Path, tmp_path: Path) -> None:
    p = rewrite_zip(xlsx, tmp_path / "lol.xlsx", {"xl/workbook.xml": BILLION_LAUGHS})
    res = check(p)
    assert res.kind == "xml_bomb"
    assert "xl/workbook.xml" in (res.reason or "")


def test_xml_bomb_utf16_and_in_rels(xlsx: Path, tmp_path: Path) -> None:
    utf16 = BILLION_LAUGHS.replace(b'version="1.0"', b'version="1.0" encoding="UTF-16"').decode().encode("utf-16")
    p = rewrite_zip(xlsx, tmp_path / "lol16.xlsx", {"xl/workbook.xml": utf16})
    assert check(p).kind == "xml_bomb"
    rels = b'<?xml version="1.0"?><!DOCTYPE r SYSTEM "http://example.invalid/x.dtd"><Relationships/>'
    p = rewrite_zip(xlsx, tmp_path / "rels.xlsx", {"_rels/.rels": rels})
    assert check(p).kind == "xml_bomb"


# --------------------------------------------------------------------------- other spreadsheet formats


@pytest.mark.libreoffice
def test_real_ods_from_libreoffice(lo_files: dict[str, Path]) -> None:
    res = check(lo_files["ods"])
    assert res.kind == "ods" and res.ok is False
    assert ".ods" in (res.reason or "") and ".xlsx" in (res.reason or "")


@pytest.mark.libreoffice
def test_real_xls_from_libreoffice(lo_files: dict[str, Path]) -> None:
    res = check(lo_files["xls"])
    assert res == ContainerCheck(
        False, "xls", "这是旧版 Excel 97-2003 (.xls) 文件，请在 Excel/WPS 中另存为 .xlsx 后重新报送。", False, ".xls"
    )
    assert res.convertible


@pytest.mark.libreoffice
def test_xls_content_with_et_extension_is_et(lo_files: dict[str, Path], tmp_path: Path) -> None:
    p = tmp_path / "报表.et"
    shutil.copyfile(lo_files["xls"], p)
    res = check(p)
    assert res.kind == "et" and "WPS" in (res.reason or "")


@pytest.mark.libreoffice
def test_real_xls_with_filepass_record_is_encrypted(lo_files: dict[str, Path], tmp_path: Path) -> None:
    # LibreOffice stores a small Workbook stream in the CFB mini stream; turn the record that follows
    # BOF into FILEPASS (what Excel writes for a password-protected .xls) and expect "encrypted".
    data = bytearray(lo_files["xls"].read_bytes())
    bof = bytes.fromhex("0908100000060500")
    assert data.count(bof) == 1
    pos = data.index(bof) + 20
    data[pos : pos + 2] = b"\x2f\x00"
    p = tmp_path / "pw.xls"
    p.write_bytes(bytes(data))
    res = check(p)
    assert res.kind == "encrypted" and ".xls" in (res.reason or "")


@pytest.mark.libreoffice
def test_truncated_xls_does_not_raise(lo_files: dict[str, Path], tmp_path: Path) -> None:
    data = lo_files["xls"].read_bytes()
    p = tmp_path / "cut.xls"
    for n in (520, 1024, len(data) // 2, len(data) - 100):
        p.write_bytes(data[:n])
        check(p)


@pytest.mark.libreoffice
def test_cfb_directory_parser_matches_olefile(lo_files: dict[str, Path]) -> None:
    import olefile

    from xxgk.container import _Cfb

    with lo_files["xls"].open("rb") as fh:
        mine = {e.name for e in _Cfb(fh, lo_files["xls"].stat().st_size).entries()[1:]}
    with olefile.OleFileIO(str(lo_files["xls"])) as ole:
        theirs = {"/".join(p).split("/")[-1] for p in ole.listdir(streams=True, storages=True)}
    assert mine == theirs
    assert "Workbook" in mine


def test_synthetic_cfb_builder_is_valid() -> None:
    import io

    import olefile

    blob = build_cfb({"Workbook": BOF + EOF_REC, "WpsCustomData": b"x"})
    with olefile.OleFileIO(io.BytesIO(blob)) as ole:
        assert sorted(p[0] for p in ole.listdir()) == ["Workbook", "WpsCustomData"]


# --------------------------------------------------------------------------- encryption and CFB variants


def test_real_password_protected_xlsx(xlsx: Path, tmp_path: Path) -> None:
    from msoffcrypto.format import ooxml
    p = tmp_path / "加密.xlsx"
    with xlsx.open("rb") as src, p.open("wb") as dst:
        ooxml.OOXMLFile(src).encrypt("secret", dst)
    assert p.read_bytes()[:8] == bytes.fromhex("D0CF11E0A1B11AE1")
    res = check(p)
    assert res.kind == "encrypted"
    assert "密码" in (res.reason or "")


def test_synthetic_encrypted_cfb(tmp_path: Path) -> None:
    p = tmp_path / "enc.xlsx"
    p.write_bytes(build_cfb({"EncryptionInfo": b"\x04\x00\x04\x00", "EncryptedPackage": os.urandom(64)}))
    assert check(p).kind == "encrypted"


@pytest.mark.parametrize(
    ("name", "streams", "kind"),
    [
        ("a.xls", {"Workbook": BOF + EOF_REC}, "xls"),
        ("a.xls", {"Book": BOF + EOF_REC}, "xls"),
        ("a.et", {"Workbook": BOF + EOF_REC}, "et"),
        ("a.xls", {"Workbook": BOF + FILEPASS + EOF_REC}, "encrypted"),
        ("a.et", {"ETExtData": b"x", "WpsCustomData": b"y"}, "et"),
        ("a.doc", {"WordDocument": b"x", "WpsCustomData": b"y"}, "not_workbook"),
        ("a.xls", {"WordDocument": b"x"}, "not_workbook"),
        ("a.msg", {"__substg1.0_0037001F": b"x"}, "not_workbook"),
        ("a.xls", {"Something": b"x"}, "not_workbook"),
    ],
)
def test_synthetic_cfb_variants(tmp_path: Path, name: str, streams: dict[str, bytes], kind: str) -> None:
    p = tmp_path / name
    p.write_bytes(build_cfb(streams))
    assert check(p).kind == kind


def test_cfb_with_broken_directory_falls_back_or_reports_corrupt(tmp_path: Path) -> None:
    blob = bytearray(build_cfb({"Workbook": BOF + EOF_REC}))
    struct.pack_into("<I", blob, 0x30, 0x00FFFFFF)  # directory start far beyond EOF
    p = tmp_path / "broken.xls"
    p.write_bytes(bytes(blob))
    assert check(p).kind == "xls"  # name scan still finds the Workbook stream
    p.write_bytes(bytes.fromhex("D0CF11E0A1B11AE1") + bytes(100))
    assert check(p).kind == "corrupt"
