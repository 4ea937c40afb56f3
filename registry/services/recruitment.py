"""Public recruitment (公开遴选): calls, applications, qualification review, collective decision and
appointment (R-POOL-2, R-POOL-3)."""

from __future__ import annotations

from datetime import date

from core.errors import ErrorCollector, invalid
from core.records import get_or_404
from core.uow import unit_of_work
from registry import schemas as s
from registry.domain import recruitment as rec
from registry.domain.refusals import duplicate
from registry.inputs import add_day_problems, cleaned, taken_in
from registry.services.experts import create_expert
from registry.services.records import json_list
from registry.services.specialties import all_specialties, check_specialty_codes
from registry.services.standing import load_standing
from registry.services.terms import open_term
from registry.tables import Application, Expert, ExpertSpecialty, Institution, RecruitmentCall, Term


async def create_call(data: s.CallCreate) -> RecruitmentCall:
    data = cleaned(data)
    errors = ErrorCollector()
    add_day_problems(data, errors)
    if data.closes_on < data.opens_on:
        errors.add("closes_on", f"截止日期 {data.closes_on} 早于开始日期 {data.opens_on}")
    await check_specialty_codes(data.specialty_codes, "specialty_codes", errors)
    errors.raise_if_any("遴选公告不符合要求")
    row = RecruitmentCall(title=data.title, specialty_codes=data.specialty_codes, description=data.description,
                          opens_on=data.opens_on, closes_on=data.closes_on)
    async with unit_of_work():
        await row.save()
    return row


async def submit_application(call_id: int, data: s.ApplicationCreate, today: date) -> Application:
    """Apply to an open call with a new candidate's profile or as a registered expert."""
    call = await get_or_404(RecruitmentCall, call_id, "recruitment call", "call_id")
    errors = ErrorCollector()
    add_day_problems(data, errors)  # the candidate's employments too, named "expert.employments[i].start"
    errors.raise_if_any("报名不符合要求")
    data = cleaned(data)
    rec.check_call_open(call.opens_on, call.closes_on, data.applied_on or today)
    if (data.expert is None) == (data.expert_id is None):
        raise invalid("expert", "请在 expert 中填写新申请人的信息，或在 expert_id 中填写已登记专家的编号（二者择一）")
    if data.recommended_by_id is not None and not await Institution.exists().where(
            Institution.id == data.recommended_by_id):
        raise invalid("recommended_by_id", f"没有编号为 {data.recommended_by_id} 的机构")
    call_codes, tree = rec_codes(call.specialty_codes), await all_specialties()
    if data.expert is not None:  # a new candidate: checked against the call before anything is stored
        rec.check_within_call(data.expert.specialties, call_codes, tree, "expert.specialties")
    async with unit_of_work():  # every read below is inside the write transaction (taken at once)
        if data.expert is not None:
            expert_id = (await create_expert(data.expert, prefix="expert.")).id
        else:
            expert_id = (await get_or_404(Expert, data.expert_id, "expert", "expert_id")).id
            rec.check_may_be_recruited(await load_standing(expert_id), "expert_id")
            codes = [r["specialty_code"] for r in await ExpertSpecialty.select(ExpertSpecialty.specialty_code)
                     .where(ExpertSpecialty.expert == expert_id)]
            rec.check_within_call(codes, call_codes, tree, "expert_id")
            if await Application.exists().where((Application.call == call_id) & (Application.expert == expert_id)
                                                & (Application.state != rec.ApplicationState.WITHDRAWN.value)):
                raise duplicate("重复报名", "expert_id", "该专家已报名本次遴选", "R-POOL-2")
        row = Application(call=call_id, expert=expert_id, recommended_by=data.recommended_by_id,
                          recommendation_note=data.recommendation_note, state=rec.ApplicationState.SUBMITTED.value,
                          findings=[], reasons=[])
        await row.save()
    return row


def rec_codes(value: object) -> list[str]:
    """A call's specialty codes (a JSON column: a list, or its text when read without load_json)."""
    return [str(c) for c in json_list(value)]


async def _application_at(application_id: int, step: rec.ApplicationStep) -> Application:
    row = await get_or_404(Application, application_id, "application")
    rec.require_step(rec.ApplicationState(row.state), step)
    return row


async def review_qualification(application_id: int, data: s.QualificationReviewIn) -> Application:
    row = await _application_at(application_id, rec.ApplicationStep.QUALIFICATION_REVIEW)
    data = cleaned(data)
    rec.check_may_be_recruited(await load_standing(row.expert), "expert_id")  # discredited since applying
    findings = [rec.ConditionFinding(f.condition, f.met, f.note) for f in data.findings]
    rec.check_findings_complete(findings)
    state, reasons = rec.qualification_outcome(findings)
    row.state, row.reasons = state.value, reasons
    row.findings = [{"condition": f.condition.value, "label": f.condition.label, "met": f.met, "note": f.note}
                    for f in findings]
    async with unit_of_work():
        await row.save()
    return row


async def decide_collectively(application_id: int, data: s.CollectiveDecisionIn) -> Application:
    row = await _application_at(application_id, rec.ApplicationStep.COLLECTIVE_DECISION)
    data = taken_in(data, "集体讨论结果不符合要求")
    if data.approved:
        rec.check_may_be_recruited(await load_standing(row.expert), "expert_id")
    row.state = (rec.ApplicationState.APPROVED if data.approved else rec.ApplicationState.NOT_APPROVED).value
    row.decision_meeting_on, row.decision_note = data.meeting_on, data.note
    async with unit_of_work():
        await row.save()
    return row


async def appoint(application_id: int, data: s.AppointmentIn) -> tuple[Application, Term]:
    """Appointment in the office's name: a term of at most three years and a certificate (聘书)."""
    row = await _application_at(application_id, rec.ApplicationStep.APPOINTMENT)
    data = taken_in(data, "聘任不符合要求")
    async with unit_of_work():
        term = await open_term(row.expert, data.start, data.end, data.certificate_no, previous_id=None)
        row.state, row.certificate_no, row.term = rec.ApplicationState.APPOINTED.value, data.certificate_no, term.id
        await row.save()
    return row, term


async def withdraw(application_id: int, data: s.WithdrawalIn) -> Application:
    row = await _application_at(application_id, rec.ApplicationStep.WITHDRAWAL)
    data = cleaned(data)
    row.state, row.decision_note = rec.ApplicationState.WITHDRAWN.value, data.reason
    async with unit_of_work():
        await row.save()
    return row
