"""Inspect a submitted file *before* any xlsx parser touches it.

Files arrive by e-mail from many offices: besides good ``.xlsx`` we get old
``.xls``, WPS ``.et``, OpenDocument ``.ods``, password-protected workbooks,
truncated attachments, Office lock files and the occasional hostile archive.
:func:`inspect_file` recognises these by content (magic bytes and container
structure, the extension is only a tie-breaker), never raises for bad input
and never writes to the file.  Every rejection carries a Chinese sentence that
tells the submitter what is wrong and what to do.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import BinaryIO

__all__ = ["KINDS", "ContainerCheck", "inspect_file"]

KINDS = frozenset(
    {
        "xlsx",
        "xlsm",
        "xls",
        "ods",
        "et",
        "encrypted",
        "zip_bomb",
        "xml_bomb",
        "corrupt",
        "not_workbook",
        "empty",
        "lock_file",
        "hidden",
    }
)


@dataclass(frozen=True)
class ContainerCheck:
    """Result of :func:`inspect_file`.

    ``ok`` is true only for a structurally sound Office Open XML workbook (kind ``xlsx``, or ``xlsm``
    when it carries VBA macros); then ``reason`` is ``None``.  Otherwise ``reason`` is a Chinese
    sentence for the submitter.  ``macros`` says the file carries a macro project (in any format);
    ``content`` names what the file really is (".xlsx", ".xlsm", ".xls", ".ods"), for messages
    that compare it with the extension.
    """

    ok: bool
    kind: str
    reason: str | None
    macros: bool = False
    content: str = ""

    @property
    def convertible(self) -> bool:
        """LibreOffice can turn it into an .xlsx (xxgk.convert)."""
        return self.kind in CONVERTIBLE_KINDS


CONVERTIBLE_KINDS = frozenset({"xls", "ods", "et"})
OOXML_SUFFIXES = (".xlsx", ".xlsm", ".xltx", ".xltm")

ZIP_MAGIC = b"PK\x03\x04"
APPLEDOUBLE_MAGIC = b"\x00\x05\x16\x07"  # macOS "._name" companions of files copied to FAT/SMB shares
ZIP_EMPTY_MAGIC = b"PK\x05\x06"
CFB_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"

MAX_MEMBERS = 10_000
RATIO_MIN_SIZE = 1 * 2**20  # compression ratio is only judged for members larger than this
XML_HEAD = 4096
_READ_CHUNK = 1 << 16

_SAVE_AS = "请在 Excel/WPS 中打开后“另存为” Excel 工作簿 (.xlsx) 再重新报送。"
_RESEND = "请重新导出或保存一份 .xlsx 后重新报送。"

R_XLS = "这是旧版 Excel 97-2003 (.xls) 文件，请在 Excel/WPS 中另存为 .xlsx 后重新报送。"
R_ET = "这是 WPS 表格专用格式 (.et) 文件，请在 WPS 中另存为 Excel 工作簿 (.xlsx) 后重新报送。"
R_ODS = "这是 OpenDocument 电子表格 (.ods) 文件，请在 WPS/LibreOffice/Excel 中另存为 .xlsx 后重新报送。"
R_ENCRYPTED = "文件设置了打开密码（已加密），无法读取。请在 Excel/WPS 中清除打开密码，另存为 .xlsx 后重新报送。"
R_ENCRYPTED_XLS = (
    "这是设置了打开密码的旧版 Excel (.xls) 文件，无法读取。请在 Excel/WPS 中清除打开密码，另存为 .xlsx 后重新报送。"
)
R_IRM = "文件受权限管理（IRM/DRM）保护，无法读取。请取消权限保护，另存为 .xlsx 后重新报送。"
R_EMPTY = "文件是空的（0 字节），可能是附件下载失败。" + _RESEND
R_LOCK = "这是 Excel/WPS/LibreOffice 打开文件时自动生成的临时锁文件（文件名以“~$”“.~”或“.~lock.”开头），不是报表，已忽略。"
R_HIDDEN = "这是 macOS 复制文件时生成的附属文件（文件名以“._”开头），不是报表，已忽略。"
LOCK_PREFIXES = ("~$", ".~")  # Excel's owner file; WPS's ".~name" and LibreOffice's ".~lock.name#"


def extension_clause(path: Path) -> str:
    """How a message names a file's extension: 扩展名是 .et / 文件名没有扩展名."""
    ext = Path(path).suffix.lower()
    return f"扩展名是 {ext}" if ext else "文件名没有扩展名"


