"""A submission belongs to the unit it was uploaded for (issue 12 §2): a cover naming another unit is refused,
and the summary counts every accepted file as its uploader's unit, whatever its cover claims; every 说明 given on
the portal reaches the summary's 校验结果. Over SQLite and a real PostgreSQL."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest

from xxgk.consolidate import Options, collect
from xxgk.consolidate.options import Sender
from xxgk.web.models import ACCEPTED, Submission

from .conftest import make_portal
from .pg import postgres_url


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def fresh(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp(f"cover-{request.param}")
    url = postgres_url(request, tmp) if request.param == "postgresql" else ""
    p = make_portal(tmp, url)
    yield p
    p.app.state.engine.dispose()


def _sheet_text(path: Path, sheet: str) -> list[list[str]]:
    book = openpyxl.load_workbook(path, read_only=True)
    return [[str(v) for v in row if v is not None] for row in book[sheet].iter_rows(values_only=True)]


def test_other_units_cover_is_refused_and_summary_is_by_unit(fresh, tmp_path):
    p = fresh
    county = p.site.counties[0]
    (mz, _), (ga, ga_agency), _ = p.units(1)
    mz_client = p.client(p.site.unit_account(mz))
    intruder = p.book("intruder.xlsx", ga_agency, seed=4)

    refused = mz_client.upload(mz.id, intruder, "公安局.xlsx").json()
    assert refused["status"] == "有错误"
    (other,) = [i for i in refused["report"]["issues"] if i["code"] == "portal.other_unit"]
    assert other["severity"] == "error" and mz.name in other["message"] and ga.name in other["message"]
    assert not any(i["code"] == "portal.other_agency" for i in refused["report"]["issues"])
    note = mz_client.post(f"/api/submissions/{refused['id']}/notes", json={"notes": {"portal.other_unit|": "是我"}})
    assert note.status_code == 409  # no 说明 clears it

    by_name = p.book("by_name.xlsx", replace(ga_agency, uscc=""), seed=4)  # no code: the name tells
    named = mz_client.upload(mz.id, by_name, "无代码.xlsx").json()
    assert named["status"] == "有错误" and any(i["code"] == "portal.other_unit" for i in named["report"]["issues"])

    ga_own = p.book("ga_own.xlsx", ga_agency, seed=3)
    assert p.client(p.site.unit_account(ga)).upload(ga.id, ga_own).json()["status"] == "已接受"

    # a version accepted before this check existed (a warning, explained): it still counts as 民政局's
    legacy = mz_client.upload(mz.id, intruder, "旧版.xlsx").json()
    key = "portal.other_agency|"
    with p.db() as db:
        sub = db.get(Submission, legacy["id"])
        report = json.loads(sub.report_json)
        report["issues"] = [{"code": "portal.other_agency", "severity": "warning", "message": "封面代码不一致",
                             "rule": None, "ids": [], "cells": [], "expected": None, "actual": None}]
        sub.report_json, sub.notes_json = json.dumps(report), json.dumps({key: "说明：代公安局录入，数字是民政局的"})
        sub.status = ACCEPTED
        db.commit()

    job = p.client("xian1").consolidate(county.id, "direct")
    assert job["status"] == "done", job
    assert sorted(u["agency"] for u in job["accepted"]) == sorted([mz.name, ga.name])
    alone = [collect([f], Options(jobs=1)).total for f in (intruder, ga_own)]
    spec_cells = list(job["totals"])
    for j, cid in enumerate(spec_cells):
        assert job["totals"][cid] == pytest.approx(float(alone[0][j] + alone[1][j])), cid

    out = tmp_path / "summary.xlsx"
    out.write_bytes(p.client("xian1").get(job["file"]).content)
    rows = _sheet_text(out, "报送情况")
    flat = "\n".join("|".join(r) for r in rows)
    assert "重复已替代" not in flat
    agency = rows[3].index("填报单位")
    assert sorted(r[agency] for r in rows[4:]) == sorted([mz.name, ga.name])  # one row each, by uploader
    results = "\n".join("|".join(r) for r in _sheet_text(out, "校验结果"))
    assert f"按“{mz.name}”的报表汇总" in results
    assert "说明：代公安局录入，数字是民政局的" in results


def test_senders_decide_the_unit_not_the_cover(tmp_path):
    """The library: with senders, a file whose cover names another unit is summed as its sender's."""
    from xxgk.samples import agencies
    from xxgk.web.demo import workbook

    a, b = agencies("某县", "330102", 2, seed=5)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    workbook(inbox / "a.xlsx", b, seed=1)  # a's upload with b's cover
    workbook(inbox / "b.xlsx", b, seed=2)
    plain = collect([inbox], Options(jobs=1))
    assert len(plain.units) == 1  # without senders one copy replaces the other
    known = collect([inbox], Options(jobs=1, senders={"a.xlsx": Sender(a.name, a.uscc), "b.xlsx": Sender(b.name, b.uscc)}))
    assert sorted(u.name for u in known.units) == sorted([a.name, b.name])
    assert any(i.finding.code == "consolidate.other_cover" and i.file == "a.xlsx" for i in known.issues)
    assert not any(i.finding.code == "consolidate.other_cover" and i.file == "b.xlsx" for i in known.issues)
