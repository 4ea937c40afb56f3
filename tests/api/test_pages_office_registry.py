"""The office's pages for dismissals and discredit records (R-POOL-5, R-POOL-7, R-POOL-8), the evaluator pool, relations
and the conflict policy (R-COI-*), documents, exports and imports (issue 15 over issue 16's services), and the home
page's chain state (R-REC-1): same services as the API, Chinese, refusals beside their field, CSRF on every form."""

from __future__ import annotations

import asyncio
import io
import re

from openpyxl import Workbook, load_workbook
from pypdf import PdfReader

from accounts.tables import AuditEvent
from spreadsheets.tables import ImportJob
from tests.api.test_spreadsheet_import import HEADER, person_id
from tests.builders import appoint_expert, create_institution
from tests.support.pages import page_login, post_form

API = "/api/v1"


def _office(client):
    page_login(client, "office")


def test_an_expert_is_dismissed_from_the_page_with_a_ground_and_its_rule_R_POOL_5(client):
    expert_id = appoint_expert(client, name="龚宣")["expert_id"]
    _office(client)
    expert = client.get(f"/office/experts/{expert_id}")
    assert f'/office/records?expert_id={expert_id}#dismiss' in expert.text
    page = client.get(f"/office/records?expert_id={expert_id}")
    assert page.status_code == 200 and "解聘与失信记录" in page.text and f'value="{expert_id}"' in page.text
    blank = post_form(client, "/office/records/dismissal", {"expert_id": str(expert_id), "reason_code": "4",
                                                            "effective_on": "2026-11-25"}, page="/office/records")
    assert blank.status_code in (400, 422) and 'data-field="explanation"' in blank.text
    bad_breach = post_form(client, "/office/records/dismissal", {
        "expert_id": str(expert_id), "reason_code": "4", "duty_breach": "confidentiality_breach",
        "explanation": "年度考核不称职", "effective_on": "2026-11-25"}, page="/office/records")
    assert bad_breach.status_code == 422 and 'data-field="duty_breach"' in bad_breach.text
    assert "R-DUTY-2" in bad_breach.text and "年度考核不称职" in bad_breach.text  # what was typed is kept
    done = post_form(client, "/office/records/dismissal", {
        "expert_id": str(expert_id), "reason_code": "4", "explanation": "年度考核不称职",
        "effective_on": "2026-11-25"}, page="/office/records")
    assert done.status_code == 200 and "已解聘" in done.text
    listed = done.text.split('id="dismissal-list"')[1].split("</section>")[0]
    assert "龚宣" in listed and "经考核不称职" in listed and "R-POOL-5" in listed and "2026年11月25日" in listed
    api = client.get(f"{API}/dismissals", params={"expert_id": expert_id},
                     headers={"Authorization": _bearer(client)}).json()
    assert api["total"] == 1 and api["items"][0]["explanation"] == "年度考核不称职"  # the same service's record
    again = post_form(client, "/office/records/dismissal", {
        "expert_id": str(expert_id), "reason_code": "6", "explanation": "本人申请", "effective_on": "2026-11-26"},
        page="/office/records")
    assert again.status_code == 409 and 'data-field="expert_id"' in again.text and "已解聘" in again.text


def test_discredit_records_of_an_expert_and_an_institution_with_their_rules_R_POOL_7_R_POOL_8(client):
    expert_id = appoint_expert(client)["expert_id"]
    body = create_institution(client, name="华东评估咨询有限公司", kind="consultancy")
    _office(client)
    missing_id = post_form(client, "/office/records/discredit", {"subject_kind": "expert", "kind": "fraud",
                                                                 "facts": "伪造学历证明", "recorded_on": "2026-11-25"},
                           page="/office/records")
    assert missing_id.status_code == 422 and 'data-field="subject_id"' in missing_id.text
    nobody = post_form(client, "/office/records/discredit", {"subject_kind": "expert", "subject_id": "999999",
                                                             "kind": "fraud", "facts": "伪造学历证明",
                                                             "recorded_on": "2026-11-25"}, page="/office/records")
    assert nobody.status_code == 404 and "Traceback" not in nobody.text
    expert = post_form(client, "/office/records/discredit", {"subject_kind": "expert", "subject_id": str(expert_id),
                                                             "kind": "fraud", "facts": "伪造学历证明",
                                                             "recorded_on": "2026-11-25"}, page="/office/records")
    assert expert.status_code == 200 and "失信记录已登记" in expert.text
    # R-POOL-7: the appointment ends with a code-1 dismissal filed with the record
    assert "违反本办法规定" in expert.text and "R-POOL-7" in expert.text
    institution = post_form(client, "/office/records/discredit", {
        "subject_kind": "institution", "subject_id": str(body["id"]), "kind": "evaluation_cheating",
        "facts": "评估报告数据造假", "recorded_on": "2026-11-25"}, page="/office/records")
    assert institution.status_code == 200 and "华东评估咨询有限公司" in institution.text
    assert "R-POOL-8" in institution.text
    both = client.get("/office/records").text.split('id="discredit-list"')[1].split("</section>")[0]
    assert "伪造学历证明" in both and "评估报告数据造假" in both
    only = client.get("/office/records?subject=institution").text.split('id="discredit-list"')[1]
    assert "评估报告数据造假" in only.split("</section>")[0] and "伪造学历证明" not in only.split("</section>")[0]
    standing = client.get(f"/office/institutions/{body['id']}")
    assert "已列入失信名单" in standing.text and "不可受委托" in standing.text and "评估报告数据造假" in standing.text


