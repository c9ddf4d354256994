"""管理 of existing accounts — role and unit/region, 停用/启用, password reset — through the page forms
(CSRF tokens, no JavaScript) and the JSON API, over SQLite and PostgreSQL; every change is in the audit log."""

from __future__ import annotations

from sqlalchemy import select

from xxgk.web.models import Account, AuditEntry

NEW_PASSWORD = "another-long-1"


def _new_account(portal, username: str, role: str = "agency", **where) -> int:  # type: ignore[no-untyped-def]
    admin = portal.client("admin")
    if role == "agency" and "unit_id" not in where:
        where["unit_id"] = portal.units(1)[0][0].id
    r = admin.post("/api/admin/accounts", json={"username": username, "password": "long-enough-1", "role": role,
                                                **where})
    assert r.status_code == 200, r.text
    return int(r.json()["id"])


def _account(portal, account_id: int) -> Account:  # type: ignore[no-untyped-def]
    with portal.db() as db:
        row = db.get(Account, account_id)
        db.expunge(row)
        return row


def _actions(portal, username: str) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    with portal.db() as db:
        rows = db.scalars(select(AuditEntry).where(AuditEntry.target == username).order_by(AuditEntry.id)).all()
        return [(e.action, e.detail) for e in rows]


def test_page_changes_role_disables_and_resets(any_portal):
    portal = any_portal
    aid = _new_account(portal, "page-user")
    admin = portal.client("admin")
    assert "page-user" in admin.get("/admin").text
    token = admin.page_token("/admin")
    county = portal.site.counties[0]

    r = admin.http.post("/admin/accounts/role", data={"csrf_token": token, "account_id": str(aid),
                                                      "role": "consolidator"})
    assert r.status_code == 303 and "msg=" in r.headers["location"]
    assert _account(portal, aid).role == "agency"  # a consolidator needs a region: nothing changed
    r = admin.http.post("/admin/accounts/role", data={"csrf_token": token, "account_id": str(aid),
                                                      "role": "consolidator", "region_id": str(county.id)})
    assert r.status_code == 303
    row = _account(portal, aid)
    assert (row.role, row.region_id, row.unit_id) == ("consolidator", county.id, None)

    user = portal.client()
    user.login("page-user", "long-enough-1")
    assert user.get("/api/me").status_code == 200
    r = admin.http.post(f"/admin/accounts/{aid}/active", data={"csrf_token": token})
    assert r.status_code == 303 and not _account(portal, aid).active
    assert user.get("/api/me").status_code == 401  # the open session ended at once
    assert user.http.post("/api/login", json={"username": "page-user", "password": "long-enough-1"}).status_code == 401
    assert "已停用" in admin.get("/admin").text
    r = admin.http.post(f"/admin/accounts/{aid}/active", data={"csrf_token": token, "active": "1"})
    assert r.status_code == 303 and _account(portal, aid).active
    user.login("page-user", "long-enough-1")

    r = admin.http.post(f"/admin/accounts/{aid}/password", data={"csrf_token": token, "password": "short"})
    assert "msg=" in r.headers["location"] and user.get("/api/me").status_code == 200  # too short: refused
    r = admin.http.post(f"/admin/accounts/{aid}/password", data={"csrf_token": token, "password": NEW_PASSWORD})
    assert r.status_code == 303 and user.get("/api/me").status_code == 401
    assert user.http.post("/api/login", json={"username": "page-user", "password": "long-enough-1"}).status_code == 401
    user.login("page-user", NEW_PASSWORD)

    actions = [a for a, _ in _actions(portal, "page-user")]
    assert actions[:1] == ["add_account"]
    assert {"update_account", "disable_account", "enable_account", "reset_password"} <= set(actions)
    detail = dict(_actions(portal, "page-user"))["update_account"]
    assert detail.startswith("填报单位 ") and detail.endswith(f"汇总单位 {county.name}")  # roles in Chinese


