"""Importing experts and institutions from an office's spreadsheet (issue 16): every row through the registry's
own checks (R-POOL-1 specialties, R-POOL-4 terms, ID number and credit code check digits, phone), a per-row
report (accepted / rejected with column and reason / already registered / likely duplicate left for a person),
the same file twice adds nothing; XLSX and CSV in GB18030 or UTF-8 with a BOM; large files in the background."""

from __future__ import annotations

import base64
import io
import time
from datetime import date

import pytest
from openpyxl import Workbook
from python_calamine import CalamineWorkbook

from registry.domain.identifiers import make_citizen_id
from spreadsheets.services import imports
from tests.builders import create_institution, expert_payload, uscc
from tests.support.app import add_account, login

API = "/api/v1"
HEADER = ["序号", "姓名", "性别", "身份证号", "手机", "电子邮箱", "工作单位", "职称", "专业", "所属子库", "来源类别",
          "聘期开始", "聘期结束", "聘书编号"]


def person_id(n: int, male: bool = True) -> str:
    return make_citizen_id("330106", date(1970, 1, 1 + n % 28), 500 + n, male)


def bad_check_digit(number: str) -> str:
    return number[:17] + ("0" if number[17] != "0" else "1")


def xlsx(rows: list[list]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    for line in sheet.iter_rows(min_row=2):  # ID and phone as text, as the template keeps them
        for cell in line:
            cell.number_format = "@"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def upload(client, content: bytes, filename: str = "专家名单.xlsx", kind: str = "experts", multipart: bool = False):
    if multipart:
        return client.post(f"{API}/imports/{kind}", files={"file": (filename, content)})
    return client.post(f"{API}/imports/{kind}",
                       json={"filename": filename, "content_base64": base64.b64encode(content).decode()})


def report(client, job_id: int) -> dict[int, dict]:
    page = client.get(f"{API}/imports/{job_id}/report", params={"limit": 500}).json()
    return {line["row_number"]: line for line in page["items"]}


def expert_total(client) -> int:
    return client.get(f"{API}/experts", params={"limit": 1}).json()["total"]


@pytest.fixture
def office_file(client):
    """An existing expert; a file with good rows, one row for each kind of error, the existing expert's ID number,
    a likely duplicate of them (same name and e-mail, another ID number) and a row repeating an ID number."""
    existing = client.post(f"{API}/experts", json=expert_payload(name="王建国", email="wangjg@zju.edu.cn")).json()
    good = person_id(1)
    rows = [
        [1, "李明", "男", good, "13800000001", "liming@example.cn", "浙江大学", "教授", "行政法", "法律",
         "高校及科研院所", "2026-01-01", "2028-12-31", "ZJ-2026-001"],
        [2, "赵一", "男", bad_check_digit(person_id(2)), "13800000002", "", "", "", "行政法", "", "企业", "", "", ""],
        [3, "钱二", "男", person_id(3), "1380000", "", "", "", "行政法", "", "企业", "", "", ""],
        [4, "孙三", "男", person_id(4), "13800000004", "", "", "", "天文学", "", "企业", "", "", ""],
        [5, "周四", "男", person_id(5), "13800000005", "", "", "", "金融", "", "企业", "2026-01-01", "2029-12-31", ""],
        [6, "吴五", "男", person_id(6, male=False), "13800000006", "", "", "", "金融", "", "企业", "", "", ""],
        [7, "郑六", "男", "", "13800000007", "", "", "", "金融", "", "企业", "", "", ""],
        [8, "王建国", "男", person_id(8), "13800000008", "wangjg@zju.edu.cn", "", "", "金融", "", "高校及科研院所", "",
         "", ""],
        [9, "李明明", "男", good, "13800000009", "", "", "", "金融", "", "企业", "", "", ""],
        [10, "冯七", "男", person_id(10), "13800000010", "", "", "", "金融", "", "外星人", "", "", ""],
        [None, None, None, None, None, None, None, None, None, None, None, None, None, None],
        [11, "陈红", "女", person_id(11, male=False), "13900000011", "", "杭州市律师协会", "律师", "民商法、行政法",
         "法律", "法律实务", "", "", ""],
    ]
    return {"existing": existing, "rows": rows}


def with_existing_id(client, office_file) -> bytes:
    """Row 7 carries the ID number of the expert registered before (the API masks it: registered again here)."""
    number = person_id(7)
    response = client.post(f"{API}/experts", json=expert_payload(name="郑六", id_number=number))
    assert response.status_code == 201, response.text
    office_file["rows"][6][3] = number
    office_file["registered"] = response.json()["id"]
    return xlsx(office_file["rows"])


def test_each_row_is_reported_accepted_rejected_existing_or_likely_duplicate_R_POOL_1_R_POOL_4(client, office_file):
    content = with_existing_id(client, office_file)
    before = expert_total(client)
    response = upload(client, content)
    assert response.status_code == 201, response.text
    job = response.json()
    assert (job["status"], job["total"], job["rows_done"]) == ("done", 11, 11)
    assert (job["accepted"], job["rejected"], job["duplicates"]) == (2, 7, 2)
    lines = report(client, job["id"])
    assert sorted(lines) == [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13]  # the blank row 12 is not a row of data
    assert {n: line["status"] for n, line in lines.items()} == {
        2: "accepted", 3: "rejected", 4: "rejected", 5: "rejected", 6: "rejected", 7: "rejected", 8: "existing",
        9: "possible_duplicate", 10: "rejected", 11: "rejected", 13: "accepted"}
    assert {n: line["column"] for n, line in lines.items() if line["status"] == "rejected"} == {
        3: "身份证号", 4: "手机", 5: "专业", 6: "聘期结束", 7: "性别", 10: "身份证号", 11: "来源类别"}
    assert "校验码" in lines[3]["reason"]
    assert lines[5]["rule_id"] == "R-POOL-1" and "天文学" in lines[5]["reason"]
    assert lines[6]["rule_id"] == "R-POOL-4" and "3 年" in lines[6]["reason"]
    assert "第 2 行" in lines[10]["reason"]
    assert lines[8]["record_id"] == office_file["registered"] and lines[8]["score"] == 100
    duplicate = lines[9]
    assert duplicate["other_id"] == office_file["existing"]["id"] and duplicate["score"] >= 80
    assert "待人工确认" in duplicate["reason"]
    assert expert_total(client) == before + 3  # two accepted and the likely duplicate, never merged
    flags = client.get(f"{API}/possible-duplicates", params={"kind": "expert"}).json()["items"]
    assert any({f["first_id"], f["second_id"]} == {duplicate["record_id"], office_file["existing"]["id"]}
               and f["status"] == "open" for f in flags)
    added = client.get(f"{API}/experts/{lines[2]['record_id']}").json()
    assert added["name"] == "李明" and added["specialties"] == ["LAW.ADMIN"] and added["sector"] == "academia"
    assert [(t["start"], t["end"], t["certificate_no"]) for t in added["terms"]] == [
        ("2026-01-01", "2028-12-31", "ZJ-2026-001")]
    assert added["employments"][0]["employer_name"] == "浙江大学"
    assert client.get(f"{API}/experts/{lines[13]['record_id']}").json()["specialties"] == ["LAW.CIVIL", "LAW.ADMIN"]
    rejected = client.get(f"{API}/imports/{job['id']}/report", params={"status": "rejected", "limit": 3}).json()
    assert rejected["total"] == 7 and len(rejected["items"]) == 3 and rejected["limit"] == 3


def test_the_same_file_twice_adds_nothing_the_second_time(client, office_file):
    content = with_existing_id(client, office_file)
    assert upload(client, content).status_code == 201
    after_first = expert_total(client)
    second = upload(client, content, multipart=True)
    assert second.status_code == 201, second.text
    job = second.json()
    assert (job["accepted"], job["rejected"], job["duplicates"]) == (0, 7, 4)
    assert expert_total(client) == after_first
    lines = report(client, job["id"])
    assert {n for n, line in lines.items() if line["status"] == "existing"} == {2, 8, 9, 13}
    assert "第 2 行" in lines[10]["reason"]  # a row repeating another row of the file, as the first time


def test_report_downloads_as_xlsx_read_back(client, office_file):
    job = upload(client, with_existing_id(client, office_file)).json()
    response = client.get(f"{API}/imports/{job['id']}/report.xlsx")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    rows = CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_index(0).to_python()
    assert rows[0][:5] == ["行号", "结果", "姓名/名称", "列", "原因"]
    assert len(rows) == 12
    by_row = {int(r[0]): r for r in rows[1:]}
    assert by_row[5][1] == "未导入" and by_row[5][3] == "专业" and by_row[5][5] == "R-POOL-1"
    assert by_row[2][1] == "已导入" and by_row[9][1] == "已导入，疑似重复待确认"


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8-sig", "utf-8"])
def test_csv_in_gb18030_or_utf8_with_or_without_bom(client, encoding):
    text = ("姓名,性别,身份证号,手机,专业,来源类别,工作单位\n"
            f"欧阳娜娜,女,{person_id(20, male=False)},13700000020,社会保障,社会组织,浙江省社会保障研究会\n"
            f"諸葛亮,男,{bad_check_digit(person_id(21))},13700000021,社会保障,社会组织,\n")
    response = upload(client, text.encode(encoding), filename="名单.csv")
    assert response.status_code == 201, response.text
    lines = report(client, response.json()["id"])
    assert lines[2]["status"] == "accepted" and lines[3]["status"] == "rejected"
    expert = client.get(f"{API}/experts/{lines[2]['record_id']}").json()
    assert expert["name"] == "欧阳娜娜" and expert["gender"] == "female" and expert["specialties"] == ["SOC.SECURITY"]
    assert lines[3]["label"] == "諸葛亮" and lines[3]["column"] == "身份证号"


def test_a_file_that_cannot_be_read_is_refused_with_the_reason(client):
    missing = upload(client, "姓名,手机\n张三,13800000000\n".encode(), filename="a.csv")
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] == "file" and "性别" in missing.json()["errors"][0]["reason"]
    broken = upload(client, b"PK\x03\x04 not a workbook", filename="a.xlsx")
    assert broken.status_code == 422 and "无法读取" in broken.json()["errors"][0]["reason"]
    wrong = upload(client, b"hello", filename="a.exe")
    assert wrong.status_code == 422
    not_base64 = client.post(f"{API}/imports/experts", json={"filename": "a.csv", "content_base64": "!!!"})
    assert not_base64.status_code == 422 and not_base64.json()["errors"][0]["field"] == "content_base64"
    unknown = client.post(f"{API}/imports/experts", json={"filename": "a.csv", "content_base64": "", "x": 1})
    assert unknown.status_code == 422
    assert client.get(f"{API}/imports/999999").status_code == 404


