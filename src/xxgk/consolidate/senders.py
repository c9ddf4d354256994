"""Files whose sender is known (a portal's uploads): each counts as the unit it was sent for, never as the unit its
cover names, so one unit's upload can never replace another unit's report in the summary."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from xxgk.consolidate.messages import consolidation_finding
from xxgk.consolidate.model import AGENCY, USCC, Submission
from xxgk.consolidate.options import Sender
from xxgk.findings import WARNING
from xxgk.identity import agency_key, clean_uscc, normalize_name


def same_unit(sender: Sender, name: str, uscc: str) -> bool:
    """Does a cover (name, uscc) name the sender? By code when both have one, else by name."""
    mine, theirs = clean_uscc(sender.uscc), clean_uscc(uscc)
    if mine and theirs:
        return mine == theirs
    return not name.strip() or normalize_name(name) == normalize_name(sender.name)


def apply_senders(subs: Sequence[Submission], senders: Mapping[str, Sender] | None) -> None:
    """Give each file of a known sender the sender's name and code (cover and unit); a finding when they differ."""
    for sub in subs:
        sender = (senders or {}).get(sub.name)
        if sender is None or not sub.readable:
            continue
        if not same_unit(sender, sub.agency, sub.uscc):
            cover = "、".join(x for x in (sub.agency, sub.uscc) if x) or "（未填写）"
            sub.notes.append(consolidation_finding("consolidate.other_cover", WARNING, sender=sender.name, cover=cover))
        sub.meta = {**sub.meta, AGENCY: sender.name, USCC: sender.uscc}
        if not sub.is_summary:
            sub.units = [replace(u, key=agency_key(sender.name, sender.uscc), meta=sub.meta) for u in sub.units]
