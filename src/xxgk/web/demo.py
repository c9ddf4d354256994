"""A demo region for `make demo`, the tests and the benchmark: a city with two counties, their agencies,
accounts for every role, an open year, and (for the demo) some submissions, a few with typical mistakes."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session

from xxgk.samples import Agency, agencies, sample_fills
from xxgk.spec import load_spec
from xxgk.template import build_template
from xxgk.web import directory
from xxgk.web.models import ADMIN, AGENCY, CONSOLIDATOR, Account, Region, ReportYear, Unit
from xxgk.web.storage import Store

YEAR = 2024
PASSWORD = "xxgk-demo-2024"
CITY = ("330200", "示范市")
COUNTIES = (("330206", "示范县"), ("330212", "示范区"))
PROVINCE = ("330000", "示范省")


@dataclass
class DemoSite:
    year: ReportYear
    province: Region
    city: Region
    counties: list[Region]
    units: dict[int, list[tuple[Unit, Agency]]] = field(default_factory=dict)  # region id -> units
    accounts: list[tuple[str, str, str]] = field(default_factory=list)  # username, role, where

    def unit_account(self, unit: Unit) -> str:
        return f"dw{unit.id}"


def seed(db: Session, *, per_county: int = 6, city_agencies: int = 2, password: str = PASSWORD,
         year: int = YEAR) -> DemoSite:
    """Regions, units (from the sample agencies), accounts (password for all) and the open year."""
    deadline = max(dt.date(year + 1, 1, 31), dt.date.today() + dt.timedelta(days=30))  # the demo is never late
    report_year = directory.set_year(db, None, year, "gb2021", deadline, True)
    province = directory.add_region(db, None, *PROVINCE, "province", None)
    city = directory.add_region(db, None, *CITY, "city", province.id)
    counties = [directory.add_region(db, None, code, name, "county", city.id) for code, name in COUNTIES]
    site = DemoSite(report_year, province, city, counties)
    add = [(city, city_agencies)] + [(c, per_county) for c in counties]
    for region, n in add:
        group = agencies(region.name, region.code, n, seed=int(region.code))
        units = [directory.add_unit(db, None, region.id, a.name, a.uscc) for a in group]
        site.units[region.id] = list(zip(units, group, strict=True))
    _account(db, site, "admin", password, ADMIN, "平台管理员")
    _account(db, site, "shi", password, CONSOLIDATOR, f"{city.name}政务公开办", region_id=city.id)
    for i, county in enumerate(counties, 1):
        _account(db, site, f"xian{i}", password, CONSOLIDATOR, f"{county.name}政务公开办", region_id=county.id)
    for pairs in site.units.values():
        for unit, _ in pairs:
            _account(db, site, site.unit_account(unit), password, AGENCY, unit.name, unit_id=unit.id)
    return site


def _account(db: Session, site: DemoSite, username: str, password: str, role: str, name: str,
             unit_id: int | None = None, region_id: int | None = None) -> Account:
    account = directory.add_account(db, None, username, password, role, name, unit_id, region_id)
    site.accounts.append((username, role, name))
    return account


def workbook(path: Path, agency: Agency, year: int = YEAR, *, break_r3: bool = False, blank: int = 0,
             seed: int = 7, form: str = "gb2021") -> Path:
    """A filled workbook for one agency; break_r3 plants a rule error (R3 in the 自然人 column), blank leaves
    that many input cells empty (a warning: counted as 0)."""
    from xxgk.rules.expand import computed_cells

    spec = load_spec(form)
    ((_, values),) = list(sample_fills(spec, [agency], year, seed=seed))
    computed = computed_cells(spec)
    for cid in [c for c in spec.cells if c not in computed][:blank]:
        values.pop(cid, None)
    if break_r3:
        values["requests.forward.natural"] = int(values.get("requests.forward.natural", 0)) + 3  # type: ignore[call-overload]
    return build_template(spec, path, values=values)


def seed_submissions(db: Session, store: Store, site: DemoSite, pick: Sequence[tuple[Unit, Agency]],
                     broken: set[int]) -> None:
    """Upload a workbook for each picked unit as its agency account would (units in `broken` get an error)."""
    from sqlalchemy import select

    from xxgk.web.service import submit

    with tempfile.TemporaryDirectory(prefix="xxgk-demo-") as tmp:
        for unit, agency in pick:
            account = db.scalar(select(Account).where(Account.unit_id == unit.id))
            assert account is not None
            path = workbook(Path(tmp) / f"{unit.name}.xlsx", agency, break_r3=unit.id in broken)
            submit(db, store, account, unit, site.year, path, path.name)


def seed_portal(data: Path) -> DemoSite:
    """`make demo`: a fresh portal data folder with the demo region, accounts and submissions."""
    import shutil

    from xxgk.web.db import make_engine, migrate, session_factory
    from xxgk.web.settings import Settings, prepare

    if data.exists():
        shutil.rmtree(data)
    settings = prepare(Settings(data))
    engine = make_engine(settings.db_url)
    migrate(engine, settings.data_dir)
    with session_factory(engine)() as db:
        site = seed(db)
        county = site.counties[0]
        pairs = site.units[county.id]
        seed_submissions(db, Store(settings.files_dir), site, pairs[:-2], broken={pairs[1][0].id})
        db.expunge_all()
    engine.dispose()
    return site


def print_demo(console: object, data: Path, site: DemoSite, password: str = PASSWORD) -> None:
    from rich.console import Console

    assert isinstance(console, Console)
    console.rule("报送平台")
    console.print(f"演示数据：{data}（{site.city.name}，下辖 {'、'.join(c.name for c in site.counties)}；"
                  f"{site.counties[0].name}已有部分单位报送，其中 1 份有错误）")
    console.print(f"启动：.venv/bin/xxgk serve --data '{data}'，然后在浏览器打开 http://127.0.0.1:8000/")
    console.print(f"演示账号（密码均为 {password}）：")
    county = site.counties[0].name
    agencies_shown = [a for a in site.accounts if a[1] == AGENCY and a[2].startswith(county)]
    for username, role, name in [a for a in site.accounts if a[1] != AGENCY] + agencies_shown:
        console.print(f"  {username:<8} {ROLE_TEXT[role]}  {name}")
    others = sum(a[1] == AGENCY for a in site.accounts) - len(agencies_shown)
    console.print(f"  …… 另有 {others} 个填报单位账号（dw<单位编号>），见“管理”页面")


ROLE_TEXT = {ADMIN: "管理员", CONSOLIDATOR: "汇总单位", AGENCY: "填报单位"}
