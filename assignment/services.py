"""Panel requests: validation (R-PANEL-1/3/4), eligibility (registry, conflicts, workload), the draw,
invitations, declines and replacements, opinions. The selection itself is ``assignment.selection``."""

from __future__ import annotations

import asyncio
import random
import secrets
import zlib
from collections import Counter, defaultdict
from datetime import date, datetime

from assignment import schemas as s
from assignment.selection.constraints import Candidate, Constraints, Infeasible, candidates_hash
from assignment.selection.plan import Plan, draw, replacement
from assignment.selection.planner import plan_panel
from assignment.tables import Invitation, Panel, PanelRequest
from assignment.workdays import add_working_days
from conflicts.live import live_graph, synced_live_graph
from conflicts.names import normalise
from conflicts.schemas import NodeOut
from conflicts.services.checks import run_check, subject_status
from decisions.services import item_minimum_panel
from decisions.tables import DecisionItem
from core.errors import ErrorCollector, conflict, invalid
from core.locks import exclusive
from core.records import get_or_404
from core.uow import unit_of_work
from core.settings import get_settings
from notifications import events
from registry.domain.institutions import InstitutionStanding, institution_eligibility
from registry.domain.specialties import subtree_codes
from registry.domain.vocab import CreditStatus
from registry.services.institutions import institution_pool_ids
from registry.services.specialties import all_specialties, check_specialty_codes
from registry.services.standing import eligibility_for
from registry.tables import Decline, Employment, Expert, ExpertSpecialty, Institution

STUDY_WORKING_DAYS = 7  # R-PANEL-4
ACTIVE = ("pending", "accepted")


def _node(kind: str, subject_id: int) -> NodeOut:
    return NodeOut(kind, subject_id, live_graph().graph.name((kind, subject_id)))


# --- eligibility -----------------------------------------------------------------------------------
async def _workload(expert_ids: list[int], day: date) -> tuple[Counter, Counter]:
    """Panels each expert is on now (deadline not passed) and this calendar year."""
    rows = await Invitation.select(Invitation.subject_id, Invitation.request.deadline, Invitation.created_at).where(
        (Invitation.subject_kind == "expert") & Invitation.status.is_in(list(ACTIVE))
        & Invitation.subject_id.is_in(expert_ids or [-1]))
    active, year = Counter(), Counter()
    for r in rows:
        if r["request.deadline"] >= day:
            active[r["subject_id"]] += 1
        if r["created_at"].year == day.year:
            year[r["subject_id"]] += 1
    return active, year


def _exclusion(kind: str, subject_id: int, stage: str, reasons: list[dict]) -> dict:
    return {"kind": kind, "id": subject_id, "stage": stage, "reasons": reasons}


def _conflict_exclusions(conflicts) -> dict[tuple[str, int], dict]:
    by_subject = defaultdict(list)
    for c in conflicts:
        by_subject[(c.subject.kind, c.subject.id)].append(c)
    out = {}
    for node, found in by_subject.items():
        status = subject_status(found)
        if status == "clear":
            continue  # every conflict of this candidate was dismissed as a false positive
        stage = "conflict" if status == "excluded" else "possible_conflict"
        out[node] = _exclusion(node[0], node[1], stage, [
            {"rule_id": c.rule_id, "message": c.sentence + ("（待确认）" if c.status == "possible" else ""),
             "explanation": c.explanation} for c in found if c.status != "dismissed"])
    return out


