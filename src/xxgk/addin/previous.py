"""Last year's report for the add-in's 校验 (year-over-year warnings and the cross-year rules, xxgk.yoy).

Local mode (the buttons run in this PC's Python): the setting XXGK_PREVIOUS, a file or a folder of last year's
reports, written into the add-in's config file by `xxgk addin install --previous 路径` (the environment
variable of that name wins, for scripted use). A file is taken to be this unit's own report (its name may be
written differently last year); in a folder the unit is found by credit code, else by name, as `xxgk validate
--previous` does. Nothing configured: no comparison, nothing said.

报送平台 mode: the portal compares with the token's unit's accepted version of the year before
(xxgk.web.routers.addin); without a token there is no unit, so no comparison.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from xxgk.addin.install import PREVIOUS_KEY
from xxgk.findings import WARNING, Finding, finding
from xxgk.reader import Fill


@dataclass
class LastYear:
    """What a click compares with: last year's fill (or None) and notes saying why not (warnings)."""

    fill: Fill | None = None
    notes: list[Finding] = field(default_factory=list)
    source: str = ""  # how the message box names it


PreviousOf = Callable[[Fill], LastYear]


def configured_path(environ: Mapping[str, str] | None = None, config: Path | None = None) -> Path | None:
    """XXGK_PREVIOUS from the environment, else from the add-in's config file; None when unset."""
    from xxgk.addin.install import Platform, read_config

    env = os.environ if environ is None else environ
    value = env.get(PREVIOUS_KEY, "").strip()
    if not value:
        platform = Platform.current()
        value = read_config(config or platform.config_file, platform.encoding).get(PREVIOUS_KEY, "").strip()
    return Path(value) if value else None


def local_previous(fill: Fill, path: Path | None = None) -> LastYear:
    """Last year's report of `fill`'s unit from the configured file or folder (`path`, else configured_path())."""
    from xxgk.validate import PreviousUnusable, load_previous, match_previous

    path = path if path is not None else configured_path()
    if path is None:
        return LastYear()
    if not path.exists():
        return LastYear(notes=[finding("previous.missing", WARNING, path=str(path),
                                       reason=f"找不到该文件或文件夹（加载项设置 {PREVIOUS_KEY}）。")])
    try:
        fills = load_previous(path)
    except PreviousUnusable as exc:
        return LastYear(notes=[finding("previous.missing", WARNING, path=str(path), reason=str(exc).split("无法使用：", 1)[-1] + "。")])
    match, note = match_previous(fill, fills, same_agency=path.is_file())
    return LastYear(match, [note] if note is not None else [], match.path.name if match is not None else "")
