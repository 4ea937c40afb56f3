"""Issue 13: every message a user reads is in Chinese. The framework's own answers (msgspec and Litestar:
wrong type, unknown or missing field, too long, pattern, malformed JSON, 401/403/404/405/429) and the core
error helpers answer with a Chinese ``detail`` and Chinese ``errors[].reason``; field names stay English."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal

import msgspec
import pytest
from msgspec import Meta

from core.api import chinese_reason
from core.schemas import Email, Flag, Name, Note, Paragraph
from tests.api.test_access import ROUTES, concrete
from tests.builders import create_institution
from tests.support.app import add_account, login

API = "/api/v1"
CJK = re.compile(r"[\u3400-\u9fff]")
ENGLISH_ORIGINALS = ("Expected `", "Object ", "Validation failed", "Not Found", "Method Not Allowed", "log in",
                     "malformed", "does not exist", "Invalid ", "Bad Request", "role may")


def assert_chinese(response, status: int, fields: set[str] | None = None) -> dict:
    """The status, a Chinese detail, a Chinese reason for every error, the fields named in English."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status_code"] == status
    assert CJK.search(body["detail"]), body
    assert body["errors"] and all(CJK.search(e["reason"]) for e in body["errors"]), body
    assert not any(english in response.text for english in ENGLISH_ORIGINALS), body
    if fields is not None:
        assert {e["field"] for e in body["errors"]} == fields, body
    return body


def institution(**overrides) -> dict:
    return {"name": "测试大学", "kind": "university", **overrides}


def test_body_validation_answers_are_in_chinese_with_the_field_named(client):
    wrong_type = assert_chinese(client.post(f"{API}/institutions", json=institution(name=5)), 400, {"name"})
    assert "应为文本" in wrong_type["errors"][0]["reason"] and "整数" in wrong_type["errors"][0]["reason"]
    unknown = assert_chinese(client.post(f"{API}/institutions", json=institution(motto="x")), 400, {"motto"})
    assert "motto" in unknown["errors"][0]["reason"]
    missing = assert_chinese(client.post(f"{API}/institutions", json={"kind": "university"}), 400, {"name"})
    assert "缺少必填字段 name" in missing["errors"][0]["reason"]
    too_long = assert_chinese(client.post(f"{API}/institutions", json=institution(name="长" * 201)), 400, {"name"})
    assert "200" in too_long["errors"][0]["reason"]
    line = assert_chinese(client.post(f"{API}/institutions", json=institution(name="浙江\r\nBcc: x")), 400, {"name"})
    assert "换行" in line["errors"][0]["reason"]
    blank = assert_chinese(client.post(f"{API}/institutions", json=institution(name="")), 400, {"name"})
    assert "不能为空" in blank["errors"][0]["reason"]
    assert_chinese(client.post(f"{API}/institutions", json=institution(kind="castle")), 400, {"kind"})
    assert_chinese(client.post(f"{API}/institutions", json=[1]), 400)
    assert_chinese(client.post(f"{API}/institutions", json=institution(uscc=10**40)), 400, {"uscc"})
    # the detail sums the problems up, field by field
    assert "name" in missing["detail"] and "缺少必填字段" in missing["detail"]


def test_unreadable_bodies_are_refused_in_chinese(client):
    headers = {"content-type": "application/json"}
    malformed = assert_chinese(client.post(f"{API}/institutions", content=b'{"name": "X",', headers=headers), 400,
                               {"body"})
    assert "JSON" in malformed["detail"]
    assert_chinese(client.post(f"{API}/institutions", content=b"{bad", headers=headers), 400, {"body"})
    assert_chinese(client.post(f"{API}/institutions", content=b'{"name":"\xff"}', headers=headers), 400, {"body"})
    assert_chinese(client.post(f"{API}/institutions", content=b"[" * 5000 + b"]" * 5000, headers=headers), 400)


