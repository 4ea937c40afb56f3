"""Who can be drawn for an item: registry-eligible, conflict-free (回避, R-COI-*) and under the workload
caps; everyone left out is recorded with the stage and the reasons."""

from __future__ import annotations

import zlib
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date
from typing import Any

from assignment.domain.membership import ACTIVE, member_deadline, workload, workload_problem
from assignment.selection.constraints import Candidate
from assignment.tables import Invitation
from conflicts.live import LiveGraph
from conflicts.names import normalise
from conflicts.policy import Purpose
from conflicts.schemas import ConflictOut
from conflicts.services.checks import run_check, subject_status
from core.records import plain_rows, read_together, rows_for
from core.settings import get_settings
from registry.domain.institutions import InstitutionStanding, institution_eligibility
from registry.domain.specialties import subtree_codes
from registry.domain.vocab import CreditStatus
from registry.services.eligibility_facts import holders_of, stored_universe_facts
from registry.services.institutions import institution_pool_ids
from registry.services.specialties import all_specialties
from registry.services.standing import eligibility_for
from registry.tables import Employment, Expert, ExpertSpecialty, Institution

Exclusion = dict  # {kind, id, stage, reasons: [{rule_id, message, explanation}]}, as the panel record keeps it


def _active_invitations() -> Any:
    return Invitation.select(Invitation.subject_id, Invitation.deadline, Invitation.request.deadline,
                             Invitation.created_at).where(
        (Invitation.subject_kind == "expert") & Invitation.status.is_in(list(ACTIVE)))


def _workload_of(rows: Iterable[Any], day: date) -> tuple[Counter, Counter]:
    return workload(((r["subject_id"], member_deadline(r["deadline"], r["request.deadline"]), r["created_at"])
                     for r in rows), day)


async def _workload(expert_ids: list[int], day: date) -> tuple[Counter, Counter]:
    return _workload_of(await rows_for(_active_invitations(), Invitation.subject_id, expert_ids), day)


def _exclusion(kind: str, subject_id: int, stage: str, reasons: list[dict]) -> Exclusion:
    return {"kind": kind, "id": subject_id, "stage": stage, "reasons": reasons}


def conflict_exclusions(conflicts: Iterable[ConflictOut]) -> dict[tuple[str, int], Exclusion]:
    """The subjects the check keeps out (excluded, or possibly conflicted until confirmed), with reasons."""
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


def _current_jobs(day: date) -> Any:
    return Employment.select(Employment.id, Employment.expert, Employment.institution, Employment.employer_name,
                             Employment.start).where(
        (Employment.start <= day) & (Employment.end.is_null() | (Employment.end >= day)))


def _employers_of(jobs: Iterable[Any]) -> dict[int, int]:
    """Each expert's employer on the day (the latest started of the jobs current that day; ``jobs``: those rows):
    the institution, or a stable negative key for a free-text name."""
    latest: dict[int, Any] = {}
    for job in jobs:
        held = latest.get(job["expert"])
        if held is None or (job["start"], job["id"]) > (held["start"], held["id"]):
            latest[job["expert"]] = job
    return {expert: job["institution"] or -(zlib.crc32(normalise(job["employer_name"]).encode()) + 1)
            for expert, job in latest.items()}


def quota_index(wanted: dict[str, set[str]]) -> dict[str, frozenset[str]]:
    """Each specialty code → the quota specialties it counts for (its own and its ancestors' among ``wanted``)."""
    index: dict[str, set[str]] = defaultdict(set)
    for quota, codes in wanted.items():
        for code in codes:
            index[code].add(quota)
    return {code: frozenset(quotas) for code, quotas in index.items()}


def universe_codes(sub_pools: list[str], tree: Iterable) -> set[str] | None:
    """The specialty codes a draw's universe covers: every sub-pool named with its refinements (R-POOL-1);
    None when none is named (the whole pool)."""
    if not sub_pools:
        return None
    return set().union(*(subtree_codes(code, tree) for code in sub_pools))


