"""What each printable document shows, read through the services the API answers with (the registry's terms
and letters, the panel views and their verification), then rendered (``documents.rendering``)."""

from __future__ import annotations

from datetime import date
from typing import Any

from accounts.filing_package import filing_package
from assignment.procedure.report import argument_report_data
from assignment.services import views
from conflicts.live import LiveGraph
from core.records import get_or_404
from decisions.calendars import load_schedules
from decisions.domain.workdays import working_days_between
from decisions.tables import DecisionItem
from documents.formatting import (
    CHECK_LABELS,
    STAGE_LABELS,
    SUBJECT_KINDS,
    certificate_number,
    constraint_lines,
    summary_stage_counts,
)
from notifications.notices import MODES, PURPOSES
from registry.domain.letters import Commitment
from registry.services.office_views import letter_out
from registry.services.records import get_expert_record_or_404
from registry.tables import CommitmentLetter, Employment, Expert, ExpertSpecialty, Institution, Specialty, Term

INVITATION_LABELS = {"pending": "待答复", "accepted": "已接受", "declined": "已谢绝", "expired": "逾期未答复",
                     "awaiting_approval": "待政策法规处批准", "refused": "未获批准", "withdrawn": "已撤回"}
REQUEST_STATUS = {"active": "有效", "cancellation_requested": "已申请撤销，待政策法规处决定", "cancelled": "已撤销"}


async def specialty_names(codes: list[str]) -> dict[str, str]:
    if not codes:
        return {}
    rows = await Specialty.select(Specialty.code, Specialty.name).where(Specialty.code.is_in(codes))
    return {r["code"]: r["name"] for r in rows}


async def _expert(expert_id: int) -> Expert:
    return await get_or_404(Expert, expert_id, "expert", "expert_id")


async def _current_employer(expert_id: int) -> str:
    rows = await Employment.select(Employment.employer_name).where(
        (Employment.expert == expert_id) & Employment.end.is_null()).order_by(Employment.start, ascending=False)
    return "、".join(r["employer_name"] for r in rows)


async def certificate_data(expert_id: int, term_id: int, today: date) -> dict[str, Any]:
    """聘书: the office, the expert, their specialties and employer, the term and its certificate number."""
    expert = await _expert(expert_id)
    term = await get_expert_record_or_404(Term, term_id, "term", expert_id, "term_id")
    codes = [r["specialty_code"] for r in await ExpertSpecialty.select(ExpertSpecialty.specialty_code).where(
        ExpertSpecialty.expert == expert_id).order_by(ExpertSpecialty.specialty_code)]
    names = await specialty_names(codes)
    number = certificate_number(term.certificate_no, term.id, term.start)
    return {"expert": expert, "term": term, "number": number, "employer": await _current_employer(expert_id),
            "specialties_text": "、".join(names.get(c, c) for c in codes) or "（未登记）",
            "previous_term_id": term.previous, "issued_on": term.start, "printed_on": today}


async def letter_data(expert_id: int, letter_id: int, today: date) -> dict[str, Any]:
    """专家承诺书 as signed: the text of the version signed, the four commitments, who signed and when."""
    expert = await _expert(expert_id)
    row = await get_expert_record_or_404(CommitmentLetter, letter_id, "commitment letter", expert_id, "letter_id")
    letter = letter_out(row)
    term = await get_or_404(Term, letter.term_id, "term", "term_id")
    commitments = [{"label": c.label, "affirmed": letter.commitments.get(c.value) is True} for c in Commitment]
    return {"expert": expert, "letter": letter, "term": term, "commitments": commitments,
            "text_lines": [line for line in letter.text.split("\n") if line.strip()],
            "certificate_no": certificate_number(term.certificate_no, term.id, term.start),
            "recorded_at": row.created_at, "printed_on": today}


MAX_LISTED_EXCLUSIONS = 500  # rows printed in a selection record; the rest: the paged endpoint or the export


