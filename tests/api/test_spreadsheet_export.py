"""Templates and exports (issue 16): the expert template opens with openpyxl, with its drop-down lists and the ID
and phone columns as text; the pool list exports with the same filters as GET /experts (personal data masked,
R-REC-4), read back with python-calamine."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from tests.builders import create_institution, expert_payload
from tests.support.app import add_account, login

API = "/api/v1"


def sheet_rows(content: bytes, index: int = 0) -> list[list]:
    return CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(index).to_python()


def test_expert_template_has_headers_drop_downs_and_text_id_columns(client):
    response = client.get(f"{API}/imports/templates/experts.xlsx")
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook["专家"]
    headers = [c.value for c in sheet[1]]
    assert headers[:4] == ["姓名", "性别", "身份证号", "手机"] and "所属子库" in headers and "专业" in headers
    letter = {h: sheet.cell(row=1, column=n).column_letter for n, h in enumerate(headers, start=1)}
    validations = {str(v.sqref).split(":")[0]: v for v in sheet.data_validations.dataValidation}
    assert {letter[h] + "2" for h in ("性别", "来源类别", "专业", "所属子库")} <= set(validations)
    assert all(v.type == "list" for v in validations.values())
    options = workbook["可选值"]
    listed = {options.cell(row=1, column=n).value: [options.cell(row=r, column=n).value for r in range(2, 60)]
              for n in range(1, 5)}
    assert listed["性别"][:2] == ["男", "女"] and "法律实务" in listed["来源类别"]
    assert "行政法" in listed["专业"] and "法律" in listed["所属子库"] and "行政法" not in listed["所属子库"]
    gender_source = validations[letter["性别"] + "2"].formula1
    assert "可选值" in gender_source
    assert sheet[f"{letter['身份证号']}2"].number_format == "@" and sheet[f"{letter['手机']}2"].number_format == "@"


def test_institution_template_offers_the_kinds(client):
    response = client.get(f"{API}/imports/templates/institutions.xlsx")
    workbook = load_workbook(io.BytesIO(response.content))
    assert [c.value for c in workbook["机构"][1]][:3] == ["机构名称", "机构类型", "统一社会信用代码"]
    assert workbook["机构"].data_validations.dataValidation[0].type == "list"
    assert workbook["机构"]["C2"].number_format == "@"


def test_a_filled_template_imports(client):
    workbook = load_workbook(io.BytesIO(client.get(f"{API}/imports/templates/experts.xlsx").content))
    sheet = workbook["专家"]
    headers = [c.value for c in sheet[1]]
    body = expert_payload()
    values = {"姓名": "模板专家", "性别": "男", "身份证号": body["id_number"], "手机": body["phone"], "专业": "金融",
              "来源类别": "企业"}
    for n, header in enumerate(headers, start=1):
        if header in values:
            sheet.cell(row=2, column=n, value=values[header])
    out = io.BytesIO()
    workbook.save(out)
    response = client.post(f"{API}/imports/experts", files={"file": ("模板.xlsx", out.getvalue())})
    assert response.status_code == 201, response.text
    assert (response.json()["total"], response.json()["accepted"]) == (1, 1)


def test_pool_list_exports_with_the_filters_of_the_list_masked_R_REC_4(client):
    law = client.post(f"{API}/experts", json=expert_payload(name="法律专家", specialties=["LAW.ADMIN"])).json()
    econ = client.post(f"{API}/experts", json=expert_payload(name="经济专家", specialties=["ECON.FINANCE"],
                                                             sector="enterprise")).json()
    response = client.get(f"{API}/exports/experts.xlsx", params={"specialty": "LAW"})
    assert response.status_code == 200
    rows = sheet_rows(response.content)
    assert rows[0][:4] == ["编号", "姓名", "性别", "身份证号（脱敏）"]
    assert [int(r[0]) for r in rows[1:]] == [law["id"]]
    assert rows[1][1] == "法律专家" and rows[1][9] == "行政法" and "*" in rows[1][3] and "*" in rows[1][4]
    by_sector = sheet_rows(client.get(f"{API}/exports/experts.xlsx", params={"sector": "enterprise"}).content)
    assert [int(r[0]) for r in by_sector[1:]] == [econ["id"]] and by_sector[1][8] == "企业"
    everyone = sheet_rows(client.get(f"{API}/exports/experts.xlsx").content)
    assert {int(r[0]) for r in everyone[1:]} == {law["id"], econ["id"]}
    unknown = client.get(f"{API}/exports/experts.xlsx", params={"specialty": "NOPE"})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["rule_id"] == "R-POOL-1"


def test_exports_and_templates_are_the_offices(client):
    add_account("auditor1", "auditor")
    add_account("unit1", "unit", unit_id=create_institution(client, kind="government_body")["id"])
    office = client.headers["Authorization"]
    try:
        login(client, "unit1")
        assert client.get(f"{API}/exports/experts.xlsx").status_code == 403
        assert client.get(f"{API}/imports/templates/experts.xlsx").status_code == 403
        login(client, "auditor1")
        assert client.get(f"{API}/exports/experts.xlsx").status_code == 200
    finally:
        client.headers["Authorization"] = office


def test_an_items_panels_export_with_members_chances_and_exclusions_R_PANEL_2(client, pool):
    from tests.api.test_conflicts_api import make_item
    from tests.support.panels import exclusions_of, post_request

    unit = create_institution(client, name="市交通运输局", kind="government_body")
    item = make_item(client, drafting_unit_id=unit["id"])
    view = post_request(client, item)
    assert view.status_code == 201, view.text
    panel = view.json()["panel"]
    response = client.get(f"{API}/exports/items/{item['id']}/panels.xlsx")
    assert response.status_code == 200
    requests, members, exclusions = (sheet_rows(response.content, n) for n in range(3))
    assert requests[0][0] == "申请编号" and [int(r[0]) for r in requests[1:]] == [view.json()["id"]]
    assert requests[1][1] == "专家论证"
    assert {int(r[4]) for r in members[1:]} == {m["subject"]["id"] for m in panel["members"]}
    assert all(0 < float(r[6]) <= 1 for r in members[1:]) and members[1][10] == panel["seed"]
    listed = exclusions_of(client, view.json())  # issue 17: every row of the exclusion table, with its rule ids
    assert listed and len(exclusions) - 1 == len(listed) == panel["exclusions_summary"]["total"]
    assert exclusions[1][7] == "、".join(r["rule_id"] for r in listed[0]["reasons"])
    assert {r[7] for r in exclusions[1:]} >= {"R-POOL-4"}  # the outsider: no term (R-POOL-4)
    assert client.get(f"{API}/exports/items/999999/panels.xlsx").status_code == 404


def test_annual_review_results_export_R_POOL_6(client, pool):
    expert = pool["experts"][0]
    review = client.post(f"{API}/experts/{expert['expert_id']}/annual-reviews",
                         json={"year": 2026, "review_date": "2026-11-24"})
    assert review.status_code == 201, review.text
    rows = sheet_rows(client.get(f"{API}/exports/annual-reviews.xlsx", params={"year": 2026}).content)
    assert rows[0][:4] == ["考核编号", "年度", "专家编号", "姓名"]
    assert [(int(r[0]), int(r[2]), r[8]) for r in rows[1:]] == [(review.json()["id"], expert["expert_id"], "待决定")]
    assert rows[1][6] == review.json()["proposal_label"]
    assert len(sheet_rows(client.get(f"{API}/exports/annual-reviews.xlsx", params={"year": 2025}).content)) == 1