async def expert_candidates(live: LiveGraph, item_id: int, purpose: Purpose, day: date, specialty_codes: list[str],
                            sub_pools: list[str] | None = None
                            ) -> tuple[list[Candidate], list[Exclusion], Counter, int]:
    """Registry-eligible, conflict-free experts under the workload caps, with their attributes; the
    exclusions, their counts by stage, and the conflict policy's version. The universe is the experts holding
    a specialty in ``sub_pools`` (their subtrees; issue 17), the whole pool when none is named; registry
    eligibility is read from the stored facts (``registry.services.eligibility_facts``)."""
    settings = get_settings()
    tree = await all_specialties()
    # an expert merged into another record (a duplicate decided "same", issue 13) is drawn as the record kept
    codes = universe_codes(sub_pools or [], tree)
    within = holders_of(codes) if codes is not None else None
    counts_for = quota_index({code: subtree_codes(code, tree) for code in specialty_codes})
    universe = Expert.select(Expert.id, Expert.sector, Expert.region).where(Expert.merged_into.is_null())
    jobs, active_invitations = _current_jobs(day), _active_invitations()
    if within is not None:  # the universe's rows, read at once by its sub-select (issue 17)
        universe = universe.where(Expert.id.is_in(within))
        jobs = jobs.where(Employment.expert.is_in(within))
        active_invitations = active_invitations.where(Invitation.subject_id.is_in(within))
    # only the links that count for a quota are read (the codes bound them: no sub-select)
    links = ExpertSpecialty.select(ExpertSpecialty.expert, ExpertSpecialty.specialty_code).where(
        ExpertSpecialty.specialty_code.is_in(sorted(counts_for) or [""]))
    people_rows, stored, link_rows, job_rows, invitation_rows = await read_together(
        plain_rows(universe), stored_universe_facts(day, codes), plain_rows(links), plain_rows(jobs),
        plain_rows(active_invitations))
    people = {r["id"]: r for r in people_rows}
    eligibility = dict(stored)
    if missing := [i for i in people if i not in eligibility]:  # no stored fact for the day: computed live
        eligibility.update(await eligibility_for(missing, day))
    exclusions, excluded = [], Counter()
    in_pool = []
    for i in sorted(eligibility):
        e = eligibility[i]
        if e.eligible:
            in_pool.append(i)
        else:
            excluded["registry"] += 1
            exclusions.append(_exclusion("expert", i, "registry", [
                {"rule_id": r.rule_id, "message": r.message, "explanation": ""} for r in e.reasons]))
    _, conflicts, version = await run_check(live, item_id, purpose, day, [("expert", i) for i in in_pool])
    conflicted = conflict_exclusions(conflicts)
    active, year = _workload_of(invitation_rows, day)
    specs_of: dict[int, frozenset[str]] = defaultdict(frozenset)
    for link in link_rows:
        specs_of[link["expert"]] |= counts_for[link["specialty_code"]]
    employer = _employers_of(job_rows)
    candidates = []
    for i in in_pool:
        specs = specs_of[i]
        busy = workload_problem(active[i], year[i], settings.max_active_panels, settings.max_panels_per_year)
        if ("expert", i) in conflicted:
            excluded["conflicts"] += 1
            for code in specs:
                excluded[f"conflicts.{code}"] += 1
            exclusions.append(conflicted[("expert", i)])
        elif busy:
            excluded["workload"] += 1
            exclusions.append(_exclusion("expert", i, "workload",
                                         [{"rule_id": "WORKLOAD", "explanation": "", "message": busy}]))
        else:
            candidates.append(Candidate(i, specs, employer.get(i), people[i]["sector"], people[i]["region"]))
    return candidates, exclusions, excluded, version


async def institution_candidates(live: LiveGraph, item_id: int, purpose: Purpose, day: date
                                 ) -> tuple[list[Candidate], list[Exclusion], Counter, int]:
    """Institutions of the evaluator pool in good standing with no conflict (R-POOL-8, R-COI-3, R-COI-4)."""
    pool = sorted(await institution_pool_ids())
    rows = {r["id"]: r for r in await rows_for(Institution.select(), Institution.id, pool)}
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
    _, conflicts, version = await run_check(live, item_id, purpose, day, [("institution", i) for i in ok])
    conflicted = conflict_exclusions(conflicts)
    candidates = []
    for i in ok:
        if ("institution", i) in conflicted:
            excluded["conflicts"] += 1
            exclusions.append(conflicted[("institution", i)])
        else:
            candidates.append(Candidate(i, frozenset(), None, rows[i]["kind"], rows[i]["region"]))
    return candidates, exclusions, excluded, version


