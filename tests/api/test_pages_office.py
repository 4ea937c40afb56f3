"""The office's and the auditor's pages (issue 15) over the same services as the API: the recruitment
pipeline step by step (only the allowed next steps offered, R-POOL-2), refusals beside their field, the
expert search (pinyin, initials), the pool's charts, annual reviews decided with a reason (R-POOL-6), and the
auditor's verification of a panel (R-PANEL-2), chain state (R-REC-2)."""

from __future__ import annotations

import json
import re

from tests.api.test_conflicts_api import make_item
from tests.builders import LETTER_COMMITMENTS, appoint_expert, citizen_id
from tests.support.app import add_account
from tests.support.pages import page_login, post_form
from tests.support.panels import post_request


def _office(client):
    page_login(client, "office")


def test_recruitment_from_a_call_to_an_eligible_expert_R_POOL_2(client):
    _office(client)
    call = post_form(client, "/office/recruitment/calls", {
        "title": "2026年度论证专家公开遴选", "specialty_codes": ["LAW"], "opens_on": "2026-11-01",
        "closes_on": "2026-12-31"}, page="/office/recruitment")
    assert call.status_code == 200 and "遴选公告已发布" in call.text
    call_path = str(call.url.path)
    application = post_form(client, f"{call_path}/applications", {
        "name": "龚宣", "gender": "male", "id_number": citizen_id(), "phone": "13800001111", "sector": "academia",
        "specialties": ["LAW.ADMIN"], "employer_name": "浙江大学"}, page=call_path)
    assert application.status_code == 200 and "报名已登记" in application.text
    app_path = str(application.url.path)
    assert 'id="qualification-review"' in application.text and 'id="appointment"' not in application.text
    out_of_order = post_form(client, f"{app_path}/appointment", {"start": "2026-12-01", "end": "2029-11-30",
                                                                 "certificate_no": "聘字1"}, page=app_path)
    assert out_of_order.status_code == 409 and "R-POOL-2" in out_of_order.text
    conditions = ["political_reliability", "academic_standing", "practical_experience", "credibility",
                  "time_and_willingness"]
    reviewed = post_form(client, f"{app_path}/qualification-review", {f"met_{c}": "on" for c in conditions},
                         page=app_path)
    assert "资格审查通过" in reviewed.text and 'id="collective-decision"' in reviewed.text
    decided = post_form(client, f"{app_path}/collective-decision", {"approved": "yes", "meeting_on": "2026-11-20"},
                        page=app_path)
    assert "集体讨论通过" in decided.text and 'id="appointment"' in decided.text
    too_long = post_form(client, f"{app_path}/appointment", {"start": "2026-12-01", "end": "2030-12-31",
                                                             "certificate_no": "聘字1"}, page=app_path)
    assert too_long.status_code == 422 and "R-POOL-4" in too_long.text and "Traceback" not in too_long.text
    appointed = post_form(client, f"{app_path}/appointment", {"start": "2026-11-01", "end": "2029-10-31",
                                                              "certificate_no": "聘字1"}, page=app_path)
    assert "已聘任" in appointed.text and "报名已办结" in appointed.text
    expert_id = int(re.search(r'/office/experts/(\d+)" id="expert-link"', appointed.text).group(1))
    expert = client.get(f"/api/v1/experts/{expert_id}", headers={"Authorization": _bearer(client)}).json()
    expert_page = client.get(f"/office/experts/{expert_id}")
    assert "龚宣" in expert_page.text and "聘字1" in expert_page.text and "2029年10月31日" in expert_page.text
    assert "暂不可抽取" in expert_page.text  # the commitment letter is not signed yet (R-DUTY-1)
    _sign(client, expert_id, expert["terms"][0]["id"])
    assert "可抽取" in client.get(f"/office/experts/{expert_id}").text.split('id="eligibility"')[1][:200]


def _bearer(client) -> str:
    token = client.post("/api/v1/auth/login", json={"username": "office", "password": "correct horse battery staple"})
    return f"Bearer {token.json()['token']}"


def _sign(client, expert_id: int, term_id: int) -> None:
    signed = client.post(f"/api/v1/experts/{expert_id}/commitment-letters", headers={"Authorization": _bearer(client)},
                         json={"term_id": term_id, "text_version": "NMG-E-2020", "commitments": LETTER_COMMITMENTS,
                               "signed_on": "2026-11-01"})
    assert signed.status_code == 201, signed.text


