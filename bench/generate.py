"""Fast generator of N filled agency workbooks for the benchmarks.

build_template takes ~0.2 s a workbook, far too slow for 10,000. So it runs once, with a unique
sentinel number in every input cell and a unique sentinel string in every cover field; the result is
compiled into a stamp: the zip members as literal byte pieces with holes where a value goes. Each
agency is then a string join of its values into the holes, a deflate of the few members that change
and a hand-written zip (the unchanged members are compressed once and copied as they are).

Holes (located through the workbook's defined names, never through hard-coded addresses; the sentinels
only prove that a name and an XML cell were paired up correctly):
  * input cells and numeric cover fields: the cell's <v>;
  * text cover fields: their entry in xl/sharedStrings.xml (the cell keeps its string index);
  * every formula cell: its cached <v>, recomputed with the engine's own evaluator (computed totals,
    the 校验 sheet's left/right/difference/verdict, the failed-check count and the cover status), so a
    reader that does not recalculate (calamine, openpyxl data_only, file previews) sees what Excel
    would. A formula cell the stamp cannot account for is an error, not a stale value.

Numbers are written exactly as XlsxWriter writes them (`.16G` for values, str() for cached formula
results), so a generated file holds the same cell values as build_template would write for the same
values (tests/test_bench_generator.py checks that).

    python bench/generate.py OUT_DIR [--n 10000] [--seed 1]
"""

from __future__ import annotations

import argparse
import io
import json
import re
import struct
import sys
import tempfile
import time
import zipfile
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any
from xml.etree import ElementTree as ET
from xml.sax.saxutils import escape

import numpy as np

from xxgk import template as tpl
from xxgk.engine import Frame
from xxgk.rules.expand import RuleInstance, computed_cells, expand_rules
from xxgk.rules.vector import evaluate_check
from xxgk.samples import Agency, agencies, cover_values, sample_fills
from xxgk.spec import FormSpec, defined_name, load_spec

FORM = "gb2021"
YEAR = 2024
PLACE, REGION = "样例市", "330200"
DEFAULT_N = 10_000
DEFAULT_SEED = 1
COMPRESS_LEVEL = 6  # zlib's default, as XlsxWriter (zipfile.ZIP_DEFLATED) uses
GENERATOR_VERSION = 2  # bump when the output of a given (n, seed) changes; caches key on it

NUMBER_SENTINEL_BASE = 770_000_000  # input cell k holds BASE + k in the stamp's template
TEXT_SENTINEL = "XXGKSENTINEL{:04d}"

_NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
}
_REF = re.compile(r"^(?:'((?:[^']|'')+)'|([^'!]+))!\$?([A-Z]{1,3})\$?([0-9]+)$")
# One <c> element: its reference, its start tag's attributes, and its body (None for <c .../>).
_CELL = re.compile(rb'<c r="([A-Z]{1,3}[0-9]+)"([^>]*?)(?:/>|>(.*?)</c>)', re.S)
_V = re.compile(rb"<v>([^<]*)</v>")
_SI = re.compile(rb"<si>.*?</si>", re.S)
_ROW_OF = re.compile(r"[0-9]+$")


# --------------------------------------------------------------------------- sample values


def normalise(spec: FormSpec, values: Mapping[str, object]) -> dict[str, object]:
    """Values as a person types them: integers in count/signed cells, amounts at most 6 decimals.

    sample_fills repairs amounts by float addition (0.30000000000000004); rounding to the form's 6
    decimals keeps the rules (within the engine's 1e-6) and makes the read-back value exact.
    """
    out: dict[str, object] = {}
    for key, value in values.items():
        cell = spec.cells.get(key)
        if cell is not None and cell.type == "amount" and isinstance(value, float):
            value = round(value, 6)
            value = value + 0.0 if value else 0.0  # no -0.0
        out[key] = value
    return out