def test_the_evaluator_pool_lists_institutions_with_membership_and_standing_R_POOL_8(client):
    member = create_institution(client, name="浙江省发展规划研究院", kind="research_institute", region="杭州市")
    admitted = client.post(f"{API}/institutions/{member['id']}/evaluator-pool", json={
        "qualifications": ["工程咨询甲级"],
        "staff_competences": ["law", "policy", "administration", "evaluation_methods"],
        "has_facilities": True})
    assert admitted.status_code == 201, admitted.text
    other = create_institution(client, name="某某律师事务所", kind="law_firm")
    expert = appoint_expert(client, name="龚宣")
    client.post(f"{API}/relations", json={"kind": "employed_by", "source": {"kind": "expert", "id":
                expert["expert_id"]}, "target": {"kind": "institution", "id": member["id"]}, "role": "研究员"})
    _office(client)
    listed = client.get("/office/institutions")
    assert listed.status_code == 200 and "第三方评估机构库" in listed.text
    assert "浙江省发展规划研究院" in listed.text and "某某律师事务所" in listed.text
    in_pool = client.get("/office/institutions?pool=in").text.split('id="institutions"')[1]
    assert "浙江省发展规划研究院" in in_pool and "某某律师事务所" not in in_pool and "在库" in in_pool
    found = client.get("/office/institutions", params={"q": "律师"}).text.split('id="institutions"')[1]
    assert "某某律师事务所" in found and "浙江省发展规划研究院" not in found
    page = client.get(f"/office/institutions/{member['id']}")
    assert page.status_code == 200 and "可受委托开展评估" in page.text and "信用良好" in page.text
    assert "准予入库" in page.text and "工程咨询甲级" in page.text
    employees = page.text.split('id="employees"')[1].split("</section>")[0]
    assert "龚宣" in employees and "研究员" in employees
    assert client.get(f"/office/institutions/{other['id']}").status_code == 200
    assert client.get("/office/institutions/999999").status_code == 404


def test_a_relation_is_entered_from_the_page_through_the_same_checks(client):
    expert_id = appoint_expert(client, name="龚宣")["expert_id"]
    body = create_institution(client, name="杭州市地铁集团有限公司", kind="enterprise")
    _office(client)
    page = client.get(f"/office/relations?node_kind=expert&node_id={expert_id}")
    assert page.status_code == 200 and "登记关系" in page.text
    bad = post_form(client, "/office/relations", {"source_kind": "expert", "source_id": "abc",
                                                  "kind": "shareholder_of", "target_kind": "institution",
                                                  "target_id": str(body["id"])}, page="/office/relations")
    assert bad.status_code in (400, 422) and 'data-field="source.id"' in bad.text
    unknown = post_form(client, "/office/relations", {"source_kind": "expert", "source_id": "999999",
                                                      "kind": "shareholder_of", "target_kind": "institution",
                                                      "target_id": str(body["id"])}, page="/office/relations")
    assert unknown.status_code in (404, 422) and "Traceback" not in unknown.text
    assert 'class="form-errors"' in unknown.text
    done = post_form(client, "/office/relations", {"source_kind": "expert", "source_id": str(expert_id),
                                                   "kind": "shareholder_of", "target_kind": "institution",
                                                   "target_id": str(body["id"]), "role": "股东",
                                                   "start": "2020-01-01"}, page="/office/relations")
    assert done.status_code == 200 and "关系已登记" in done.text
    rows = done.text.split('id="relations"')[1].split("</table>")[0]
    assert "龚宣" in rows and "持股" in rows and "杭州市地铁集团有限公司" in rows and "office" in client.get(
        f"{API}/relations", params={"node_kind": "expert", "node_id": expert_id},
        headers={"Authorization": _bearer(client)}).json()["items"][0]["origin"]
    by_kind = client.get("/office/relations?kind=relative_of").text.split('id="relations"')[1].split("</table>")[0]
    assert "杭州市地铁集团有限公司" not in by_kind