async def no_longer_free(live: LiveGraph, kind: str, item_id: int, purpose: Purpose, day: date, drawn: list[int],
                         named: list[int]) -> set[int]:
    """Under the selection lock, after a plan made without it: those of the members drawn (``drawn``, and
    the out-of-pool experts ``named``) who would not be drawn now. Another request may have taken them to
    their workload cap, or a record written meanwhile made them ineligible or conflicted."""
    gone: set[int] = set()
    if kind == "expert":
        settings = get_settings()
        eligibility = await eligibility_for(drawn, day)
        active, year = await _workload(drawn, day)
        gone |= {i for i in drawn if not eligibility[i].eligible or workload_problem(
            active[i], year[i], settings.max_active_panels, settings.max_panels_per_year)}
    else:
        pool = set(await institution_pool_ids())
        rows = {r["id"]: r for r in await Institution.select().where(Institution.id.is_in(drawn or [-1]))}
        gone |= {i for i in drawn if i not in pool or i not in rows or institution_eligibility(InstitutionStanding(
            True, CreditStatus(rows[i]["credit_status"]), rows[i]["blacklisted"]))}
    subjects = [(kind, i) for i in drawn] + [("expert", i) for i in named]
    _, conflicts, _ = await run_check(live, item_id, purpose, day, subjects)
    return gone | {subject_id for _, subject_id in conflict_exclusions(conflicts)}


async def refusals(live: LiveGraph, kind: str, item_id: int, purpose: Purpose, day: date, ids: list[int]
                   ) -> dict[int, dict]:
    """Those of ``ids`` who could not be drawn today, each with the first reason why ({reason, rule_id, stage}):
    the same tests as a draw's candidates (``expert_candidates``, ``institution_candidates``): today's registry
    eligibility (dismissed, discredited, term ended, no commitment letter...), the workload caps, and today's
    conflict check. A replacement drawn from a panel's frozen candidate list must pass them (issue 13)."""
    out: dict[int, dict] = {}
    if kind == "expert":
        settings = get_settings()
        eligibility = await eligibility_for(ids, day)
        for i in ids:
            if not eligibility[i].eligible:
                first = eligibility[i].reasons[0] if eligibility[i].reasons else None
                out[i] = {"reason": first.message if first else "不符合入库条件",
                          "rule_id": first.rule_id if first else "", "stage": "registry"}
        active, year = await _workload([i for i in ids if i not in out], day)
        for i in ids:
            busy = None if i in out else workload_problem(active[i], year[i], settings.max_active_panels,
                                                          settings.max_panels_per_year)
            if busy:
                out[i] = {"reason": busy, "rule_id": "WORKLOAD", "stage": "workload"}
    else:
        pool = set(await institution_pool_ids())
        rows = {r["id"]: r for r in await Institution.select().where(Institution.id.is_in(ids or [-1]))}
        for i in ids:
            if i not in pool or i not in rows:
                out[i] = {"reason": "已不在第三方评估机构库中", "rule_id": "R-POOL-8", "stage": "registry"}
                continue
            reasons = institution_eligibility(InstitutionStanding(True, CreditStatus(rows[i]["credit_status"]),
                                                                  rows[i]["blacklisted"]))
            if reasons:
                out[i] = {"reason": reasons[0].message, "rule_id": reasons[0].rule_id, "stage": "registry"}
    rest = [i for i in ids if i not in out]
    if rest:
        _, conflicts, _ = await run_check(live, item_id, purpose, day, [(kind, i) for i in rest])
        for (_, subject_id), e in conflict_exclusions(conflicts).items():
            why = e["reasons"][0] if e["reasons"] else {"message": e["stage"], "rule_id": ""}
            out[subject_id] = {"reason": why["message"], "rule_id": why["rule_id"], "stage": e["stage"]}
    return out


async def busy_experts(expert_ids: list[int], day: date) -> dict[int, str]:
    """Those of ``expert_ids`` at a workload cap, with why: the caps bind experts added from outside the
    pool as they bind the drawn (R-PANEL-3)."""
    settings = get_settings()
    active, year = await _workload(expert_ids, day)
    found = {i: workload_problem(active[i], year[i], settings.max_active_panels, settings.max_panels_per_year)
             for i in expert_ids}
    return {i: why for i, why in found.items() if why}