def _ok(macro_enabled: bool = False, vba: bool = False) -> ContainerCheck:
    xlsm = macro_enabled or vba
    return ContainerCheck(True, "xlsm" if xlsm else "xlsx", None, vba, ".xlsm" if xlsm else ".xlsx")


def _bad(kind: str, reason: str) -> ContainerCheck:
    return ContainerCheck(False, kind, reason)


def _mb(n: int) -> str:
    return f"{n / 2**20:.1f} MB"


def inspect_file(path: Path, *, max_uncompressed: int = 512 * 2**20, max_ratio: int = 200) -> ContainerCheck:
    """Classify ``path`` by content; never raises for bad input, never writes.

    ``max_uncompressed`` bounds the summed uncompressed size of a ZIP container (and the size of the file
    itself); ``max_ratio`` bounds the compression ratio of any member larger than 1 MB.  Both are checked
    against what the headers declare and again against the bytes each member really inflates to, counted
    in a stream: a reader fed a file this accepts (calamine, openpyxl, LibreOffice, python-docx) never
    inflates more than the caps, whatever the headers claim.
    """
    path = Path(path)
    name = path.name
    if name.startswith(LOCK_PREFIXES):
        return _bad("lock_file", R_LOCK)
    # Any other name starting with "." is judged by content: it is not hidden on Windows, where submissions come from.
    try:
        if not path.exists():
            return _bad("not_workbook", f"找不到文件“{path}”。请检查文件名和所在文件夹。")
        if not path.is_file():
            return _bad("not_workbook", f"“{name}”不是普通文件（可能是文件夹或设备），无法作为报表读取。")
        size = path.stat().st_size
        if size == 0:
            return _bad("empty", R_EMPTY)
        with path.open("rb") as fh:
            head = fh.read(8)
            if head.startswith((ZIP_MAGIC, ZIP_EMPTY_MAGIC)):
                return _inspect_zip(fh, path, size, max_uncompressed, max_ratio)
            if head == CFB_MAGIC:
                return _inspect_cfb(fh, path, size)
            if head.startswith(APPLEDOUBLE_MAGIC):
                return _bad("hidden", R_HIDDEN)
            fh.seek(0)
            return _inspect_other(fh.read(XML_HEAD), path)
    except OSError as exc:
        return _bad("corrupt", f"无法读取文件“{name}”（{exc.strerror or exc}）。" + _RESEND)
    except Exception:  # pragma: no cover - last line of defence: never crash the batch
        return _bad("corrupt", f"文件“{name}”结构异常，无法识别（文件已损坏或不完整）。" + _RESEND)


# --------------------------------------------------------------------------- ZIP


def _eocd_entry_count(fh: BinaryIO, size: int) -> int | None:
    """Number of entries announced by the end-of-central-directory record (cheap pre-check)."""
    tail_len = min(size, 22 + 0xFFFF)
    fh.seek(size - tail_len)
    tail = fh.read(tail_len)
    pos = tail.rfind(ZIP_EMPTY_MAGIC)
    if pos < 0 or pos + 22 > len(tail):
        return None
    total = struct.unpack_from("<H", tail, pos + 10)[0]
    return None if total == 0xFFFF else total  # 0xFFFF: zip64, let zipfile count


def _inspect_zip(fh: BinaryIO, path: Path, size: int, max_uncompressed: int, max_ratio: int) -> ContainerCheck:
    if size > max_uncompressed:
        return _bad(
            "zip_bomb",
            f"文件过大（{_mb(size)}），超过 {_mb(max_uncompressed)} 的上限，疑似异常文件。"
            "请删除无关的图片、工作表后另存为 .xlsx 再报送。",
        )
    count = _eocd_entry_count(fh, size)
    if count is not None and count > MAX_MEMBERS:
        return _zip_bomb_members(count)
    fh.seek(0)
    try:
        zf = zipfile.ZipFile(fh)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, OSError, struct.error):
        return _bad("corrupt", "文件已损坏：ZIP 结构不完整（常见于邮件附件下载不完整或文件被截断）。" + _RESEND)
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_MEMBERS:
            return _zip_bomb_members(len(infos))
        names = [i.filename for i in infos]
        if len(set(names)) != len(names):
            return _bad("corrupt", "文件已损坏：内部包含重名成员，无法确定读取哪一个。" + _RESEND)
        if any(i.flag_bits & 0x1 for i in infos):
            return _bad("encrypted", "文件内部成员被 ZIP 密码加密，无法读取。请去掉密码后另存为 .xlsx 再报送。")
        declared = [(i.filename, i.file_size, i.compress_size) for i in infos]
        problem = _size_problem(declared, max_uncompressed, max_ratio) or _inflate_all(
            fh, infos, _data_ends(infos, zf.start_dir, size), max_uncompressed, max_ratio)
        if problem is not None:
            return problem
        lower = {n.casefold(): n for n in names}
        verdict = _classify_zip(zf, lower)
        return _plain_archive(lower, path) if verdict is None else verdict


