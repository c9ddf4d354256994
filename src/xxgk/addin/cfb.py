"""A minimal writer of Compound File Binary files (MS-CFB, version 3, 512-byte sectors).

Just enough for a VBA project (vbaProject.bin): storages and streams in a fixed tree, written
deterministically (no timestamps, no class ids, no free space beyond sector padding). olefile can read
CFB files but cannot create them, hence this writer.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

SECTOR = 512
MINI_SECTOR = 64
MINI_CUTOFF = 4096
ENTRY_SIZE = 128
ENTRIES_PER_SECTOR = SECTOR // ENTRY_SIZE
IDS_PER_SECTOR = SECTOR // 4
HEADER_DIFAT_SLOTS = 109

FREESECT = 0xFFFFFFFF
ENDOFCHAIN = 0xFFFFFFFE
FATSECT = 0xFFFFFFFD
NOSTREAM = 0xFFFFFFFF

TYPE_EMPTY, TYPE_STORAGE, TYPE_STREAM, TYPE_ROOT = 0, 1, 2, 5
BLACK = 1
SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")


@dataclass
class Storage:
    """A storage: named children (streams as bytes, storages as Storage), order irrelevant."""

    children: dict[str, bytes | Storage] = field(default_factory=dict)


@dataclass
class _Entry:
    name: str
    kind: int
    data: bytes = b""
    children: list[int] = field(default_factory=list)
    left: int = NOSTREAM
    right: int = NOSTREAM
    child: int = NOSTREAM
    start: int = ENDOFCHAIN
    size: int = 0


def sort_key(name: str) -> tuple[int, str]:
    """MS-CFB sibling order: shorter names first, then by upper-cased UTF-16 code units."""
    return (len(name.encode("utf-16-le")), name.upper())


def _flatten(root: Storage) -> list[_Entry]:
    """Directory entries in a fixed order: root first, then each storage's children depth-first by name."""
    entries = [_Entry("Root Entry", TYPE_ROOT)]

    def add(parent: int, storage: Storage) -> None:
        for name in sorted(storage.children, key=sort_key):
            _check_name(name)
            item = storage.children[name]
            index = len(entries)
            entries[parent].children.append(index)
            if isinstance(item, Storage):
                entries.append(_Entry(name, TYPE_STORAGE))
                add(index, item)
            else:
                entries.append(_Entry(name, TYPE_STREAM, data=bytes(item), size=len(item)))

    add(0, root)
    return entries


def _check_name(name: str) -> None:
    if not name or len(name) > 31 or any(c in name for c in "/\\:!"):
        raise ValueError(f"invalid compound-file entry name: {name!r}")


def _link_siblings(entries: list[_Entry]) -> None:
    """Each storage's children form a balanced binary search tree, every node black (MS-CFB 2.6.4)."""

    def subtree(ids: list[int]) -> int:
        if not ids:
            return NOSTREAM
        middle = len(ids) // 2
        node = entries[ids[middle]]
        node.left = subtree(ids[:middle])
        node.right = subtree(ids[middle + 1 :])
        return ids[middle]

    for entry in entries:
        entry.child = subtree(entry.children)  # children are already in sort order


def _chain(fat: list[int], first: int, count: int) -> None:
    for i in range(count):
        fat[first + i] = first + i + 1 if i + 1 < count else ENDOFCHAIN


