"""End to end in a real headless Chromium (Debian's, as on government PCs' Chromium-based browsers):
an agency signs in, uploads a workbook with an error, sees the cell, uploads the fixed one, gets accepted;
a consolidator sees the status, returns one, consolidates, downloads the summary, and it validates."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from xxgk.validate import validate_files
from xxgk.web.db import make_engine, session_factory
from xxgk.web.demo import PASSWORD, workbook
from xxgk.web.models import AuditEntry
from xxgk.web.settings import Settings

from .server import Server
from .test_crash import _seed

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="chromium is not installed (make chromium)")


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("browser")
    settings, site = _seed(tmp / "data")
    server = Server(settings.data_dir).start()
    yield server, site, tmp
    server.stop()


@pytest.fixture(scope="module")
def browser():
    sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def sign_in(browser, url: str, username: str):
    context = browser.new_context(accept_downloads=True, locale="zh-CN")
    page = context.new_page()
    page.goto(url + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]:has-text('登录')")
    page.wait_for_load_state()
    return page


def upload(page, path: Path) -> None:
    page.set_input_files("#upload-form input[type=file]", str(path))
    page.click("#upload-form button[type=submit]")
    page.wait_for_load_state()


def test_agency_then_consolidator(served, browser):
    server, site, tmp = served
    county = site.counties[0]
    (unit, agency), (other, other_agency) = site.units[county.id][:2]

    page = sign_in(browser, server.url, site.unit_account(unit))
    assert f"/units/{unit.id}" in page.url
    with page.expect_download() as got:
        page.click("#template-link")
    assert got.value.suggested_filename.endswith(".xlsx")
    upload(page, workbook(tmp / "有错误.xlsx", agency, break_r3=True))
    assert page.inner_text("#status") == "有错误"
    table = page.inner_text("table.findings")
    assert "R3" in table and "D6" in table  # the cell, in the findings table
    with page.expect_download() as got:  # a file with findings: its annotated copy is offered
        page.click("#annotated-link")
    assert got.value.suggested_filename.endswith("校验标记.xlsx")
    page.click(f"a[href='/units/{unit.id}?year={site.year.year}']")
    upload(page, workbook(tmp / "改正后.xlsx", agency))
    assert page.inner_text("#status") == "已接受"
    assert page.locator("#annotated-link").count() == 0  # nothing to mark: no annotated copy
    page.goto(f"{server.url}/units/{unit.id}")
    assert page.locator("#versions tbody tr").count() == 2

    second = sign_in(browser, server.url, site.unit_account(other))
    upload(second, workbook(tmp / "其他单位.xlsx", other_agency, seed=3))
    assert second.inner_text("#status") == "已接受"

    boss = sign_in(browser, server.url, "xian1")
    assert f"/regions/{county.id}" in boss.url
    counts = boss.inner_text("#counts")
    assert "已接受" in counts
    rows = boss.inner_text("#status-table")
    assert unit.name in rows and "已接受" in rows
    boss.click(f"#status-table a:has-text('{other.name}')")
    boss.fill("#return-form textarea", "数字需核对，请重新上传")
    boss.click("#return-form button")
    boss.wait_for_load_state()
    assert boss.inner_text("#status") == "已退回"
    second.reload()
    assert "数字需核对" in second.inner_text("#remark")
    assert second.locator("#annotated-link").count() == 0  # returned, but the file itself has no findings
    assert second.locator("#reupload-link").count() == 1

    boss.goto(f"{server.url}/regions/{county.id}")
    boss.click("#consolidate-form button")
    boss.wait_for_load_state()
    with boss.expect_download() as got:
        boss.click("#runs a.summary-file")
    summary = tmp / "汇总.xlsx"
    got.value.save_as(summary)
    (report,) = validate_files([summary])
    assert report.status in ("ok", "warnings"), report.findings
    assert report.fill is not None and report.fill.meta.get("meta.kind") == "汇总"


def test_online_validation_without_an_account(served, browser):
    server, site, tmp = served
    _, agency = site.units[site.counties[1].id][0]
    page = browser.new_context(accept_downloads=True).new_page()
    page.goto(server.url + "/validate")
    page.set_input_files("input[name=files]", [str(workbook(tmp / "甲.xlsx", agency, break_r3=True)),
                                                str(workbook(tmp / "乙.xlsx", agency, seed=4))])
    page.click("form.box button[type=submit]")
    page.wait_for_load_state()
    text = page.inner_text("main")
    assert "甲.xlsx" in text and "乙.xlsx" in text and "R3" in text and "全部校验通过" in text
    with page.expect_download() as got:
        page.click("a.annotated >> nth=0")
    marked = tmp / "marked.xlsx"
    got.value.save_as(marked)
    assert got.value.suggested_filename == "甲-校验标记.xlsx"
    (report,) = validate_files([marked])
    assert report.status == "errors"  # the copy carries the same numbers, now marked


def test_api_docs_render_with_outside_hosts_blocked(served, browser):
    server, _, _ = served
    context = browser.new_context()
    outside: list[str] = []

    def only_local(route):  # type: ignore[no-untyped-def]
        if route.request.url.startswith(server.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", only_local)
    page = context.new_page()
    page.goto(server.url + "/docs")
    page.wait_for_selector(".opblock", timeout=15000)
    assert "/api/validate" in page.inner_text("body")
    assert outside == []
    context.close()


def test_audit_table_fits_1280(served, browser):
    """管理's audit log with long entries (a path, a checksum, a long name, an IPv6 address) stays inside a
    1280 px window: long cells wrap, the page never scrolls sideways."""
    server, _, _ = served
    settings = Settings(server.data)
    engine = make_engine(settings.db_url)
    with session_factory(engine)() as db:
        long_path = "/".join(["非常长的文件夹名称" * 3] * 6) + "/示范县2024年度政府信息公开工作年度报告汇总表最终版本.xlsx"
        db.add_all([
            AuditEntry(username="a" * 100, action="consolidate", target=f"region:2 {long_path}",
                       detail="逐级汇总 12 个单位 校验码 " + "0123456789abcdef" * 4 + " " + "说明" * 200,
                       ip="2001:0db8:85a3:0000:0000:8a2e:0370:7334"),
            AuditEntry(username="x", action="upload", target="submission:" + "9" * 120, outcome="refused",
                       detail="R" * 400, ip="::1"),
        ])
        db.commit()
    engine.dispose()
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    page = context.new_page()
    page.goto(server.url + "/login")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]:has-text('登录')")
    page.wait_for_load_state()
    page.goto(server.url + "/admin")
    table = page.locator("#audit-log")
    assert "0123456789abcdef" in table.inner_text()
    sizes = page.evaluate("""() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth,
        right: document.querySelector('#audit-log').getBoundingClientRect().right,
        main: document.querySelector('main').getBoundingClientRect().right})""")
    assert sizes["scroll"] <= sizes["inner"], sizes
    assert sizes["right"] <= sizes["main"], sizes
    context.close()