def test_the_conflict_policy_and_a_new_version_from_the_page_R_COI_1(client):
    _office(client)
    page = client.get("/office/policy")
    assert page.status_code == 200 and "现行规则：第 1 版" in page.text and "R-COI-1" in page.text
    assert "利害关系" in page.text and "默认策略" in page.text
    bad = post_form(client, "/office/policy", {"hierarchy_hops": "9", "reason": "调整追溯层级"}, page="/office/policy")
    assert bad.status_code == 422 and 'data-field="hierarchy_hops"' in bad.text
    no_json = post_form(client, "/office/policy", {"rules": "[{", "reason": "调整"}, page="/office/policy")
    assert no_json.status_code == 422 and 'data-field="rules"' in no_json.text
    done = post_form(client, "/office/policy", {"hierarchy_hops": "2", "reason": "按市政府要求追溯两级"},
                     page="/office/policy")
    assert done.status_code == 200 and "回避规则第 2 版已生效" in done.text and 'id="hops">2<' in done.text
    assert "按市政府要求追溯两级" in done.text.split('id="versions"')[1]
    assert client.get(f"{API}/conflict-policy", headers={"Authorization": _bearer(client)}).json()["version"] == 2


def test_certificate_and_letter_pdfs_from_the_expert_page_with_the_page_session_R_POOL_4_R_DUTY_1(client):
    appointed = appoint_expert(client, name="龚宣")
    expert_id, term_id = appointed["expert_id"], appointed["term_id"]
    letter_id = client.get(f"{API}/experts/{expert_id}/commitment-letters").json()["items"][0]["id"]
    _office(client)
    page = client.get(f"/office/experts/{expert_id}").text
    certificate = f"/office/experts/{expert_id}/terms/{term_id}/certificate.pdf"
    letter = f"/office/experts/{expert_id}/commitment-letters/{letter_id}/letter.pdf"
    assert certificate in page and letter in page
    for path, words in ((certificate, "聘书"), (letter, "承诺")):
        answer = client.get(path)
        assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/pdf")
        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(answer.content)).pages)
        assert "龚宣" in text and words in text
    assert client.get(f"/office/experts/{expert_id}/terms/{term_id + 999}/certificate.pdf").status_code == 404