def _size_problem(members: list[tuple[str, int, int]], max_uncompressed: int, max_ratio: int) -> ContainerCheck | None:
    """The zip_bomb verdict for the (name, uncompressed, compressed) sizes the headers declare."""
    for name, inflated, compressed in members:
        problem = _ratio_problem(name, inflated, compressed, max_ratio)
        if problem is not None:
            return problem
    return _total_problem(sum(m[1] for m in members), max_uncompressed)


def _ratio_problem(name: str, inflated: int, compressed: int, max_ratio: int) -> ContainerCheck | None:
    if inflated > RATIO_MIN_SIZE and (compressed <= 0 or inflated / compressed > max_ratio):
        return _bad(
            "zip_bomb",
            f"文件内部成员“{name}”压缩比异常（解压后 {_mb(inflated)}），疑似“压缩炸弹”，已拒绝读取。" + _RESEND,
        )
    return None


def _total_problem(total: int, max_uncompressed: int) -> ContainerCheck | None:
    if total > max_uncompressed:
        return _bad(
            "zip_bomb",
            f"文件解压后总大小 {_mb(total)} 超过 {_mb(max_uncompressed)} 的上限，疑似“压缩炸弹”，已拒绝读取。"
            "请删除无关内容后另存为 .xlsx 再报送。",
        )
    return None


def _data_ends(infos: list[zipfile.ZipInfo], start_dir: int, size: int) -> dict[int, int]:
    """Where the bytes a member's data may occupy end: the next local header, else the central directory."""
    bounds = sorted({i.header_offset for i in infos} | {min(start_dir, size)})
    return dict(pairwise(bounds))


def _inflate_all(fh: BinaryIO, infos: list[zipfile.ZipInfo], ends: dict[int, int], max_uncompressed: int,
                 max_ratio: int) -> ContainerCheck | None:
    """Inflate every member from its local header on, counting the bytes really produced and stopping at the
    caps: the sizes in the headers are never trusted.  Also checks each CRC and the head of every XML part."""
    total = 0
    for info in infos:
        try:
            end = ends.get(info.header_offset, info.header_offset)
            inflated, used = _inflate(fh, info, end, max_uncompressed - total, max_ratio)
        except _Corrupt as exc:
            return _bad("corrupt", f"文件已损坏：内部成员“{info.filename}”{exc}。" + _RESEND)
        except _Refused as exc:
            return exc.check
        total += inflated
        problem = _ratio_problem(info.filename, inflated, used, max_ratio) or _total_problem(total, max_uncompressed)
        if problem is not None:
            return problem
        if inflated != info.file_size:
            return _bad("corrupt", f"文件已损坏：内部成员“{info.filename}”的实际大小与文件记录不符。" + _RESEND)
    return None


class _Corrupt(Exception):
    pass


class _Refused(Exception):
    def __init__(self, check: ContainerCheck) -> None:
        self.check = check


def _is_xml(info: zipfile.ZipInfo) -> bool:
    return info.filename.casefold().endswith((".xml", ".rels"))


def _scan_head(info: zipfile.ZipInfo, data: bytes) -> None:
    bomb = dtd_problem(info.filename, data[:XML_HEAD])
    if bomb is not None:
        raise _Refused(bomb)


_STORED, _DEFLATED = zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED


