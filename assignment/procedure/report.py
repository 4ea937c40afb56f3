"""The argument by mode and its report (issue 14, R-PANEL-5, R-DUTY-2): a signed opinion's attachment; the
meeting's minutes; the group leader's draft with the members' co-signatures or dissents; whether the argument
is complete for its mode; the argument report (论证报告) assembled from what is on file and stored once with the
SHA-256 of its canonical JSON.

The rules are pure (``assignment.domain.procedure``); this module reads and writes in units of work. What the
PDF helper renders is ``argument_report_data(request_id)``: the stored report as plain data.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from pathlib import Path

from assignment.domain.procedure import (
    AdoptionEntry,
    ArgumentState,
    Reader,
    argument_missing,
    assemble_report,
    check_adoption,
    check_cosignature,
    check_draft,
    check_minutes,
    material_type,
    report_digest,
)
from assignment.procedure import materials
from assignment.procedure.report_schemas import (  # noqa: F401 - re-exported: controllers and handlers import them here
    AdoptionEntryIn,
    AdoptionEntryOut,
    AdoptionIn,
    AdoptionOut,
    AdoptionsOut,
    ArgumentOut,
    ArgumentReportIssued,
    AttachmentOut,
    CoSignatureOut,
    CoSigned,
    CoSignIn,
    DraftIn,
    ExpertId,
    GroupDraftOut,
    GroupDraftSubmitted,
    LongText,
    MinutesIn,
    MinutesOut,
    MinutesRecorded,
    MissingOut,
    OpinionAttached,
    ReportAdopted,
    ReportOut,
)
from assignment.services.views import current_leader, panels_of
from assignment.tables import (
    ArgumentMinutes,
    ArgumentReport,
    CoSignature,
    GroupDraft,
    Invitation,
    OpinionAttachment,
    OpinionText,
    PanelRequest,
    ReportAdoption,
)
from core.errors import FieldError, StateConflict, conflict, forbidden, invalid, not_found
from core.locks import exclusive
from core.records import get_or_404
from core.uow import emit, touch, unit_of_work
from decisions.tables import DecisionItem
from registry.tables import Expert


# --- who is on the argument ------------------------------------------------------------------------------------
async def members_of(request_id: int) -> list[dict]:
    """The members holding a seat: each expert's latest invitation on the request, accepted; with the name."""
    rows = await Invitation.select(Invitation.id, Invitation.subject_id, Invitation.status).where(
        (Invitation.request == request_id) & (Invitation.subject_kind == "expert")).order_by(Invitation.id)
    latest = {r["subject_id"]: r for r in rows}
    accepted = [r for r in latest.values() if r["status"] == "accepted"]
    ids = [r["subject_id"] for r in accepted]
    names = {e["id"]: e["name"] for e in await Expert.select(Expert.id, Expert.name).where(Expert.id.is_in(ids))} \
        if ids else {}
    return [{"expert_id": r["subject_id"], "invitation_id": r["id"], "name": names.get(r["subject_id"], "")}
            for r in sorted(accepted, key=lambda r: r["id"])]


async def _leader(request: PanelRequest) -> int | None:
    panels = await panels_of(request.id)
    return current_leader(request, panels[-1]) if panels else None


async def _writable(request_id: int) -> PanelRequest:
    request = await get_or_404(PanelRequest, request_id, "panel request", "request_id")
    if request.status == "cancelled":
        raise conflict("request cancelled", "request_id", "抽取申请已撤销", "R-PANEL-2")
    return request


async def _reportless(request_id: int) -> None:
    if await ArgumentReport.exists().where(ArgumentReport.request == request_id):
        raise conflict("report issued", "request_id", "论证报告已形成，不能再补充或修改论证记录", "R-PANEL-5")


# --- 1. a signed opinion's attachment (R-DUTY-2) -------------------------------------------------------------
def _attachment_out(row: dict) -> AttachmentOut:
    return AttachmentOut(invitation_id=row["invitation"], filename=row["filename"], media_type=row["media_type"],
                         sha256=row["sha256"], size=row["size"], uploaded_by=row["uploaded_by"],
                         uploaded_at=row["uploaded_at"])


