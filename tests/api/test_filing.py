"""Filing the item's full record (R-REC-3, issue 14) through the API: after the decision the owning unit (or the
office) files it once, with the server's time, the login and the filing package's SHA-256; the status says due /
overdue / filed on time / filed late; reminders from the 7th working day, the office told when overdue; the
office's overdue and due lists; the filing package with every part of the record and its events checked against
the chain.

Hostile cases: filing before the decision or twice; another unit, an expert or the auditor filing; a unit reading
the office's lists; an event of the item edited behind the record's back."""

from __future__ import annotations

import asyncio
from datetime import datetime

from accounts.tables import AuditEvent
from notifications import jobs
from notifications.tables import Outbox
from tests.api.test_conflicts_api import make_item
from tests.api.test_materials_and_opinions import setting, token, upload
from tests.builders import create_institution
from tests.support.app import add_account

__all__ = ["setting"]  # the fixture, imported for these tests

API = "/api/v1"
DECIDED = "2026-11-16"  # due 2026-11-30 (10 working days); reminders from 2026-11-25 (the 7th)


def decide(client, item_id, on=DECIDED, headers=None):
    for step in ({"to": "under_argument", "reason": "提交专家论证"},
                 {"to": "decided", "reason": "常务会议审议通过", "decided_on": on,
                  "document_number": "市政发〔2026〕9号"}):
        moved = client.post(f"{API}/items/{item_id}/transitions", json=step, headers=headers or {})
        assert moved.status_code == 200, moved.text


def unit_with_item(client, name="市交通运输局", username="unit1"):
    unit = create_institution(client, name=name, kind="government_body")
    add_account(username, "unit", unit_id=unit["id"])
    return unit, make_item(client, drafting_unit_id=unit["id"]), token(client, username)


def at(clock, day: str):
    clock.fixed = datetime.fromisoformat(f"{day}T02:00:00+00:00")


def filing_run(clock):
    """The daily job's body, called directly with the injected clock (as the scheduler would)."""
    return asyncio.run(jobs.record_filing(jobs.JobDay(clock.today(), clock.now(), None)))


def filing_notices(item_id) -> list[dict]:
    return asyncio.run(Outbox.select(Outbox.recipient, Outbox.template, Outbox.dedupe_key, Outbox.body).where(
        Outbox.dedupe_key.like(f"record-filing:{item_id}:%") & (Outbox.channel == "inbox")).order_by(Outbox.id).run())


def test_the_unit_files_after_the_decision_once_with_time_login_and_package_hash_R_REC_3(client, clock):
    unit, item, own = unit_with_item(client)
    decide(client, item["id"], headers=own)
    status = client.get(f"{API}/items/{item['id']}/filing", headers=own).json()
    assert (status["status"], status["due_on"], status["reminders_from"]) == ("due", "2026-11-30", "2026-11-25")
    package = client.get(f"{API}/items/{item['id']}/filing-package", headers=own).json()
    at(clock, "2026-11-27")
    filed = client.post(f"{API}/items/{item['id']}/filing", headers=own)
    assert filed.status_code == 200, filed.text
    body = filed.json()
    assert body["status"] == "filed_on_time" and body["filed_on"] == "2026-11-27" and body["filed_by"] == "unit1"
    assert body["filed_at"].startswith("2026-11-27T02:00:00") and body["rule_id"] == "R-REC-3"
    assert len(body["package_sha256"]) == 64 and body["package_sha256"] == package["record_sha256"]  # nothing new since
    assert body["chain_seq"] == package["as_of_seq"]
    again = client.post(f"{API}/items/{item['id']}/filing", headers=own)
    assert again.status_code == 409 and "不能重复归档" in again.json()["errors"][0]["reason"]
    assert again.json()["errors"][0]["rule_id"] == "R-REC-3"
    after = client.get(f"{API}/items/{item['id']}/filing-package", headers=own).json()
    assert after["filing"]["package_matches"] is True and after["filing"]["status"] == "filed_on_time"
    assert after["sha256"] != package["sha256"]  # the filing itself is on the record now
    filed_events = [e for r in client.get(f"{API}/items/{item['id']}/record").json()["events"]
                    for e in (r["data"] or {}).get("events") or [] if e["event"] == "ItemFiled"]
    assert filed_events == [{"event": "ItemFiled", "item_id": item["id"], "filed_on": "2026-11-27",
                             "due_on": "2026-11-30", "on_time": True, "package_sha256": body["package_sha256"],
                             "chain_seq": body["chain_seq"], "rule_id": "R-REC-3"}]