def _inflate(fh: BinaryIO, info: zipfile.ZipInfo, end: int, budget: int, max_ratio: int) -> tuple[int, int]:
    """(bytes inflated, compressed bytes consumed) of one member, counted in 64 KB steps; stops one step past
    what the caps allow (``budget`` left of the total, or ``max_ratio`` times the room the data can occupy)."""
    fh.seek(info.header_offset)
    local = fh.read(30)
    if len(local) < 30 or local[:4] != ZIP_MAGIC:
        raise _Corrupt("的位置记录有误")
    start = info.header_offset + 30 + sum(struct.unpack_from("<HH", local, 26))
    room = max(end - start, 0)
    if info.compress_type == _STORED:
        if info.compress_size > room or info.file_size != info.compress_size:
            raise _Corrupt("的实际大小与文件记录不符")
        return _stored(fh, info, start)
    if info.compress_type != _DEFLATED:
        raise _Corrupt("使用了 Excel 不会使用的压缩方式")
    limit = min(budget, max(RATIO_MIN_SIZE, max_ratio * room)) + 1
    inflater = zlib.decompressobj(-15)
    fh.seek(start)
    inflated = crc = 0
    head = b"" if _is_xml(info) else None  # the first XML_HEAD bytes of an XML part, scanned for a DTD
    pending = b""
    while not inflater.eof and inflated < limit:
        if not pending:
            pending = fh.read(min(_READ_CHUNK, start + room - fh.tell()))
            if not pending:
                raise _Corrupt("数据不完整")
        try:
            out = inflater.decompress(pending, _READ_CHUNK)
        except zlib.error:
            raise _Corrupt("无法解压") from None
        pending = inflater.unconsumed_tail
        if head is not None and len(head) < XML_HEAD:
            head += out[: XML_HEAD - len(head)]
            if len(head) == XML_HEAD or inflater.eof:
                _scan_head(info, head)
        inflated += len(out)
        crc = zlib.crc32(out, crc)
    used = fh.tell() - start - len(pending) - len(inflater.unused_data)
    if inflater.eof and crc != info.CRC:
        raise _Corrupt("校验失败（CRC 错误或数据不完整）")
    return inflated, used


def _stored(fh: BinaryIO, info: zipfile.ZipInfo, start: int) -> tuple[int, int]:
    fh.seek(start)
    crc, left = 0, info.file_size
    head = _is_xml(info)
    while left:
        block = fh.read(min(_READ_CHUNK, left))
        if not block:
            raise _Corrupt("数据不完整")
        if head:
            _scan_head(info, block)
            head = False
        crc = zlib.crc32(block, crc)
        left -= len(block)
    if crc != info.CRC:
        raise _Corrupt("校验失败（CRC 错误或数据不完整）")
    return info.file_size, info.file_size


def _zip_bomb_members(count: int) -> ContainerCheck:
    return _bad(
        "zip_bomb",
        f"文件内部包含 {count} 个成员，超过 {MAX_MEMBERS} 个的上限，疑似“压缩炸弹”，已拒绝读取。" + _RESEND,
    )


def _classify_zip(zf: zipfile.ZipFile, lower: dict[str, str]) -> ContainerCheck | None:
    """Decide what kind of ZIP-based document this is; ``None`` = plain archive / unknown."""
    if "mimetype" in lower:
        try:
            with zf.open(lower["mimetype"]) as m:
                mimetype = m.read(200).strip()
        except Exception:
            mimetype = b""
        if mimetype == ODS_MIMETYPE or mimetype.startswith(ODS_MIMETYPE + b"-template"):
            macros = any(n.startswith("basic/") and not n.endswith("/") for n in lower)
            return ContainerCheck(False, "ods", R_ODS, macros, ".ods")
        if mimetype.startswith(b"application/vnd.oasis.opendocument."):
            what = mimetype.rsplit(b".", 1)[-1].decode("ascii", "replace")
            return _bad(
                "not_workbook",
                f"这是 OpenDocument {what} 文档，不是电子表格。请报送 Excel 工作簿 (.xlsx)。",
            )
    if "[content_types].xml" in lower:
        if "xl/workbook.xml" in lower:
            return _ok(_macro_enabled(zf, lower), "xl/vbaproject.bin" in lower)
        if "xl/workbook.bin" in lower:
            return _bad("not_workbook", "这是 Excel 二进制工作簿 (.xlsb)，" + _SAVE_AS)
        if "word/document.xml" in lower:
            return _bad("not_workbook", "这是 Word 文档 (.docx)，不是 Excel 工作簿。请报送 Excel 工作簿 (.xlsx)。")
        if "ppt/presentation.xml" in lower:
            return _bad("not_workbook", "这是 PowerPoint 演示文稿 (.pptx)，不是 Excel 工作簿。请报送 .xlsx 文件。")
        return _bad("corrupt", "文件是 Office 格式，但缺少工作簿主体 (xl/workbook.xml)，可能已损坏。" + _RESEND)
    if "xl/workbook.xml" in lower:
        return _bad("corrupt", "文件缺少 [Content_Types].xml，Excel 结构不完整，可能已损坏。" + _RESEND)
    return None