def _own_invitation(inv: Invitation, reader: Reader) -> bool:
    return reader.role == "expert" and inv.subject_kind == "expert" and inv.subject_id == reader.expert_id


async def attach(invitation_id: int, data: materials.MaterialIn, reader: Reader, by: str, now: datetime
                 ) -> AttachmentOut:
    """The invited expert attaches one file to their signed opinion: after the opinion (409), once (409), with
    the hand-over's type and size checks (422, R-PANEL-4)."""
    inv = await get_or_404(Invitation, invitation_id, "invitation", "invitation_id")
    if not _own_invitation(inv, reader):
        raise forbidden("not the invited expert", "invitation_id", "意见附件只能由受邀专家本人提交（R-DUTY-2）")
    if not await OpinionText.exists().where(OpinionText.invitation == invitation_id):
        raise conflict("no signed opinion", "invitation_id", "请先提交本人签名的书面意见，再上传附件", "R-DUTY-2")
    content = materials._decode(data.content_base64)
    media_type = material_type(data.filename, content)
    digest = hashlib.sha256(content).hexdigest()
    async with unit_of_work(transaction_factory=exclusive):
        if await OpinionAttachment.exists().where(OpinionAttachment.invitation == invitation_id):
            raise conflict("attached already", "invitation_id", "书面意见已有附件，不能再次上传", "R-DUTY-2")
        materials._store(content, digest)
        row = OpinionAttachment(invitation=invitation_id, filename=data.filename, media_type=media_type,
                                sha256=digest, size=len(content), uploaded_by=by, uploaded_at=now)
        await row.save()
        touch(OpinionAttachment, row.id)
        emit(OpinionAttached(invitation_id, digest, len(content), by, now))
    return _attachment_out(await OpinionAttachment.select().where(OpinionAttachment.id == row.id).first() or {})


async def attachment(invitation_id: int, reader: Reader) -> tuple[AttachmentOut, Path]:
    """The attachment's file: the request's unit (checked by the access rule), the office, the auditor and the
    expert who signed it."""
    inv = await get_or_404(Invitation, invitation_id, "invitation", "invitation_id")
    if reader.role == "expert" and not _own_invitation(inv, reader):
        raise forbidden("not the invited expert", "invitation_id", "只能查看本人的论证意见附件")
    row = await OpinionAttachment.select().where(OpinionAttachment.invitation == invitation_id).first()
    if row is None:
        raise not_found("论证意见附件", invitation_id, "invitation_id")
    path = materials.materials_dir() / row["sha256"]
    if not path.exists():
        raise invalid("invitation_id", "附件文件缺失，请联系专家库管理处", "R-DUTY-2")
    return _attachment_out(row), path


# --- 2. modes (R-PANEL-5) ---------------------------------------------------------------------------------------
def _minutes_out(row: dict) -> MinutesOut:
    return MinutesOut(request_id=row["request"], text=row["text"], meeting_on=row["meeting_on"],
                      attendees=list(row["attendees"]), recorded_by=row["recorded_by"],
                      recorded_at=row["recorded_at"])


async def record_minutes(request_id: int, data: MinutesIn, by: str, today: date, now: datetime) -> MinutesOut:
    """Meeting mode: the unit (or the office) records the minutes, once, naming the attending members."""
    async with unit_of_work(transaction_factory=exclusive):
        request = await _writable(request_id)
        await _reportless(request_id)
        members = [m["expert_id"] for m in await members_of(request_id)]
        recorded = await ArgumentMinutes.exists().where(ArgumentMinutes.request == request_id)
        check_minutes(request.mode, data.attendees, members, data.meeting_on, today, recorded)
        row = ArgumentMinutes(request=request_id, text=data.text, meeting_on=data.meeting_on,
                              attendees=list(data.attendees), recorded_by=by, recorded_at=now)
        await row.save()
        touch(ArgumentMinutes, row.id)
        emit(MinutesRecorded(request_id, row.id, tuple(data.attendees), by, now))
    return await minutes(request_id, Reader(role="office"))


