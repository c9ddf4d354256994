"""Edit a built workbook's parts directly, for tests that need what no writer would produce."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path


def strip_cached_results(path: Path) -> None:
    """Drop every formula's cached <v> so only a real recalculation can produce verdicts."""
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                data = re.sub(rb"(<f>[^<]*</f>)<v>[^<]*</v>", rb"\1", data)
            zout.writestr(item, data)
    tmp.replace(path)
