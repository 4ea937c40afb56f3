"""Load a generated world: institutions, experts, appointments, letters, a call, decision items and relations.

The graph is built from these rows when the service starts (``LiveGraph.load``)."""

from __future__ import annotations

from datetime import date, timedelta

from piccolo.table import Table

from conflicts.tables import Relation
from core.uow import unit_of_work
from decisions.tables import DecisionItem
from registry.datagen import World, generate
from registry.domain.identifiers import mask_citizen_id, mask_phone
from registry.domain.letters import Commitment
from registry.domain.terms import latest_term_end
from registry.privacy import get_vault
from registry.services.search import refresh_search_keys
from registry.tables import (
    CommitmentLetter,
    Dismissal,
    Employment,
    Expert,
    ExpertSpecialty,
    Institution,
    RecruitmentCall,
    Term,
)

INSERT_CHUNK = 1000  # rows per INSERT: PostgreSQL takes at most 32767 parameters in one statement


async def _insert(table: type[Table], rows: list) -> None:
    for start in range(0, len(rows), INSERT_CHUNK):
        await table.insert(*rows[start:start + INSERT_CHUNK])


async def load_world(world: World, today: date) -> dict[str, int]:
    """Insert the world's registry records; returns the counts. Duplicate people are left out
    (the registry refuses a second record with the same ID number)."""
    vault = get_vault()
    ids: dict[int, int] = {}
    async with unit_of_work():
        for inst in world.institutions:  # parents come before their schools
            parent = ids.get(inst.parent_id) if inst.parent_id is not None else None
            institution = Institution(name=inst.name, kind=inst.kind, uscc=inst.uscc, aliases=inst.aliases,
                                      parent=parent, region=inst.region, credit_status=inst.credit_status)
            await institution.save()
            ids[inst.id] = institution.id
        people = [e for e in world.experts if e.duplicate_of is None]
        expert_ids: dict[int, int] = {}
        for e in people:
            expert = Expert(name=e.name, gender=e.gender, id_number_encrypted=vault.encrypt(e.id_number),
                            id_number_digest=vault.digest(e.id_number), id_number_masked=mask_citizen_id(e.id_number),
                            phone_encrypted=vault.encrypt(e.phone), phone_masked=mask_phone(e.phone), email=e.email,
                            title=e.title, region=e.region, sector=e.sector)
            await expert.save()
            expert_ids[e.id] = expert.id
        await _insert(ExpertSpecialty, [ExpertSpecialty(expert=expert_ids[e.id], specialty_code=code)
                                       for e in people for code in e.specialties])
        await _insert(Employment, [Employment(expert=expert_ids[e.id], institution=ids[j.institution_id],
                                             employer_name=j.employer_name, position=j.position, start=j.start,
                                             end=j.end) for e in people for j in e.employments])
        await refresh_search_keys(expert_ids.values())  # ?q= finds them by pinyin and employer (issue 13)
        letters = {c.value: True for c in Commitment}
        appointed = dismissed = 0
        for n, e in enumerate(people):
            if n % 10 == 9:
                continue  # one in ten is a registered candidate without an appointment
            start = today - timedelta(days=30 * (n % 30))
            term = Term(expert=expert_ids[e.id], start=start, end=latest_term_end(start),
                        certificate_no=f"专家聘字{n + 1:04d}号")
            await term.save()
            appointed += 1
            if n % 10 != 8:  # one in ten has not signed the commitment letter yet
                await CommitmentLetter(expert=expert_ids[e.id], term=term.id, text_version="NMG-E-2020",
                                       commitments=letters, signed_on=start).save()
            if n % 50 == 7:
                await Dismissal(expert=expert_ids[e.id], reason_code="6", explanation="本人申请解聘",
                                effective_on=today - timedelta(days=5)).save()
                await Term.update({Term.ended_early_on: today - timedelta(days=5)}).where(Term.id == term.id)
                dismissed += 1
        item_ids: dict[int, int] = {}
        for item in world.items:
            decision = DecisionItem(title=item.title, drafting_unit=ids[item.drafting_unit_id],
                                    specialty_codes=item.specialties, wide_scope=item.wide_scope,
                                    controversial=item.controversial, complex=item.complex, opened_on=item.opened_on)
            await decision.save()
            item_ids[item.id] = decision.id
        node_ids = {"institution": ids, "expert": expert_ids, "item": item_ids}
        relations = [  # employment and hierarchy live on the registry records themselves
            Relation(kind=r.kind, source_kind=r.source[0], source_id=node_ids[r.source[0]][r.source[1]],
                     target_kind=r.target[0], target_id=node_ids[r.target[0]][r.target[1]], start=r.start, end=r.end,
                     role=r.detail if r.kind in ("relative_of", "interest_in") else "",
                     detail=r.detail, origin="import", entered_by="demo")
            for r in world.relations if r.kind not in ("employed_by", "part_of")
            and r.source[1] in node_ids[r.source[0]] and r.target[1] in node_ids[r.target[0]]]
        if relations:
            await _insert(Relation, relations)
        await RecruitmentCall(title=f"{today.year}年度重大行政决策论证专家公开遴选",
                              specialty_codes=["LAW", "ECON", "SOC"], opens_on=today - timedelta(days=10),
                              closes_on=today + timedelta(days=30),
                              description="面向社会公开遴选法律、经济、社会事业领域专家").save()
    return {"institutions": len(ids), "experts": len(expert_ids), "appointed": appointed, "dismissed": dismissed,
            "items": len(item_ids), "relations": len(relations)}


async def load_demo(today: date, experts: int = 300, seed: int = 2026) -> dict[str, int] | None:
    """Load the demo world once: a database that already has experts is left as it is."""
    if await Expert.count():
        return None
    return await load_world(generate(experts=experts, institutions=max(80, experts // 4), items=60, seed=seed), today)
