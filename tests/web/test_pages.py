"""What the pages tell their users: times in 北京时间, the newest-version rule next to 上传 and 汇总, a way
back to the upload form from a failed or returned version, no empty 审核 box."""

from __future__ import annotations

import datetime as dt

from xxgk.web.models import Submission


def test_times_are_beijing_and_the_newest_version_rule_is_shown(portal):
    site = portal.site
    unit, agency = portal.units(1)[1]
    agency_client = portal.client(site.unit_account(unit))
    sub = agency_client.upload(unit.id, portal.book("bj.xlsx", agency)).json()
    with portal.db() as db:
        stored = db.get(Submission, sub["id"]).uploaded_at  # naive UTC
    shown = (stored + dt.timedelta(hours=8)).strftime("%Y-%m-%d %H:%M:%S")
    page = agency_client.get(f"/units/{unit.id}").text
    assert "北京时间" in page and shown in page and "UTC" not in page
    assert 'id="newest-rule"' in page and "以最新上传的版本为准" in page
    boss = portal.client("xian1")
    region = boss.get(f"/regions/{site.counties[0].id}").text
    assert shown in region and "UTC" not in region
    assert 'id="newest-rule"' in region and "最新版本" in region
    csv = boss.get(f"/regions/{site.counties[0].id}/status.csv").content.decode("utf-8-sig")
    assert "北京时间" in csv and shown in csv


def test_failed_and_returned_versions_lead_back_to_the_upload(portal):
    site = portal.site
    unit, agency = portal.units(1)[2]
    agency_client = portal.client(site.unit_account(unit))
    bad = agency_client.upload(unit.id, portal.book("bad-back.xlsx", agency, break_r3=True)).json()
    assert bad["status"] == "有错误"
    page = agency_client.get(f"/submissions/{bad['id']}").text
    assert 'id="reupload-link"' in page and f"/units/{unit.id}?year={site.year.year}#upload-form" in page
    good = agency_client.upload(unit.id, portal.book("good-back.xlsx", agency)).json()
    boss = portal.client("xian1")
    assert boss.post(f"/api/submissions/{good['id']}/return", json={"remark": "请核对"}).status_code == 200
    assert "<h2>审核</h2>" not in boss.get(f"/submissions/{good['id']}").text  # nothing left to do on it
    page = agency_client.get(f"/submissions/{good['id']}").text
    assert "请核对" in page and 'id="reupload-link"' in page


def test_city_counts_agencies_and_county_summaries_apart(tmp_path):
    """A city's 应报 counted its counties' agencies and, besides, the summaries of the counties that had reported."""
    from .conftest import make_portal

    p = make_portal(tmp_path)
    site = p.site
    county = site.counties[0]
    boss = p.client("xian1")
    for unit, agency in p.units(1):
        assert p.client(site.unit_account(unit)).upload(unit.id, p.book(f"c{unit.id}.xlsx", agency)).json()["status"] == "已接受"
    run = boss.consolidate(county.id, "levels")
    assert boss.post(f"/api/summaries/{run['summary_id']}/submit").status_code == 200
    city = p.client("shi").get(f"/api/regions/{site.city.id}/status").json()
    agencies = len(p.units(0)) + len(p.units(1)) + len(p.units(2))
    assert city["counts"]["应报"] == agencies and city["counts"]["已接受"] == len(p.units(1))
    assert city["summaries"]["下级地区"] == 2 and city["summaries"]["已报"] == 1 and city["summaries"]["未报"] == 1
    page = p.client("shi").get(f"/regions/{site.city.id}").text
    assert "下级地区上报的汇总表" in page and 'id="summary-counts"' in page
    assert p.client("xian1").get(f"/api/regions/{county.id}/status").json()["summaries"] == {}  # no child regions
    p.app.state.engine.dispose()
