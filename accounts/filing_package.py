"""The filing package (归档材料包) of a decision item (R-REC-3, R-REC-1, issue 14): everything on the item's record,
with the record's own events for it and their check against the hash chain. No HTTP here.

``filing_package(item_id) -> dict`` is the one service function (the JSON endpoint and the PDF read it). Its
``sha256`` is over the package's content in canonical JSON, excluding the filing itself and the whole chain's
report (both change once the item is filed); filing stores that digest and ``as_of_seq``, the chain's last event
the package covers, so ``filing_package(item_id, as_of_seq=filed.chain_seq)`` later says whether the record is
still what was filed (``filing.package_matches``). The application hands both functions down
(``app.wiring``): ``package_digest`` to filing, ``filing_package`` to ``GET /api/v1/items/{id}/filing-package``.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import date
from typing import Any

import msgspec

from accounts import audit, chain
from accounts.tables import AuditEvent
from assignment.services.draw_records import draw_summary
from assignment.services.views import LISTS
from assignment.services.views import verify as verify_panel
from assignment.tables import (
    ArgumentMinutes,
    ArgumentReport,
    Commission,
    CommissionHire,
    CoSignature,
    EvaluationGroup,
    EvaluationReport,
    GroupDraft,
    Invitation,
    Material,
    OpinionAttachment,
    OpinionText,
    Panel,
    PanelRequest,
    ReportAdoption,
)
from conflicts.tables import ConflictDismissal
from core.errors import not_found
from decisions.filing import filing_view
from decisions.tables import DecisionItem, ItemEvaluation, ItemFiling, ItemTransition
from registry.tables import Expert, Institution

CHUNK = 1000  # ids per IN (PostgreSQL: at most 32767 parameters per statement)
CONFLICT_CHECKS = ("/conflicts", "/commission-checks", "/conflict-recheck", "/conflict-dismissals")
UNHASHED = ("sha256", "filing", "record_verification")
# Panel columns that are large and re-derivable: the package keeps the counts and the verification instead
PANEL_KEPT = ("id", "panel_request", "supersedes", "change_reason", "seed", "seed_commitment", "candidates_hash",
              "constraints", "members", "out_of_pool", "leader", "policy_version", "deadline", "min_probability",
              "upper_bound", "notes", "created_at", "replacement")


def _chunks(ids: list[int]) -> list[list[int]]:
    return [ids[n:n + CHUNK] for n in range(0, len(ids), CHUNK)]


async def _rows_in(table: Any, column: Any, ids: list[int], *columns: Any) -> list[dict]:
    rows: list[dict] = []
    for part in _chunks(sorted(set(ids))):
        rows += await table.select(*columns).where(column.is_in(part)).output(load_json=True)
    return sorted(rows, key=lambda r: r.get("id", 0))


def entries_problem(key: bytes, entries: list[dict], previous: dict[int, str]) -> tuple[int, str] | None:
    """The first of the item's events (in sequence order) whose keyed hash no longer fits its content, or whose
    link to the event before it (``previous``: seq → hash; the genesis for the first) is broken."""
    for row in entries:
        before = chain.GENESIS if row["seq"] == 1 else previous.get(row["seq"] - 1)
        if before is None:
            return row["seq"], f"第 {row['seq'] - 1} 条记录缺失"
        if row["prev_hash"] != before:
            return row["seq"], "与前一条记录衔接不上（前序哈希不符）"
        recomputed = chain.event_hash(key, row["prev_hash"], row["seq"], row["at"], row["actor"], row["action"],
                                      row["subject"], row["reason"], row["data"])
        if not hmac.compare_digest(recomputed, row["hash"]):
            return row["seq"], "写入后内容被改动"
    return None


def package_digest_of(package: dict) -> str:
    content = {k: v for k, v in package.items() if k not in UNHASHED}
    return hashlib.sha256(chain.canonical(content).encode()).hexdigest()


async def _names(invitations: list[dict]) -> dict[tuple[str, int], str]:
    experts = [i["subject_id"] for i in invitations if i["subject_kind"] == "expert"]
    institutions = [i["subject_id"] for i in invitations if i["subject_kind"] != "expert"]
    names = {("expert", r["id"]): r["name"] for r in await _rows_in(Expert, Expert.id, experts, Expert.id,
                                                                       Expert.name)}
    names.update({("institution", r["id"]): r["name"] for r in await _rows_in(
        Institution, Institution.id, institutions, Institution.id, Institution.name)})
    return names


async def _panel_requests(item_id: int) -> tuple[list[dict], list[str]]:
    """The item's panel requests, each with its draws (and their verification), invitations and answers,
    opinions and materials; and the record subjects they are filed under."""
    requests = await PanelRequest.select().where(PanelRequest.item == item_id).order_by(PanelRequest.id).output(
        load_json=True)
    request_ids = [r["id"] for r in requests]
    panels = await _rows_in(Panel, Panel.panel_request, request_ids, *Panel.all_columns(exclude=LISTS))
    invitations = await _rows_in(Invitation, Invitation.request, request_ids)
    opinions = {o["invitation"]: o for o in await _rows_in(OpinionText, OpinionText.invitation,
                                                           [i["id"] for i in invitations])}
    materials = await _rows_in(Material, Material.request, request_ids)
    attachments = {a["invitation"]: a for a in await _rows_in(OpinionAttachment, OpinionAttachment.invitation,
                                                               [i["id"] for i in invitations])}
    minutes = {m["request"]: m for m in await _rows_in(ArgumentMinutes, ArgumentMinutes.request, request_ids)}
    drafts = {d["request"]: d for d in await _rows_in(GroupDraft, GroupDraft.request, request_ids)}
    cosigned = await _rows_in(CoSignature, CoSignature.request, request_ids)
    reports = {r["request"]: r for r in await _rows_in(ArgumentReport, ArgumentReport.request, request_ids)}
    adoptions = await _rows_in(ReportAdoption, ReportAdoption.report, [r["id"] for r in reports.values()])
    names = await _names(invitations)
    out = []
    for request in requests:
        draws = []
        drawn = await draw_summary(request["id"])  # issue 17: the counts; the lists are the draw record's
        for panel in (p for p in panels if p["panel_request"] == request["id"]):
            verification = msgspec.to_builtins(await verify_panel(panel["id"]))
            draws.append({**{k: panel.get(k) for k in PANEL_KEPT}, "candidates": drawn["eligible"],
                          "exclusions": drawn["exclusions_total"], "exclusions_summary": drawn["exclusions_summary"],
                          "exclusions_hash": drawn["exclusions_hash"], "verification": verification})
        invited = []
        for inv in (i for i in invitations if i["request"] == request["id"]):
            opinion = opinions.get(inv["id"])
            kind = "expert" if inv["subject_kind"] == "expert" else "institution"
            invited.append({**inv, "subject_name": names.get((kind, inv["subject_id"]), ""),
                            "opinion": None if opinion is None else {
                                "text": opinion["text"], "signed_by": opinion["signed_by"],
                                "signed_at": opinion["signed_at"], "rule_id": "R-DUTY-2",
                                "attachment": attachments.get(inv["id"])}})
        report = reports.get(request["id"])
        out.append({**request, "draws": draws, "invitations": invited,
                    "materials": [m for m in materials if m["request"] == request["id"]],
                    "minutes": minutes.get(request["id"]), "group_draft": drafts.get(request["id"]),
                    "co_signatures": [c for c in cosigned if c["request"] == request["id"]],
                    "report": None if report is None else {
                        **report, "adoptions": [a for a in adoptions if a["report"] == report["id"]]}})
    subjects = [*(f"request:{i}" for i in request_ids), *(f"panel:{p['id']}" for p in panels),
                *(f"invitation:{i['id']}" for i in invitations)]
    return out, subjects


async def _commissions(item_id: int) -> list[dict]:
    """Commissioned organisers of the item (R-PANEL-8) with the experts and subcontractors they hired (R-COI-5)."""
    commissions = await Commission.select().where(Commission.item == item_id).order_by(Commission.id)
    hires = await _rows_in(CommissionHire, CommissionHire.commission, [c["id"] for c in commissions])
    return [{**c, "hires": [h for h in hires if h["commission"] == c["id"]]} for c in commissions]


async def _entries(subjects: list[str], as_of_seq: int | None) -> list[dict]:
    rows: list[dict] = []
    for n in range(0, len(subjects), CHUNK):
        query = AuditEvent.select().where(AuditEvent.subject.is_in(subjects[n:n + CHUNK]))
        if as_of_seq is not None:
            query = query.where(AuditEvent.seq <= as_of_seq)
        rows += await query.output(load_json=True)
    return sorted(rows, key=lambda r: r["seq"])


async def _entries_check(entries: list[dict]) -> dict:
    wanted = sorted({r["seq"] - 1 for r in entries if r["seq"] > 1})
    previous = {r["seq"]: r["hash"] for r in await _rows_in(AuditEvent, AuditEvent.seq, wanted, AuditEvent.seq,
                                                             AuditEvent.hash)}
    problem = entries_problem(audit.chain_key(), entries, previous)
    return {"ok": problem is None, "status": "ok" if problem is None else "broken", "checked": len(entries),
            "first_bad_seq": problem[0] if problem else None, "problem": problem[1] if problem else "",
            "rule_id": "R-REC-1"}


async def _head() -> int:
    last = await AuditEvent.select(AuditEvent.seq).order_by(AuditEvent.seq, ascending=False).first()
    return last["seq"] if last else 0


async def _content(item_id: int, as_of_seq: int | None) -> dict:
    """The package's content and its ``sha256`` (without the whole chain's report and the filing)."""
    item = await DecisionItem.select().where(DecisionItem.id == item_id).output(load_json=True).first()
    if item is None:
        raise not_found("decision item", item_id, "item_id")
    as_of_seq = await _head() if as_of_seq is None else as_of_seq
    requests, subjects = await _panel_requests(item_id)
    entries = await _entries([f"item:{item_id}", *subjects], as_of_seq)
    checks = [e for e in entries if any(part in e["action"] for part in CONFLICT_CHECKS)]
    package: dict[str, Any] = {
        "rule_id": "R-REC-3",
        "as_of_seq": as_of_seq,
        "item": item,
        "transitions": await ItemTransition.select().where(ItemTransition.item == item_id).order_by(
            ItemTransition.id),
        "evaluations": await ItemEvaluation.select().where(ItemEvaluation.item == item_id).order_by(
            ItemEvaluation.id),
        "conflict_checks": [{"seq": e["seq"], "at": e["at"], "actor": e["actor"], "action": e["action"],
                             "reason": e["reason"]} for e in checks],
        "conflict_dismissals": await ConflictDismissal.select().where(ConflictDismissal.item == item_id).order_by(
            ConflictDismissal.id).output(load_json=True),
        "panel_requests": requests,
        "commissions": await _commissions(item_id),
        "evaluation_groups": await EvaluationGroup.select().where(EvaluationGroup.item == item_id).order_by(
            EvaluationGroup.id).output(load_json=True),
        "evaluation_reports": await EvaluationReport.select().where(EvaluationReport.item == item_id).order_by(
            EvaluationReport.id).output(load_json=True),
        "entries": entries,
        "entries_verification": await _entries_check(entries),
    }
    package = msgspec.to_builtins(package)  # one JSON form (dates as ISO text) for the digest and the answer
    # What filing records: the record's own entries for the item up to the chain's head then. The tables above
    # go on changing after the filing (execution, evaluation), so their digest could never be checked later;
    # the entries up to a sequence number can, and every protected row is in them.
    package["record_sha256"] = package_digest_of({"item_id": item_id, "as_of_seq": as_of_seq,
                                                  "entries": package["entries"]})
    package["sha256"] = package_digest_of(package)
    return package


async def filing_package(item_id: int, as_of_seq: int | None = None, today: date | None = None) -> dict:
    """Everything on the item's record (R-REC-3): the item and its steps, evaluations, conflict checks and
    dismissals, panel requests with their draws (verified from the record), invitations and answers, signed
    opinions and their attachments, materials (metadata and SHA-256), minutes, the group's draft and
    co-signatures, the argument report and its adoption (R-PANEL-7), commissioned organisers, evaluation groups
    and reports, and the record's events for the item with their check against
    the chain (``entries_verification``: ok / broken); ``sha256`` of it all; the whole chain's check
    (``record_verification``); and the filing when there is one, with ``package_matches``: the record as of the
    filing still gives the digest filed. ``as_of_seq``: only the events up to that one (default: all)."""
    package = await _content(item_id, as_of_seq)
    report = await audit.verify()
    package["record_verification"] = {"ok": report.ok, "events": report.events,
                                      "first_bad_seq": report.first_bad_seq, "problem": report.problem}
    filed = await ItemFiling.select().where(ItemFiling.item == item_id).first()
    package["filing"] = None
    if filed is not None:
        view = msgspec.to_builtins(await filing_view(item_id, today or filed["filed_on"]))
        then = package if filed["chain_seq"] == package["as_of_seq"] else await _content(item_id, filed["chain_seq"])
        package["filing"] = {**view, "package_matches": filed["package_sha256"] == then["record_sha256"]}
    return package


async def package_digest(item_id: int) -> tuple[str, int]:
    """What filing records (``decisions.filing.PackageDigest``): the SHA-256 of the item's record entries up to
    the chain's head (``record_sha256``), and that head."""
    package = await _content(item_id, None)
    return package["record_sha256"], package["as_of_seq"]

