"""Experts imported a chunk at a time (issue 16): the report at the chunks' edges (a duplicate of a row earlier in
the file, in another chunk and in the same one; a bad row inside a chunk; a file of three chunks; an ID number or a
certificate number repeated), and the bulk handlers of the conflict capability (duplicate flags, employer
matching, the graph's change log) giving exactly what the one-row path gives for the same file (R-POOL-4)."""

from __future__ import annotations

from datetime import date

from litestar.testing import TestClient

from app import create_app
from conflicts.tables import GraphChange
from registry.domain.identifiers import make_citizen_id
from registry.tables import ExpertEligibility
from spreadsheets.services import imports
from tests.builders import create_institution, expert_payload
from tests.support.app import add_account, login
from tests.support.database import reset_test_database

API = "/api/v1"
HEADER = "姓名,性别,身份证号,手机,电子邮箱,工作单位,专业,来源类别,聘期开始,聘期结束,聘书编号"


def person_id(n: int) -> str:
    return make_citizen_id("330106", date(1975, 3, 1 + n % 28), 600 + n, True)


def bad_check_digit(number: str) -> str:
    return number[:17] + ("0" if number[17] != "0" else "1")


def office_file() -> bytes:
    """Nine rows, three chunks of three (``CHUNK`` = 3)."""
    rows = [
        # chunk 1: a good row, a bad ID number, a likely duplicate of the expert registered before
        f"李明,男,{person_id(1)},13800000001,liming@example.cn,浙江大学,行政法,高校及科研院所,,,",
        f"赵一,男,{bad_check_digit(person_id(2))},13800000002,,,行政法,企业,,,",
        f"王建国,男,{person_id(3)},13800000003,wangjg@zju.edu.cn,浙江大学,金融,高校及科研院所,,,",
        # chunk 2: a duplicate of row 2 (other chunk); two rows that are likely the same person (same chunk)
        f"李明,男,{person_id(4)},13800000004,liming@example.cn,浙江大学,行政法,高校及科研院所,,,",
        f"陈红,男,{person_id(5)},13800000005,,之江公共政策咨询中心,金融,社会组织,,,",
        f"陈红,男,{person_id(6)},13800000006,,之江公共政策咨询中心,金融,社会组织,,,",
        # chunk 3: row 2's ID number again; a term; another row with the same certificate number
        f"孙三,男,{person_id(1)},13800000007,,,金融,企业,,,",
        f"吴五,男,{person_id(8)},13800000008,,,金融,企业,2026-01-01,2028-12-31,ZJ-2026-009",
        f"郑六,男,{person_id(9)},13800000009,,,金融,企业,2026-01-01,2028-12-31,ZJ-2026-009",
    ]
    return ("\n".join([HEADER, *rows]) + "\n").encode("utf-8-sig")


def upload(client, content: bytes) -> dict:
    response = client.post(f"{API}/imports/experts", files={"file": ("专家名单.csv", content)})
    assert response.status_code == 201, response.text
    return response.json()


def report(client, job_id: int) -> dict[int, dict]:
    page = client.get(f"{API}/imports/{job_id}/report", params={"limit": 500}).json()
    return {line["row_number"]: line for line in page["items"]}


def import_in_a_fresh_registry(clock, monkeypatch, chunked: bool) -> dict:
    """The file imported into a registry holding one expert (王建国) and one institution (浙江大学), chunk by
    chunk or row by row; what came of it, every record id named by its row (or ``existing``)."""
    monkeypatch.setattr(imports, "CHUNK", 3)
    monkeypatch.setattr(imports, "CHUNK_HANDLERS", imports.CHUNK_HANDLERS if chunked else {})
    reset_test_database()
    add_account("office", "office")
    with TestClient(create_app(clock=clock, migrate_on_start=False)) as client:
        login(client, "office")
        existing = client.post(f"{API}/experts", json=expert_payload(name="王建国", email="wangjg@zju.edu.cn")).json()
        university = create_institution(client, name="浙江大学")
        seq = client.get(f"{API}/audit/events", params={"limit": 1}).json()["total"]
        job = upload(client, office_file())
        lines = report(client, job["id"])
        row_of = {line["record_id"]: n for n, line in lines.items() if line["status"] in ("accepted",
                                                                                          "possible_duplicate")}
        row_of[existing["id"]] = 0  # the expert registered before the import
        flags = client.get(f"{API}/possible-duplicates", params={"kind": "expert", "limit": 100}).json()["items"]
        employers = {}
        for record_id, n in row_of.items():
            if n:
                expert = client.get(f"{API}/experts/{record_id}").json()
                employers[n] = [(e["employer_name"], e["institution_id"]) for e in expert["employments"]]
        employment_rows = {e_id: n for n, e in ((n, client.get(f"{API}/experts/{r}").json()) for r, n in
                                                row_of.items() if n) for e_id in
                           [x["id"] for x in e["employments"]]}
        tasks = client.get(f"{API}/name-matches", params={"limit": 100}).json()["items"]
        changes = GraphChange.select(GraphChange.record_table, GraphChange.record_id).run_sync()
        facts = ExpertEligibility.select(ExpertEligibility.expert, ExpertEligibility.eligible,
                                         ExpertEligibility.reasons).output(load_json=True).run_sync()
        events = client.get(f"{API}/audit/events", params={"after": seq, "limit": 200}).json()["items"]
        chain = client.get(f"{API}/audit/verification").json()
        again = upload(client, office_file())
        experts_after = client.get(f"{API}/experts", params={"limit": 1}).json()["total"]
    return {
        "job": (job["total"], job["rows_done"], job["accepted"], job["rejected"], job["duplicates"]),
        "report": {n: (line["status"], line["column"], line["reason"], line["rule_id"],
                       row_of.get(line["other_id"], line["other_id"]) if line["status"] != "existing" else None,
                       line["score"]) for n, line in lines.items()},
        "flags": sorted((row_of[f["first_id"]], row_of[f["second_id"]], f["score"], tuple(f["reasons"]), f["status"])
                        for f in flags if f["first_id"] in row_of and f["second_id"] in row_of),
        "employers": {n: [(name, "浙江大学" if i == university["id"] else i) for name, i in jobs]
                      for n, jobs in employers.items()},
        "tasks": sorted((employment_rows[t["record_id"]], t["source"], t["text"], t["status"],
                         tuple(c["institution_id"] == university["id"] for c in t["candidates"])) for t in tasks),
        "changes": sorted((table, n) for table, n in (
            (c["record_table"], (row_of if c["record_table"] == "expert" else employment_rows).get(c["record_id"]))
            for c in changes if c["record_table"] in ("expert", "employment")) if n),
        "recorded": [[x for x in e["data"]["events"] if x["event"] == "ExpertsRegistered"] for e in events],
        "chain_ok": chain["ok"],
        # issue 17: each imported expert's eligibility fact is written with it (no term yet: not eligible, and why)
        "facts": sorted((row_of[f["expert"]], f["eligible"], tuple(r["rule_id"] for r in f["reasons"]))
                        for f in facts if f["expert"] in row_of),
        "again": (again["accepted"], again["rejected"], again["duplicates"]),
        "experts": experts_after,
    }