def test_parameter_answers_are_in_chinese(client):
    assert_chinese(client.get(f"{API}/outbox", params={"limit": 0}), 400, {"limit"})
    assert_chinese(client.get(f"{API}/outbox", params={"limit": 501}), 400, {"limit"})
    assert_chinese(client.get(f"{API}/outbox", params={"limit": "many"}), 400, {"limit"})
    assert_chinese(client.get(f"{API}/outbox", params={"delivery_state": "lost"}), 400, {"delivery_state"})
    assert_chinese(client.get(f"{API}/inbox/nobody"), 422, {"recipient"})


def test_not_found_and_wrong_method_are_in_chinese(client):
    record = assert_chinese(client.get(f"{API}/institutions/999999"), 404)
    assert "机构" in record["detail"] and "999999" in record["detail"]
    assert_chinese(client.get(f"{API}/nowhere"), 404, {"request"})
    assert_chinese(client.get(f"{API}/experts/abc"), 404, {"request"})
    assert_chinese(client.get(f"{API}/experts/99999999999"), 404, {"request"})
    assert_chinese(client.post(f"{API}/jobs/nope/run"), 404, {"name"})
    method = assert_chinese(client.delete(f"{API}/institutions"), 405, {"request"})
    assert "DELETE" in method["detail"] and "GET" in method["detail"]


def test_log_in_and_permission_answers_are_in_chinese(client):
    unit = create_institution(client, name="市交通运输局", kind="government_body")
    other = create_institution(client, name="市生态环境局", kind="government_body")
    add_account("unit-a", "unit", unit_id=unit["id"])
    office = client.headers.pop("Authorization")
    assert_chinese(client.get(f"{API}/institutions"), 401, {"request"})
    assert_chinese(client.get(f"{API}/institutions", headers={"Authorization": "Bearer forged"}), 401, {"request"})
    wrong = client.post(f"{API}/auth/login", json={"username": "unit-a", "password": "not the password at all"})
    assert_chinese(wrong, 401, {"password"})
    login(client, "unit-a")
    refused = assert_chinese(client.post(f"{API}/institutions", json=institution()), 403, {"request"})
    assert "决策承办单位" in refused["detail"]
    assert_chinese(client.get(f"{API}/inbox/unit:{other['id']}"), 403, {"request"})
    assert_chinese(client.get(f"{API}/institutions/{other['id']}/webhooks"), 403, {"request"})
    client.headers["Authorization"] = office


def test_repeated_failed_logins_are_refused_in_chinese_429(client):
    add_account("clerk", "office")
    for _ in range(5):
        client.post(f"{API}/auth/login", json={"username": "clerk", "password": "wrong password here"})
    assert_chinese(client.post(f"{API}/auth/login", json={"username": "clerk", "password": "wrong password here"}),
                   429, {"username"})


def test_account_answers_are_in_chinese(client):
    weak = client.post(f"{API}/accounts", json={"username": "lisi", "password": "short", "role": "auditor"})
    assert "至少 12" in assert_chinese(weak, 422, {"password"})["errors"][0]["reason"]
    assert_chinese(client.post(f"{API}/accounts", json={"username": "lisi", "password": "aaaaaaaaaaaaaa",
                                                        "role": "auditor"}), 422, {"password"})
    assert_chinese(client.post(f"{API}/accounts", json={"username": "li si!", "password": "x" * 12,
                                                        "role": "auditor"}), 400, {"username"})
    assert_chinese(client.post(f"{API}/accounts", json={"username": "unitx", "password": "a long enough passphrase",
                                                        "role": "unit"}), 422, {"unit_id"})
    assert_chinese(client.post(f"{API}/accounts", json={"username": "office", "password": "a long enough passphrase",
                                                        "role": "auditor"}), 409, {"username"})
    assert_chinese(client.post(f"{API}/accounts/999999/deactivation"), 404)
    assert_chinese(client.get(f"{API}/items/999999/record"), 404, {"item_id"})


