"""Fixtures for the portal: a seeded portal per module (SQLite, or PostgreSQL started by the suite),
clients signed in as each demo account, workbooks built from the sample agencies."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from xxgk.web.app import create_app
from xxgk.web.demo import PASSWORD, DemoSite, seed, workbook
from xxgk.web.settings import Settings
from xxgk.web.storage import Store

from .pg import postgres_url


@dataclass
class Portal:
    settings: Settings
    app: object
    site: DemoSite
    tmp: Path

    def client(self, username: str | None = None) -> Client:
        c = Client(TestClient(self.app, follow_redirects=False))  # type: ignore[arg-type]
        if username:
            c.login(username)
        return c

    @property
    def store(self) -> Store:
        return self.app.state.store  # type: ignore[attr-defined, no-any-return]

    def db(self):  # type: ignore[no-untyped-def]
        return self.app.state.sessions()  # type: ignore[attr-defined]

    def units(self, region_index: int) -> list:  # type: ignore[type-arg]
        """region_index 0: the city's own agencies, 1 and 2: the counties'."""
        region = [self.site.city, *self.site.counties][region_index]
        return self.site.units[region.id]

    def book(self, name: str, agency, **kw) -> Path:  # type: ignore[no-untyped-def]
        path = self.tmp / "books" / name
        return path if path.exists() else workbook(path, agency, **kw)


class Client:
    def __init__(self, http: TestClient) -> None:
        self.http = http
        self.csrf = ""

    def login(self, username: str, password: str = PASSWORD) -> None:
        r = self.http.post("/api/login", json={"username": username, "password": password})
        assert r.status_code == 200, r.text
        self.csrf = r.json()["csrf_token"]

    def page_token(self, path: str = "/validate") -> str:
        m = re.search(r'name="csrf_token" value="([^"]+)"', self.http.get(path).text)
        assert m
        return m.group(1)

    def get(self, url: str, **kw):  # type: ignore[no-untyped-def]
        return self.http.get(url, **kw)

    def post(self, url: str, **kw):  # type: ignore[no-untyped-def]
        headers = {**({"X-CSRF-Token": self.csrf} if self.csrf else {}), **kw.pop("headers", {})}
        return self.http.post(url, headers=headers, **kw)

    def upload(self, unit_id: int, path: Path, name: str | None = None):  # type: ignore[no-untyped-def]
        return self.post(f"/api/units/{unit_id}/submissions", files={"file": (name or path.name, path.read_bytes())})

    def consolidate(self, region_id: int, mode: str = "levels", timeout: float = 120.0) -> dict:  # type: ignore[type-arg]
        """POST the API's 汇总 and poll its job until it is done (or failed): the final job JSON."""
        r = self.post(f"/api/regions/{region_id}/consolidate", json={"mode": mode})
        assert r.status_code in (200, 202), r.text
        job = r.json()
        deadline = time.monotonic() + timeout
        while job["status"] == "running" and time.monotonic() < deadline:
            time.sleep(0.2)
            r = self.get(job["status_url"])
            assert r.status_code == 200, r.text
            job = r.json()
        return job  # type: ignore[no-any-return]


def make_portal(tmp: Path, database_url: str = "", **settings: object) -> Portal:
    s = Settings(tmp / "data", database_url=database_url, **settings)  # type: ignore[arg-type]
    app = create_app(s)
    with app.state.sessions() as db:
        site = seed(db, per_county=3, city_agencies=2)
        db.expunge_all()
    return Portal(s, app, site, tmp)


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Portal]:
    yield make_portal(tmp_path_factory.mktemp("portal"))


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def any_portal(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Portal]:
    """The same portal over SQLite and over a real PostgreSQL server."""
    tmp = tmp_path_factory.mktemp(f"portal-{request.param}")
    url = postgres_url(request, tmp) if request.param == "postgresql" else ""
    p = make_portal(tmp, url)
    yield p
    p.app.state.engine.dispose()  # type: ignore[attr-defined]