async def expert_candidates(item_id: int, purpose, day: date, specialty_codes: list[str]):
    """Registry-eligible, conflict-free experts under the workload caps, with their attributes."""
    settings = get_settings()
    ids = [r["id"] for r in await Expert.select(Expert.id).order_by(Expert.id)]
    eligibility = await eligibility_for(ids, day)
    exclusions, excluded = [], Counter()
    in_pool = []
    for i in ids:
        e = eligibility[i]
        if e.eligible:
            in_pool.append(i)
        else:
            excluded["registry"] += 1
            exclusions.append(_exclusion("expert", i, "registry", [
                {"rule_id": r.rule_id, "message": r.message, "explanation": ""} for r in e.reasons]))
    _, conflicts, version = await run_check(await synced_live_graph(), item_id, purpose, day, [("expert", i) for i in in_pool])
    conflicted = _conflict_exclusions(conflicts)
    active, year = await _workload(in_pool, day)
    tree = await all_specialties()
    wanted = {code: subtree_codes(code, tree) for code in specialty_codes}
    held = defaultdict(set)
    for link in await ExpertSpecialty.select().where(ExpertSpecialty.expert.is_in(in_pool or [-1])):
        held[link["expert"]].add(link["specialty_code"])
    employer = {}
    for job in await Employment.select().where(Employment.expert.is_in(in_pool or [-1])).order_by(Employment.start):
        if job["start"] <= day and (job["end"] is None or job["end"] >= day):
            employer[job["expert"]] = job["institution"] or -(zlib.crc32(normalise(job["employer_name"]).encode()) + 1)
    people = {r["id"]: r for r in await Expert.select(Expert.id, Expert.sector, Expert.region).where(
        Expert.id.is_in(in_pool or [-1]))}
    candidates = []
    for i in in_pool:
        specs = frozenset(code for code, codes in wanted.items() if held[i] & codes)
        if ("expert", i) in conflicted:
            excluded["conflicts"] += 1
            for code in specs:
                excluded[f"conflicts.{code}"] += 1
            exclusions.append(conflicted[("expert", i)])
        elif active[i] >= settings.max_active_panels or year[i] >= settings.max_panels_per_year:
            excluded["workload"] += 1
            exclusions.append(_exclusion("expert", i, "workload", [{
                "rule_id": "WORKLOAD", "explanation": "",
                "message": f"on {active[i]} active panels (limit {settings.max_active_panels}), "
                           f"{year[i]} this year (limit {settings.max_panels_per_year})"}]))
        else:
            candidates.append(Candidate(i, specs, employer.get(i), people[i]["sector"], people[i]["region"]))
    return candidates, exclusions, excluded, version


async def institution_candidates(item_id: int, purpose, day: date):
    """Institutions of the evaluator pool in good standing with no conflict (R-POOL-8, R-COI-3, R-COI-4)."""
    pool = sorted(await institution_pool_ids())
    rows = {r["id"]: r for r in await Institution.select().where(Institution.id.is_in(pool or [-1]))}
    exclusions, excluded, ok = [], Counter(), []
    for i in pool:
        reasons = institution_eligibility(InstitutionStanding(True, CreditStatus(rows[i]["credit_status"]),
                                                              rows[i]["blacklisted"]))
        if reasons:
            excluded["registry"] += 1
            exclusions.append(_exclusion("institution", i, "registry", [
                {"rule_id": r.rule_id, "message": r.message, "explanation": ""} for r in reasons]))
        else:
            ok.append(i)
    _, conflicts, version = await run_check(await synced_live_graph(), item_id, purpose, day, [("institution", i) for i in ok])
    conflicted = _conflict_exclusions(conflicts)
    candidates = []
    for i in ok:
        if ("institution", i) in conflicted:
            excluded["conflicts"] += 1
            exclusions.append(conflicted[("institution", i)])
        else:
            candidates.append(Candidate(i, frozenset(), None, rows[i]["kind"], rows[i]["region"]))
    return candidates, exclusions, excluded, version


# --- requests --------------------------------------------------------------------------------------
def _candidate_json(c: Candidate) -> dict:
    return {"id": c.id, "specialties": sorted(c.specialties), "employer": c.employer, "sector": c.sector,
            "region": c.region}


def _candidate_from(d: dict) -> Candidate:
    return Candidate(d["id"], frozenset(d["specialties"]), d["employer"], d["sector"], d["region"])


def constraints_from(d: dict) -> Constraints:
    return Constraints(d["size"], d["min_per_specialty"], d["max_per_employer"], d["max_per_sector"],
                       d["max_per_region"], frozenset(d["dissenting"]))


