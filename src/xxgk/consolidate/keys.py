"""Agency keys within one consolidation: one USCC carried by agencies of different names, copies without USCC."""

from __future__ import annotations

from collections.abc import Iterable

from xxgk.identity import agency_key, clean_uscc, normalize_name

SHARED = "|name:"  # joins code and name in the key of an agency whose code another agency also carries


class KeyResolver:
    """Agency keys for one consolidation.

    A USCC names one agency while every report carrying it has the same normalised name; two different names
    on one code (one agency typed the other's) are two agencies, keyed by code and name (see shared_code).
    A copy without USCC joins a copy of the same name that has one. Summary covers (`covers`) take part only
    in that name link: the consolidating unit's summary may carry an agency's code under another name."""

    def __init__(self, agencies: Iterable[tuple[str, str]], covers: Iterable[tuple[str, str]] = ()) -> None:
        pairs = [(normalize_name(name), clean_uscc(uscc)) for name, uscc in agencies]
        names: dict[str, set[str]] = {}
        for norm, code in pairs:
            if code and norm:
                names.setdefault(code, set()).add(norm)
        self.shared = {code for code, found in names.items() if len(found) > 1}
        self._by_name: dict[str, str] = {}
        self._code_by_name: dict[str, str] = {}
        for norm, code in [*pairs, *((normalize_name(n), clean_uscc(u)) for n, u in covers)]:
            if code and norm:
                self._code_by_name.setdefault(norm, f"uscc:{code}")
        for norm, code in pairs:
            if code and norm:
                self._by_name.setdefault(norm, self.key(norm, code))

    def key(self, name: str, uscc: str) -> str:
        """The key of an agency report (or of an agency inside a summary)."""
        code, norm = clean_uscc(uscc), normalize_name(name)
        if code:
            return f"uscc:{code}{SHARED}{norm}" if code in self.shared and norm else f"uscc:{code}"
        return self._by_name.get(norm, f"name:{norm}") if norm else ""

    def cover_key(self, name: str, uscc: str) -> str:
        """The key of a summary's cover: its code, else the code of an agency or cover of the same name."""
        key = agency_key(name, uscc)
        return self._code_by_name.get(key[5:], key) if key.startswith("name:") else key


def shared_code(key: str) -> str:
    """The code part ("uscc:…") of the key of an agency whose USCC other agencies also carry, else ""."""
    return key.split(SHARED)[0] if SHARED in key else ""

