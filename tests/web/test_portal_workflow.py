"""Portal workflow defects of issue 12 §6: years edited in place, the 404 for an unknown year, 说明 boxes and their
confirmation, 说明 carried over by finding, the annotated copy only where something is marked, /favicon.ico."""

from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import select

from xxgk.web.models import ReportYear

from .conftest import make_portal
from .pg import postgres_url


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def fresh(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp(f"workflow-{request.param}")
    url = postgres_url(request, tmp) if request.param == "postgresql" else ""
    p = make_portal(tmp, url)
    yield p
    p.app.state.engine.dispose()


def _inputs(form: str) -> dict[str, str]:
    """What a browser posts for a form: text/hidden values, ticked checkboxes, selected options."""
    out = {}
    for tag in re.findall(r"<input[^>]*>", form):
        name = re.search(r'name="([^"]+)"', tag)
        if not name:
            continue
        value = (re.search(r'value="([^"]*)"', tag) or re.match("", "")).group(1) if 'value="' in tag else ""
        if 'type="checkbox"' in tag and " checked" not in tag:
            continue
        out[name.group(1)] = value
    for name, body in re.findall(r'<select name="([^"]+)">(.*?)</select>', form, re.S):
        out[name] = re.search(r'<option value="([^"]+)" selected', body).group(1)
    return out


def test_year_resaved_in_place_keeps_deadline_and_closed_state(fresh):
    admin = fresh.client("admin")
    with fresh.db() as db:
        year = db.scalar(select(ReportYear))
        year.is_open = False  # a closed year: re-saving it must not reopen it
        db.commit()
        deadline, number = year.deadline, year.year
    try:
        page = admin.get("/admin").text
        forms = re.findall(r'<form method="post" action="/admin/years".*?</form>', page, re.S)
        edit = next(f for f in forms if f'name="year" value="{number}"' in f)
        new = next(f for f in forms if 'type="number"' in f)
        assert re.search(r'name="is_open" type="checkbox" value="1"\s*>', new), "a new year is not opened by default"
        r = admin.http.post("/admin/years", data=_inputs(edit))
        assert r.status_code == 303
        with fresh.db() as db:
            year = db.scalar(select(ReportYear).where(ReportYear.year == number))
            assert year.deadline == deadline and year.is_open is False
    finally:
        with fresh.db() as db:
            db.scalar(select(ReportYear)).is_open = True
            db.commit()


def test_unknown_year_names_the_years_there_are(fresh):
    unit, _ = fresh.units(1)[0]
    c = fresh.client(fresh.site.unit_account(unit))
    year = fresh.site.year.year
    r = c.get(f"/units/{unit.id}?year={year - 1}")
    assert r.status_code == 404
    assert "还没有开放报送的年度" not in r.text and f"没有 {year - 1} 年度" in r.text and f"{year}（开放报送）" in r.text


def test_favicon(fresh):
    r = fresh.client().get("/favicon.ico")
    assert r.status_code == 200 and r.headers["content-type"] == "image/png" and r.content[:4] == b"\x89PNG"


def test_notes_saved_carried_and_read_only_on_old_versions(fresh):
    unit, agency = fresh.units(1)[1]
    c = fresh.client(fresh.site.unit_account(unit))
    v1 = c.upload(unit.id, fresh.book("wf-blank.xlsx", agency, blank=2)).json()
    assert v1["status"] == "待说明"
    keys = [f"{i['rule'] or i['code']}|{'、'.join(i['cells'])}" for i in v1["report"]["issues"] if i["severity"] == "warning"]
    token = c.page_token(f"/submissions/{v1['id']}")
    r = c.http.post(f"/submissions/{v1['id']}/notes", data={"csrf_token": token, **{f"note::{k}": "本年度无此事项" for k in keys}})
    assert r.status_code == 303
    page = c.get(r.headers["location"]).text
    assert 'id="saved"' in page and "说明已保存" in page
    v2 = c.upload(unit.id, fresh.book("wf-bad.xlsx", agency, break_r3=True, blank=2)).json()
    assert v2["status"] == "有错误"
    v3 = c.upload(unit.id, fresh.book("wf-blank.xlsx", agency, blank=2), "再报.xlsx").json()
    assert v3["status"] == "已接受", "说明 of version 1 carried over by finding, across a version with errors"
    old = c.get(f"/submissions/{v1['id']}").text
    assert "<textarea" not in old and "本年度无此事项" in old  # shown, not editable
    assert "<textarea" not in c.get(f"/submissions/{v2['id']}").text
    assert "<textarea" in c.get(f"/submissions/{v3['id']}").text
    late = c.post(f"/api/submissions/{v1['id']}/notes", json={"notes": {keys[0]: "改"}})
    assert late.status_code == 409


def test_annotated_copy_only_for_files_with_findings(fresh):
    unit, agency = fresh.units(1)[2]
    c = fresh.client()
    token = c.page_token()
    good = fresh.book("wf-good.xlsx", agency)
    r = c.post("/validate", data={"csrf_token": token, "annotate": "1"}, files={"files": ("好的.xlsx", good.read_bytes())})
    assert r.status_code == 200 and "下载标记副本" not in r.text
    bad = fresh.book("wf-bad2.xlsx", agency, break_r3=True)
    r = c.post("/validate", data={"csrf_token": token, "annotate": "1"}, files={"files": ("有错.xlsx", bad.read_bytes())})
    assert "下载标记副本" in r.text
    sub = fresh.client(fresh.site.unit_account(unit)).upload(unit.id, good).json()
    assert not sub["report"]["issues"]
    assert "下载标记副本" not in fresh.client(fresh.site.unit_account(unit)).get(f"/submissions/{sub['id']}").text


def test_leftovers_swept_at_start_and_periodically(tmp_path):
    """files/tmp/*.part, tmp/up-*, finished job files: removed at start-up and by the periodic sweep; a stored
    file a row points to, a young upload and a running job stay."""
    import json
    import os
    import time

    from xxgk.web.app import create_app
    from xxgk.web.sweeper import Sweeper

    first = make_portal(tmp_path)
    data = first.settings.data_dir
    store = first.store
    sub = first.client(first.site.unit_account(first.units(1)[0][0])).upload(
        first.units(1)[0][0].id, first.book("sw.xlsx", first.units(1)[0][1])).json()
    first.app.state.sweeper.stop()
    old = time.time() - 3 * 24 * 3600

    def plant(path, text="x", age=old):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        os.utime(path, (age, age))
        return path

    part = plant(store.tmp / "abc.part")
    young = plant(store.tmp / "young.part", age=time.time())
    up = plant(data / "tmp" / "up-1234" / "a.xlsx")
    os.utime(up.parent, (old, old))
    done = plant(data / "jobs" / "aa11.json", json.dumps({"status": "done", "started_at": "2020-01-01T00:00:00+00:00"}))
    running = plant(data / "jobs" / "bb22.json", json.dumps({"status": "running"}), age=time.time())
    half = plant(data / "jobs" / ".cc33-x.tmp")
    second = create_app(first.settings)  # start-up sweep
    assert not part.exists() and not up.parent.exists() and not done.exists() and not half.exists()
    assert young.exists() and running.exists() and store.has(sub["sha256"])
    second.state.sweeper.stop()

    sweeper = Sweeper(data, store.tmp, every=0.05)
    again = plant(store.tmp / "later.part")
    deadline = time.monotonic() + 5
    while again.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    sweeper.stop()
    assert not again.exists() and sweeper.runs >= 1
    assert store.has(sub["sha256"])


def test_unit_switches_between_its_years(fresh, tmp_path):
    """Two open years: the unit page links to each (the one shown marked), and to a closed year where the unit
    has an accepted version (read-only, no upload form); a closed year without one is not offered."""
    from xxgk.web import directory
    from xxgk.web.demo import workbook

    p = fresh
    unit, agency = p.units(1)[0]
    c = p.client(p.site.unit_account(unit))
    with p.db() as db:
        directory.set_year(db, None, 2022, "gb2021", None, True)
        directory.set_year(db, None, 2021, "gb2021", None, False)
    token = c.page_token(f"/units/{unit.id}?year=2022")
    old = workbook(tmp_path / "2022.xlsx", agency, year=2022)
    r = c.http.post(f"/units/{unit.id}/upload", data={"csrf_token": token, "year": "2022"},
                    files={"file": ("2022.xlsx", old.read_bytes())})
    assert r.status_code == 303 and "已接受" in c.get(r.headers["location"]).text
    with p.db() as db:
        directory.set_year(db, None, 2022, "gb2021", None, False)  # 2022 closed, with an accepted version
        directory.set_year(db, None, 2025, "gb2021", None, True)  # a second open year

    def switch(page: str) -> list[tuple[str, bool]]:
        nav = re.search(r'<nav class="years" id="year-switch".*?</nav>', page, re.S)
        assert nav, "the unit page has a year switcher"
        return [(y, "aria-current" in a) for a, y in re.findall(r'(<a href="/units/\d+\?year=(\d+)"[^>]*>)', nav.group(0))]

    try:
        _switch_years(c, unit.id, switch)
    finally:  # the other tests' default year stays 2024
        with p.db() as db:
            directory.set_year(db, None, 2025, "gb2021", None, False)


def _switch_years(c, unit_id, switch) -> None:
    page = c.get(f"/units/{unit_id}").text
    assert switch(page) == [("2025", True), ("2024", False), ("2022", False)]
    assert "2022（已停止报送，只读）" in page and 'name="year" value="2025"' in page
    page = c.get(f"/units/{unit_id}?year=2024").text
    assert switch(page) == [("2025", False), ("2024", True), ("2022", False)] and 'name="year" value="2024"' in page
    page = c.get(f"/units/{unit_id}?year=2022").text
    assert switch(page) == [("2025", False), ("2024", False), ("2022", True)]
    assert 'id="upload-form"' not in page and "2022.xlsx" in page
    page = c.get(f"/units/{unit_id}?year=2021").text  # asked for: shown and marked, though not otherwise offered
    assert ("2021", True) in switch(page)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def roster(request, tmp_path_factory):
    """A city whose agencies partly report: 示范市 c0 accepted, c1 nothing; 示范县 a0 accepted, a1 with errors
    (fixed after the county's summary went up), a2 nothing, the county's summary reported; 示范区 b0 accepted,
    b1 and b2 nothing, no summary reported."""
    tmp = tmp_path_factory.mktemp(f"roster-{request.param}")
    url = postgres_url(request, tmp) if request.param == "postgresql" else ""
    p = make_portal(tmp, url)
    (c0, ca), _ = p.units(0)
    (a0, aa), (a1, a1a), _ = p.units(1)
    (b0, ba), *_ = p.units(2)

    def send(unit, agency, name, **kw):
        return p.client(p.site.unit_account(unit)).upload(unit.id, p.book(name, agency, **kw)).json()

    assert send(c0, ca, "r-c0.xlsx")["status"] == "已接受"
    assert send(a0, aa, "r-a0.xlsx")["status"] == "已接受"
    assert send(a1, a1a, "r-a1-bad.xlsx", break_r3=True)["status"] == "有错误"
    assert send(b0, ba, "r-b0.xlsx")["status"] == "已接受"
    county = p.client("xian1")
    job = county.consolidate(p.site.counties[0].id)
    assert job["status"] == "done", job
    up = county.post(f"/api/summaries/{job['summary_id']}/submit")
    assert up.status_code == 200, up.text
    assert send(a1, a1a, "r-a1.xlsx")["status"] == "已接受"  # accepted after the county's summary went up
    yield p
    p.app.state.engine.dispose()


def _consolidate_on_page(c, region_id: int, mode: str) -> str:
    """汇总 as the button does (the job's page follows to the region page); the newest 汇总情况 page."""
    page = c.get(f"/regions/{region_id}").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    r = c.http.post(f"/regions/{region_id}/consolidate", data={"csrf_token": token, "mode": mode})
    for _ in range(600):
        assert r.status_code in (200, 303), r.text
        if r.status_code == 200 or "/jobs/" not in r.headers["location"]:
            break
        time.sleep(0.2)
        r = c.get(r.headers["location"])
    page = c.get(f"/regions/{region_id}").text
    run = re.search(r'<a href="/summaries/(\d+)">汇总情况</a>', page).group(1)
    return c.get(f"/summaries/{run}").text


def _status_counts(page: str) -> dict[str, int]:
    block = re.search(r'<ul class="counts" id="counts">(.*?)</ul>', page, re.S).group(1)
    return {k: int(v) for k, v in re.findall(r"<span>([^<]+)</span><strong>(\d+)</strong>", block)}


def _left_out(page: str) -> dict[str, tuple[str, str]]:
    table = re.search(r'<table class="grid" id="left-out">(.*?)</table>', page, re.S).group(1)
    rows = re.findall(r"<tr><td>([^<]+)</td><td>[^<]*</td><td><span[^>]*>([^<]+)</span></td><td>([^<]+)</td></tr>", table)
    return {name: (state, reason) for name, state, reason in rows}


@pytest.mark.parametrize("mode", ["levels", "direct"])
def test_summary_page_counts_and_names_who_was_left_out(roster, mode):
    p = roster
    city = p.site.city
    shi = p.client("shi")
    summary = _consolidate_on_page(shi, city.id, mode)
    status = shi.get(f"/regions/{city.id}").text
    counts = _status_counts(status)
    line = re.search(r'<p id="roster-counts">[^<]*应报 (\d+)，实报 (\d+)，已汇总 (\d+)，未报 (\d+)。</p>', summary)
    assert line, "the summary page states the roster counts"
    expected, reported, summed, missing = map(int, line.groups())
    assert (expected, reported, missing) == (counts["应报"], counts["已报"], counts["未报"]) == (8, 4, 4)
    not_reported = set(re.findall(r'<tr><td>([^<]+)</td><td>[^<]*</td><td><span class="status s-未报">',
                                  shi.get(f"/regions/{city.id}?show=未报").text))
    left = _left_out(summary)
    assert len(not_reported) == 4 and {n for n, (s, _) in left.items() if s == "未报"} == not_reported
    assert all(reason == "未上传报表" for n, (_, reason) in left.items() if n in not_reported)
    (a0, _), (a1, _), _ = p.units(1)
    (b0, _), *_ = p.units(2)
    if mode == "levels":  # a1 came after 示范县's summary; 示范区 sent no summary
        assert summed == 2 and len(left) == 6
        assert "不在示范县上报的汇总表中" in left[a1.name][1] and left[a1.name][0] == "已接受"
        assert left[b0.name] == ("已接受", "示范区尚未上报汇总表")
    else:
        assert summed == 4 and set(left) == not_reported
    assert a0.name not in left
