"""The WPS JS add-in (addin/wps/) end to end: node's test runner runs the add-in's scripts against a mock of the ET
object model (faithful to the wps-jsapi typings) loaded with real template books, through a real `xxgk serve`.
This module prepares the books and what the add-in must reproduce (the .xlam's payload and the server's answer
to it, the annotated copy `xxgk validate --annotate` writes), starts the portal, and runs `node --test`."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from wps_books import CVERR, CVERR_BASE, mock_book
from xlwings_payload import xlam_payload
from xxgk.samples import agencies, sample_fills
from xxgk.spec import defined_name, load_spec
from xxgk.template import build_template

from .server import ROOT, Server

SPEC = load_spec("gb2021")
ADDIN = ROOT / "addin" / "wps"


def _values() -> dict[str, object]:
    return dict(next(iter(sample_fills(SPEC, agencies("平台县", "330206", 2, seed=8), 2024, seed=4)))[1])


def _books(folder: Path) -> dict[str, Path]:
    broken = _values()
    broken["requests.forward.natural"] = int(broken.get("requests.forward.natural", 0)) + 3  # type: ignore[call-overload]
    broken["active.penalty.decisions"] = "7次"
    dated = _values()
    dated["meta.filled_on"] = dt.date(2025, 1, 20)  # a real date: Value2 gives a serial number, the add-in an ISO string
    return {"broken": build_template(SPEC, folder / "错误.xlsx", values=broken),
            "cverr": build_template(SPEC, folder / "公式错误.xlsx", values=broken),
            "clean": build_template(SPEC, folder / "正确.xlsx", values=_values()),
            "hint": build_template(SPEC, folder / "改正提示.xlsx", values=_values(),  # a total typed over: a fix hint
                                   overrides={"requests.total.natural": 999}),
            "dated": build_template(SPEC, folder / "日期.xlsx", values=dated),
            "huaian2024": _real(folder, "009_huaian_city_2024"),  # real published reports as typed: totals typed over
            "beilun2019": _real(folder, "000_fb3348bfed7ae378")}  # the 2019 form


def _real(folder: Path, stem: str) -> Path:
    """A real published report (tests/fixtures/real) as a staff member types it: inputs, typed totals."""
    import yaml

    from xxgk.rules.expand import computed_cells

    fx = yaml.safe_load((ROOT / "tests" / "fixtures" / "real" / f"{stem}.yaml").read_text(encoding="utf-8"))
    spec = load_spec(fx["form"])
    computed = computed_cells(spec)
    values = {cid: v for cid, v in fx["values"].items() if cid not in computed}
    values.update({"meta.agency": fx["agency"], "meta.year": fx["year"], "meta.kind": "单位"})
    overrides = {cid: v for cid, v in fx["values"].items() if cid in computed}
    return build_template(spec, folder / f"{stem}.xlsx", values=values, overrides=overrides)


def _with_error(book: dict[str, Any], payload: dict[str, Any], cell_id: str, text: str) -> None:
    """A formula error shown in an input cell: CVErr number in the mock, error text in the .xlam's payload."""
    name = defined_name(cell_id)
    where = next(n for n in book["names"] if n["name"] == name)
    sheet = next(s for s in book["sheets"] if s["name"] == where["sheet"])
    sheet["values"][where["address"]] = CVERR_BASE + CVERR[text]
    from openpyxl.utils.cell import coordinate_to_tuple

    row, col = coordinate_to_tuple(where["address"])
    grid = next(s for s in payload["sheets"] if s["name"] == where["sheet"])["values"]
    grid[row - 1][col - 1] = text


def _post(url: str, button: str, payload: dict[str, Any]) -> list[dict[str, Any]]:
    r = httpx.post(f"{url}/addin/{button}", content=json.dumps(payload, ensure_ascii=False).encode(),
                   headers={"Content-Type": "application/json"}, timeout=60)
    assert r.status_code == 200, r.text
    return r.json()["actions"]  # type: ignore[no-any-return]