def sample(n: int, seed: int, spec: FormSpec | None = None) -> list[tuple[Agency, dict[str, object]]]:
    """The n agencies and their values for a seed (deterministic): xxgk.samples, normalised."""
    spec = spec or load_spec(FORM)
    group = agencies(PLACE, REGION, n, seed=seed)
    return [(agency, normalise(spec, values)) for agency, values in sample_fills(spec, group, YEAR, seed=seed)]


# --------------------------------------------------------------------------- zip writing


@dataclass(frozen=True)
class _Member:
    name: bytes
    date_time: tuple[int, int]  # DOS time, date
    external_attr: int
    crc: int = 0
    size: int = 0
    data: bytes = b""  # deflated


def _dos_time(date_time: tuple[int, ...]) -> tuple[int, int]:
    y, mo, d, h, mi, s = date_time
    return (h << 11) | (mi << 5) | (s // 2), ((y - 1980) << 9) | (mo << 5) | d


def _deflate(raw: bytes) -> bytes:
    c = zlib.compressobj(COMPRESS_LEVEL, zlib.DEFLATED, -15)
    return c.compress(raw) + c.flush()


def _zip(members: Sequence[_Member]) -> bytes:
    """A plain deflated zip (no zip64, no data descriptors), like the one XlsxWriter writes."""
    out: list[bytes] = []
    central: list[bytes] = []
    offset = 0
    for m in members:
        t, d = m.date_time
        local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, t, d, m.crc, len(m.data), m.size, len(m.name), 0)
        central.append(struct.pack("<IBBHHHHHIIIHHHHHII", 0x02014B50, 20, 3, 20, 0, 8, t, d, m.crc, len(m.data),
                                   m.size, len(m.name), 0, 0, 0, 0, m.external_attr, offset) + m.name)
        out += (local, m.name, m.data)
        offset += len(local) + len(m.name) + len(m.data)
    cd = b"".join(central)
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(cd), offset, 0)
    return b"".join(out) + cd + end


# --------------------------------------------------------------------------- the stamp


def read_names(zf: zipfile.ZipFile) -> tuple[dict[str, tuple[str, str]], dict[str, str]]:
    """Defined name -> (sheet, A1) and sheet name -> zip member."""
    wb = ET.fromstring(zf.read("xl/workbook.xml"))
    names = {}
    for dn in wb.iterfind("m:definedNames/m:definedName", _NS):
        m = _REF.match((dn.text or "").strip())
        if m and dn.get("localSheetId") is None:
            names[dn.get("name", "")] = ((m.group(1) or "").replace("''", "'") or m.group(2), m.group(3) + m.group(4))
    rels = ET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in rels.iterfind("rel:Relationship", _NS)}
    parts = {}
    for sh in wb.iterfind("m:sheets/m:sheet", _NS):
        target = targets[sh.get(f"{{{_NS['r']}}}id")]
        parts[sh.get("name", "")] = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
    return names, parts




@dataclass(frozen=True)
class _Hole:
    start: int
    end: int
    key: str  # what goes in: a cell/field id, or a formula slot name


@dataclass
class _Part:
    name: str
    info: zipfile.ZipInfo
    pieces: list[bytes]  # len(keys) + 1 literal pieces around the holes
    keys: list[str]


