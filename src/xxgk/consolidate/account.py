"""The machine-readable account of a consolidation (xxgk consolidate --json)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from xxgk.consolidate import status as st
from xxgk.consolidate.model import REGION, Submission, Unit
from xxgk.consolidate.result import Consolidation
from xxgk.findings import number


def _file(s: Submission) -> dict[str, Any]:
    return {"file": s.name, "path": str(s.path), "agency": s.agency or s.guessed, "uscc": s.uscc, "kind": s.kind,
            "form": s.form, "status": s.status, "summed": s.status in st.SUMMED, "errors": s.errors,
            "warnings": s.warnings, "units": len(s.units) if s.status in st.SUMMED else 0, "reason": s.reason}


def _unit(u: Unit) -> dict[str, Any]:
    return {"agency": u.name, "uscc": u.uscc, "region": u.meta.get(REGION, ""), "file": u.file, "via": u.via,
            "status": u.status}


def files_account(subs: Sequence[Submission]) -> dict[str, Any]:
    inputs = [_file(s) for s in subs]
    return {
        "inputs": inputs,
        "counts": {status: sum(s.status == status for s in subs) for status in st.ALL},
        "rejected": [f for f in inputs if not f["summed"]],
        "duplicates": [{"file": s.name, "agency": s.agency, "reason": s.reason} for s in subs
                       if s.status == st.REPLACED],
    }


def account(result: Consolidation, output: Path | None, written: bool) -> dict[str, Any]:
    """Everything a script needs: inputs and their statuses, the summed agencies, the roster check, totals."""
    r = result
    rc = r.roster
    missing = [{"agency": e.name, "uscc": e.uscc, "region": e.region, "parent": e.parent} for e in rc.missing] if rc else []
    return {
        "written": written,
        "output": str(output) if output else None,
        "form": r.spec.form,
        "year": r.year,
        "agency": r.agency,
        "include_invalid": r.include_invalid,
        "previous": r.previous,
        **files_account(r.submissions),
        "accepted": [_unit(u) for u in r.units],
        "roster": None if rc is None else {
            "path": str(rc.roster.path), "expected": rc.expected, "received": rc.received, "summed": rc.summed,
            "missing_count": len(rc.missing), "unlisted": [s.name for s in rc.unlisted],
            "problems": list(rc.roster.problems)},
        "missing": missing,
        "totals": {cid: number(float(r.total[j])) for j, cid in enumerate(r.spec.cells)},
        "exact": {cid: format(v, "f") for cid, v in r.amounts.items()},
        "issues": [{"agency": i.agency, "file": i.file, "note": i.note, **i.finding.to_dict()} for i in r.issues],
    }


def failure_account(message: str, subs: Sequence[Submission]) -> dict[str, Any]:
    return {"written": False, "output": None, "error": message, **files_account(subs), "accepted": [],
            "missing": [], "totals": {}}
