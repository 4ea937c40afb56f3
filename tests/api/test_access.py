"""Who may do what (R-REC-4): every endpoint refuses anonymous callers (401) and every role it is not
open to (403); units and experts reach only their own records; passwords, tokens, rate limits."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from accounts import services as account_services
from accounts.access import PUBLIC, RULES, allowed
from app import create_app
from tests.api.test_conflicts_api import make_item
from tests.builders import appoint_expert, create_institution
from tests.support.app import PASSWORD, add_account, login

API = "/api/v1"
SAMPLE = {"item_id": 999999, "request_id": 999999, "panel_id": 999999, "expert_id": 999999, "unit_id": 999999,
          "invitation_id": 999999, "message_id": 999999, "recipient": "unit:999999", "subject_kind": "expert",
          "subject_id": 999999, "name": "term_expiry", "token": "x"}


def routes() -> list[tuple[str, str]]:
    app = create_app(migrate_on_start=False, run_scheduler=False)
    out = []
    for route in app.routes:
        for method in sorted(getattr(route, "methods", ())):
            if method in ("HEAD", "OPTIONS") or any(re.search(p, route.path_format) for p in PUBLIC):
                continue
            out.append((method, route.path_format))
    return sorted(set(out))


ROUTES = routes()


def concrete(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: str(SAMPLE.get(m.group(1), 999999)), path)


def test_every_route_is_known_to_the_access_table():
    assert len(ROUTES) > 80
    unknown = [key for key in RULES if tuple(key.split(" ", 1)) not in ROUTES]
    assert unknown == []  # a rule for a route that does not exist is a typo


@pytest.mark.parametrize(("method", "path"), ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
def test_anonymous_callers_get_401(client, method, path):
    client.headers.pop("Authorization")
    response = client.request(method, concrete(path), json={} if method != "GET" else None)
    assert response.status_code == 401, response.text
    assert response.json()["errors"][0]["field"] == "request"


@pytest.fixture
def roles(client):
    """A token per role: a drafting unit bound to its unit, an expert bound to their record, an auditor."""
    unit = create_institution(client, name="市交通运输局", kind="government_body")
    expert = appoint_expert(client)
    add_account("unit1", "unit", unit_id=unit["id"])
    add_account("expert1", "expert", expert_id=expert["expert_id"])
    add_account("auditor1", "auditor")
    office = client.headers["Authorization"]
    tokens = {}
    for name in ("unit1", "expert1", "auditor1"):
        tokens[name] = f"Bearer {login(client, name)['token']}"
    client.headers["Authorization"] = office
    return {"unit": tokens["unit1"], "expert": tokens["expert1"], "auditor": tokens["auditor1"],
            "unit_id": unit["id"], "expert_id": expert["expert_id"], "office": office}


@pytest.mark.parametrize("role", ["unit", "expert", "auditor"])
def test_each_role_is_refused_where_the_table_says_403(client, roles, role):
    """For every route: refused roles get 403; 'own' routes on someone else's records get 403 too."""
    refused = []
    for method, path in ROUTES:
        grant = allowed(role, f"{method} {path}", method)
        if grant == "any":
            continue
        response = client.request(method, concrete(path), json={} if method != "GET" else None,
                                  headers={"Authorization": roles[role]})
        if response.status_code != 403:
            refused.append((method, path, response.status_code))
    assert refused == []


def test_unit_sees_and_acts_on_its_own_items_only(client, roles):
    own = make_item(client, drafting_unit_id=roles["unit_id"], title="本单位事项")
    other_unit = create_institution(client, name="市生态环境局", kind="government_body")
    foreign = make_item(client, drafting_unit_id=other_unit["id"], title="他单位事项")
    unit = {"Authorization": roles["unit"]}
    assert [i["title"] for i in client.get(f"{API}/items", headers=unit).json()["items"]] == ["本单位事项"]
    assert client.get(f"{API}/items/{own['id']}", headers=unit).status_code == 200
    assert client.get(f"{API}/items/{foreign['id']}", headers=unit).status_code == 403
    assert client.get(f"{API}/items/{foreign['id']}/conflicts", params={"purpose": "argument"},
                      headers=unit).status_code == 403
    created = client.post(f"{API}/items", json={"title": "新事项", "opened_on": "2026-11-01"}, headers=unit)
    assert created.status_code == 201 and created.json()["drafting_unit_id"] == roles["unit_id"]
    stolen = client.post(f"{API}/items", json={"title": "冒名事项", "opened_on": "2026-11-01",
                                               "drafting_unit_id": other_unit["id"]}, headers=unit)
    assert stolen.status_code == 403
    request = client.post(f"{API}/panel-requests", headers=unit, json={
        "item_id": foreign["id"], "purpose": "argument", "size": 5, "handover_on": "2026-11-24", "requested_by": "x"})
    assert request.status_code == 403 and request.json()["errors"][0]["field"] == "item_id"