async def _validate_request(data: s.PanelRequestIn, item: DecisionItem) -> tuple[date, bool]:
    errors = ErrorCollector()
    minimum = item_minimum_panel(item) if data.subject_kind == "expert" else 1
    if data.size < minimum:
        why = "the item is marked wide in scope, controversial, complex or sensitive" if minimum == 7 else "always"
        errors.add("size", f"at least {minimum} experts are needed ({why}); {data.size} requested", "R-PANEL-1")
    earliest = add_working_days(data.handover_on, STUDY_WORKING_DAYS)
    if data.deadline is not None and data.deadline < earliest.day:
        errors.add("deadline", f"at least {STUDY_WORKING_DAYS} working days of study after hand-over on "
                               f"{data.handover_on}: the earliest allowed deadline is {earliest.day}", "R-PANEL-4")
    await check_specialty_codes(list(data.balance.min_per_specialty), "balance.min_per_specialty", errors)
    if data.subject_kind == "institution" and (data.out_of_pool or data.balance.min_per_specialty):
        errors.add("subject_kind", "institutions are drawn from the evaluator pool without specialty quotas or "
                                   "out-of-pool additions")
    table = Expert if data.subject_kind == "expert" else Institution
    if data.balance.dissenting_ids:
        known = {r["id"] for r in await table.select(table.id).where(table.id.is_in(data.balance.dissenting_ids))}
        for n, i in enumerate(data.balance.dissenting_ids):
            if i not in known:
                errors.add(f"balance.dissenting_ids[{n}]", f"no {data.subject_kind} with id {i}")
    if data.out_of_pool:
        ids = [o.expert_id for o in data.out_of_pool]
        known = {r["id"] for r in await Expert.select(Expert.id).where(Expert.id.is_in(ids))}
        for n, o in enumerate(data.out_of_pool):
            if o.expert_id not in known:
                errors.add(f"out_of_pool[{n}].expert_id", f"no expert with id {o.expert_id}")
            elif ids.index(o.expert_id) != n:
                errors.add(f"out_of_pool[{n}].expert_id", "named twice")
    errors.raise_if_any("panel request refused")
    # Provisional when the seven working days ran into a year the holiday calendar does not know yet.
    return data.deadline or earliest.day, earliest.provisional


async def create_request(data: s.PanelRequestIn, today: date, now: datetime) -> PanelRequest:
    """Check, draw and store in one exclusive transaction, so concurrent requests see each other's
    invitations when they count workloads."""
    async with exclusive():
        return await _create_request(data, today, now)