def test_api_changes_and_validation(any_portal):
    portal = any_portal
    aid = _new_account(portal, "api-user", "consolidator", region_id=portal.site.city.id)
    admin = portal.client("admin")
    unit = portal.units(2)[0][0]
    assert admin.post(f"/api/admin/accounts/{aid}", json={"role": "agency"}).status_code == 409  # needs a unit
    assert admin.post(f"/api/admin/accounts/{aid}", json={"role": "agency", "unit_id": 999999}).status_code == 409
    assert admin.post(f"/api/admin/accounts/{aid}", json={"role": "boss"}).status_code == 409
    r = admin.post(f"/api/admin/accounts/{aid}", json={"role": "agency", "unit_id": unit.id,
                                                       "region_id": portal.site.city.id})
    assert r.status_code == 200
    assert {k: r.json()[k] for k in ("role", "unit_id", "region_id", "active")} == \
        {"role": "agency", "unit_id": unit.id, "region_id": None, "active": True}
    user = portal.client()
    user.login("api-user", "long-enough-1")
    assert user.get(f"/api/units/{unit.id}/submissions").status_code == 200  # the new unit is its own now
    assert admin.post(f"/api/admin/accounts/{aid}/disable").json()["active"] is False
    assert user.get("/api/me").status_code == 401
    assert admin.post(f"/api/admin/accounts/{aid}/enable").json()["active"] is True
    assert admin.post(f"/api/admin/accounts/{aid}/password", json={"password": "x"}).status_code == 409
    assert admin.post(f"/api/admin/accounts/{aid}/password", json={"password": NEW_PASSWORD}).status_code == 200
    user.login("api-user", NEW_PASSWORD)
    assert admin.post("/api/admin/accounts/999999/disable").status_code == 404
    listed = {a["username"]: a for a in admin.get("/api/admin/accounts").json()}
    assert listed["api-user"]["active"] is True
    log = {e["action"] for e in admin.get("/api/admin/audit").json() if e["target"] == "api-user"}
    assert {"update_account", "disable_account", "enable_account", "reset_password"} <= log


def test_non_admins_and_csrf_refused(any_portal):
    portal = any_portal
    aid = _new_account(portal, "guarded-user")
    for username in ("xian1", _agency_username(portal)):
        c = portal.client(username)
        assert c.post(f"/api/admin/accounts/{aid}/disable").status_code == 403
        assert c.post(f"/api/admin/accounts/{aid}", json={"role": "admin"}).status_code == 403
        assert c.post(f"/api/admin/accounts/{aid}/password", json={"password": NEW_PASSWORD}).status_code == 403
        assert c.get("/admin").status_code == 403
        token = c.page_token("/account/password")
        assert c.http.post(f"/admin/accounts/{aid}/active", data={"csrf_token": token}).status_code == 403
        assert c.http.post("/admin/accounts/role", data={"csrf_token": token, "account_id": str(aid),
                                                         "role": "admin"}).status_code == 403
    admin = portal.client("admin")
    assert admin.http.post(f"/admin/accounts/{aid}/active", data={}).status_code == 403  # no CSRF token
    assert admin.http.post(f"/admin/accounts/{aid}/password", data={"csrf_token": "forged",
                                                                    "password": NEW_PASSWORD}).status_code == 403
    assert admin.post(f"/api/admin/accounts/{aid}/disable", headers={"X-CSRF-Token": "forged"}).status_code == 403
    row = _account(portal, aid)
    assert (row.role, row.active) == ("agency", True)
    assert [a for a, _ in _actions(portal, "guarded-user")] == ["add_account"]
    with portal.db() as db:
        denied = db.scalars(select(AuditEntry.action).where(AuditEntry.outcome == "denied")).all()
    assert "csrf" in denied


def test_last_enabled_admin_is_kept(any_portal):
    portal = any_portal
    admin = portal.client("admin")
    admin_id = admin.get("/api/me").json()["account"]["id"]
    assert admin.post(f"/api/admin/accounts/{admin_id}/disable").status_code == 409
    r = admin.post(f"/api/admin/accounts/{admin_id}", json={"role": "consolidator",
                                                            "region_id": portal.site.city.id})
    assert r.status_code == 409 and "最后一个" in r.json()["error"]
    token = admin.page_token("/admin")
    r = admin.http.post(f"/admin/accounts/{admin_id}/active", data={"csrf_token": token})
    assert r.status_code == 303 and _account(portal, admin_id).active

    second = _new_account(portal, "admin-two", "admin")
    assert admin.post(f"/api/admin/accounts/{second}/disable").status_code == 200
    assert admin.post(f"/api/admin/accounts/{admin_id}/disable").status_code == 409  # the other one is disabled
    assert admin.post(f"/api/admin/accounts/{second}/enable").status_code == 200
    assert admin.post(f"/api/admin/accounts/{admin_id}", json={"role": "consolidator",
                                                               "region_id": portal.site.city.id}).status_code == 200
    assert admin.get("/admin").status_code == 403  # demoted: takes effect on the next request
    two = portal.client()
    two.login("admin-two", "long-enough-1")
    assert two.post(f"/api/admin/accounts/{second}/disable").status_code == 409  # now admin-two is the last one
    assert two.post(f"/api/admin/accounts/{admin_id}", json={"role": "admin"}).status_code == 200
    assert admin.get("/admin").status_code == 200


def _agency_username(portal) -> str:  # type: ignore[no-untyped-def]
    with portal.db() as db:
        return str(db.scalar(select(Account.username).where(Account.role == "agency").order_by(Account.id)))
