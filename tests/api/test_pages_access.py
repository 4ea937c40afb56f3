"""Pages (issue 15): log-in with a session cookie, access per role (200 / 403 / redirect to log-in), CSRF on
every form, error pages in Chinese without a traceback."""

from __future__ import annotations

import pytest

from tests.builders import appoint_expert, create_institution
from tests.support.app import add_account
from tests.support.pages import csrf, page_login, post_form

HOMES = {"office": "/office", "auditor": "/auditor"}
# (path, roles that may see it); every other role gets 403, nobody logged in a redirect to /login
OFFICE = {"office"}
READERS = {"auditor", "office"}
PAGES = [
    ("/office", OFFICE), ("/office/experts", OFFICE), ("/office/experts/{expert_id}", OFFICE),
    ("/office/pool", OFFICE), ("/office/reviews", OFFICE), ("/office/recruitment", OFFICE),
    ("/office/recruitment/calls/{call_id}", OFFICE), ("/office/recruitment/applications/{application_id}", OFFICE),
    ("/auditor", READERS), ("/auditor/record", READERS), ("/auditor/chain", READERS),
    ("/office/records", OFFICE), ("/office/institutions", OFFICE), ("/office/institutions/{institution_id}", OFFICE),
    ("/office/relations", OFFICE), ("/office/policy", OFFICE), ("/office/imports", OFFICE),
    ("/office/imports/{import_id}", OFFICE),
]
# downloads reached with the page session (issue 16's documents and spreadsheets): the office's, as in the API
DOWNLOADS = [
    "/office/experts/{expert_id}/terms/{term_id}/certificate.pdf",
    "/office/experts/{expert_id}/commitment-letters/{letter_id}/letter.pdf",
    "/office/experts.xlsx", "/office/reviews.xlsx", "/office/imports/templates/experts.xlsx",
    "/office/imports/{import_id}/report.xlsx", "/office/imports/{import_id}/progress",
]


@pytest.fixture
def accounts(client):
    unit = create_institution(client, name="市交通运输局", kind="government_body")
    expert = appoint_expert(client)
    add_account("unit1", "unit", unit_id=unit["id"])
    add_account("expert1", "expert", expert_id=expert["expert_id"])
    add_account("auditor1", "auditor")
    job = client.post("/api/v1/imports/institutions", files={"file": ("机构.csv", "名称,类型\n某研究院,科研院所\n"
                                                                           .encode("utf-8-sig"))})
    assert job.status_code in (201, 202), job.text
    ids = {"expert_id": expert["expert_id"], "application_id": expert["application_id"],
           "call_id": client.get(f"/api/v1/applications/{expert['application_id']}").json()["call_id"],
           "institution_id": unit["id"], "term_id": expert["term_id"], "import_id": job.json()["id"],
           "letter_id": client.get(f"/api/v1/experts/{expert['expert_id']}/commitment-letters").json()["items"][0][
               "id"]}
    return {"office": "office", "unit": "unit1", "expert": "expert1", "auditor": "auditor1", "ids": ids}