def _sectors(data: bytes, size: int) -> int:
    return -(-len(data) // size)


def _pad(data: bytes, size: int) -> bytes:
    return data + b"\0" * (-len(data) % size)


def _entry_bytes(entry: _Entry) -> bytes:
    name = entry.name.encode("utf-16-le") + b"\0\0"
    return struct.pack(
        "<64sHBBIII16sIQQIQ",
        name,
        len(name),
        entry.kind,
        BLACK,
        entry.left,
        entry.right,
        entry.child,
        b"\0" * 16,  # class id
        0,  # state bits
        0,  # creation time
        0,  # modification time
        entry.start,
        entry.size,
    )


EMPTY_ENTRY = struct.pack(
    "<64sHBBIII16sIQQIQ", b"", 0, TYPE_EMPTY, 0, NOSTREAM, NOSTREAM, NOSTREAM, b"\0" * 16, 0, 0, 0, 0, 0
)


def _mini_stream(entries: list[_Entry]) -> tuple[bytes, bytes]:
    """The mini stream holding the small streams (their starts set) and its mini FAT, padded to a sector."""
    mini_stream = b""
    mini_fat: list[int] = []
    for entry in entries:
        if entry.kind != TYPE_STREAM or entry.size >= MINI_CUTOFF:
            continue
        if entry.size == 0:
            entry.start = ENDOFCHAIN
            continue
        entry.start = len(mini_fat)
        count = _sectors(entry.data, MINI_SECTOR)
        mini_fat.extend([0] * count)
        _chain(mini_fat, entry.start, count)
        mini_stream += _pad(entry.data, MINI_SECTOR)
    if mini_fat:
        mini_fat += [FREESECT] * (-len(mini_fat) % IDS_PER_SECTOR)
    return mini_stream, struct.pack(f"<{len(mini_fat)}I", *mini_fat)


def _allocate(counts: list[int]) -> tuple[list[int], list[int]]:
    """The FAT (its own sectors first) and the first sector of each region of `counts` sectors, in order."""
    fat_count = 1
    while fat_count * IDS_PER_SECTOR < sum(counts) + fat_count:
        fat_count += 1
    if fat_count > HEADER_DIFAT_SLOTS:
        raise ValueError("compound file too large for this writer (it would need DIFAT sectors)")
    fat = [FATSECT] * fat_count + [FREESECT] * (fat_count * IDS_PER_SECTOR - fat_count)
    starts = []
    position = fat_count
    for count in counts:
        starts.append(position if count else ENDOFCHAIN)
        _chain(fat, position, count)
        position += count
    return fat, starts


def _header(fat_count: int, dir_start: int, mini_fat_start: int, mini_fat_count: int) -> bytes:
    difat = list(range(fat_count)) + [FREESECT] * (HEADER_DIFAT_SLOTS - fat_count)
    return struct.pack(
        "<8s16sHHHHH6sIIIIIIIII109I",
        SIGNATURE,
        b"\0" * 16,
        0x003E,  # minor version
        0x0003,  # major version 3: 512-byte sectors
        0xFFFE,  # little-endian byte order mark
        9,  # sector shift: 2**9 = 512
        6,  # mini sector shift: 2**6 = 64
        b"\0" * 6,
        0,  # directory sectors: always 0 in version 3
        fat_count,
        dir_start,
        0,  # transaction signature
        MINI_CUTOFF,
        mini_fat_start,
        mini_fat_count,
        ENDOFCHAIN,  # no DIFAT sectors
        0,
        *difat,
    )


def write(root: Storage) -> bytes:
    """The bytes of a compound file holding `root`; same tree, same bytes.

    Layout: header, FAT, directory, mini FAT, mini stream, then each large stream, every region
    contiguous.
    """
    entries = _flatten(root)
    _link_siblings(entries)
    mini_stream, mini_fat = _mini_stream(entries)
    large = [e for e in entries if e.kind == TYPE_STREAM and e.size >= MINI_CUTOFF]
    sizes = [len(entries) * ENTRY_SIZE, len(mini_fat), len(mini_stream), *(e.size for e in large)]
    fat, starts = _allocate([-(-size // SECTOR) for size in sizes])
    dir_start, mini_fat_start, entries[0].start, *large_starts = starts
    entries[0].size = len(mini_stream)
    for entry, start in zip(large, large_starts, strict=True):
        entry.start = start
    directory = b"".join(_entry_bytes(e) for e in entries)
    directory += EMPTY_ENTRY * (-len(entries) % ENTRIES_PER_SECTOR)
    regions = [directory, mini_fat, mini_stream, *(e.data for e in large)]
    header = _header(len(fat) // IDS_PER_SECTOR, dir_start, mini_fat_start, len(mini_fat) // SECTOR)
    return header + struct.pack(f"<{len(fat)}I", *fat) + b"".join(_pad(region, SECTOR) for region in regions)