def _annotated(path: Path, out: Path) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run([sys.executable, "-m", "xxgk", "validate", str(path), "--annotate", str(out)],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode in (0, 1), done.stderr
    return mock_book(out)


def _unit_token(url: str, site: Any) -> tuple[str, str]:
    """A unit's 上报 token made on its page, as the unit's staff make it: (token, unit name)."""
    from xxgk.web.demo import PASSWORD

    unit, _agency = site.units[site.counties[0].id][0]
    with httpx.Client(base_url=url, timeout=60) as c:
        c.post("/api/login", json={"username": site.unit_account(unit), "password": PASSWORD}).raise_for_status()
        form = re.search(r'name="csrf_token" value="([^"]+)"', c.get(f"/units/{unit.id}").text)
        assert form
        page = c.post(f"/units/{unit.id}/tokens", data={"csrf_token": form.group(1)})
        token = re.search(r'id="new-token">.*?<code>(xxgk_[A-Za-z0-9_-]+)</code>', page.text, re.S)
        assert token, page.text
        return token.group(1), unit.name


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Path]]:
    from .test_crash import _seed

    tmp = tmp_path_factory.mktemp("wps")
    _settings, site = _seed(tmp / "data")
    server = Server(tmp / "data").start()
    cases = tmp / "cases"
    cases.mkdir()
    token, unit = _unit_token(server.url, site)
    (cases / "token.json").write_text(json.dumps({"token": token, "unit": unit}, ensure_ascii=False), encoding="utf-8")
    for case, path in _books(tmp).items():
        book, payload = mock_book(path), xlam_payload(path)
        annotated = None
        if case == "cverr":  # an error value no file can carry uncomputed: compared with the .xlam's answer only
            _with_error(book, payload, "requests.new.natural", "#DIV/0!")
        else:
            annotated = _annotated(path, tmp / f"{case}-标记.xlsx")
        expected = {"payload": payload, "validate": _post(server.url, "validate", json.loads(json.dumps(payload))),
                    "annotated": annotated}
        (cases / f"{case}.book.json").write_text(json.dumps(book, ensure_ascii=False), encoding="utf-8")
        (cases / f"{case}.expected.json").write_text(json.dumps(expected, ensure_ascii=False), encoding="utf-8")
    yield server, cases
    server.stop()


