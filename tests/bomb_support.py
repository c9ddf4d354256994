"""A zip bomb whose headers lie: a real workbook whose first worksheet inflates to `inflated` bytes of zeros while
its local and central headers both claim `claimed` bytes (issue 12 §1)."""

from __future__ import annotations

import os
import shutil
import struct
import zipfile
import zlib
from pathlib import Path

GiB = 2**30
SHEET = "xl/worksheets/sheet1.xml"
_CACHE = Path("/tmp/xxgk-test-bombs")


def _zeros_deflated(inflated: int) -> tuple[bytes, int]:
    """A raw deflate stream of `inflated` zero bytes and its CRC-32 (about 1 MB for 1 GiB)."""
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = bytes(2**20)
    parts, crc, left = [], 0, inflated
    while left:
        chunk = block[: min(left, len(block))]
        parts.append(comp.compress(chunk))
        crc = zlib.crc32(chunk, crc)
        left -= len(chunk)
    parts.append(comp.flush())
    return b"".join(parts), crc


def lying_bomb(template: Path, dest: Path, inflated: int = GiB, claimed: int = 100 * 1024, *,
               member: str = SHEET, prefix_crc: bool = False) -> Path:
    """Copy `template` with `member` (its first worksheet) replaced by the bomb; both headers claim `claimed`
    bytes. `prefix_crc`: the CRC of the claimed prefix, so a reader that trusts the size finds nothing wrong.
    Built once per variant and copied: deflating 1 GiB takes a few seconds."""
    key = _CACHE / f"{template.name}-{member.replace('/', '_')}-{inflated}-{claimed}-{prefix_crc}{template.suffix}"
    if not key.exists():
        _CACHE.mkdir(parents=True, exist_ok=True)
        data, crc = _zeros_deflated(inflated)
        tmp = key.with_name(f"{key.name}.{os.getpid()}.part")  # parallel test processes may build it at once
        with zipfile.ZipFile(template) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
            for item in zin.infolist():
                if item.filename != member:
                    zout.writestr(item, zin.read(item.filename))
                    continue
                # A stored entry of the compressed bytes, then turned into a deflated one by patching below.
                info = zipfile.ZipInfo(member, item.date_time)
                info.compress_type = zipfile.ZIP_STORED
                zout.writestr(info, data)
        _patch(tmp, member, claimed, zlib.crc32(bytes(claimed)) if prefix_crc else crc)
        tmp.replace(key)
    shutil.copyfile(key, dest)
    return dest


def _patch(path: Path, name: str, claimed: int, crc: int) -> None:
    """Method 8 (deflate), the real CRC and the claimed uncompressed size, in the local and the central header."""
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(name)
    raw = bytearray(path.read_bytes())
    local = info.header_offset
    assert raw[local : local + 4] == b"PK\x03\x04"
    struct.pack_into("<H", raw, local + 8, zipfile.ZIP_DEFLATED)
    struct.pack_into("<I", raw, local + 14, crc)
    struct.pack_into("<I", raw, local + 22, claimed)
    central = 0
    encoded = name.encode()
    while True:
        central = raw.index(b"PK\x01\x02", central)
        n = struct.unpack_from("<H", raw, central + 28)[0]
        if raw[central + 46 : central + 46 + n] == encoded:
            break
        central += 4
    struct.pack_into("<H", raw, central + 10, zipfile.ZIP_DEFLATED)
    struct.pack_into("<I", raw, central + 16, crc)
    struct.pack_into("<I", raw, central + 24, claimed)
    path.write_bytes(bytes(raw))