def test_chunk_edges_give_the_report_row_by_row_gives_R_POOL_4(clock, monkeypatch):
    chunked = import_in_a_fresh_registry(clock, monkeypatch, chunked=True)
    assert chunked["job"] == (9, 9, 3, 3, 3)
    statuses = {n: line[0] for n, line in chunked["report"].items()}
    assert statuses == {2: "accepted", 3: "rejected", 4: "possible_duplicate", 5: "possible_duplicate",
                        6: "accepted", 7: "possible_duplicate", 8: "rejected", 9: "accepted", 10: "rejected"}
    report = chunked["report"]
    assert report[3][1] == "身份证号" and "校验码" in report[3][2]  # a bad row inside a chunk
    assert report[4][4] == 0 and report[4][5] >= 80 and "待人工确认" in report[4][2]
    assert report[5][4] == 2 and report[5][5] >= 80  # a duplicate of a row in an earlier chunk
    assert report[7][4] == 6 and report[7][5] >= 80  # a duplicate of a row earlier in the same chunk
    assert report[6][4] is None  # the earlier row of the pair: reported on the later one, as across chunks
    assert report[8][1] == "身份证号" and "第 2 行" in report[8][2]  # row 2's ID number, two chunks later
    assert report[10][1:4] == ("聘书编号", "聘书编号 ZJ-2026-009 已被使用，每份聘书的编号须唯一", "R-POOL-4")
    assert chunked["again"] == (0, 3, 6) and chunked["chain_ok"] is True  # the same file twice adds nothing
    assert chunked["experts"] == 1 + 6  # never merged: each likely duplicate is a record of its own
    row_by_row = import_in_a_fresh_registry(clock, monkeypatch, chunked=False)
    assert chunked["report"] == row_by_row["report"]
    assert (chunked["job"], chunked["again"], chunked["experts"]) == (
        row_by_row["job"], row_by_row["again"], row_by_row["experts"])


def test_bulk_handlers_flag_match_and_log_what_the_one_row_handlers_do(clock, monkeypatch):
    chunked = import_in_a_fresh_registry(clock, monkeypatch, chunked=True)
    row_by_row = import_in_a_fresh_registry(clock, monkeypatch, chunked=False)
    assert [(f[0], f[1]) for f in chunked["flags"]] == [(0, 4), (2, 5), (6, 7)]
    assert all(f[2] >= 80 and f[4] == "open" for f in chunked["flags"])
    assert chunked["flags"] == row_by_row["flags"]
    assert chunked["facts"] == row_by_row["facts"] and len(chunked["facts"]) == 1 + 6  # every expert has its fact
    assert any(not eligible and reasons for _, eligible, reasons in chunked["facts"])  # "no term yet", with why
    assert chunked["employers"][2] == [("浙江大学", "浙江大学")]  # a sure match links the employer
    assert chunked["employers"][6] == [("之江公共政策咨询中心", None)]  # no institution: left for a person
    assert chunked["employers"] == row_by_row["employers"]
    assert {(t[0], t[2], t[3]) for t in chunked["tasks"]} == {(6, "之江公共政策咨询中心", "open"),
                                                               (7, "之江公共政策咨询中心", "open")}
    assert chunked["tasks"] == row_by_row["tasks"]
    assert chunked["changes"] == row_by_row["changes"]  # the graph re-reads every expert and employment added
    assert sorted(n for table, n in chunked["changes"] if table == "expert") == [2, 4, 5, 6, 7, 9]
    # the record (R-REC-1): one entry per chunk, naming every expert added in it
    per_chunk = [events for events in chunked["recorded"] if events]
    assert [[len(e["expert_ids"]) for e in events] for events in per_chunk] == [[2], [3], [1]]
    assert chunked["chain_ok"] is True and row_by_row["chain_ok"] is True