def node_modules() -> None:
    """The add-in's test dependencies (the wps-jsapi typings) as package-lock.json pins them: `npm ci` when absent."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.fail("node and npm are needed for the WPS add-in's tests: run `make node` (apt-get install nodejs npm)")
    if not (ADDIN / "node_modules" / "wps-jsapi" / "package.json").exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=ADDIN, check=True, timeout=300)


def test_the_wps_addin_passes_its_node_tests_against_a_real_portal(served: tuple[Server, Path]) -> None:
    server, cases = served
    node_modules()
    env = {**os.environ, "XXGK_WPS_SERVER": server.url, "XXGK_WPS_CASES": str(cases)}
    done = subprocess.run(["node", "--test", "--test-reporter=spec", *sorted(map(str, (ADDIN / "test").glob("*.test.js")))],
                          cwd=ADDIN, env=env, capture_output=True, text=True, timeout=600)
    print(done.stdout[-20000:])
    assert done.returncode == 0, done.stdout[-8000:] + done.stderr[-4000:]
    passed = re.search(r"^ℹ pass (\d+)$", done.stdout, re.M)
    failed = re.search(r"^ℹ fail (\d+)$", done.stdout, re.M)
    skipped = re.search(r"^ℹ skipped (\d+)$", done.stdout, re.M)
    assert passed and int(passed.group(1)) >= 10 and failed and failed.group(1) == "0"
    assert skipped is None or skipped.group(1) == "0", "a node test was skipped"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from fastapi.testclient import TestClient

    from xxgk.web.app import create_app
    from xxgk.web.settings import Settings

    return TestClient(create_app(Settings(data_dir=tmp_path_factory.mktemp("wps-portal"))))


def test_the_portal_serves_the_addin_files_and_nothing_else_of_the_folder(client: Any) -> None:
    from xxgk.addin.wps import addin_files

    files = addin_files()
    assert {"ribbon.xml", "manifest.xml", "index.html", "help.html", "js/xxgk-payload.js", "js/xxgk-actions.js",
            "js/xxgk-client.js", "js/xxgk-ribbon.js", "js/config.js", "images/validate.svg"} <= set(files)
    for rel, path in files.items():
        r = client.get(f"/wps/{rel}")
        assert r.status_code == 200 and r.content == path.read_bytes(), rel
        assert r.headers["cache-control"] == "no-cache", rel
    assert client.get("/wps/").content == files["index.html"].read_bytes()
    for hidden in ("test/mock-et.js", "package.json", "package-lock.json", "node_modules/wps-jsapi/package.json",
                   "../../pyproject.toml", "%2e%2e/%2e%2e/pyproject.toml", "js/../../../setup.py"):
        assert client.get(f"/wps/{hidden}").status_code == 404, hidden


def test_the_addin_pages_read_chinese_and_load_only_their_own_scripts(client: Any) -> None:
    from .test_chinese_pages import check_page

    for page in ("/wps/index.html", "/wps/help.html", "/wps/publish"):
        r = client.get(page)
        check_page(r, set(), page)
        assert "<script>" not in r.text and "onclick" not in r.text and "style=" not in r.text, page
    ribbon = client.get("/wps/ribbon.xml").text
    assert all(f'label="{label}"' in ribbon for label in ("校验", "清除标记", "上报", "帮助"))


def test_publish_xml_and_page_point_wps_at_this_portal(client: Any) -> None:
    r = client.get("/wps/publish.xml", headers={"host": "xxgk.example.gov.cn"})
    assert r.headers["content-type"].startswith("application/xml")
    assert '<jspluginonline name="xxgk" type="et" url="http://xxgk.example.gov.cn/wps/"' in r.text
    page = client.get("/wps/publish", headers={"host": "xxgk.example.gov.cn"})
    assert 'data-url="http://xxgk.example.gov.cn/wps/"' in page.text and "/static/wps-publish.js" in page.text
    csp = page.headers["content-security-policy"]
    assert "connect-src 'self' http://127.0.0.1:58890 http://localhost:58890" in csp and "script-src 'self';" in csp
    assert client.get("/wps", follow_redirects=False).headers["location"] == "/wps/publish"


def test_the_offline_addin_may_post_cross_origin(client: Any) -> None:
    """Installed offline, the add-in's page is not served by the portal: /addin/* answers preflights and says any
    origin may read the answer (no cookie is read there; the token is an explicit header)."""
    r = client.options("/addin/submit", headers={"Origin": "null", "Access-Control-Request-Method": "POST",
                                                 "Access-Control-Request-Headers": "authorization,content-type"})
    assert r.status_code == 204
    assert r.headers["access-control-allow-origin"] == "*"
    assert r.headers["access-control-allow-methods"] == "POST"
    assert set(r.headers["access-control-allow-headers"].lower().split(", ")) == {"content-type", "authorization"}
    assert client.options("/addin/other").status_code == 404
    bad = client.post("/addin/validate", content=b"not json", headers={"Origin": "null"})
    assert bad.status_code == 400 and bad.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in bad.headers


# ---- in a real browser: headless Chromium (Debian's) as WPS's embedded Chromium --------------------------------

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--allow-file-access-from-files"]
needs_chromium = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="chromium is not installed (make chromium)")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def _typings() -> str:
    node_modules()
    done = subprocess.run(["node", str(ADDIN / "test" / "dump-typings.js")], capture_output=True, text=True,
                          check=True, timeout=60)
    return done.stdout


def _addin_page(browser: Any, book: dict[str, Any]) -> tuple[Any, list[str]]:
    """A page with WPS's globals: wps.EtApplication() is the mock of the ET object model holding `book`;
    message boxes are collected in window.__alerts."""
    page = browser.new_context(locale="zh-CN").new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    mock = (ADDIN / "test" / "mock-et.js").read_text(encoding="utf-8")
    page.add_init_script(f"window.XXGK_ET_TYPINGS = {_typings()};\n{mock}\n"
                         f"window.__mock = XxgkMockEt.makeApp({json.dumps(book, ensure_ascii=False)});\n"
                         "window.wps = {EtApplication: function () { return window.__mock.app; }};\n"
                         "window.__alerts = []; window.alert = function (m) { window.__alerts.push(String(m)); };")
    return page, problems


def _click(page: Any, button: str, endpoint: str) -> list[dict[str, Any]]:
    with page.expect_response(lambda r: r.url.endswith(f"/addin/{endpoint}") and r.request.method == "POST") as answer:
        page.evaluate(f"OnAction({{Id: '{button}'}})")
    _wait(page, "window.__alerts.length > 0")
    return answer.value.json()["actions"]  # type: ignore[no-any-return]


def _wait(page: Any, condition: str, seconds: float = 15) -> None:
    """Poll `condition` with page.evaluate (the pages' CSP forbids the eval of wait_for_function)."""
    import time

    deadline = time.monotonic() + seconds
    while not page.evaluate(condition):
        assert time.monotonic() < deadline, f"not true within {seconds} s: {condition}"
        time.sleep(0.05)


STAMP = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}")


def _same(a: Any, b: Any) -> bool:
    dump = lambda x: STAMP.sub("T", json.dumps(x, ensure_ascii=False, sort_keys=True))  # noqa: E731
    return dump(a) == dump(b)


def _check_marks(page: Any, expected: dict[str, Any]) -> None:
    book = page.evaluate("XxgkMockEt.snapshot(window.__mock.state.book)")
    annotated = expected["annotated"]["sheets"]
    assert [s["name"] for s in book] == [s["name"] for s in annotated]
    for got, want in zip(book[:-1], annotated[:-1], strict=True):  # the template's sheets: same marks, same values
        assert got["fills"] == want["fills"], got["name"]
        assert _same(got["values"], want["values"]), got["name"]
        assert got["protected"], got["name"]