_MACRO_CONTENT = b"application/vnd.ms-excel.sheet.macroenabled"


def _macro_enabled(zf: zipfile.ZipFile, lower: dict[str, str]) -> bool:
    """The macro-enabled main content type: what Excel writes for .xlsm, with or without a VBA project."""
    try:
        with zf.open(lower["[content_types].xml"]) as ct:
            return _MACRO_CONTENT in ct.read(1 << 16).lower()
    except Exception:
        return False


def _plain_archive(lower: dict[str, str], path: Path) -> ContainerCheck:
    inner = [n for n in lower if n.endswith((".xlsx", ".xls", ".et", ".ods", ".xlsm"))]
    if inner:
        return _bad(
            "not_workbook",
            f"这是 ZIP 压缩包（内含 {len(inner)} 个表格文件），不是 Excel 工作簿。请解压后单独报送其中的 .xlsx 文件。",
        )
    ext = path.suffix.lower()
    hint = f"扩展名是 {ext}，但" if ext in OOXML_SUFFIXES else ""
    if any(n.endswith("vbaproject.bin") for n in lower):
        return _bad("corrupt", f"{hint}文件里只有 VBA 宏工程，缺少工作簿主体（[Content_Types].xml、xl/workbook.xml），"
                               "不是完整的 Excel 工作簿，可能已损坏。" + _RESEND)
    return _bad("not_workbook", f"{hint}这是普通 ZIP 压缩包，不是 Excel 工作簿。请报送 Excel 工作簿 (.xlsx)。")


_DTD_MARKERS = tuple(
    marker.encode(enc) for marker in ("<!DOCTYPE", "<!ENTITY") for enc in ("ascii", "utf-16-le", "utf-16-be")
)


_DECLARATION_OPENERS = (b"<!", "<!".encode("utf-16-le"), "<!".encode("utf-16-be"))


def dtd_problem(member: str, data: bytes) -> ContainerCheck | None:
    """OOXML/ODF never need a DTD: a DOCTYPE/ENTITY declaration means an entity-expansion attack."""
    if not any(opener in data for opener in _DECLARATION_OPENERS):
        return None  # no "<!" at all (the usual case): no need to upper-case a whole sheet
    upper = data.upper()
    if any(m in upper for m in _DTD_MARKERS):
        return _bad(
            "xml_bomb",
            f"文件内部“{member}”含有 DTD/实体声明（正常的 Excel 文件不会有），"
            "疑似“XML 炸弹”攻击文件，已拒绝读取。" + _RESEND,
        )
    return None


# --------------------------------------------------------------------------- CFB (OLE2)

_FREESECT = 0xFFFFFFFF
_ENDOFCHAIN = 0xFFFFFFFE
_MAX_SECT = 0xFFFFFFFA
_MAX_DIR_SECTORS = 4096
_SCAN_BYTES = 1 << 20

_WPS_HINTS = ("etextdata", "wpscustomdata", "ksoproduct", "wps")


class _CfbError(Exception):
    pass


@dataclass(frozen=True)
class _Entry:
    name: str
    type: int  # 1 storage, 2 stream, 5 root
    start: int
    size: int


