"""The README's pictures: the indicator workbook (docs/indicators-sheet.png, docs/indicators-chart.png) and the
年报体检 of the real reports the project holds (docs/check-report.png).

    .venv/bin/python docs/make_pictures.py        (needs LibreOffice: make libreoffice; and pdftoppm)

Two counties' sample agencies (xxgk.samples) for 2023 and 2024 (2024 = 2023 moved by a random factor per
cell, so the changes look like a year's), `xxgk indicators 2024 --previous 2023 -o 指标.xlsx`, the workbook
printed to PDF by LibreOffice headless and the first page of the 指标 sheet and of the 图表 sheet rendered by
pdftoppm. Deterministic: the same seeds give the same picture. `xxgk check-report tests/fixtures/real/ -o 体检.html`
shot by headless Chromium (1500×1000, the top of the page).
"""

from __future__ import annotations

import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from xxgk.indicators import read_table
from xxgk.indicators.workbook import write_indicators
from xxgk.libreoffice import find_soffice
from xxgk.rules.expand import computed_cells
from xxgk.samples import agencies, sample_fills
from xxgk.spec import load_spec
from xxgk.template import build_template

DOCS = Path(__file__).resolve().parent
COUNTIES = (("甲县", "330205"), ("乙县", "330206"))


def _books(folder: Path) -> None:
    spec = load_spec("gb2021")
    computed = computed_cells(spec)
    rng = random.Random(14)
    for place, region in COUNTIES:
        group = agencies(place, region, 5, seed=len(place) + int(region))
        for agency, last in sample_fills(spec, group, 2023, seed=int(region)):
            now = dict(last, **{"meta.year": 2024})
            for cid in spec.cells:
                if cid not in computed and isinstance(last.get(cid), int):
                    now[cid] = max(0, round(int(last[cid]) * rng.uniform(0.6, 1.6)))  # type: ignore[call-overload]
            for year, values in ((2023, last), (2024, now)):
                build_template(spec, folder / str(year) / f"{agency.name}.xlsx", values=values)


def _page_with(pdf: Path, text: str) -> int:
    """The first page of the PDF whose text has `text` (the first page of a sheet)."""
    pages = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True)
    return next(k for k, page in enumerate(pages.stdout.split("\f"), 1) if text in "".join(page.split()))


def _render(pdf: Path, page: int, out: Path, dpi: int, width: int, height: int) -> None:
    """The top left of one page (the sheet is printed one page wide; its left part is what is read)."""
    subprocess.run(["pdftoppm", "-f", str(page), "-l", str(page), "-r", str(dpi), "-png", "-singlefile",
                    "-x", "0", "-y", "0", "-W", str(width), "-H", str(height), str(pdf), str(out.with_suffix(""))],
                   check=True)


def _check_report_picture(folder: Path) -> Path:
    from xxgk.reportcheck.command import run

    page = folder / "体检.html"
    run([DOCS.parent / "tests" / "fixtures" / "real"], [], page, None, None, False)
    out = DOCS / "check-report.png"
    browser = shutil.which("chromium") or shutil.which("chromium-browser") or "chromium"
    subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                    "--window-size=1500,1000", f"--screenshot={out}", page.as_uri()], check=True, capture_output=True)
    return out


def main() -> int:
    soffice = find_soffice()
    if soffice is None or shutil.which("pdftoppm") is None:
        print("需要 LibreOffice（make libreoffice）和 pdftoppm（poppler-utils）。", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        _books(folder)
        table, _ = read_table([folder / "2024"], folder / "2023")
        book = write_indicators(table, folder / "指标.xlsx")
        subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{folder}/profile", "--convert-to",
                        "pdf", "--outdir", str(folder), str(book)], check=True, capture_output=True)
        pdf = folder / "指标.pdf"
        _render(pdf, 1, DOCS / "indicators-sheet.png", 150, 1700, 640)
        _render(pdf, _page_with(pdf, "年度各单位指标（"), DOCS / "indicators-chart.png", 110, 1300, 900)
        shot = _check_report_picture(folder)
    print(f"{DOCS / 'indicators-sheet.png'}\n{DOCS / 'indicators-chart.png'}\n{shot}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