def test_the_experts_list_and_the_annual_reviews_export_to_excel(client):
    appoint_expert(client, name="龚宣", region="宁波市")
    appoint_expert(client, name="李明", region="温州市")
    _office(client)
    page = client.get("/office/experts?region=宁波市")
    link = re.search(r'href="(/office/experts\.xlsx\?[^"]*)" id="export-xlsx"', page.text).group(1)
    answer = client.get(link.replace("&amp;", "&"))
    assert answer.status_code == 200 and "attachment" in answer.headers["content-disposition"]
    cells = [str(c) for row in load_workbook(io.BytesIO(answer.content)).active.iter_rows(values_only=True)
             for c in row]
    assert "龚宣" in cells and "李明" not in cells  # the page's filter
    reviews = client.get("/office/reviews")
    assert "/office/reviews.xlsx" in reviews.text
    export = client.get("/office/reviews.xlsx?status=decided")
    assert export.status_code == 200 and export.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def _experts_xlsx(rows: list[list]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_an_import_from_the_page_shows_progress_and_its_per_row_report(client):
    _office(client)
    page = client.get("/office/imports")
    assert page.status_code == 200 and "批量导入" in page.text and 'enctype="multipart/form-data"' in page.text
    template = client.get("/office/imports/templates/experts.xlsx")
    assert template.status_code == 200 and "attachment" in template.headers["content-disposition"]
    assert client.get("/office/imports/templates/relations.xlsx").status_code == 200
    assert client.get("/office/imports/templates/nothing.xlsx").status_code == 404
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)
    empty = client.post("/office/imports/experts", data={"_csrf_token": token})
    assert empty.status_code == 422 and 'data-field="file"' in empty.text
    content = _experts_xlsx([
        [1, "龚宣", "男", person_id(1), "13800001111", "", "浙江大学", "教授", "行政法", "", "高校及科研院所",
         "2026-01-01", "2028-12-31", "聘字1"],
        [2, "李明", "男", "330106197001010000", "13800001112", "", "浙江大学", "教授", "行政法", "",
         "高校及科研院所", "2026-01-01", "2028-12-31", "聘字2"]])
    no_token = client.post("/office/imports/experts", files={"file": ("专家名单.xlsx", content)})
    assert no_token.status_code == 403  # CSRF on the upload form too
    done = client.post("/office/imports/experts", data={"_csrf_token": token},
                       files={"file": ("专家名单.xlsx", content)})
    assert done.status_code == 200 and "已处理 2 / 2 行" in done.text
    job_path = str(done.url.path)
    rows = done.text.split('id="report-rows"')[1].split("</table>")[0]
    assert "龚宣" in rows and "已导入" in rows and "未导入" in rows and "身份证号" in rows
    progress = client.get(f"{job_path}/progress", headers={"HX-Request": "true"})
    assert "已处理 2 / 2 行" in progress.text and progress.headers.get("HX-Refresh") == "true"
    assert "hx-trigger" not in progress.text  # a finished job is no longer polled
    report = client.get(f"{job_path}/report.xlsx")
    assert report.status_code == 200
    values = [str(c) for row in load_workbook(io.BytesIO(report.content)).active.iter_rows(values_only=True)
              for c in row]
    assert "龚宣" in values and "李明" in " ".join(values)
    assert job_path in client.get("/office/imports").text


def test_a_running_import_is_polled_until_it_ends(client):
    async def running() -> int:
        job = ImportJob(kind="expert", filename="大文件.xlsx", sha256="0" * 64, status="running", total=1000,
                        rows_done=250, created_by="office")
        await job.save()
        return job.id

    job_id = asyncio.run(running())
    _office(client)
    page = client.get(f"/office/imports/{job_id}")
    assert "已处理 250 / 1000 行" in page.text and f'hx-get="/office/imports/{job_id}/progress"' in page.text
    assert 'hx-trigger="every 1s"' in page.text and 'id="report"' not in page.text
    polled = client.get(f"/office/imports/{job_id}/progress", headers={"HX-Request": "true"})
    assert "HX-Refresh" not in polled.headers and "hx-trigger" in polled.text


def test_the_home_answers_from_the_last_full_verification_and_says_what_was_checked_R_REC_1(client):
    appoint_expert(client)
    _office(client)
    home = client.get("/office")
    assert "尚未进行全量校验" in home.text and 'action="/office/chain/verification"' in home.text
    done = post_form(client, "/office/chain/verification", {}, page="/office")
    assert done.status_code == 200 and "全量校验通过" in done.text
    state = done.text.split('id="chain"')[1].split("</section>")[0]
    assert "全量校验第 1–" in state and "哈希链、受保护数据行、锚点" in state and "完好" in state
    client.headers["Authorization"] = _bearer(client)  # the API beside the page session
    appoint_expert(client)  # more events after the verification
    later = client.get("/office").text.split('id="chain"')[1].split("</section>")[0]
    assert re.search(r"此后新增 \d+ 条记录：本次打开时已校验其哈希链衔接完好", later)
    assert "需全量校验" in later


def test_a_broken_link_after_the_verification_is_named_on_the_home_R_REC_1(client):
    appoint_expert(client)
    _office(client)
    post_form(client, "/office/chain/verification", {}, page="/office")
    client.headers["Authorization"] = _bearer(client)
    appoint_expert(client)

    async def tamper() -> int:
        last = await AuditEvent.select(AuditEvent.seq).order_by(AuditEvent.seq, ascending=False).first()
        assert last is not None
        await AuditEvent.update({AuditEvent.reason: "改过"}).where(AuditEvent.seq == last["seq"])
        return last["seq"]

    seq = asyncio.run(tamper())
    state = client.get("/office").text.split('id="chain"')[1].split("</section>")[0]
    assert f"第 {seq} 条 写入后内容被改动" in state and 'class="bad"' in state


def _bearer(client) -> str:
    token = client.post("/api/v1/auth/login", json={"username": "office", "password": "correct horse battery staple"})
    return f"Bearer {token.json()['token']}"