class _Cfb:
    """Just enough of [MS-CFB] to list directory entries and peek at a stream's first sector."""

    def __init__(self, fh: BinaryIO, size: int) -> None:
        self.fh = fh
        self.file_size = size
        fh.seek(0)
        hdr = fh.read(512)
        if len(hdr) < 512:
            raise _CfbError("short header")
        shift, mini_shift = struct.unpack_from("<HH", hdr, 0x1E)
        if shift not in (9, 12) or mini_shift != 6:
            raise _CfbError("bad sector shift")
        self.ss = 1 << shift
        (self.n_fat, self.dir_start) = struct.unpack_from("<II", hdr, 0x2C)
        (self.mini_cutoff, self.minifat_start, self.n_minifat) = struct.unpack_from("<III", hdr, 0x38)
        difat_start, n_difat = struct.unpack_from("<II", hdr, 0x44)
        max_sectors = size // self.ss + 1
        if self.n_fat > max_sectors:
            raise _CfbError("too many FAT sectors")
        fat_sectors = [s for s in struct.unpack_from("<109I", hdr, 0x4C) if s <= _MAX_SECT]
        sect, seen = difat_start, 0
        per = self.ss // 4 - 1
        while sect <= _MAX_SECT and seen < n_difat and len(fat_sectors) < self.n_fat:
            block = self._sector(sect)
            vals = struct.unpack_from(f"<{per + 1}I", block)
            fat_sectors.extend(v for v in vals[:per] if v <= _MAX_SECT)
            sect, seen = vals[per], seen + 1
        self.fat_sectors = fat_sectors[: self.n_fat]

    def _sector(self, n: int) -> bytes:
        off = (n + 1) * self.ss
        if n > _MAX_SECT or off >= self.file_size:  # the last sector may be short: pad it
            raise _CfbError("sector out of range")
        self.fh.seek(off)
        data = self.fh.read(self.ss)
        if not data:
            raise _CfbError("sector beyond end of file")
        return data.ljust(self.ss, b"\0")

    def _next(self, n: int) -> int:
        per = self.ss // 4
        idx, pos = divmod(n, per)
        if idx >= len(self.fat_sectors):
            raise _CfbError("FAT index out of range")
        self.fh.seek((self.fat_sectors[idx] + 1) * self.ss + pos * 4)
        raw = self.fh.read(4)
        if len(raw) != 4:
            raise _CfbError("FAT truncated")
        return int(struct.unpack("<I", raw)[0])

    def chain(self, start: int, limit: int) -> list[int]:
        out: list[int] = []
        seen: set[int] = set()
        sect = start
        while sect != _ENDOFCHAIN:
            if sect > _MAX_SECT or sect in seen or len(out) >= limit:
                raise _CfbError("broken sector chain")
            seen.add(sect)
            out.append(sect)
            sect = self._next(sect)
        return out

    def entries(self) -> list[_Entry]:
        out: list[_Entry] = []
        for sect in self.chain(self.dir_start, _MAX_DIR_SECTORS):
            block = self._sector(sect)
            for off in range(0, self.ss, 128):
                raw = block[off : off + 128]
                name_len, etype = struct.unpack_from("<HB", raw, 64)
                if etype not in (1, 2, 5) or not 2 <= name_len <= 64:
                    continue
                name = raw[: name_len - 2].decode("utf-16-le", "replace")
                start, size = struct.unpack_from("<IQ", raw, 116)
                if self.ss == 512:
                    size &= 0xFFFFFFFF  # v3 files: high dword is undefined
                out.append(_Entry(name, etype, start, size))
        if not out or out[0].type != 5:
            raise _CfbError("no root entry")
        return out

    def head(self, entry: _Entry, root: _Entry) -> bytes:
        """First sector (regular) or first mini sector of a stream."""
        if entry.size == 0:
            return b""
        if entry.size >= self.mini_cutoff:
            return self._sector(entry.start)[: entry.size]
        # Mini stream: mini sector k lives at byte k*64 of the root entry's stream.
        offset = entry.start * 64
        hops, within = divmod(offset, self.ss)
        sect = root.start
        for _ in range(hops):
            sect = self._next(sect)
            if sect > _MAX_SECT:
                raise _CfbError("mini stream too short")
        return self._sector(sect)[within : within + 64][: entry.size]


def _scan_names(fh: BinaryIO) -> set[str]:
    """Fallback for damaged directories: look for well-known UTF-16LE stream names."""
    fh.seek(0)
    blob = fh.read(_SCAN_BYTES)
    known = (
        "EncryptionInfo",
        "EncryptedPackage",
        "Workbook",
        "Book",
        "WordDocument",
        "PowerPoint Document",
        "ETExtData",
        "WpsCustomData",
        "_VBA_PROJECT_CUR",
    )
    return {n for n in known if n.encode("utf-16-le") + b"\0\0" in blob}


