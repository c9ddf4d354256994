"""Files that live at the top of the repository (form specs, the built add-in) and ship inside the wheel.

The repository keeps `templates/*.yaml` and `addin/xxgk.xlam` at the top level as the single source;
`setup.py` copies them into `xxgk/_data/` when a wheel is built. An installed package finds them there,
a source checkout (editable install, tests) finds them at the top of the tree.
"""

from __future__ import annotations

from pathlib import Path

PACKAGED = Path(__file__).resolve().parent / "_data"
SOURCE_TREE = Path(__file__).resolve().parents[2]


class MissingResource(FileNotFoundError):
    """A file the package needs is neither installed with it nor in a source checkout."""


def resource_path(relative: str) -> Path:
    """The path of a shipped file, e.g. resource_path("templates/gb2021.yaml")."""
    for root in (PACKAGED, SOURCE_TREE):
        path = root / relative
        if path.is_file():
            return path
    raise MissingResource(f"程序文件缺失：{relative}（安装不完整，请重新安装 xxgk）")


def resource_files(folder: str, pattern: str) -> list[Path]:
    """The shipped files of a folder matching a glob, e.g. resource_files("templates/ext", "*.yaml"), sorted.

    The installed copy wins, as in resource_path; a folder missing from both roots gives [].
    """
    for root in (PACKAGED, SOURCE_TREE):
        path = root / folder
        if path.is_dir():
            return sorted(p for p in path.glob(pattern) if p.is_file())
    return []