def test_filing_before_the_decision_is_refused_409_with_the_allowed_steps_R_REC_3(client):
    _unit, item, own = unit_with_item(client)
    early = client.post(f"{API}/items/{item['id']}/filing", headers=own)
    assert early.status_code == 409, early.text
    assert early.json()["allowed_next_steps"] == ["under_argument", "under_risk_assessment"]
    assert "尚未作出决策" in early.json()["errors"][0]["reason"]
    assert client.get(f"{API}/items/{item['id']}/filing", headers=own).json()["status"] == "not_decided"
    assert client.post(f"{API}/items/999999/filing").status_code == 404


def test_a_late_filing_by_the_office_is_filed_late_R_REC_3(client, clock):
    _unit, item, _own = unit_with_item(client)
    decide(client, item["id"])
    at(clock, "2026-12-02")
    filed = client.post(f"{API}/items/{item['id']}/filing").json()
    assert (filed["status"], filed["working_days_overdue"], filed["filed_by"]) == ("filed_late", 2, "office")


def test_reminders_from_the_seventh_working_day_once_a_day_and_the_office_when_overdue_R_REC_3(client, clock):
    unit, item, own = unit_with_item(client)
    decide(client, item["id"])
    at(clock, "2026-11-24")  # the 6th working day
    assert filing_run(clock) == {"reminded": 0}
    at(clock, "2026-11-25")  # the 7th
    assert filing_run(clock) == {"reminded": 1}
    assert filing_run(clock) == {"reminded": 0}  # once a day at most
    assert [n["recipient"] for n in filing_notices(item["id"])] == [f"unit:{unit['id']}"]
    at(clock, "2026-12-02")  # overdue by 2 working days: the unit and the office
    assert filing_run(clock) == {"reminded": 1, "office_told": 1}
    notices = filing_notices(item["id"])[1:]
    assert sorted(n["recipient"] for n in notices) == ["office", f"unit:{unit['id']}"]
    assert all(n["template"] == "record_filing_overdue" and "逾期 2 个工作日" in n["body"] for n in notices)
    assert client.post(f"{API}/items/{item['id']}/filing", headers=own).status_code == 200
    at(clock, "2026-12-03")
    assert filing_run(clock) == {"reminded": 0}  # filed: no more reminders


def test_the_office_lists_overdue_and_due_filings_with_unit_due_date_and_days_R_REC_3(client, clock):
    unit, late, own = unit_with_item(client)
    decide(client, late["id"])  # due 11-30
    soon = make_item(client, drafting_unit_id=unit["id"], title="公共停车场收费标准调整")
    decide(client, soon["id"], on="2026-11-20")  # due 12-04
    filed = make_item(client, drafting_unit_id=unit["id"], title="已归档事项")
    decide(client, filed["id"], on="2026-11-20")
    assert client.post(f"{API}/items/{filed['id']}/filing").status_code == 200
    make_item(client, drafting_unit_id=unit["id"], title="起草中事项")  # not decided: on no list
    at(clock, "2026-12-02")
    overdue = client.get(f"{API}/filings/overdue").json()
    assert overdue["total"] == 1 and set(overdue) == {"items", "total", "offset", "limit"}
    [row] = overdue["items"]
    assert (row["item_id"], row["drafting_unit_id"], row["due_on"], row["working_days_overdue"]) == (
        late["id"], unit["id"], "2026-11-30", 2)
    due = client.get(f"{API}/filings/due", params={"days": 2}).json()
    assert [r["item_id"] for r in due["items"]] == [soon["id"]] and due["items"][0]["due_on"] == "2026-12-04"
    assert client.get(f"{API}/filings/due", params={"days": 1}).json()["total"] == 0
    assert client.get(f"{API}/filings/due", params={"days": 61}).status_code == 400
    assert client.get(f"{API}/filings/overdue", headers=own).status_code == 403