async def minutes(request_id: int, reader: Reader) -> MinutesOut:
    """The minutes: the unit (by the access rule), the office, the auditor and the members who accepted."""
    await get_or_404(PanelRequest, request_id, "panel request", "request_id")
    if reader.role == "expert":
        await _check_member(request_id, reader)
    row = await ArgumentMinutes.select().where(ArgumentMinutes.request == request_id).output(load_json=True).first()
    if row is None:
        raise not_found("会议纪要", request_id, "request_id")
    return _minutes_out(row)


async def submit_draft(request_id: int, data: DraftIn, reader: Reader, by: str, now: datetime) -> GroupDraftOut:
    """Group mode: the leader (组长) drafts the report with their own login, signed, once."""
    async with unit_of_work(transaction_factory=exclusive):
        request = await _writable(request_id)
        await _reportless(request_id)
        leader = await _leader(request)
        members = [m["expert_id"] for m in await members_of(request_id)]
        drafted = await GroupDraft.exists().where(GroupDraft.request == request_id)
        check_draft(request.mode, reader.expert_id if reader.role == "expert" else None,
                    leader if leader in members else None, drafted)
        if not data.signed:
            raise invalid("signed", "论证报告草稿须由组长本人签名确认（signed 为 true）", "R-DUTY-2")
        row = GroupDraft(request=request_id, leader=leader, text=data.text, drafted_by=by, drafted_at=now)
        await row.save()
        touch(GroupDraft, row.id)
        emit(GroupDraftSubmitted(request_id, leader or 0, by, now))
    return await group_draft(request_id, reader)


async def cosign(request_id: int, data: CoSignIn, reader: Reader, by: str, now: datetime) -> GroupDraftOut:
    """Group mode: a member other than the leader co-signs the draft or records dissent with a reason, once."""
    expert = reader.expert_id if reader.role == "expert" else None
    async with unit_of_work(transaction_factory=exclusive):
        request = await _writable(request_id)
        await _reportless(request_id)
        members = [m["expert_id"] for m in await members_of(request_id)]
        already = expert is not None and await CoSignature.exists().where(
            (CoSignature.request == request_id) & (CoSignature.expert == expert))
        check_cosignature(request.mode, expert, members, await _leader(request),
                          await GroupDraft.exists().where(GroupDraft.request == request_id), already, data.agrees,
                          data.reason, data.signed)
        assert expert is not None  # checked above: a member's own login
        row = CoSignature(request=request_id, expert=expert, once=f"{request_id}:{expert}", agrees=data.agrees,
                          reason=data.reason.strip(), signed_by=by, signed_at=now)
        await row.save()
        touch(CoSignature, row.id)
        emit(CoSigned(request_id, expert, data.agrees, row.reason, by, now))
    return await group_draft(request_id, reader)


async def group_draft(request_id: int, reader: Reader) -> GroupDraftOut:
    """The leader's draft and the co-signatures: the unit, the office, the auditor and the group's members."""
    await get_or_404(PanelRequest, request_id, "panel request", "request_id")
    if reader.role == "expert":
        await _check_member(request_id, reader)
    row = await GroupDraft.select().where(GroupDraft.request == request_id).first()
    if row is None:
        raise not_found("论证报告草稿", request_id, "request_id")
    signatures = await CoSignature.select().where(CoSignature.request == request_id).order_by(CoSignature.id)
    return GroupDraftOut(request_id=request_id, leader=row["leader"], text=row["text"], drafted_by=row["drafted_by"],
                         drafted_at=row["drafted_at"], cosignatures=[
                             CoSignatureOut(expert_id=c["expert"], agrees=c["agrees"], reason=c["reason"],
                                            signed_by=c["signed_by"], signed_at=c["signed_at"]) for c in signatures])


async def _check_member(request_id: int, reader: Reader) -> None:
    members = {m["expert_id"] for m in await members_of(request_id)}
    if reader.expert_id not in members:
        raise forbidden("not a member", "request_id", "只有本次论证已接受邀请的专家可以查看")