def test_a_large_file_runs_in_the_background_with_progress(client, monkeypatch):
    monkeypatch.setattr(imports, "INLINE_ROWS", 2)
    rows = [[n, f"测试{n}", "男", person_id(100 + n), f"136{n:08d}", "", "", "", "金融", "", "企业", "", "", ""]
            for n in range(1, 6)]
    response = upload(client, xlsx(rows))
    assert response.status_code == 202, response.text
    job = response.json()
    assert job["status"] == "running" and job["total"] == 5
    deadline = time.monotonic() + 30
    while job["status"] == "running" and time.monotonic() < deadline:
        time.sleep(0.05)
        job = client.get(f"{API}/imports/{job['id']}").json()
    assert (job["status"], job["rows_done"], job["accepted"]) == ("done", 5, 5)
    assert client.get(f"{API}/imports").json()["items"][0]["id"] == job["id"]


def test_institutions_import_checks_the_credit_code_and_adds_nothing_twice(client):
    registered = create_institution(client, name="浙江省法学会")
    good = uscc()
    text = ("机构名称,机构类型,统一社会信用代码,地区\n"
            f"之江公共政策评估中心,咨询机构,{good},杭州市\n"
            f"坏代码研究院,科研院所,{good[:17]}{'0' if good[17] != '0' else '1'},\n"
            f"浙江省法学会（重复）,社会组织,{registered['uscc']},\n"
            "某某机构,外星机构,,\n")
    first = upload(client, text.encode("gb18030"), filename="机构.csv", kind="institutions")
    assert first.status_code == 201, first.text
    lines = report(client, first.json()["id"])
    assert [lines[n]["status"] for n in (2, 3, 4, 5)] == ["accepted", "rejected", "existing", "rejected"]
    assert lines[3]["column"] == "统一社会信用代码" and "校验码" in lines[3]["reason"]
    assert lines[4]["record_id"] == registered["id"] and lines[5]["column"] == "机构类型"
    again = upload(client, text.encode("gb18030"), filename="机构.csv", kind="institutions").json()
    assert (again["accepted"], again["duplicates"]) == (0, 2)