def test_a_refused_form_keeps_what_was_typed_and_says_why_beside_the_field(client):
    _office(client)
    answer = post_form(client, "/office/recruitment/calls", {"title": "遴选", "specialty_codes": ["LAW"],
                                                             "opens_on": "2026-11-01", "closes_on": "not a date"},
                       page="/office/recruitment")
    assert answer.status_code == 422
    assert 'data-field="closes_on"' in answer.text and 'value="遴选"' in answer.text


def test_experts_are_found_by_pinyin_initials_and_traditional_characters(client):
    appoint_expert(client, name="龚宣")
    appoint_expert(client, name="李明")
    _office(client)
    for query in ("q=gongxuan", "q=gx", "q=龔宣"):
        page = client.get(f"/office/experts?{query}")
        assert page.status_code == 200 and "龚宣" in page.text and "李明" not in page.text, query
    assert "共 2 名专家" in client.get("/office/experts").text
    assert "共 2 名专家" in client.get("/office/experts?status=eligible").text
    assert "共 0 名专家" in client.get("/office/experts?status=ineligible").text
    unknown = client.get("/office/experts?specialty=NOPE")
    assert unknown.status_code == 200 and "未知的专业代码" in unknown.text
    paged = client.get("/office/experts?limit=1")
    assert "下一页" in paged.text and "第 1–1 条，共 2 条" in paged.text


def test_the_pool_charts_get_their_options_from_the_server(client):
    appoint_expert(client, region="宁波市")
    _office(client)
    page = client.get("/office/pool")
    options = re.findall(r'<script type="application/json" id="options-(\w+)">(.*?)</script>', page.text, re.S)
    charts = {name: json.loads(body) for name, body in options}
    assert set(charts) == {"subpool", "sector", "region"}
    assert charts["region"]["xAxis"]["data"] == ["宁波市"] and charts["region"]["series"][0]["data"] == [1]
    assert "/static/vendor/echarts-5.6.0.min.js" in page.text


def test_an_annual_review_is_decided_with_its_reason_R_POOL_6(client):
    expert_id = appoint_expert(client)["expert_id"]
    review = client.post(f"/api/v1/experts/{expert_id}/annual-reviews",
                         json={"year": 2026, "review_date": "2026-11-24"})
    assert review.status_code == 201
    _office(client)
    home = client.get("/office")
    assert "待决定的年度考核（1）" in home.text and "尚未进行全量校验" in home.text
    page = client.get("/office/reviews")
    assert f'/office/reviews/{expert_id}/{review.json()["id"]}/decision' in page.text
    path = f"/office/reviews/{expert_id}/{review.json()['id']}/decision"
    missing = post_form(client, path, {"decision": "keep"}, page="/office/reviews")
    assert missing.status_code == 422 and 'data-field="decided_on"' in missing.text
    done = post_form(client, path, {"decision": review.json()["proposal"], "decided_on": "2026-11-25",
                                    "note": "参与论证积极，意见可靠"}, page="/office/reviews")
    assert done.status_code == 200 and "考核决定已记录" in done.text
    decided = client.get("/office/reviews?status=decided")
    assert "参与论证积极，意见可靠" in decided.text and "2026年11月25日" in decided.text


def test_the_auditor_verifies_a_panel_and_the_verification_is_recorded_R_PANEL_2(client, pool):
    item = make_item(client)
    view = post_request(client, item, balance={}).json()
    panel_id = client.get(f"/api/v1/panel-requests/{view['id']}/panels").json()[0]["id"]
    add_account("auditor1", "auditor")
    page_login(client, "auditor1")
    home = client.get("/auditor")
    assert f'/auditor/panels/{panel_id}' in home.text
    verified = client.get(f"/auditor/panels/{panel_id}")
    assert verified.status_code == 200 and "核验通过" in verified.text
    record = client.get(f"/auditor/record?subject=panel:{panel_id}")
    assert "GET /auditor/panels/{panel_id}" in record.text and "auditor:auditor1" in record.text
    assert "完好" in client.get("/auditor/chain").text
    missing = client.get("/auditor/panels/999999")
    assert missing.status_code == 404 and "Traceback" not in missing.text
