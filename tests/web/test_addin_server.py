"""The click through the portal (addin/PROTOCOL.md): xlwings' VBA client payloads posted to /addin/validate and
/addin/clear give the same findings and marks as `xxgk validate`; errors are Chinese plain text; the body cap,
the check slots and the 在线校验 switch hold."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl.utils import get_column_letter

from xlwings_payload import replay, vba_payload
from xxgk.annotate.plan import CODE, FILL_ERROR, HEADER_ROW, RESULT_SHEET, finding_key
from xxgk.samples import agencies, sample_fills
from xxgk.spec import load_spec
from xxgk.template import build_template
from xxgk.validate import validate_files
from xxgk.web.app import create_app
from xxgk.web.routers import addin
from xxgk.web.settings import Settings

SPEC = load_spec("gb2021")
SHEETS = [SPEC.cover.sheet, *(t.sheet for t in SPEC.tables), "校验", "说明"]


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return create_app(Settings(data_dir=tmp_path_factory.mktemp("portal")))


@pytest.fixture
def client(app: Any) -> TestClient:
    return TestClient(app)


def _values() -> dict[str, object]:
    return dict(next(iter(sample_fills(SPEC, agencies("平台县", "330206", 2, seed=8), 2024, seed=4)))[1])


def _broken(tmp_path: Path) -> Path:
    values = _values()
    values["requests.forward.natural"] = int(values.get("requests.forward.natural", 0)) + 3  # type: ignore[call-overload]
    values["active.penalty.decisions"] = "7次"
    return build_template(SPEC, tmp_path / "单位.xlsx", values=values)


def _post(client: TestClient, button: str, payload: dict[str, Any]) -> list[dict[str, Any]]:
    r = client.post(f"/addin/{button}", content=json.dumps(payload, ensure_ascii=False).encode(),
                    headers={"Content-Type": "application/json"})
    assert r.status_code == 200, r.text
    assert r.json()["xxgk"] == {"protocol": 1}
    return r.json()["actions"]  # type: ignore[no-any-return]


def _colours(actions: list[dict[str, Any]]) -> dict[tuple[str, str], str]:
    """(sheet, A1) -> colour for every cell of each coloured range (colours are written in rectangles)."""
    return {(SHEETS[a["sheet_position"]], f"{get_column_letter(a['start_column'] + dc + 1)}{a['start_row'] + dr + 1}"):
            a["args"][0]
            for a in actions if a["func"] == "setRangeColor" and a["sheet_position"] < len(SHEETS)
            for dr in range(a.get("row_count", 1)) for dc in range(a.get("column_count", 1))}


def _result_rows(actions: list[dict[str, Any]]) -> dict[str, list[Any]]:
    (write,) = [a for a in actions if a["func"] == "setValues" and a["sheet_position"] == len(SHEETS)]
    return {row[CODE]: row for row in write["values"][HEADER_ROW + 1:] if len(row) > CODE and row[CODE]}


@pytest.mark.parametrize("extras", [False, True], ids=["xlwings-standard", "with-xxgk-key"])
def test_validate_gives_the_findings_and_marks_of_the_cli(client: TestClient, tmp_path: Path, extras: bool) -> None:
    path = _broken(tmp_path)
    (report,) = validate_files([path])
    actions = _post(client, "validate", vba_payload(path, extras=extras))
    failing = {(c.split("!")[0].strip("'"), c.split("!")[1]) for f in report.findings for c in f.cells}
    colours = _colours(actions)
    assert set(colours) == failing and set(colours.values()) == {FILL_ERROR}
    rows = _result_rows(actions)
    assert [rows[finding_key(f)][3] for f in report.findings] == [f.message for f in report.findings]
    assert [a["args"] for a in actions if a["func"] == "addSheet"] == [[len(SHEETS), RESULT_SHEET]]
    assert actions[-1]["func"] == "alert" and actions[-1]["args"][0].startswith(f"发现 {report.errors} 个错误")


def test_a_clean_book_passes_from_the_standard_payload(client: TestClient, tmp_path: Path) -> None:
    """Without formulas the template's totals are recomputed, not all called typed over."""
    path = build_template(SPEC, tmp_path / "好.xlsx", values=_values())
    actions = _post(client, "validate", vba_payload(path))
    assert _colours(actions) == {}
    assert actions[-1]["args"][0] == "校验通过：没有发现问题。"