async def selection_record_data(live: LiveGraph, request_id: int, today: date) -> dict[str, Any]:
    """专家抽取记录 for filing: the item, the request and its constraints, the first draw's candidates and
    exclusions by stage with their rule ids, the members and their chance, seed and candidate hash, each
    replacement, the invitations, and each panel record's verification re-run at printing time."""
    request = await views.request_view(live, request_id, today)
    panels = await views.panel_history(live, request_id)
    item = await get_or_404(DecisionItem, request.item_id, "decision item", "item_id")
    unit = None
    if item.drafting_unit is not None:
        row = await Institution.select(Institution.name).where(Institution.id == item.drafting_unit).first()
        unit = row["name"] if row else None
    draw = panels[0]
    replacements = []
    for before, after in zip(panels, panels[1:], strict=False):
        old = {m.subject.id: m.subject.name for m in before.members}
        new = {m.subject.id: m.subject.name for m in after.members}
        replacements.append({"panel": after, "left": [f"{n}（{i}）" for i, n in old.items() if i not in new],
                             "joined": [f"{n}（{i}）" for i, n in new.items() if i not in old]})
    schedules = await load_schedules()
    # issue 17: the exclusions are rows of their own; the record lists them all for a small pool, up to a bound
    page = await views.request_exclusions(live, request_id, None, None, None, 0, MAX_LISTED_EXCLUSIONS)
    listed, total = page.items, page.total
    return {
        "request": request, "item": {"id": item.id, "title": item.title, "unit": unit},
        "purpose": PURPOSES.get(request.purpose, request.purpose), "mode": MODES.get(request.mode, request.mode),
        "kind": SUBJECT_KINDS.get(request.subject_kind, request.subject_kind),
        "status": REQUEST_STATUS.get(request.status, request.status),
        "constraint_lines": constraint_lines(draw.constraints,
                                             await specialty_names(list(draw.constraints.get("min_per_specialty")
                                                                        or {}) + list(draw.constraints.get(
                                                                            "universe") or []))),
        "study_days": working_days_between(request.handover_on, request.deadline, schedules),
        "draw": draw, "stage_counts": summary_stage_counts(draw.exclusions_summary.by_stage),
        "rule_counts": sorted(draw.exclusions_summary.by_rule.items()), "stage_labels": STAGE_LABELS,
        "exclusions": listed, "exclusions_total": total, "listed_limit": MAX_LISTED_EXCLUSIONS,
        "replacements": replacements, "verifications": [await views.verify(p.id) for p in panels],
        "check_labels": CHECK_LABELS, "invitation_labels": INVITATION_LABELS, "printed_on": today,
    }


async def argument_report_context(request_id: int, today: date) -> dict[str, Any]:
    """论证报告 as stored (404 while none is): the members, each signed opinion, the minutes or the group's
    draft with agreements and dissents, and the SHA-256 of the stored content (R-PANEL-5, R-DUTY-2)."""
    report = await argument_report_data(request_id)
    data = report["data"]
    return {"report": report, "data": data, "purpose": PURPOSES.get(data.get("purpose", ""), data.get("purpose", "")),
            "mode": MODES.get(data.get("mode", ""), data.get("mode", "")), "printed_on": today}


async def filing_package_context(item_id: int, today: date) -> dict[str, Any]:
    """归档材料包: the item's whole record as ``filing_package`` gives it (R-REC-3), with its SHA-256 and its check
    against the record's hash chain (R-REC-1)."""
    package = await filing_package(item_id, today=today)
    item = package.get("item") or {}
    unit = None
    if item.get("drafting_unit") is not None:
        row = await Institution.select(Institution.name).where(Institution.id == item["drafting_unit"]).first()
        unit = row["name"] if row else None
    return {"package": package, "item": item, "unit": unit, "filing": package.get("filing"),
            "entries_check": package.get("entries_verification") or {},
            "record_check": package.get("record_verification") or {}, "purposes": PURPOSES, "modes": MODES,
            "invitation_labels": INVITATION_LABELS, "request_status": REQUEST_STATUS, "printed_on": today}