def _biff_has_filepass(head: bytes) -> bool:
    """True if the BIFF stream starts BOF … FILEPASS (record 0x002F): a password-protected .xls."""
    pos = 0
    for _ in range(8):
        if pos + 4 > len(head):
            return False
        rtype, rlen = struct.unpack_from("<HH", head, pos)
        if rtype == 0x002F:
            return True
        pos += 4 + rlen
    return False


def _inspect_cfb(fh: BinaryIO, path: Path, size: int) -> ContainerCheck:
    ext = path.suffix.lower()
    filepass = False
    try:
        cfb = _Cfb(fh, size)
        entries = cfb.entries()
        names = {e.name.casefold() for e in entries[1:]}
        book = next((e for e in entries if e.type == 2 and e.name.casefold() in ("workbook", "book")), None)
        if book is not None:
            try:
                filepass = _biff_has_filepass(cfb.head(book, entries[0]))
            except (_CfbError, struct.error):
                filepass = False
    except (_CfbError, struct.error):
        names = {n.casefold() for n in _scan_names(fh)}
        if not names:
            return _bad("corrupt", "文件已损坏：OLE 复合文档结构无法解析（可能下载不完整）。" + _RESEND)

    if names & {"encryptioninfo", "encryptedpackage"}:
        return _bad("encrypted", R_ENCRYPTED)
    if "\tdrmcontent" in names or "\x06dataspaces" in names:
        return _bad("encrypted", R_IRM)
    is_book = bool(names & {"workbook", "book"})
    if is_book and filepass:
        return _bad("encrypted", R_ENCRYPTED_XLS)
    macros = bool(names & {"_vba_project_cur", "_vba_project", "vba"})
    if ext in (".et", ".ett"):
        return ContainerCheck(False, "et", R_ET, macros, ".xls" if is_book else ".et")
    if is_book:
        return ContainerCheck(False, "xls", R_XLS, macros, ".xls")
    if "worddocument" in names:
        return _bad("not_workbook", "这是 Word 97-2003 文档 (.doc)，不是 Excel 工作簿。请报送 Excel 工作簿 (.xlsx)。")
    if "powerpoint document" in names:
        return _bad("not_workbook", "这是 PowerPoint 97-2003 演示文稿 (.ppt)，不是 Excel 工作簿。请报送 .xlsx 文件。")
    if any(n.startswith("__substg1.0_") for n in names):
        return _bad("not_workbook", "这是 Outlook 邮件 (.msg) 文件。请打开邮件，取出其中的 Excel 附件 (.xlsx) 后报送。")
    if any(h in n for n in names for h in _WPS_HINTS):
        return ContainerCheck(False, "et", R_ET, False, ".et")
    return _bad("not_workbook", "这是 OLE 复合文档，但不是 Excel 工作簿。请报送 Excel 工作簿 (.xlsx)。")


# --------------------------------------------------------------------------- everything else


def _inspect_other(head: bytes, path: Path) -> ContainerCheck:
    ext = path.suffix.lower()
    low = head.lower().lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"%PDF"):
        return _bad("not_workbook", "这是 PDF 文件，不是 Excel 工作簿，无法读取数据。请报送 Excel 工作簿 (.xlsx)。")
    if head.startswith(b"{\\rtf"):
        return _bad("not_workbook", "这是 RTF 文本文档，不是 Excel 工作簿。请报送 Excel 工作簿 (.xlsx)。")
    if b"urn:schemas-microsoft-com:office:spreadsheet" in low:
        return _bad("not_workbook", "这是 XML 电子表格 2003 格式（不是真正的 .xlsx），" + _SAVE_AS)
    if low.startswith((b"<!doctype html", b"<html", b"<table")) or b"<html" in low[:1024]:
        return _bad("not_workbook", "这是网页 (HTML) 格式伪装成的表格文件（常见于系统导出的 .xls），" + _SAVE_AS)
    if ext in (".csv", ".txt") and b"\0" not in head:
        return _bad("not_workbook", "这是 CSV/文本文件，不是 Excel 工作簿，" + _SAVE_AS)
    hint = f"扩展名是 {ext}，但" if ext in (".xlsx", ".xlsm", ".xls", ".et", ".ods") else ""
    return _bad(
        "not_workbook",
        f"{hint}文件内容不是可识别的 Excel 工作簿（可能已损坏或并非表格文件）。请报送 Excel 工作簿 (.xlsx)。",
    )