class Stamp:
    """A filled template compiled into byte pieces and holes; render() makes one agency's .xlsx bytes."""

    def __init__(self, spec: FormSpec, text_fields: Sequence[str]) -> None:
        self.spec = spec
        self.computed = computed_cells(spec)
        self.inputs = [cid for cid in spec.cells if cid not in self.computed]
        self.text_fields = [f for f in spec.field_ids if f in set(text_fields)]
        self.number_fields = [f for f in spec.field_ids if f not in set(text_fields)]
        self.sentinels: dict[str, object] = {}
        for k, cid in enumerate(self.inputs + self.number_fields):
            self.sentinels[cid] = NUMBER_SENTINEL_BASE + k
        for k, fid in enumerate(self.text_fields):
            self.sentinels[fid] = TEXT_SENTINEL.format(k)
        self.checks: list[tuple[RuleInstance, str]] = []  # rule instance, slot key of its 校验 row
        self.cover_checks = tpl.cover_checks(spec)  # slot "=cover<k>": the verdict of the k-th cover check
        self.slots: dict[str, tuple[str, str, str]] = {}  # hole key -> zip member, A1, text in the stamp
        self._compile(self._build(self.sentinels))
        cover = cover_values(spec, agencies(PLACE, REGION, 1)[0], YEAR)
        self._learn_texts(self._build({**dict.fromkeys(self.inputs, 0), **cover}))

    # ---- build and parse the sentinel template

    def _build(self, values: Mapping[str, object]) -> bytes:
        with tempfile.TemporaryDirectory() as tmp:
            return tpl.build_template(self.spec, Path(tmp) / "stamp.xlsx", values=values).read_bytes()

    def _learn_texts(self, passing: bytes) -> None:
        """The cached texts of verdicts and of the cover status, taken from the template's own output
        (a build where every check passes, and the sentinel build where many fail), not from its code."""
        zf = zipfile.ZipFile(io.BytesIO(passing))
        scanned = {part: _scan_cells(zf.read(part)) for part in {p for p, _, _ in self.slots.values()}}

        def cached(key: str) -> str:
            part, a1, _ = self.slots[key]
            start, end, _, _ = scanned[part][a1]
            return zf.read(part)[start:end].decode()

        if cached("=failed") != "0":
            raise ValueError("the all-zero template does not pass every check")
        self.status_ok = cached("=status")
        passes = {cached(slot + ".verdict") for _, slot in self.checks}
        if len(passes) != 1:
            raise ValueError(f"verdicts of a passing template differ: {passes}")
        self.verdict_ok = passes.pop()
        self.verdict_bad: dict[str, str] = {}  # severity -> verdict text of a failed check
        for inst, slot in self.checks:
            got = self.slots[slot + ".verdict"][2]
            if got != self.verdict_ok:
                self.verdict_bad.setdefault(inst.rule.severity, got)
        failed, status = self.slots["=failed"][2], self.slots["=status"][2]
        if int(failed) == 0 or status.count(failed) != 1:
            raise ValueError(f"cannot tell the failure count in the status text {status!r} (count {failed})")
        self.status_bad = tuple(status.split(failed))

    def _compile(self, xlsx: bytes) -> None:
        zf = zipfile.ZipFile(io.BytesIO(xlsx))
        names, sheet_parts = read_names(zf)
        members = {i.filename: zf.read(i) for i in zf.infolist()}

        def where(name: str) -> tuple[str, str]:
            if name not in names:
                raise ValueError(f"the template has no defined name {name}")
            sheet, a1 = names[name]
            return sheet_parts[sheet], a1

        cells = {part: _scan_cells(members[part]) for part in sheet_parts.values()}

        holes: dict[str, list[_Hole]] = {}

        def hole(part: str, a1: str, key: str, formula: bool, expect: str | None = None) -> None:
            start, end, has_f, element = cells[part].get(a1, (-1, -1, False, b""))
            if start < 0 or has_f != formula:
                raise ValueError(f"{part} {a1} ({key}): expected a {'formula' if formula else 'value'} cell with <v>,"
                                 f" found {element[:120]!r}")
            got = members[part][start:end].decode()
            if expect is not None and got != expect:
                raise ValueError(f"{part} {a1} ({key}): sentinel {expect} expected, found {got}")
            holes.setdefault(part, []).append(_Hole(start, end, key))
            self.slots[key] = (part, a1, got)

        for cid in self.inputs + self.number_fields:
            hole(*where(defined_name(cid)), cid, False, f"{self.sentinels[cid]:.16G}")
        for cid in self.computed:
            hole(*where(defined_name(cid)), "=" + cid, True)
        for k, check in enumerate(self.cover_checks):
            hole(*where(check.name), f"=cover{k}", True)
        hole(*where(tpl.FAILED_NAME), "=failed", True)
        hole(*where(tpl.STATUS_NAME), "=status", True)
        for inst in expand_rules(self.spec):
            name = tpl.check_name(inst.key)
            if name not in names:
                continue  # a rule the template does not show (previous year, not compilable)
            part, a1 = where(name)
            row = _ROW_OF.search(a1).group(0)  # type: ignore[union-attr]
            in_row = sorted(((len(r), r) for r, c in cells[part].items() if c[2] and _ROW_OF.search(r).group(0) == row))  # type: ignore[union-attr]
            refs = [r for _, r in in_row]
            if len(refs) != 4 or refs[-1] != a1:
                raise ValueError(f"校验 row of {inst.key}: expected left, right, difference, verdict formulas, got {refs}")
            slot = f"=check{len(self.checks)}"
            for ref, what in zip(refs, ("left", "right", "diff", "verdict"), strict=True):
                hole(part, ref, f"{slot}.{what}", True)
            self.checks.append((inst, slot))
        # every formula cell must be accounted for, or a generated file would carry a stale result
        for part, found in cells.items():
            covered = {(h.start, h.end) for h in holes.get(part, [])}
            stale = [a1 for a1, (s, e, f, _) in found.items() if f and (s, e) not in covered and s >= 0]
            if stale:
                raise ValueError(f"{part}: formula cells the generator cannot recompute: {stale[:10]}")

        # text fields: their shared-string entries (the cells keep their index)
        sst = members["xl/sharedStrings.xml"]
        entries = list(_SI.finditer(sst))
        for fid in self.text_fields:
            part, a1 = where(defined_name(fid))
            start, end, _, element = cells[part][a1]
            if b't="s"' not in element:
                raise ValueError(f"cover field {fid} is not a shared-string cell: {element!r}")
            entry = entries[int(members[part][start:end])]
            if entry.group(0) != f"<si><t>{self.sentinels[fid]}</t></si>".encode():
                raise ValueError(f"cover field {fid}: shared string {entry.group(0)!r} is not its sentinel")
            holes.setdefault("xl/sharedStrings.xml", []).append(_Hole(entry.start(), entry.end(), "$" + fid))

        self.parts: list[_Part] = []
        self.fixed: dict[str, _Member] = {}
        self.order = [i.filename for i in zf.infolist()]
        for info in zf.infolist():
            raw = members[info.filename]
            if info.filename not in holes:
                self.fixed[info.filename] = _Member(info.filename.encode(), _dos_time(info.date_time),
                                                    info.external_attr, zlib.crc32(raw), len(raw), _deflate(raw))
                continue
            hs = sorted(holes[info.filename], key=lambda h: h.start)
            pieces, pos = [], 0
            for h in hs:
                if h.start < pos:
                    raise ValueError(f"{info.filename}: overlapping holes at {h.key}")
                pieces.append(raw[pos:h.start])
                pos = h.end
            pieces.append(raw[pos:])
            self.parts.append(_Part(info.filename, info, pieces, [h.key for h in hs]))

    # ---- per-agency values

    def formula_slots(self, rows: Sequence[Mapping[str, object]]) -> list[dict[str, str]]:
        """Cached formula results for each row, computed for all rows at once with the engine."""
        ids = list(self.spec.cells)
        matrix = np.array([[_num(r.get(cid)) for cid in ids] for r in rows], dtype=np.float64).reshape(len(rows), len(ids))
        frame = Frame.from_rows(self.spec, matrix)
        out: list[dict[str, str]] = [{} for _ in rows]
        for cid in self.computed:
            for slots, v in zip(out, frame.column(cid).tolist(), strict=True):
                slots["=" + cid] = str(v)
        failed = np.zeros(len(rows), dtype=np.int64)
        for inst, slot in self.checks:
            left, right, passed = evaluate_check(inst.check, frame.column, None, frame.n, inst.rule.tolerance)
            bad = self.verdict_bad.get(inst.rule.severity, "")
            if inst.rule.severity == "error":
                failed += ~passed
            if not bad and not passed.all():
                raise ValueError(f"no example of a failed {inst.rule.severity} verdict in the template")
            for slots, lv, rv, ok in zip(out, left.tolist(), right.tolist(), passed.tolist(), strict=True):
                slots[slot + ".left"] = str(lv)
                slots[slot + ".right"] = str(rv)
                slots[slot + ".diff"] = str(lv - rv)
                slots[slot + ".verdict"] = self.verdict_ok if ok else bad
        for k, check in enumerate(self.cover_checks):
            for i, (slots, row) in enumerate(zip(out, rows, strict=True)):
                ok = check.passes(row.get(check.field.id), self.spec)
                slots[f"=cover{k}"] = self.verdict_ok if ok else self.verdict_bad["error"]
                failed[i] += not ok
        head, tail = self.status_bad
        for slots, k in zip(out, failed.tolist(), strict=True):
            slots["=failed"] = str(k)
            slots["=status"] = self.status_ok if k == 0 else f"{head}{k}{tail}"
        return out

    def render(self, values: Mapping[str, object], slots: Mapping[str, str]) -> bytes:
        """One workbook: `values` by cell/field id (every input cell and field), `slots` from formula_slots."""
        text: dict[str, str] = dict(slots)
        for cid in self.inputs + self.number_fields:
            v = values.get(cid)
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise TypeError(f"{cid}: a number is needed, got {v!r}")
            text[cid] = f"{v:.16G}"
        for fid in self.text_fields:
            v = values.get(fid)
            if not isinstance(v, str):
                raise TypeError(f"{fid}: a string is needed, got {v!r}")
            space = ' xml:space="preserve"' if v != v.strip() else ""
            text["$" + fid] = f"<si><t{space}>{escape(v)}</t></si>"
        changed: dict[str, _Member] = {}
        for part in self.parts:
            chunks = [part.pieces[0]]
            for key, piece in zip(part.keys, part.pieces[1:], strict=True):
                chunks.append(text[key].encode())
                chunks.append(piece)
            raw = b"".join(chunks)
            changed[part.name] = _Member(part.name.encode(), _dos_time(part.info.date_time), part.info.external_attr,
                                         zlib.crc32(raw), len(raw), _deflate(raw))
        return _zip([changed.get(name) or self.fixed[name] for name in self.order])


