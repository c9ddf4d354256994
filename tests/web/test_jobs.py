"""汇总 from the page runs as a background job: the page refreshes itself (no JavaScript) until the summary
is stored; a failure is shown in Chinese; another region's consolidator cannot look at the job."""

from __future__ import annotations

import re
import time

from sqlalchemy import select

from xxgk.web import service
from xxgk.web.models import AuditEntry, SummaryRun

from .conftest import make_portal


def _follow(client, url: str, timeout: float = 60.0):  # type: ignore[no-untyped-def]
    """Refresh the job page the way the browser's meta refresh does, until it leaves the page."""
    deadline = time.monotonic() + timeout
    while True:
        r = client.get(url)
        if r.status_code != 200 or time.monotonic() > deadline:
            return r
        assert '<meta http-equiv="refresh"' in r.text and "正在汇总" in r.text
        client.refreshes = getattr(client, "refreshes", 0) + 1
        time.sleep(0.2)


def test_page_consolidation_runs_in_the_background(portal, monkeypatch):
    site = portal.site
    county = site.counties[1]
    unit, agency = portal.units(2)[0]
    assert portal.client(site.unit_account(unit)).upload(unit.id, portal.book("job.xlsx", agency)).json()["status"] == "已接受"
    monkeypatch.setattr(portal.app.state.jobs, "quick", 0.0)  # as for a region of thousands: no wait
    slow = service.consolidate

    def consolidate_slowly(*args, **kw):  # type: ignore[no-untyped-def]
        time.sleep(1.0)
        return slow(*args, **kw)

    monkeypatch.setattr(service, "consolidate", consolidate_slowly)
    boss = portal.client("xian2")
    token = boss.page_token(f"/regions/{county.id}")
    r = boss.http.post(f"/regions/{county.id}/consolidate", data={"csrf_token": token, "mode": "levels"})
    assert r.status_code == 303
    job_url = r.headers["location"]
    assert re.fullmatch(rf"/regions/{county.id}/jobs/[0-9a-f]+", job_url)
    done = _follow(boss, job_url)
    assert done.status_code == 303 and done.headers["location"].endswith("#summaries")
    assert boss.refreshes >= 1  # the page was shown while the job ran
    with portal.db() as db:
        runs = db.scalars(select(SummaryRun).where(SummaryRun.region_id == county.id)).all()
    assert runs and portal.store.path(runs[-1].sha256).exists()
    assert runs[-1].filename in boss.get(done.headers["location"]).text

    other = portal.client("xian1")  # another county's consolidator
    assert other.get(job_url).status_code == 403
    assert boss.get(f"/regions/{county.id}/jobs/..%2Fsecret").status_code == 404


def test_failed_consolidation_is_explained(tmp_path):
    fresh = make_portal(tmp_path)  # nothing uploaded yet
    county = fresh.site.counties[0]
    boss = fresh.client("xian1")
    token = boss.page_token(f"/regions/{county.id}")
    r = boss.http.post(f"/regions/{county.id}/consolidate", data={"csrf_token": token, "mode": "sideways"})
    assert r.status_code == 409 and "汇总方式" in r.text
    r = boss.http.post(f"/regions/{county.id}/consolidate", data={"csrf_token": token, "mode": "levels"})
    assert r.status_code == 303
    page = _follow(boss, r.headers["location"])
    assert page.status_code == 409 and "还没有已接受的报表" in page.text


def test_api_consolidation_is_a_job(any_portal, monkeypatch):
    """The API answers 202 with a job and its status URL; the status says running, then done with the summary;
    another county's consolidator is refused and the refusal is logged."""
    p = any_portal
    county = p.site.counties[0]
    for unit, agency in p.units(1):
        assert p.client(p.site.unit_account(unit)).upload(unit.id, p.book(f"api{unit.id}.xlsx", agency)).json()["status"] == "已接受"
    monkeypatch.setattr(p.app.state.jobs, "quick", 0.0)
    slow = service.consolidate

    def consolidate_slowly(*args, **kw):  # type: ignore[no-untyped-def]
        time.sleep(1.0)
        return slow(*args, **kw)

    monkeypatch.setattr(service, "consolidate", consolidate_slowly)
    boss = p.client("xian1")
    r = boss.post(f"/api/regions/{county.id}/consolidate", json={"mode": "direct"})
    assert r.status_code == 202, r.text
    job = r.json()
    assert job["status"] == "running" and job["status_url"] == f"/api/regions/{county.id}/jobs/{job['job_id']}"
    assert "summary_id" not in job

    other = p.client("xian2")
    assert other.get(job["status_url"]).status_code == 403
    with p.db() as db:
        denied = db.scalars(select(AuditEntry).where(AuditEntry.outcome == "denied",
                                                     AuditEntry.detail.contains(job["job_id"]))).all()
    assert denied

    deadline = time.monotonic() + 120
    while job["status"] == "running" and time.monotonic() < deadline:
        time.sleep(0.2)
        job = boss.get(job["status_url"]).json()
    assert job["status"] == "done", job
    assert job["file"] == f"/api/summaries/{job['summary_id']}/file" and job["mode"] == "direct"
    download = boss.get(job["file"])
    assert download.status_code == 200 and download.content[:2] == b"PK"
    assert boss.get(f"/api/regions/{county.id}/jobs/nosuchjob").status_code == 404


def test_api_fast_path_and_failure(tmp_path):
    fresh = make_portal(tmp_path)  # nothing accepted yet: the job fails with the Chinese reason
    county = fresh.site.counties[0]
    boss = fresh.client("xian1")
    assert boss.post(f"/api/regions/{county.id}/consolidate", json={"mode": "sideways"}).status_code == 409
    r = boss.post(f"/api/regions/{county.id}/consolidate", json={"mode": "levels"})
    if r.status_code == 202:  # the machine was slower than the short wait: the status says it
        job = boss.consolidate(county.id)
        assert job["status"] == "failed" and "还没有已接受的报表" in job["message"]
    else:
        assert r.status_code == 409 and "还没有已接受的报表" in r.json()["error"]

    fresh.app.state.jobs.quick = 0.0  # the status URL reports the failure too
    job = boss.consolidate(county.id)
    assert job["status"] == "failed" and "还没有已接受的报表" in job["message"] and "summary_id" not in job

    fresh.app.state.jobs.quick = 60.0  # a small region finishes within the wait: 200 with the summary at once
    unit, agency = fresh.units(1)[0]
    assert fresh.client(fresh.site.unit_account(unit)).upload(unit.id, fresh.book("fast.xlsx", agency)).json()["status"] == "已接受"
    r = boss.post(f"/api/regions/{county.id}/consolidate", json={"mode": "levels"})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "done" and boss.get(r.json()["file"]).status_code == 200
