"""Writes a VBA project (vbaProject.bin) from module source texts, per MS-OVBA.

The project carries source only: `_VBA_PROJECT` says "no performance cache" (version 0xFFFF) and every
module stream holds just its compressed source at offset 0, so the host compiles the code when it opens
the file. Everything that could vary between builds is fixed by the caller (project id, encryption seed,
module order), so the same sources give the same bytes.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from xxgk.addin.cfb import Storage, write

CODE_PAGE = 1252
ENCODING = "cp1252"
CHUNK = 4096
HOST_EXTENDER = "&H00000001={3832D640-CF90-11CF-8E43-00A0C911005A};VBE;&H00000000"
VERSION_COMPATIBLE32 = "393222000"
VBA_PROJECT_STREAM = bytes.fromhex("CC61FFFF000100")  # Reserved1, Version 0xFFFF (no cache), Reserved2, Reserved3

ModuleKind = Literal["document", "class", "standard"]


@dataclass(frozen=True)
class Module:
    """One VBA module: its name, kind and full source (the text olevba prints, Attribute lines included)."""

    name: str
    kind: ModuleKind
    source: str


@dataclass(frozen=True)
class Reference:
    """A registered type library the project references, e.g. the Office object library (IRibbonControl)."""

    name: str
    libid: str


OFFICE = Reference(
    "Office",
    r"*\G{2DF8D04C-5BFA-101B-BDE5-00AA0044DE52}#2.0#0#C:\Program Files\Common Files\Microsoft Shared\OFFICE16\MSO.DLL"
    "#Microsoft Office 16.0 Object Library",
)
STDOLE = Reference(
    "stdole",
    r"*\G{00020430-0000-0000-C000-000000000046}#2.0#0#C:\Windows\System32\stdole2.tlb#OLE Automation",
)


# --- MS-OVBA 2.4.1 compression -------------------------------------------------------------------


def copy_token_help(position: int) -> tuple[int, int]:
    """(bit count of the offset, maximum copy length) at `position` bytes into a chunk (MS-OVBA 2.4.1.3.19.1)."""
    bit_count = max((position - 1).bit_length(), 4)
    return bit_count, (0xFFFF >> bit_count) + 3


def _compress_chunk(data: bytes, start: int, end: int, max_candidates: int = 256) -> bytes:
    """The tokens of one chunk data[start:end] (at most 4096 bytes), without the chunk header."""
    out = bytearray()
    seen: dict[bytes, list[int]] = {}
    current = start
    while current < end:
        flag_at = len(out)
        out.append(0)
        for bit in range(8):
            if current >= end:
                break
            length, offset = _longest_match(data, start, current, end, seen, max_candidates)
            if length >= 3:
                bit_count, _ = copy_token_help(current - start)
                token = ((offset - 1) << (16 - bit_count)) | (length - 3)
                out += struct.pack("<H", token)
                out[flag_at] |= 1 << bit
                step = length
            else:
                out.append(data[current])
                step = 1
            for position in range(current, current + step):
                if position + 3 <= end:
                    seen.setdefault(data[position : position + 3], []).append(position)
            current += step
    return bytes(out)


def _longest_match(
    data: bytes, start: int, current: int, end: int, seen: dict[bytes, list[int]], max_candidates: int
) -> tuple[int, int]:
    """(length, offset) of the longest earlier match in the chunk, nearest first on ties; (0, 0) if none."""
    if current + 3 > end:
        return 0, 0
    candidates = seen.get(data[current : current + 3])
    if not candidates:
        return 0, 0
    _, maximum = copy_token_help(current - start)
    limit = min(maximum, end - current)
    best_length, best_at = 0, 0
    for candidate in reversed(candidates[-max_candidates:]):
        length = 3
        while length < limit and data[candidate + length] == data[current + length]:
            length += 1
        if length > best_length:
            best_length, best_at = length, candidate
            if length == limit:
                break
    return best_length, current - best_at


def compress(data: bytes) -> bytes:
    """A CompressedContainer (MS-OVBA 2.4.1.1.1) holding `data`.

    A chunk whose tokens would not fit in 4096 bytes is stored raw; like the specification
    (2.4.1.3.10), a raw final chunk shorter than 4096 bytes is padded with zeros, which a reader then sees
    as trailing NULs: `compress_text` refuses text that would need that.
    """
    out = bytearray(b"\x01")
    for start in range(0, len(data), CHUNK):
        end = min(start + CHUNK, len(data))
        tokens = _compress_chunk(data, start, end)
        if len(tokens) <= CHUNK:
            out += struct.pack("<H", 0xB000 | (len(tokens) - 1)) + tokens  # flag 1, signature 0b011, size - 3
        else:
            out += struct.pack("<H", 0x3FFF) + data[start:end].ljust(CHUNK, b"\0")
    return bytes(out)


def needs_padding(data: bytes) -> bool:
    """Whether `compress(data)` ends in a zero-padded raw chunk (only for incompressible data)."""
    start = (len(data) - 1) // CHUNK * CHUNK if data else 0
    tail = data[start:]
    return 0 < len(tail) < CHUNK and len(_compress_chunk(data, start, len(data))) > CHUNK


# --- MS-OVBA 2.4.3 data encryption (the CMG, DPB and GC values of the PROJECT stream) ----------------


def encrypt(data: bytes, project_id: str, seed: int, ignored: bytes | None = None) -> str:
    """Hex text of `data` encrypted as in MS-OVBA 2.4.3.2, with a fixed seed (and fixed ignored bytes)."""
    version = 2
    project_key = sum(project_id.encode(ENCODING)) & 0xFF
    ignored_length = (seed & 6) // 2
    ignored = bytes(ignored_length) if ignored is None else ignored
    if len(ignored) != ignored_length:
        raise ValueError(f"seed {seed:#04x} needs {ignored_length} ignored bytes")
    out = bytearray([seed, seed ^ version, seed ^ project_key])
    unencrypted1, encrypted1, encrypted2 = project_key, seed ^ project_key, seed ^ version
    for byte in ignored + struct.pack("<I", len(data)) + data:
        encoded = byte ^ ((encrypted2 + unencrypted1) & 0xFF)
        out.append(encoded)
        encrypted2, encrypted1, unencrypted1 = encrypted1, encoded, byte
    return out.hex().upper()


# --- MS-OVBA 2.3.4.2 dir stream ----------------------------------------------------------------------


def _record(record_id: int, payload: bytes) -> bytes:
    return struct.pack("<HI", record_id, len(payload)) + payload


def _text_record(record_id: int, text: str, unicode_id: int | None = None) -> bytes:
    """A record with an MBCS string, optionally followed by its UTF-16 twin (Reserved id + size + text)."""
    out = _record(record_id, text.encode(ENCODING))
    if unicode_id is not None:
        out += _record(unicode_id, text.encode("utf-16-le"))
    return out


def _reference(reference: Reference) -> bytes:
    libid = reference.libid.encode(ENCODING)
    registered = struct.pack("<I", len(libid)) + libid + struct.pack("<IH", 0, 0)
    return _text_record(0x0016, reference.name, 0x003E) + _record(0x000D, registered)


def _module_record(module: Module) -> bytes:
    kind = 0x0021 if module.kind == "standard" else 0x0022
    return b"".join(
        [
            _text_record(0x0019, module.name),
            _record(0x0047, module.name.encode("utf-16-le")),
            _text_record(0x001A, module.name, 0x0032),  # stream name = module name
            _text_record(0x001C, "", 0x0048),  # no doc string
            _record(0x0031, struct.pack("<I", 0)),  # source starts at offset 0: no performance cache
            _record(0x001E, struct.pack("<I", 0)),  # help context
            _record(0x002C, struct.pack("<H", 0xFFFF)),  # cookie
            struct.pack("<HI", kind, 0),
            struct.pack("<HI", 0x002B, 0),  # terminator
        ]
    )


def dir_stream(name: str, modules: Sequence[Module], references: Iterable[Reference], version: int) -> bytes:
    """The uncompressed dir stream: project information, references, modules (MS-OVBA 2.3.4.2)."""
    information = b"".join(
        [
            _record(0x0001, struct.pack("<I", 1)),  # SysKind: 32-bit Windows (as Excel writes it)
            _record(0x0002, struct.pack("<I", 0x0409)),  # LCID
            _record(0x0014, struct.pack("<I", 0x0409)),  # LCID invoke
            _record(0x0003, struct.pack("<H", CODE_PAGE)),
            _text_record(0x0004, name),
            _text_record(0x0005, "", 0x0040),  # doc string
            _text_record(0x0006, "", 0x003D),  # help file
            _record(0x0007, struct.pack("<I", 0)),  # help context
            _record(0x0008, struct.pack("<I", 0)),  # lib flags
            struct.pack("<HIIH", 0x0009, 4, version, 0),  # version: Reserved is 4, then major, minor
            _text_record(0x000C, "", 0x003C),  # constants
        ]
    )
    refs = b"".join(_reference(r) for r in references)
    modules_record = struct.pack("<HIH", 0x000F, 2, len(modules)) + _record(0x0013, struct.pack("<H", 0xFFFF))
    modules_record += b"".join(_module_record(m) for m in modules)
    return information + refs + modules_record + struct.pack("<HI", 0x0010, 0)


# --- MS-OVBA 2.3.1 PROJECT and 2.3.3 PROJECTwm streams ------------------------------------------------


def project_stream(name: str, project_id: str, modules: Sequence[Module], seed: int) -> bytes:
    """The PROJECT stream text: modules, name, unprotected and visible, host extender, workspace."""
    lines = [f'ID="{project_id}"']
    for module in modules:
        lines.append(
            {"document": f"Document={module.name}/&H00000000", "class": f"Class={module.name}"}.get(
                module.kind, f"Module={module.name}"
            )
        )
    lines += [
        f'Name="{name}"',
        'HelpContextID="0"',
        f'VersionCompatible32="{VERSION_COMPATIBLE32}"',
        f'CMG="{encrypt(bytes(4), project_id, seed)}"',  # protection state: none
        f'DPB="{encrypt(bytes(1), project_id, seed)}"',  # password: none
        f'GC="{encrypt(bytes([0xFF]), project_id, seed)}"',  # visibility: visible
        "",
        "[Host Extender Info]",
        HOST_EXTENDER,
        "",
        "[Workspace]",
        *(f"{module.name}=0, 0, 0, 0, C" for module in modules),
        "",
    ]
    return "\r\n".join(lines).encode(ENCODING)


def project_wm_stream(modules: Sequence[Module]) -> bytes:
    """Module names in MBCS and UTF-16 (MS-OVBA 2.3.3)."""
    out = b"".join(m.name.encode(ENCODING) + b"\0" + m.name.encode("utf-16-le") + b"\0\0" for m in modules)
    return out + b"\0\0"


# --- the whole project ----------------------------------------------------------------------------------


def _check(modules: Sequence[Module]) -> None:
    names = [m.name.lower() for m in modules]
    if len(set(names)) != len(names):
        raise ValueError("duplicate module names")
    for module in modules:
        if not module.name.isascii() or not module.name.replace("_", "a").isalnum() or len(module.name) > 31:
            raise ValueError(f"invalid module name: {module.name!r}")
        if not module.source.startswith(f'Attribute VB_Name = "{module.name}"'):
            raise ValueError(f"module {module.name}: the source must start with its Attribute VB_Name line")
        source = module.source.encode(ENCODING)  # raises for text code page 1252 cannot hold
        if needs_padding(source):
            raise ValueError(f"module {module.name}: source does not compress")


def vba_project(
    name: str,
    modules: Sequence[Module],
    *,
    project_id: str,
    seed: int,
    references: Sequence[Reference] = (STDOLE, OFFICE),
    version: int = 1,
) -> bytes:
    """The bytes of vbaProject.bin for `modules`, in the given order."""
    _check(modules)
    vba = Storage(
        {
            "_VBA_PROJECT": VBA_PROJECT_STREAM,
            "dir": compress(dir_stream(name, modules, references, version)),
            **{m.name: compress(m.source.encode(ENCODING)) for m in modules},
        }
    )
    root = Storage(
        {
            "PROJECT": project_stream(name, project_id, modules, seed),
            "PROJECTwm": project_wm_stream(modules),
            "VBA": vba,
        }
    )
    return write(root)