def test_note_is_kept_and_clear_gives_back_the_fills(client: TestClient, tmp_path: Path) -> None:
    path = _broken(tmp_path)
    first = vba_payload(path, extras=True)
    actions = _post(client, "validate", json.loads(json.dumps(first)))
    # the next request is what Excel sends after applying the actions and the user typing a 说明
    marked = _replayed(first, actions)
    result = marked["sheets"][len(SHEETS)]["values"]
    key = next(iter(_result_rows(actions)))
    row = next(i for i, r in enumerate(result) if len(r) > CODE and r[CODE] == key)
    from xxgk.annotate.plan import NOTE

    result[row][NOTE] = "已向上级说明"
    again = _post(client, "validate", json.loads(json.dumps(marked)))
    assert _result_rows(again)[key][NOTE] == "已向上级说明"
    cleared = _post(client, "clear", _replayed(marked, again))
    restored = _colours(cleared)
    assert set(restored) == set(_colours(actions))
    assert [a["func"] for a in cleared if a["sheet_position"] == len(SHEETS)] == ["sheetDelete"]


def _replayed(payload: dict[str, Any], actions: list[dict[str, Any]]) -> dict[str, Any]:
    """replay() works on the per-sheet keys; move the xxgk key there and back."""
    extra = payload.get("xxgk")
    flat = json.loads(json.dumps(payload))
    if extra:
        for s in flat["sheets"]:
            s["xxgk_formulas"] = extra["formulas"].get(s["name"], [[]])
            s["xxgk_fills"] = dict(extra["fills"].get(s["name"], {}))
    out = replay(flat, actions)
    if extra:
        out["xxgk"] = {**extra, "formulas": {s["name"]: s.pop("xxgk_formulas") for s in out["sheets"]},
                       "fills": {s["name"]: s.pop("xxgk_fills") for s in out["sheets"]}}
    return out


def test_not_a_template_is_answered_by_a_message_box(client: TestClient) -> None:
    payload = {"client": "VBA", "version": "0.37.8", "book": {"name": "x.xlsx", "active_sheet_index": 0,
               "selection": "A1"}, "names": [], "sheets": [{"name": "Sheet1", "values": [["a", 1]],
                                                            "pictures": [], "tables": []}]}
    (action,) = _post(client, "validate", payload)
    assert action["func"] == "alert" and action["args"][0].startswith("无法校验这个工作簿")