def _scan_cells(xml: bytes) -> dict[str, tuple[int, int, bool, bytes]]:
    """The <c> elements of a sheet part: A1 -> (start of the <v> text, its end, is a formula, element);
    start and end are -1 for a cell without <v>."""
    found = {}
    for m in _CELL.finditer(xml):
        body = m.group(3) or b""
        v = _V.search(body)
        start = m.start(3) + v.start(1) if v else -1
        end = m.start(3) + v.end(1) if v else -1
        found[m.group(1).decode()] = (start, end, body.lstrip().startswith(b"<f"), m.group(0))
    return found


def _num(value: object) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.0


def text_fields_of(spec: FormSpec, values: Mapping[str, object]) -> list[str]:
    """Cover fields that hold text (the others, e.g. the year, hold numbers) in these values."""
    return [f for f in spec.field_ids if isinstance(values.get(f), str)]


# --------------------------------------------------------------------------- the folder


def file_name(index: int, agency: Agency, n: int) -> str:
    return f"{index:0{max(5, len(str(n - 1)))}d}_{agency.name}.xlsx"


def iter_generate(folder: Path, n: int, seed: int, chunk: int = 500) -> Iterator[tuple[Path, dict[str, object]]]:
    """Write the n workbooks of a seed into folder, yielding (path, values) as they are written."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    spec = load_spec(FORM)
    group = agencies(PLACE, REGION, n, seed=seed)
    fills = sample_fills(spec, group, YEAR, seed=seed)
    stamp: Stamp | None = None
    done = 0
    while done < n:
        batch = []
        for _ in range(min(chunk, n - done)):
            agency, values = next(fills)
            batch.append((agency, normalise(spec, values)))
        if stamp is None:
            stamp = Stamp(spec, text_fields_of(spec, batch[0][1]))
        slots = stamp.formula_slots([v for _, v in batch])
        for (agency, values), s in zip(batch, slots, strict=True):
            path = folder / file_name(done, agency, n)
            path.write_bytes(stamp.render(values, s))
            done += 1
            yield path, values


def generate(folder: Path, n: int = DEFAULT_N, seed: int = DEFAULT_SEED) -> list[Path]:
    """Write n agency workbooks (deterministic for the seed) into folder and return their paths."""
    return [path for path, _ in iter_generate(folder, n, seed)]


def manifest_path(folder: Path) -> Path:
    """Beside the folder, not in it: the folder holds nothing but the workbooks."""
    folder = Path(folder)
    return folder.with_name(folder.name + ".manifest.json")


def values_path(folder: Path) -> Path:
    """Beside the folder: the generated numbers, float64 (n, len(spec.cells)) in spec.cells order, computed
    cells 0 (as Frame.from_rows takes them)."""
    folder = Path(folder)
    return folder.with_name(folder.name + ".values.npy")


def generate_with_manifest(folder: Path, n: int, seed: int,
                           progress: Callable[[int, float], None] | None = None) -> dict[str, Any]:
    """generate(), plus a manifest (manifest_path): n, seed, version, seconds, file names in order and the
    expected total of every cell id (computed cells included) over all workbooks; and the numbers (values_path).

    The manifest is written last, so its presence marks a complete folder (the bench's cache key).
    """
    folder = Path(folder)
    manifest_path(folder).unlink(missing_ok=True)
    values_path(folder).unlink(missing_ok=True)
    spec = load_spec(FORM)
    totals = dict.fromkeys([*spec.cells], 0.0)
    t0 = time.perf_counter()
    paths = []
    rows = []
    for path, values in iter_generate(folder, n, seed):
        paths.append(path.name)
        rows.append(values)
        if progress and len(paths) % 1000 == 0:
            progress(len(paths), time.perf_counter() - t0)
    elapsed = time.perf_counter() - t0
    matrix = np.array([[_num(r.get(c)) for c in spec.cells] for r in rows], dtype=np.float64).reshape(len(rows), len(spec.cells))
    np.save(values_path(folder), matrix)
    if rows:
        frame = Frame.from_rows(spec, matrix)
        totals = {cid: float(frame.column(cid).sum()) for cid in spec.cells}
    manifest: dict[str, Any] = {"n": n, "seed": seed, "form": FORM, "year": YEAR, "version": GENERATOR_VERSION,
                                   "seconds": round(elapsed, 3), "files": paths, "totals": totals}
    manifest_path(folder).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return manifest


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("out", type=Path, help="output folder")
    ap.add_argument("--n", type=int, default=DEFAULT_N, help=f"number of workbooks (default {DEFAULT_N})")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"seed (default {DEFAULT_SEED})")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    manifest = generate_with_manifest(args.out, args.n, args.seed,
                                      lambda k, s: print(f"  {k} files, {s:.1f} s", file=sys.stderr))
    seconds = time.perf_counter() - t0
    print(f"wrote {args.n} workbooks to {args.out} in {seconds:.1f} s "
          f"({seconds / max(args.n, 1) * 1000:.2f} ms per file, sampling included); {manifest_path(args.out)} lists them")
    del manifest
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