def test_only_the_office_imports(client):
    add_account("auditor1", "auditor")
    office = client.headers["Authorization"]
    login(client, "auditor1")
    try:
        assert upload(client, b"x", filename="a.csv").status_code == 403
    finally:
        client.headers["Authorization"] = office


def test_relations_import_with_the_conflict_vocabulary_and_adds_nothing_twice(client):
    first = client.post(f"{API}/experts", json=expert_payload()).json()
    second = client.post(f"{API}/experts", json=expert_payload()).json()
    company = create_institution(client, name="之江交通投资集团", kind="enterprise")
    text = ("关系类型,起点类型,起点编号,终点类型,终点编号,开始日期,说明\n"
            f"亲属,专家,{first['id']},专家,{second['id']},2020-01-01,配偶\n"
            f"持股,专家,{first['id']},机构,{company['id']},2021/5/1,\n"
            f"持股,专家,{first['id']},机构,999999,,\n"
            f"同乡,专家,{first['id']},专家,{second['id']},,\n"
            f"持股,机构,{company['id']},专家,{first['id']},,\n")
    response = upload(client, text.encode("utf-8-sig"), filename="关系.csv", kind="relations")
    assert response.status_code == 201, response.text
    lines = report(client, response.json()["id"])
    assert [lines[n]["status"] for n in range(2, 7)] == ["accepted", "accepted", "rejected", "rejected", "rejected"]
    assert lines[4]["column"] == "终点编号" and "999999" in lines[4]["reason"]
    assert lines[5]["column"] == "关系类型" and lines[5]["rule_id"] == "R-COI-1"
    assert lines[6]["column"] == "起点类型"
    relations = client.get(f"{API}/relations", params={"node_kind": "expert", "node_id": first["id"]}).json()
    assert {r["id"] for r in relations["items"]} == {lines[2]["record_id"], lines[3]["record_id"]}
    assert {r["origin"] for r in relations["items"]} == {"import"}
    again = upload(client, text.encode("utf-8-sig"), filename="关系.csv", kind="relations").json()
    assert (again["accepted"], again["duplicates"], again["rejected"]) == (0, 2, 3)
    template = client.get(f"{API}/imports/templates/relations.xlsx")
    assert template.status_code == 200


def test_odd_bodies_are_refused_not_failed(client):
    assert client.post(f"{API}/imports/experts").status_code == 422
    assert client.post(f"{API}/imports/experts", json=[]).status_code == 422
    no_file = client.post(f"{API}/imports/experts", files={"other": ("a.csv", b"x")})
    assert no_file.status_code == 422 and no_file.json()["errors"][0]["field"] == "file"
    broken = client.post(f"{API}/imports/experts", content=b"--x\r\n", headers={"content-type": "multipart/form-data"})
    assert 400 <= broken.status_code < 500
    assert client.get(f"{API}/exports/annual-reviews.xlsx", params={"year": 10**12}).status_code == 400