def test_unit_never_sees_id_numbers_or_phones_R_REC_4(client, roles):
    unit = {"Authorization": roles["unit"]}
    page = client.get(f"{API}/experts", headers=unit).json()
    detail = client.get(f"{API}/experts/{roles['expert_id']}", headers=unit).json()
    for view in (*page["items"], detail):
        assert "*" in view["id_number"] and "*" in view["phone"]
    assert client.post(f"{API}/experts/{roles['expert_id']}/personal-data", json={"reason": "核对"},
                       headers=unit).status_code == 403


def test_expert_self_service_on_own_record_only(client, roles):
    me = {"Authorization": roles["expert"]}
    other = appoint_expert(client)
    assert client.get(f"{API}/experts/{roles['expert_id']}", headers=me).status_code == 200
    assert client.get(f"{API}/experts/{other['expert_id']}", headers=me).status_code == 403
    assert client.patch(f"{API}/experts/{roles['expert_id']}", json={"title": "研究员"}, headers=me).status_code == 200
    declared = client.post(f"{API}/experts/{roles['expert_id']}/declarations", headers=me,
                           json={"kind": "adviser_of", "target_text": "某某咨询有限公司"})
    assert declared.status_code == 201
    assert client.post(f"{API}/experts/{other['expert_id']}/declarations", headers=me,
                       json={"kind": "adviser_of", "target_text": "某某咨询有限公司"}).status_code == 403
    assert client.get(f"{API}/inbox/expert:{roles['expert_id']}", headers=me).status_code == 200
    assert client.get(f"{API}/inbox/expert:{other['expert_id']}", headers=me).status_code == 403


def test_auditor_reads_everything_and_changes_nothing(client, roles):
    auditor = {"Authorization": roles["auditor"]}
    assert client.get(f"{API}/experts", headers=auditor).status_code == 200
    assert client.get(f"{API}/audit/verification", headers=auditor).json()["ok"] is True
    assert client.post(f"{API}/items", json={"title": "x", "opened_on": "2026-11-01"},
                       headers=auditor).status_code == 403


def test_login_is_rate_limited_and_tokens_expire(client, clock, monkeypatch):
    add_account("zhangsan", "auditor")
    for _ in range(5):
        wrong = client.post(f"{API}/auth/login", json={"username": "zhangsan", "password": "not the password"})
        assert wrong.status_code == 401
    blocked = client.post(f"{API}/auth/login", json={"username": "zhangsan", "password": PASSWORD})
    assert blocked.status_code == 429
    clock.fixed += timedelta(minutes=16)
    monkeypatch.setattr(account_services, "TOKEN_HOURS", 12)
    token = client.post(f"{API}/auth/login", json={"username": "zhangsan", "password": PASSWORD}).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get(f"{API}/auth/me", headers=headers).json()["role"] == "auditor"
    clock.fixed += timedelta(hours=13)
    assert client.get(f"{API}/auth/me", headers=headers).status_code == 401
    assert client.post(f"{API}/auth/login", json={"username": "nobody", "password": PASSWORD}).status_code == 401


def test_passwords_are_argon2_and_weak_ones_refused(client):
    weak = client.post(f"{API}/accounts", json={"username": "li", "password": "short", "role": "auditor"})
    assert weak.status_code == 400 or weak.status_code == 422
    made = client.post(f"{API}/accounts", json={"username": "lisi", "password": "a long enough passphrase",
                                                "role": "auditor"})
    assert made.status_code == 201
    import asyncio

    from accounts.tables import Account

    stored = asyncio.run(Account.select(Account.password_hash).where(Account.username == "lisi").first().run())
    assert stored["password_hash"].startswith("$argon2id$")
    unbound = client.post(f"{API}/accounts", json={"username": "unitx", "password": "a long enough passphrase",
                                                   "role": "unit"})
    assert unbound.status_code == 422 and unbound.json()["errors"][0]["field"] == "unit_id"