async def argument_state(request_id: int) -> tuple[PanelRequest, list[dict], ArgumentState]:
    request = await get_or_404(PanelRequest, request_id, "panel request", "request_id")
    members = await members_of(request_id)
    invitation_ids = [m["invitation_id"] for m in members]
    signed_invitations = {o["invitation"] for o in await OpinionText.select(OpinionText.invitation).where(
        OpinionText.invitation.is_in(invitation_ids))} if invitation_ids else set()
    by_invitation = {m["invitation_id"]: m["expert_id"] for m in members}
    cosigned = {c["expert"] for c in await CoSignature.select(CoSignature.expert).where(
        CoSignature.request == request_id)}
    state = ArgumentState(
        mode=request.mode, members=tuple(m["expert_id"] for m in members),
        signed=frozenset(by_invitation[i] for i in signed_invitations),
        minutes=await ArgumentMinutes.exists().where(ArgumentMinutes.request == request_id),
        leader=await _leader(request), draft=await GroupDraft.exists().where(GroupDraft.request == request_id),
        cosigned=frozenset(cosigned))
    return request, members, state


def _missing_out(missing: list[FieldError]) -> list[MissingOut]:
    return [MissingOut(field=m.field, reason=m.reason, rule_id=m.rule_id) for m in missing]


async def argument(request_id: int) -> ArgumentOut:
    """Whether the argument is complete for its mode, and what is missing (R-PANEL-5)."""
    request, _members, state = await argument_state(request_id)
    missing = argument_missing(state)
    return ArgumentOut(request_id=request_id, mode=request.mode, complete=not missing, missing=_missing_out(missing),
                       report_issued=await ArgumentReport.exists().where(ArgumentReport.request == request_id))


# --- 3. the argument report (论证报告) ------------------------------------------------------------------------
def _report_out(row: dict) -> ReportOut:
    return ReportOut(id=row["id"], request_id=row["request"], sha256=row["sha256"], issued_by=row["issued_by"],
                     issued_at=row["issued_at"], data=row["data"])


async def issue_report(request_id: int, by: str, now: datetime) -> ReportOut:
    """The unit assembles the report from what is on file, once (409), and only when the argument is complete
    for its mode (409 naming what is missing, R-PANEL-5); stored with the SHA-256 of its canonical JSON."""
    async with unit_of_work(transaction_factory=exclusive):
        await _writable(request_id)
        if await ArgumentReport.exists().where(ArgumentReport.request == request_id):
            raise conflict("report issued", "request_id", "论证报告已形成，不能再次生成", "R-PANEL-5")
        request, members, state = await argument_state(request_id)
        missing = argument_missing(state)
        if missing:
            raise StateConflict(detail="论证尚未完成，不能形成论证报告：" + "；".join(m.reason for m in missing),
                                errors=missing)
        item = await get_or_404(DecisionItem, request.item, "decision item")
        invitation_ids = [m["invitation_id"] for m in members]
        expert_of = {m["invitation_id"]: m["expert_id"] for m in members}
        opinions = {expert_of[o["invitation"]]: o for o in await OpinionText.select().where(
            OpinionText.invitation.is_in(invitation_ids))}
        attachments = {expert_of[a["invitation"]]: a for a in await OpinionAttachment.select().where(
            OpinionAttachment.invitation.is_in(invitation_ids))}
        minutes_row = await ArgumentMinutes.select().where(ArgumentMinutes.request == request_id).output(
            load_json=True).first()
        draft = await GroupDraft.select().where(GroupDraft.request == request_id).first()
        signatures = await CoSignature.select().where(CoSignature.request == request_id)
        data = assemble_report({"id": request.id, "purpose": request.purpose, "mode": request.mode},
                               {"id": item.id, "title": item.title}, members, opinions, attachments, minutes_row,
                               draft, signatures, by, now)
        digest = report_digest(data)
        row = ArgumentReport(request=request_id, data=data, sha256=digest, issued_by=by, issued_at=now)
        await row.save()
        touch(ArgumentReport, row.id)
        emit(ArgumentReportIssued(request_id, row.id, digest, by, now))
    return await show_report(request_id, Reader(role="office"))


async def _stored_report(request_id: int) -> dict:
    await get_or_404(PanelRequest, request_id, "panel request", "request_id")
    row = await ArgumentReport.select().where(ArgumentReport.request == request_id).output(load_json=True).first()
    if row is None:
        raise not_found("论证报告", request_id, "request_id")
    return row


