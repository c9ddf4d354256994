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
            "dated": build_template(SPEC, folder / "日期.xlsx", values=dated)}


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


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Path]]:
    tmp = tmp_path_factory.mktemp("wps")
    server = Server(tmp / "data").start()
    cases = tmp / "cases"
    cases.mkdir()
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