@needs_chromium
def test_in_chromium_the_served_addin_validates_and_clears_a_book(served: tuple[Server, Path], browser: Any) -> None:
    server, cases = served
    book = json.loads((cases / "broken.book.json").read_text(encoding="utf-8"))
    expected = json.loads((cases / "broken.expected.json").read_text(encoding="utf-8"))
    page, problems = _addin_page(browser, book)
    page.goto(server.url + "/wps/index.html")
    assert page.text_content("#xxgk-server-url") == server.url  # same origin: the portal it was loaded from
    actions = _click(page, "xxgkValidate", "validate")
    assert _same(actions, expected["validate"])
    alert = [a["args"][0] for a in expected["validate"] if a["func"] == "alert"]
    assert _same(page.evaluate("window.__alerts"), alert)
    _check_marks(page, expected)
    page.evaluate("window.__alerts = []")
    _click(page, "xxgkClear", "clear")
    after = page.evaluate("XxgkMockEt.snapshot(window.__mock.state.book)")
    assert [s["name"] for s in after] == [s["name"] for s in book["sheets"]]
    for got, sheet in zip(after, book["sheets"], strict=True):
        assert got["fills"] == sheet["fills"], sheet["name"]
    assert problems == []


@needs_chromium
def test_in_chromium_the_offline_package_posts_to_its_portal(served: tuple[Server, Path], browser: Any,
                                                            tmp_path: Path) -> None:
    """Loaded from the jsaddons folder (file://), the add-in posts across origins to the portal written into it."""
    from xxgk.addin import wps

    server, cases = served
    wps.package(tmp_path, server.url)
    book = json.loads((cases / "broken.book.json").read_text(encoding="utf-8"))
    expected = json.loads((cases / "broken.expected.json").read_text(encoding="utf-8"))
    page, problems = _addin_page(browser, book)
    page.goto((tmp_path / wps.folder_name() / "index.html").as_uri())
    assert page.text_content("#xxgk-server-url") == server.url
    assert _same(_click(page, "xxgkValidate", "validate"), expected["validate"])
    _check_marks(page, expected)
    assert problems == []


@needs_chromium
def test_in_chromium_the_publish_page_installs_through_wps_local_service(served: tuple[Server, Path],
                                                                        browser: Any) -> None:
    import base64

    server, _ = served
    page = browser.new_context(locale="zh-CN").new_page()
    posted: list[dict[str, Any]] = []

    def local_service(route: Any) -> None:  # WPS's own service on 127.0.0.1:58890 writes jsaddons/publish.xml
        posted.append(json.loads(base64.b64decode(route.request.post_data)))
        route.fulfill(status=200, body="OK", headers={"Access-Control-Allow-Origin": "*"})

    page.route("http://127.0.0.1:58890/**", local_service)
    page.goto(server.url + "/wps/publish")
    page.click("#wps-enable")
    page.wait_for_selector("#wps-status.ok")
    assert "已安装" in page.text_content("#wps-status")
    page.click("#wps-disable")
    _wait(page, "document.getElementById('wps-status').textContent.includes('已卸载')")
    assert [p["cmd"] for p in posted] == ["enable", "disable"]
    assert posted[0] | {"cmd": "x"} == {"cmd": "x", "name": "xxgk", "url": server.url + "/wps/", "addonType": "et",
                                        "online": "true", "version": "1.0.0", "customDomain": ""}


@needs_chromium
def test_in_chromium_the_help_page_keeps_the_settings_for_the_buttons(served: tuple[Server, Path], browser: Any) -> None:
    server, _ = served
    page = browser.new_context(locale="zh-CN").new_page()
    page.goto(server.url + "/wps/help.html")
    assert page.get_attribute("#xxgk-server", "placeholder") == server.url  # the portal it was loaded from
    page.fill("#xxgk-server", "xxgk.example.gov.cn")
    page.click("button[type=submit]")
    assert "http:// 或 https://" in page.text_content("#xxgk-saved")
    page.fill("#xxgk-server", server.url + "/")
    page.fill("#xxgk-token", " xxgk_abc ")
    page.click("button[type=submit]")
    assert page.text_content("#xxgk-saved") == "已保存。"
    page.goto(server.url + "/wps/index.html")
    assert page.evaluate("[XxgkWps.client.server(), XxgkWps.client.setting('xxgk.token')]") == [server.url, "xxgk_abc"]