def untranslated(response) -> list[str]:
    """The detail and reasons of a refusal that carry no Chinese at all."""
    if response.status_code < 400:
        return []
    body = response.json()
    return [t for t in [body["detail"], *(e["reason"] for e in body["errors"])] if not CJK.search(t)]


def test_every_route_refuses_in_chinese(client):
    """A sweep of the whole API: every route called anonymously (401), as a drafting unit where the table
    refuses it (403), and as the office with an unknown field or no body and ids that do not exist (400, 404,
    422...). Every refusal's detail and reasons are Chinese."""
    unit = create_institution(client, name="市交通运输局", kind="government_body")
    add_account("unit-sweep", "unit", unit_id=unit["id"])
    office = client.headers["Authorization"]
    unit_token = f"Bearer {login(client, 'unit-sweep')['token']}"
    client.headers["Authorization"] = office
    english, refusals = [], 0
    for method, path in ROUTES:
        if path.endswith(("/logout", "/deactivation")):
            continue  # they would end the sweep's own log-in
        url = concrete(path)
        calls = [client.request(method, url, headers={"Authorization": ""}),
                 client.request(method, url, headers={"Authorization": unit_token})]
        calls += [client.request(method, url, json=body if method != "GET" else None)
                  for body in ({"no_such_field": 1}, None)]
        for response in calls:
            refusals += response.status_code >= 400
            english += [(method, path, response.status_code, text) for text in untranslated(response)]
    assert english == []
    assert refusals > 2 * len(ROUTES)


class _Everything(msgspec.Struct, forbid_unknown_fields=True):
    name: Name
    note: Note
    paragraph: Paragraph
    email: Email
    flag: Flag
    kind: Literal["a", "b"]
    count: Annotated[int, Meta(ge=1, le=500)]
    ratio: Annotated[float, Meta(gt=0, lt=1)]
    codes: Annotated[list[str], Meta(min_length=1, max_length=3)]
    quotas: Annotated[dict[str, int], Meta(max_length=2)]
    day: date
    url: Annotated[str, Meta(pattern=r"^https?://")]


GOOD = {"name": "甲", "note": "", "paragraph": "两个字", "email": "", "flag": True, "kind": "a", "count": 1,
        "ratio": 0.5, "codes": ["A"], "quotas": {}, "day": "2026-12-01", "url": "https://example.cn"}
BAD = [("name", 5), ("name", ""), ("name", "x" * 201), ("name", "a\nb"), ("note", "\x00"), ("paragraph", "x"),
       ("paragraph", "a\x00b"), ("email", "not an address"), ("flag", 1), ("kind", "c"), ("count", 0),
       ("count", 501), ("count", "1"), ("count", 2**70), ("ratio", 1), ("ratio", 0), ("codes", []),
       ("codes", ["A"] * 4), ("codes", "A"), ("quotas", {"a": 1, "b": 2, "c": 3}), ("day", "2026-13-01"),
       ("day", 5), ("url", "ftp://x"), ("extra", 1), ("name", None)]


@pytest.mark.parametrize(("field_name", "value"), BAD)
def test_every_kind_of_msgspec_refusal_has_a_chinese_reason(field_name, value):
    """The translation covers each kind of message msgspec gives, not only the ones the API tour meets: a
    message it does not know would fall back to a general Chinese sentence, which this test refuses."""
    body = {**GOOD, field_name: value}
    with pytest.raises(msgspec.ValidationError) as refused:
        msgspec.convert(body, _Everything, strict=True)
    english = re.sub(r" - at `\$[^`]*`$", "", str(refused.value))
    reason = chinese_reason(english, fallback="")
    assert reason and CJK.search(reason), english
    missing = {k: v for k, v in GOOD.items() if k != "count"}
    with pytest.raises(msgspec.ValidationError) as refused:
        msgspec.convert(missing, _Everything)
    assert chinese_reason(str(refused.value)) == "缺少必填字段 count"
