"""Indicators on real published reports (tests/fixtures/real), imported with xxgk import.

Real faults they show: 淮安市人民政府 2024 — 行政复议纠错率 64/314 = 20.4 % (red, > 15 %) and 行政诉讼纠错率
5/39 = 12.8 % (yellow, > 10 %); a quarter of its handled requests (769/3,050) were 本机关不掌握. The five small
agencies (公共资源交易中心 …, 2020/2021) received no request at all: every rate is 样本偏少 (not 0 %), unranked.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from xxgk.frames import indicators_frame
from xxgk.importer.run import import_files

REAL = Path(__file__).resolve().parent / "fixtures" / "real"


@pytest.fixture(scope="module")
def table(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    out = tmp_path_factory.mktemp("real")
    results = import_files(sorted(REAL.glob("*.txt")), out)
    assert all(r.output is not None for r in results)
    return indicators_frame([out])


def _unit(table, agency: str) -> dict:  # type: ignore[no-untyped-def]
    rows = table[(table["level"] == "单位") & (table["agency"] == agency)]
    return {r["id"]: r for _, r in rows.iterrows()}


def test_huaian_2024_correction_rates_are_flagged(table) -> None:  # type: ignore[no-untyped-def]
    h = _unit(table, "淮安市人民政府")
    assert h["requests"]["value"] == 3119 + 34
    assert (h["disclosed_rate"]["numerator"], h["disclosed_rate"]["denominator"]) == (1362 + 454, 3050)
    assert h["disclosed_rate"]["flag"] == ""  # 59.5 %: above both thresholds
    assert (h["review_corrected_rate"]["numerator"], h["review_corrected_rate"]["denominator"]) == (64, 314)
    assert h["review_corrected_rate"]["flag"] == "red"
    assert (h["suit_corrected_rate"]["numerator"], h["suit_corrected_rate"]["denominator"]) == (5, 39)
    assert h["suit_corrected_rate"]["flag"] == "yellow"
    assert h["no_info_rate"]["value"] == pytest.approx(769 / 3050)
    assert h["review_corrected_rate"]["source"].startswith("009_huaian_city_2024.xlsx：'复议诉讼'!")


def test_agencies_without_requests_are_small_samples(table) -> None:  # type: ignore[no-untyped-def]
    small = table[(table["level"] == "单位") & (table["agency"] != "淮安市人民政府") & (table["id"] == "granted_rate")]
    assert len(small) == 5
    assert set(small["flag"]) == {"small"} and small["rank"].isna().all()
    assert all(math.isnan(v) for v in small["value"]) and set(small["denominator"]) == {0}