async def show_report(request_id: int, reader: Reader) -> ReportOut:
    """The stored report: the unit (by the access rule), the office, the auditor and the report's members."""
    row = await _stored_report(request_id)
    if reader.role == "expert" and reader.expert_id not in {m["expert_id"] for m in row["data"]["members"]}:
        raise forbidden("not a member", "request_id", "只有本次论证的专家可以查看论证报告")
    return _report_out(row)


async def argument_report_data(request_id: int) -> dict:
    """The stored argument report as plain data, for rendering (the PDF of documents/): the assembled content
    (``data``: members, opinions, minutes or the group's draft, agreements, dissents), its ``sha256``, who issued
    it and when, and the current ``adoption`` (entries per member, or None). 404 (NotFound) while no report is
    stored."""
    row = await _stored_report(request_id)
    adoption = await ReportAdoption.select().where(ReportAdoption.report == row["id"]).order_by(
        ReportAdoption.id, ascending=False).output(load_json=True).first()
    return {"id": row["id"], "request_id": row["request"], "sha256": row["sha256"], "issued_by": row["issued_by"],
            "issued_at": row["issued_at"], "data": row["data"],
            "adoption": None if adoption is None else {
                "entries": adoption["entries"], "recorded_by": adoption["recorded_by"],
                "recorded_at": adoption["recorded_at"], "correction": adoption["original_of"] is None,
                "correction_reason": adoption["correction_reason"]}}


# --- 4. adoption (R-PANEL-7) ----------------------------------------------------------------------------------
def _adoption_out(row: dict) -> AdoptionOut:
    return AdoptionOut(id=row["id"], report_id=row["report"], correction=row["original_of"] is None,
                       correction_reason=row["correction_reason"],
                       entries=[AdoptionEntryOut(**e) for e in row["entries"]], recorded_by=row["recorded_by"],
                       role=row["role"], recorded_at=row["recorded_at"])


async def adopt(request_id: int, data: AdoptionIn, reader: Reader, by: str, now: datetime) -> AdoptionsOut:
    """The unit records, member by member, whether each opinion was adopted and why not, once; the office
    corrects with a reason (both kept). Each member whose opinion was not adopted is told why (a notice)."""
    async with unit_of_work(transaction_factory=exclusive):
        report = await _stored_report(request_id)
        recorded = await ReportAdoption.exists().where(ReportAdoption.original_of == report["id"])
        members = {m["expert_id"]: m for m in report["data"]["members"]}
        entries = [AdoptionEntry(e.expert_id, e.adopted, e.reason.strip()) for e in data.entries]
        check_adoption(list(members), entries, reader.role, recorded, data.reason)
        stored = [{"expert_id": e.expert_id, "invitation_id": members[e.expert_id]["invitation_id"],
                   "name": members[e.expert_id]["name"], "adopted": e.adopted,
                   "reason": "" if e.adopted else e.reason} for e in entries]
        correction = reader.role == "office"
        row = ReportAdoption(report=report["id"], original_of=None if correction else report["id"], entries=stored,
                             correction_reason=data.reason.strip() if correction else "", recorded_by=by,
                             role=reader.role, recorded_at=now)
        await row.save()
        touch(ReportAdoption, row.id)
        emit(ReportAdopted(request_id, report["id"], row.id, report["data"]["item"]["title"], correction,
                           tuple((e["expert_id"], e["reason"]) for e in stored if not e["adopted"]), by, now))
    return await adoptions(request_id)


async def adoptions(request_id: int) -> AdoptionsOut:
    """The report's adoption: the unit's record and the office's corrections (404 while none is recorded)."""
    report = await _stored_report(request_id)
    rows = await ReportAdoption.select().where(ReportAdoption.report == report["id"]).order_by(
        ReportAdoption.id).output(load_json=True)
    if not rows:
        raise not_found("采纳情况", request_id, "request_id")
    history = [_adoption_out(r) for r in rows]
    return AdoptionsOut(request_id=request_id, current=history[-1], history=history)