def test_log_in_sets_an_http_only_session_cookie_and_sends_each_role_home(client, accounts):
    client.headers.pop("Authorization", None)
    answer = client.post("/login", data={"username": "office", "password": "correct horse battery staple",
                                         "_csrf_token": csrf(client)}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/office"
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert client.get("/", follow_redirects=False).headers["location"] == "/office"
    page_login(client, "auditor1")
    assert client.get("/", follow_redirects=False).headers["location"] == "/auditor"
    client.cookies.delete("session")
    assert client.get("/", follow_redirects=False).headers["location"] == "/login"


def test_a_wrong_password_is_said_beside_the_field_in_chinese(client, accounts):
    client.headers.pop("Authorization", None)
    answer = client.post("/login", data={"username": "office", "password": "not the password",
                                         "_csrf_token": csrf(client)})
    assert answer.status_code == 401
    assert 'data-field="password"' in answer.text and "用户名或密码错误" in answer.text
    assert client.get("/office", follow_redirects=False).status_code == 303


def test_the_next_page_after_log_in_is_only_a_path_of_this_site(client, accounts):
    client.headers.pop("Authorization", None)
    for target, expected in (("/auditor", "/auditor"), ("//evil.example/x", "/office"), ("https://x.cn", "/office")):
        answer = client.post("/login", data={"username": "office", "password": "correct horse battery staple",
                                             "next": target, "_csrf_token": csrf(client)}, follow_redirects=False)
        assert answer.headers["location"] == expected


@pytest.mark.parametrize(("path", "allowed"), PAGES)
def test_each_page_per_role(client, accounts, path, allowed):
    path = path.format(**accounts.pop("ids"))
    client.headers.pop("Authorization", None)
    anonymous = client.get(path, follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login?next=")
    for role, username in accounts.items():
        page_login(client, username)
        answer = client.get(path)
        if role in allowed:
            assert answer.status_code == 200, (role, path, answer.text[-500:])
            assert answer.headers["content-type"].startswith("text/html")
        else:
            assert answer.status_code == 403, (role, path)
            assert "无权查看此页面" in answer.text and "Traceback" not in answer.text


@pytest.mark.parametrize("path", DOWNLOADS)
def test_each_download_with_the_page_session_per_role(client, accounts, path):
    """The API's routes want a bearer token; these answer the office's page session, and no other role's (the
    API's rule: documents and spreadsheets are the office's; an expert's own certificate is on the expert's pages)."""
    path = path.format(**accounts.pop("ids"))
    client.headers.pop("Authorization", None)
    anonymous = client.get(path, follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login?next=")
    for role, username in accounts.items():
        page_login(client, username)
        answer = client.get(path)
        if role == "office":
            assert answer.status_code == 200, (path, answer.text[-300:])
            assert not answer.headers["content-type"].startswith("application/json")
        else:
            assert answer.status_code == 403 and "无权查看此页面" in answer.text, (role, path)


def test_a_form_without_its_csrf_token_is_refused(client, accounts):
    page_login(client, "office")
    answer = client.post("/logout", data={})
    assert answer.status_code == 403 and "CSRF" in answer.text and "未作任何更改" in answer.text
    assert client.get("/office").status_code == 200  # still logged in: nothing happened
    assert client.post("/logout", data={}, headers={"X-CSRFToken": "forged"}).status_code == 403
    for path in ("/office/records/dismissal", "/office/records/discredit", "/office/relations", "/office/policy",
                 "/office/imports/experts", "/office/chain/verification"):
        refused = client.post(path, data={"expert_id": "1"})
        assert refused.status_code == 403 and "CSRF" in refused.text, path


def test_log_out_ends_the_session_at_once(client, accounts):
    page_login(client, "office")
    token = client.cookies.get("session")
    answer = post_form(client, "/logout", {}, page="/office", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/login"
    client.cookies.set("session", token)  # the old cookie replayed: the token was revoked
    assert client.get("/office", follow_redirects=False).status_code == 303


def test_the_api_keeps_bearer_tokens_and_json_without_csrf(client, accounts):
    assert client.get("/api/v1/auth/me").json()["role"] == "office"  # the fixture's bearer token
    client.headers.pop("Authorization", None)
    page_login(client, "office")
    answer = client.get("/api/v1/auth/me")  # the session cookie is not a bearer token
    assert answer.status_code == 401 and answer.headers["content-type"].startswith("application/json")


def test_an_error_page_is_chinese_without_a_traceback(client, accounts):
    page_login(client, "office")
    answer = client.get("/office/no-such-page")
    assert answer.status_code == 404 and answer.headers["content-type"].startswith("text/html")
    assert "找不到" in answer.text and "Traceback" not in answer.text
    htmx = client.get("/office/no-such-page", headers={"HX-Request": "true"})
    assert htmx.status_code == 404 and htmx.headers["HX-Retarget"] == "#messages" and "找不到" in htmx.text


def test_a_flash_message_is_shown_once_after_a_redirect(client, accounts):
    page_login(client, "office")
    post_form(client, "/logout", {}, page="/office", follow_redirects=False)
    assert "已退出登录" in client.get("/login").text
    assert "已退出登录" not in client.get("/login").text