def test_only_the_owning_unit_and_the_office_file_and_the_auditor_reads_R_REC_3(client):
    _unit, item, own = unit_with_item(client)
    _other_unit, _other_item, other = unit_with_item(client, name="市生态环境局", username="unit2")
    add_account("auditor1", "auditor")
    auditor = token(client, "auditor1")
    decide(client, item["id"])
    for path in ("filing", "filing-package"):
        assert client.get(f"{API}/items/{item['id']}/{path}", headers=other).status_code == 403
        assert client.get(f"{API}/items/{item['id']}/{path}", headers=auditor).status_code == 200
    assert client.post(f"{API}/items/{item['id']}/filing", headers=other).status_code == 403
    assert client.post(f"{API}/items/{item['id']}/filing", headers=auditor).status_code == 403
    assert client.get(f"{API}/filings/overdue", headers=auditor).status_code == 200
    assert client.post(f"{API}/items/{item['id']}/filing", headers=own).status_code == 200


def test_the_package_holds_the_argument_and_checks_the_item_events_against_the_chain_R_REC_3(client, setting):
    assert upload(client, setting).status_code == 201
    mine = setting["invitations"][0]
    signed = client.post(f"{API}/invitations/{mine}/opinion", json={"text": "同意方案。", "signed": True},
                         headers=setting["accepted"])
    assert signed.status_code == 201, signed.text
    view = client.get(f"{API}/panel-requests/{setting['request']}").json()
    item_id, attendee = view["item_id"], view["invitations"][0]["subject"]["id"]
    minutes = client.post(f"{API}/panel-requests/{setting['request']}/minutes", headers=setting["unit1"],
                          json={"text": "会议讨论了票价调整方案。", "meeting_on": "2026-11-24",
                                "attendees": [attendee]})
    assert minutes.status_code == 201, minutes.text
    assert client.get(f"{API}/items/{item_id}/conflicts", params={"purpose": "argument"}).status_code == 200
    package = client.get(f"{API}/items/{item_id}/filing-package", headers=setting["unit1"]).json()
    [request] = package["panel_requests"]
    assert request["draws"][0]["verification"]["verified"] is True
    [material] = request["materials"]
    assert len(material["sha256"]) == 64 and material["filename"] == "方案.pdf"
    opinion = next(i for i in request["invitations"] if i["id"] == mine)
    assert opinion["status"] == "accepted" and opinion["subject_name"]
    assert opinion["opinion"]["text"] == "同意方案。" and opinion["opinion"]["signed_by"] == "expert0"
    assert request["minutes"]["attendees"] == [attendee] and request["report"] is None  # no report issued yet
    assert package["conflict_checks"] and "/conflicts" in package["conflict_checks"][0]["action"]
    assert {e["subject"] for e in package["entries"]} >= {f"item:{item_id}", f"request:{setting['request']}"}
    assert package["entries_verification"]["status"] == "ok"
    # the fixture deleted a commitment letter behind the record's back: the whole chain's check names it
    assert package["record_verification"]["ok"] is False
    assert "commitment_letter" in package["record_verification"]["problem"]
    # an event of the item edited behind the record's back: the package says broken, and where
    seq = next(e["seq"] for e in package["entries"] if e["subject"] == f"request:{setting['request']}")
    asyncio.run(AuditEvent.update({AuditEvent.reason: "改过的理由"}).where(AuditEvent.seq == seq).run())
    broken = client.get(f"{API}/items/{item_id}/filing-package").json()
    assert broken["entries_verification"]["status"] == "broken"
    assert broken["entries_verification"]["first_bad_seq"] == seq
    assert broken["sha256"] != package["sha256"]