@pytest.mark.parametrize("body", [b"not json", b"{\"sheets\": 3}", b"[]"])
def test_bad_requests_get_chinese_plain_text(client: TestClient, body: bytes) -> None:
    r = client.post("/addin/validate", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("text/plain") and "请求" in r.text


def test_body_over_two_mib_is_refused_even_when_the_length_lies(client: TestClient) -> None:
    big = b"{\"sheets\": [\"" + b"x" * (2 * 2**20) + b"\"]}"
    r = client.post("/addin/validate", content=big)
    assert r.status_code == 413 and "上限 2 MB" in r.text

    def chunks():  # type: ignore[no-untyped-def]
        for _ in range(40):
            yield b"x" * 65536

    r = client.post("/addin/validate", content=chunks(), headers={"Content-Length": "10"})
    assert r.status_code in (413, 400)  # never read past the cap


def test_busy_slots_answer_503_in_chinese(app: Any, client: TestClient, tmp_path: Path) -> None:
    app.state.addin_slots = addin.Slots(0, wait=0.05)  # every slot taken, none comes free
    try:
        r = client.post("/addin/validate", json=vba_payload(_broken(tmp_path)))
        assert r.status_code == 503 and r.headers["retry-after"] == "2" and "正忙" in r.text
    finally:
        app.state.addin_slots = addin.Slots(2)
    assert client.post("/addin/validate", json=vba_payload(_broken(tmp_path))).status_code == 200


def test_a_program_fault_is_a_chinese_500_without_traceback(client: TestClient, monkeypatch: pytest.MonkeyPatch,
                                                            tmp_path: Path) -> None:
    def boom(*_a: Any) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(addin, "click", boom)
    r = client.post("/addin/clear", json=vba_payload(_broken(tmp_path)))
    assert r.status_code == 500 and "信息技术人员" in r.text and "secret" not in r.text


def test_anonymous_clicks_follow_the_public_validate_switch(tmp_path: Path) -> None:
    closed = TestClient(create_app(Settings(data_dir=tmp_path / "p", public_validate=False)))
    r = closed.post("/addin/validate", json=vba_payload(_broken(tmp_path)))
    assert r.status_code == 401 and "令牌" in r.text


def test_the_template_payload_is_under_100_kb(tmp_path: Path) -> None:
    path = build_template(SPEC, tmp_path / "空.xlsx")
    assert len(json.dumps(vba_payload(path), ensure_ascii=False).encode()) <= 100_000


# ---- tokens and 上报 ------------------------------------------------------------------------------------


def _new_token(c: Any, unit_id: int) -> str:
    token_form = c.page_token(f"/units/{unit_id}")
    page = c.http.post(f"/units/{unit_id}/tokens", data={"csrf_token": token_form})
    assert page.status_code == 200
    m = re.search(r'id="new-token">.*?<code>(xxgk_[A-Za-z0-9_-]+)</code>', page.text, re.S)
    assert m, page.text
    return m.group(1)


def test_token_is_shown_once_stored_hashed_and_revocable(portal: Any) -> None:
    from sqlalchemy import select

    from xxgk.web.models import ApiToken
    from xxgk.web.tokens import digest

    unit, _agency = portal.units(1)[0]
    c = portal.client(portal.site.unit_account(unit))
    token = _new_token(c, unit.id)
    page = c.get(f"/units/{unit.id}").text
    assert token not in page and token[:9] in page  # never shown again, told apart by its beginning
    with portal.db() as db:
        row = db.scalar(select(ApiToken).where(ApiToken.unit_id == unit.id).order_by(ApiToken.id.desc()))
        assert row.token_hash == digest(token) and token not in (row.token_hash, row.hint)
        token_id = row.id
    # another unit's account cannot revoke it
    other, _ = portal.units(1)[1]
    intruder = portal.client(portal.site.unit_account(other))
    r = intruder.http.post(f"/units/{unit.id}/tokens/{token_id}/revoke",
                           data={"csrf_token": intruder.page_token(f"/units/{other.id}")})
    assert r.status_code == 403
    r = c.http.post(f"/units/{unit.id}/tokens/{token_id}/revoke", data={"csrf_token": c.page_token(f"/units/{unit.id}")})
    assert r.status_code == 303
    assert "已停用" in c.get(f"/units/{unit.id}").text
    with portal.db() as db:
        assert db.get(ApiToken, token_id).revoked_at is not None


def test_submit_stores_a_new_version_and_shows_the_verdict(portal: Any) -> None:
    unit, agency = portal.units(1)[2]
    c = portal.client(portal.site.unit_account(unit))
    token = _new_token(c, unit.id)
    http = TestClient(portal.app)
    path = portal.book("bad-submit.xlsx", agency, break_r3=True)
    (report,) = validate_files([path])
    r = http.post("/addin/submit", json=vba_payload(path), headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200, r.text
    body = r.json()
    sub = body["xxgk"]["submission"]
    assert sub["status"] == "有错误" and sub["unit"] == unit.name
    alert = body["actions"][-1]
    assert alert["func"] == "alert" and alert["args"][0].startswith(f"已上报：{unit.name}")
    assert f"第 {sub['version']} 版" in alert["args"][0]
    versions = c.get(f"/api/units/{unit.id}/submissions").json()
    assert versions[0]["version"] == sub["version"] and versions[0]["status"] == "有错误"
    # the stored version (rebuilt from the payload) has the findings of the book itself
    stored = c.get(f"/api/submissions/{versions[0]['id']}").json()
    codes = sorted(i["code"] for i in stored["report"]["issues"] if not i["code"].startswith("portal."))
    assert codes == sorted(f.code for f in report.findings)
    failing = {(cell.split("!")[0].strip("'"), cell.split("!")[1]) for f in report.findings for cell in f.cells}
    assert set(_colours(body["actions"])) == failing
    # a bare token works as well (xlwings' AUTH setting is sent as it is)
    again = http.post("/addin/submit", json=vba_payload(path), headers={"Authorization": token})
    assert again.status_code == 200 and again.json()["xxgk"]["submission"]["version"] == sub["version"] + 1


@pytest.mark.parametrize("header", [None, "Bearer xxgk_nope", "Bearer ", "Basic abc"])
def test_submit_without_a_valid_token_is_refused(portal: Any, tmp_path: Path, header: str | None) -> None:
    headers = {"Authorization": header} if header is not None else {}
    r = TestClient(portal.app).post("/addin/submit", json=vba_payload(_broken(tmp_path)), headers=headers)
    assert r.status_code == 401 and "令牌" in r.text and r.headers["content-type"].startswith("text/plain")


def test_a_revoked_token_cannot_submit_and_a_token_opens_clicks_when_public_validation_is_off(tmp_path: Path) -> None:
    from .conftest import make_portal

    closed = make_portal(tmp_path, public_validate=False)
    unit, agency = closed.units(1)[0]
    c = closed.client(closed.site.unit_account(unit))
    token = _new_token(c, unit.id)
    http = TestClient(closed.app)
    payload = vba_payload(closed.book("good.xlsx", agency))
    assert http.post("/addin/validate", json=payload).status_code == 401
    assert http.post("/addin/validate", json=payload, headers={"Authorization": f"Bearer {token}"}).status_code == 200
    with closed.db() as db:
        from sqlalchemy import select

        from xxgk.web import tokens as token_module
        from xxgk.web.models import Account, ApiToken

        row = db.scalar(select(ApiToken).where(ApiToken.token_hash == token_module.digest(token)))
        token_module.revoke(db, db.get(Account, row.account_id), row)
    r = http.post("/addin/submit", json=payload, headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401


def test_the_server_sets_xlwings_noncommercial_key_itself(tmp_path: Path) -> None:
    """No key configured, and xlwings imported before the click (as another module of the server might)."""
    import os
    import subprocess

    import xxgk

    payload = tmp_path / "payload.json"
    payload.write_text(json.dumps(vba_payload(_broken(tmp_path)), ensure_ascii=False), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "XLWINGS_LICENSE_KEY"}
    env["PYTHONPATH"] = str(Path(xxgk.__file__).parents[1])
    code = ("import json, sys, xlwings; from xxgk.addin.remote import click; "
            "print(click('validate', json.load(open(sys.argv[1], encoding='utf-8')))['actions'][-1]['func'])")
    out = subprocess.run([sys.executable, "-c", code, str(payload)], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "alert"


def test_the_xlam_extras_make_typed_over_totals_exact(client: TestClient, tmp_path: Path) -> None:
    """A total typed over its formula: with the .xlam's extras the server finds what the CLI finds, cell for cell."""
    from xlwings_payload import xlam_payload

    path = build_template(SPEC, tmp_path / "改总计.xlsx", values=_values(), overrides={"requests.total.natural": 99999})
    (report,) = validate_files([path])
    assert report.findings
    payload = xlam_payload(path)
    assert len(json.dumps(payload, ensure_ascii=False).encode()) <= 100_000
    actions = _post(client, "validate", payload)
    failing = {(c.split("!")[0].strip("'"), c.split("!")[1]) for f in report.findings for c in f.cells}
    assert set(_colours(actions)) == failing
    rows = _result_rows(actions)
    assert {k for k in rows if not k.startswith("hint|")} == {finding_key(f) for f in report.findings}
    assert any(f.code.startswith("formula.") for f in report.findings)  # the typed-over total itself


@pytest.mark.parametrize("standard", [True, False], ids=["vba-names", "with-refers-to"])
def test_names_read_from_the_payload_agree_with_xlwings_name_objects(tmp_path: Path, standard: bool) -> None:
    """The remote book's names are read from its payload (the speed of a click); same cells as xlwings' Names."""
    from xlwings_payload import payload_from_file, remote_book
    from xxgk.addin.live import _payload_names
    from xxgk.reader import parse_ref

    path = _broken(tmp_path)
    book = remote_book(vba_payload(path) if standard else payload_from_file(path))
    slow = {str(n.name): str(n.refers_to)[1:] for n in book.names}
    fast = _payload_names(book.api)
    assert set(fast) == set(slow) and len(fast) > 200
    assert all(parse_ref(fast[k]) == parse_ref(slow[k]) is not None for k in fast)


def test_every_action_is_in_the_protocol_table_with_list_args(client: TestClient, tmp_path: Path) -> None:
    """What the VBA client and the WPS add-in must implement: addin/PROTOCOL.md lists every func sent."""
    protocol = (Path(__file__).parents[2] / "addin" / "PROTOCOL.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\| `(\w+)` \|", protocol, re.M))
    path = _broken(tmp_path)
    first = vba_payload(path, extras=True)
    actions = _post(client, "validate", json.loads(json.dumps(first)))
    actions += _post(client, "clear", _replayed(first, actions))
    assert {a["func"] for a in actions} <= listed
    assert all(isinstance(a["args"], list) for a in actions)