async def _create_request(data: s.PanelRequestIn, today: date, now: datetime) -> PanelRequest:
    item = await get_or_404(DecisionItem, data.item_id, "decision item", "item_id")
    deadline, provisional = await _validate_request(data, item)
    if data.subject_kind == "expert":
        candidates, exclusions, excluded, version = await expert_candidates(
            item.id, data.purpose, today, list(data.balance.min_per_specialty))
    else:
        candidates, exclusions, excluded, version = await institution_candidates(item.id, data.purpose, today)
    out_of_pool = [o for o in data.out_of_pool]
    if out_of_pool:  # R-PANEL-3: the same conflict check as everyone else
        _, conflicts, _ = await run_check(await synced_live_graph(), item.id, data.purpose, today, [("expert", o.expert_id) for o in out_of_pool])
        blocked = _conflict_exclusions(conflicts)
        errors = ErrorCollector()
        for n, o in enumerate(out_of_pool):
            if ("expert", o.expert_id) in blocked:
                first = blocked[("expert", o.expert_id)]["reasons"][0]
                errors.add(f"out_of_pool[{n}].expert_id", first["message"], first["rule_id"])
        errors.raise_if_any("out-of-pool expert refused")
        extra = {o.expert_id for o in out_of_pool}
        candidates = [c for c in candidates if c.id not in extra]
    balance = data.balance
    expert_panel = data.subject_kind == "expert"
    constraints = Constraints(
        size=data.size, min_per_specialty=dict(balance.min_per_specialty),
        max_per_employer=balance.max_per_employer if expert_panel else None,
        max_per_sector=(balance.max_per_sector or (data.size + 1) // 2) if expert_panel and data.size > 1 else None,
        max_per_region=dict(balance.max_per_region), dissenting=frozenset(balance.dissenting_ids))
    plan = await asyncio.to_thread(plan_panel, candidates, constraints, excluded)
    seed = data.seed if data.seed is not None else secrets.randbits(63)
    by_id = {c.id: c for c in candidates}
    members = draw(plan, by_id, constraints, seed)
    everyone = members + [o.expert_id for o in out_of_pool]
    leader = random.Random(seed + 1).choice(everyone) if data.mode == "group" else None
    answer_by = add_working_days(today, data.answer_working_days).day
    async with unit_of_work():
        request = PanelRequest(
            item=item.id, subject_kind=data.subject_kind, purpose=data.purpose.value, mode=data.mode, size=data.size,
            handover_on=data.handover_on, deadline=deadline, deadline_provisional=provisional,
            answer_working_days=data.answer_working_days, constraints=constraints.as_dict(),
            out_of_pool=[{"expert_id": o.expert_id, "reason": o.reason} for o in out_of_pool],
            requested_by=data.requested_by)
        await request.save()
        panel = Panel(
            panel_request=request.id, seed=str(seed), candidates=[_candidate_json(c) for c in candidates],
            candidates_hash=candidates_hash(candidates, constraints), constraints=constraints.as_dict(),
            plan=plan.to_dict(), probabilities={str(k): v for k, v in plan.probabilities().items()},
            exclusions=exclusions, members=members, out_of_pool=request.out_of_pool, leader=leader,
            policy_version=version, deadline=deadline, min_probability=plan.min_probability,
            upper_bound=plan.upper_bound, notes=plan.notes, created_at=now)
        await panel.save()
        invitations = [Invitation(request=request.id, panel=panel.id, subject_kind=data.subject_kind, subject_id=i,
                                  leader=i == leader, answer_by=answer_by, created_at=now) for i in everyone]
        await Invitation.insert(*invitations)
        await events.invited(invitations, request, item.title, now)
        await events.panel_drawn(request, item, len(everyone), str(seed), now)
    return request


# --- views -----------------------------------------------------------------------------------------
def panel_out(p: dict, kind: str) -> s.PanelOut:
    reasons = {o["expert_id"]: o["reason"] for o in p["out_of_pool"]}
    members = [s.MemberOut(_node(kind, i), p["probabilities"].get(str(i)), "", p["leader"] == i) for i in p["members"]]
    members += [s.MemberOut(_node("expert", i), None, why, p["leader"] == i) for i, why in reasons.items()]
    return s.PanelOut(
        p["id"], p["panel_request"], p["supersedes"], p["change_reason"], p["seed"], p["candidates_hash"],
        len(p["candidates"]), p["constraints"], members,
        [s.ExclusionOut(_node(e["kind"], e["id"]), e["stage"], [s.ReasonOut(**r) for r in e["reasons"]])
         for e in p["exclusions"]],
        p["min_probability"], p["upper_bound"], p["policy_version"], p["deadline"], list(p["notes"]), p["created_at"])


def opinion_status(submitted: date | None, deadline: date, today: date) -> str:
    if submitted is not None:
        return "on_time" if submitted <= deadline else "late"
    return "missing" if today > deadline else "pending"


def invitation_out(inv: dict, deadline: date, today: date) -> s.InvitationOut:
    opinion = opinion_status(inv["opinion_submitted_on"], deadline, today) if inv["status"] == "accepted" else "not_applicable"
    return s.InvitationOut(inv["id"], inv["request"], inv["panel"], _node(inv["subject_kind"], inv["subject_id"]),
                           inv["leader"], inv["status"], inv["answer_by"], inv["answered_at"], inv["decline_reason"],
                           inv["good_reason"], inv["replaced_by"], opinion, inv["opinion_submitted_on"])


async def _panels_of(request_id: int) -> list[dict]:
    return await Panel.select().where(Panel.panel_request == request_id).order_by(Panel.id).output(load_json=True)


async def request_view(request_id: int, today: date) -> s.PanelRequestOut:
    r = await get_or_404(PanelRequest, request_id, "panel request")
    await live_graph().sync()
    panels = await _panels_of(request_id)
    invitations = await Invitation.select().where(Invitation.request == request_id).order_by(Invitation.id)
    item = await get_or_404(DecisionItem, r.item, "decision item")
    report = "not_applicable" if r.mode != "group" else opinion_status(r.leader_report_on, r.deadline, today)
    return s.PanelRequestOut(
        r.id, r.item, r.subject_kind, r.purpose, r.mode, r.size,
        item_minimum_panel(item) if r.subject_kind == "expert" else 1, r.handover_on, r.deadline,
        r.deadline_provisional, add_working_days(r.handover_on, STUDY_WORKING_DAYS).day, r.requested_by,
        panel_out(panels[-1], r.subject_kind), [invitation_out(i, r.deadline, today) for i in invitations], report)


async def list_requests(item_id: int | None, offset: int, limit: int, today: date,
                        unit: int | None = None) -> list[s.PanelRequestOut]:
    query = PanelRequest.select(PanelRequest.id).order_by(PanelRequest.id).offset(offset).limit(limit)
    if unit is not None:
        query = query.where(PanelRequest.item.drafting_unit == unit)
    if item_id is not None:
        query = query.where(PanelRequest.item == item_id)
    return [await request_view(r["id"], today) for r in await query]


async def panel_history(request_id: int) -> list[s.PanelOut]:
    request = await get_or_404(PanelRequest, request_id, "panel request")
    await live_graph().sync()
    return [panel_out(p, request.subject_kind) for p in await _panels_of(request_id)]


async def panel_record(panel_id: int) -> dict:
    await get_or_404(Panel, panel_id, "panel")
    return (await Panel.select().where(Panel.id == panel_id).output(load_json=True))[0]


async def verify(panel_id: int) -> s.VerificationOut:
    """Re-run the draw from the record alone: the frozen candidates, the constraints and the seed."""
    p = await panel_record(panel_id)
    if p["supersedes"] is not None:
        raise conflict("not an original draw", "panel_id",
                       f"this record replaces a member of panel {p['supersedes']}; verify the original draw")
    candidates = [_candidate_from(c) for c in p["candidates"]]
    constraints = constraints_from(p["constraints"])
    plan = await asyncio.to_thread(plan_panel, candidates, constraints)
    redrawn = draw(plan, {c.id: c for c in candidates}, constraints, int(p["seed"]))
    return s.VerificationOut(panel_id, candidates_hash(candidates, constraints) == p["candidates_hash"],
                             redrawn == p["members"], p["members"], redrawn)


# --- invitations -----------------------------------------------------------------------------------
async def _replace(inv: Invitation, why: str, today: date, now: datetime) -> tuple[Invitation | None, dict | None, str]:
    """Draw a replacement keeping every constraint; record it as a new panel record pointing back."""
    request = await get_or_404(PanelRequest, inv.request, "panel request")
    latest = (await _panels_of(request.id))[-1]
    if inv.subject_id not in latest["members"]:
        return None, None, "an out-of-pool member is not replaced by a draw"
    candidates = {c["id"]: _candidate_from(c) for c in latest["candidates"]}
    constraints = constraints_from(latest["constraints"])
    unavailable = {r["subject_id"] for r in await Invitation.select(Invitation.subject_id).where(
        Invitation.request == request.id)}
    number = len(await _panels_of(request.id))
    for attempt in range(20):
        try:
            new_id = replacement(candidates, constraints, latest["members"], inv.subject_id, unavailable,
                                 int(latest["seed"]) + 1000 * number + attempt)
        except Infeasible as exc:
            return None, None, exc.shortfalls[0].message
        # records may have changed since the draw: the replacement passes today's check
        _, conflicts, _ = await run_check(await synced_live_graph(), request.item, request.purpose, today, [(request.subject_kind, new_id)])
        if subject_status(conflicts) == "clear":
            break
        unavailable.add(new_id)
    else:
        return None, None, "every possible replacement now has a conflict"
    members = sorted([m for m in latest["members"] if m != inv.subject_id] + [new_id])
    leader = latest["leader"]
    if leader == inv.subject_id:
        leader = new_id
    async with unit_of_work():
        panel = Panel(**{k: v for k, v in latest.items() if k not in ("id", "created_at")})
        panel.panel_request, panel.supersedes, panel.change_reason = request.id, latest["id"], why
        panel.members, panel.leader, panel.created_at = members, leader, now
        await panel.save()
        new = Invitation(request=request.id, panel=panel.id, subject_kind=request.subject_kind, subject_id=new_id,
                         leader=leader == new_id, answer_by=add_working_days(today, request.answer_working_days).day,
                         created_at=now)
        await new.save()
        await Invitation.update({Invitation.replaced_by: new.id}).where(Invitation.id == inv.id)
        item = await get_or_404(DecisionItem, request.item, "decision item")
        await events.invited([new], request, item.title, now)
        graph = live_graph().graph
        await events.replaced(request, item, graph.name((inv.subject_kind, inv.subject_id)),
                              graph.name((request.subject_kind, new_id)), why, panel.id, now)
    return new, (await Panel.select().where(Panel.id == panel.id).output(load_json=True))[0], ""


async def _decline(inv: Invitation, status: str, reason: str, good_reason: bool, today: date, now: datetime):
    async with exclusive():  # a replacement reads who is free, then invites: one at a time
        return await _decline_and_replace(inv, status, reason, good_reason, today, now)


async def _decline_and_replace(inv: Invitation, status: str, reason: str, good_reason: bool, today: date,
                               now: datetime):
    async with unit_of_work():
        inv.status, inv.answered_at, inv.decline_reason, inv.good_reason = status, now, reason, good_reason
        await inv.save()
        if inv.subject_kind == "expert":  # counted by the annual review (R-POOL-5(3))
            await Decline(expert=inv.subject_id, assignment_ref=f"panel-request:{inv.request}", declined_on=today,
                          reason=reason, good_reason=good_reason).save()
    who = live_graph().graph.name((inv.subject_kind, inv.subject_id))
    return await _replace(inv, f"{who} {'declined' if status == 'declined' else 'did not answer in time'}: {reason}",
                          today, now)


async def answer(invitation_id: int, data: s.AnswerIn, today: date, now: datetime) -> s.AnswerOut:
    inv = await get_or_404(Invitation, invitation_id, "invitation")
    if inv.status != "pending":
        raise conflict("invitation already answered", "id", f"this invitation is {inv.status}")
    request = await get_or_404(PanelRequest, inv.request, "panel request")
    if data.accept:
        inv.status, inv.answered_at = "accepted", now
        await inv.save()
        replacement_row, panel, shortfall = None, None, ""
    else:
        if not data.reason.strip():
            raise invalid("reason", "a decline needs a reason")
        replacement_row, panel, shortfall = await _decline(inv, "declined", data.reason.strip(), data.good_reason,
                                                           today, now)
    return await _answer_out(inv.id, replacement_row, panel, shortfall, request, today)


async def _invitation_view(invitation_id: int, request: PanelRequest, today: date) -> s.InvitationOut:
    row = await Invitation.select().where(Invitation.id == invitation_id).first()
    return invitation_out(row, request.deadline, today)


async def _answer_out(invitation_id: int, replacement_row: Invitation | None, panel: dict | None, shortfall: str,
                      request: PanelRequest, today: date) -> s.AnswerOut:
    """An answer as stored: the invitation, and the replacement and new panel record when one was drawn."""
    return s.AnswerOut(
        await _invitation_view(invitation_id, request, today),
        await _invitation_view(replacement_row.id, request, today) if replacement_row else None,
        panel_out(panel, request.subject_kind) if panel else None, shortfall)


async def expire_overdue(today: date, now: datetime) -> list[s.AnswerOut]:
    """Unanswered invitations past their answer date count as declined and are replaced."""
    out = []
    for row in await Invitation.objects().where((Invitation.status == "pending") & (Invitation.answer_by < today)):
        request = await get_or_404(PanelRequest, row.request, "panel request")
        new, panel, shortfall = await _decline(row, "expired", "no answer by the answer date", False, today, now)
        out.append(await _answer_out(row.id, new, panel, shortfall, request, today))
    return out


async def submit_opinion(invitation_id: int, data: s.SubmissionIn, today: date) -> s.InvitationOut:
    inv = await get_or_404(Invitation, invitation_id, "invitation")
    if inv.status != "accepted":
        raise conflict("not a member", "id", f"only an accepted invitation has an opinion; this one is {inv.status}")
    if inv.opinion_submitted_on is not None:
        raise conflict("opinion already recorded", "submitted_on", f"recorded as submitted on {inv.opinion_submitted_on}")
    if data.submitted_on > today:
        raise invalid("submitted_on", "cannot be in the future")
    inv.opinion_submitted_on = data.submitted_on
    await inv.save()
    request = await get_or_404(PanelRequest, inv.request, "panel request")
    return await _invitation_view(inv.id, request, today)


async def submit_leader_report(request_id: int, data: s.SubmissionIn, today: date) -> s.PanelRequestOut:
    request = await get_or_404(PanelRequest, request_id, "panel request")
    if request.mode != "group":
        raise conflict("not a group panel", "mode", "only group mode has a leader's report (R-PANEL-5)", "R-PANEL-5")
    if data.submitted_on > today:
        raise invalid("submitted_on", "cannot be in the future")
    request.leader_report_on = data.submitted_on
    await request.save()
    return await request_view(request_id, today)


async def participation(expert_id: int, year: int, today: date) -> dict[str, int]:
    """Invitations and opinions of one expert in a year, for the annual review (R-POOL-6)."""
    rows = await Invitation.select(Invitation.status, Invitation.opinion_submitted_on, Invitation.request.deadline,
                                   Invitation.created_at).where(
        (Invitation.subject_kind == "expert") & (Invitation.subject_id == expert_id))
    figures = Counter()
    for r in rows:
        if r["created_at"].year != year:
            continue
        figures["invitations"] += 1
        figures[r["status"]] += 1
        if r["status"] == "accepted":
            figures["opinions_" + opinion_status(r["opinion_submitted_on"], r["request.deadline"], today)] += 1
    return {k: figures.get(k, 0) for k in ("invitations", "accepted", "declined", "expired", "opinions_on_time",
                                           "opinions_late", "opinions_missing")}


def plan_of(p: dict) -> Plan:
    return Plan.from_dict(p["plan"])
