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
from registry.domain.search import search_key
from registry.domain.terms import latest_term_end
from registry.privacy import get_vault
from registry.services.eligibility_facts import refresh_all
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
    """Insert in chunks; piccolo gives each row object its new id (RETURNING on both engines)."""
    for start in range(0, len(rows), INSERT_CHUNK):
        await table.insert(*rows[start:start + INSERT_CHUNK])


async def _insert_institutions(world: World) -> dict[int, int]:
    """Institutions in chunks, a chunk ending before any institution whose parent it holds (the parent's id
    must be known first: schools come after their universities in the generated list)."""
    ids: dict[int, int] = {}
    chunk: list[tuple[int, Institution]] = []

    async def flush() -> None:
        await _insert(Institution, [row for _, row in chunk])
        ids.update((generated_id, row.id) for generated_id, row in chunk)
        chunk.clear()

    pending: set[int] = set()
    for inst in world.institutions:
        if inst.parent_id is not None and inst.parent_id in pending or len(chunk) >= INSERT_CHUNK:
            await flush()
            pending.clear()
        parent = ids.get(inst.parent_id) if inst.parent_id is not None else None
        chunk.append((inst.id, Institution(name=inst.name, kind=inst.kind, uscc=inst.uscc, aliases=inst.aliases,
                                           parent=parent, region=inst.region, credit_status=inst.credit_status)))
        pending.add(inst.id)
    await flush()
    return ids


def _distinct_people(world: World) -> list:
    """The world's people without its deliberate duplicates, and without a second person that a large world
    gave the same ID number by chance (the registry refuses a second record with one ID number)."""
    seen: set[str] = set()
    people = []
    for e in world.experts:
        if e.duplicate_of is None and e.id_number not in seen:
            seen.add(e.id_number)
            people.append(e)
    return people


async def load_world(world: World, today: date) -> dict[str, int]:
    """Insert the world's registry records in batches (a national pool loads in minutes, not hours); returns
    the counts. Duplicate people are left out (the registry refuses a second record with the same ID number)."""
    vault = get_vault()
    async with unit_of_work():
        ids = await _insert_institutions(world)
        people = _distinct_people(world)
        current_employers = {e.id: [j.employer_name for j in e.employments if j.end is None] for e in people}
        experts = [Expert(name=e.name, gender=e.gender, id_number_encrypted=vault.encrypt(e.id_number),
                          id_number_digest=vault.digest(e.id_number), id_number_masked=mask_citizen_id(e.id_number),
                          phone_encrypted=vault.encrypt(e.phone), phone_masked=mask_phone(e.phone), email=e.email,
                          title=e.title, region=e.region, sector=e.sector,
                          search_key=search_key(e.name, current_employers[e.id]))  # ?q= by pinyin (issue 13)
                   for e in people]
        await _insert(Expert, experts)
        expert_ids = {e.id: row.id for e, row in zip(people, experts, strict=True)}
        await _insert(ExpertSpecialty, [ExpertSpecialty(expert=expert_ids[e.id], specialty_code=code)
                                       for e in people for code in e.specialties])
        await _insert(Employment, [Employment(expert=expert_ids[e.id], institution=ids[j.institution_id],
                                             employer_name=j.employer_name, position=j.position, start=j.start,
                                             end=j.end) for e in people for j in e.employments])
        letters = {c.value: True for c in Commitment}
        appointed_people = [(n, e) for n, e in enumerate(people) if n % 10 != 9]  # 1 in 10: registered, not appointed
        terms = []
        for n, e in appointed_people:
            start = today - timedelta(days=30 * (n % 30))
            terms.append(Term(expert=expert_ids[e.id], start=start, end=latest_term_end(start),
                              certificate_no=f"专家聘字{n + 1:04d}号"))
        await _insert(Term, terms)
        await _insert(CommitmentLetter, [  # one in ten has not signed the commitment letter yet
            CommitmentLetter(expert=term.expert, term=term.id, text_version="NMG-E-2020", commitments=letters,
                             signed_on=term.start)
            for (n, _), term in zip(appointed_people, terms, strict=True) if n % 10 != 8])
        leaving = [term for (n, _), term in zip(appointed_people, terms, strict=True) if n % 50 == 7]
        await _insert(Dismissal, [Dismissal(expert=term.expert, reason_code="6", explanation="本人申请解聘",
                                            effective_on=today - timedelta(days=5)) for term in leaving])
        for first in range(0, len(leaving), INSERT_CHUNK):
            await Term.update({Term.ended_early_on: today - timedelta(days=5)}).where(
                Term.id.is_in([term.id for term in leaving[first:first + INSERT_CHUNK]]))
        decisions = [DecisionItem(title=item.title, drafting_unit=ids[item.drafting_unit_id],
                                  specialty_codes=item.specialties, wide_scope=item.wide_scope,
                                  controversial=item.controversial, complex=item.complex, opened_on=item.opened_on)
                     for item in world.items]
        await _insert(DecisionItem, decisions)
        item_ids = {item.id: row.id for item, row in zip(world.items, decisions, strict=True)}
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
        # issue 17: every expert's registry eligibility stored as a fact, computed in bulk once the rows are in
        facts = await refresh_all(today)
    return {"institutions": len(ids), "experts": len(expert_ids), "appointed": len(terms), "dismissed": len(leaving),
            "items": len(item_ids), "relations": len(relations), "eligibility_facts": facts}


async def load_demo(today: date, experts: int = 300, seed: int = 2026) -> dict[str, int] | None:
    """Load the demo world once: a database that already has experts is left as it is."""
    if await Expert.count():
        return None
    return await load_world(generate(experts=experts, institutions=max(80, experts // 4), items=60, seed=seed), today)


def main() -> None:
    """``python -m app.demo --experts 50000 --institutions 5000 --items 20000``: fill the database that
    DATABASE_URL names (SQLite or PostgreSQL, migrated first) with a generated world, for benchmarks and
    demonstrations at national scale (issue 17). An empty database only."""
    import argparse
    import asyncio
    import time

    from core.clock import Clock
    from core.migrate import migrate
    from registry.services.specialties import ensure_default_specialties

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--experts", type=int, default=300)
    parser.add_argument("--institutions", type=int, default=None, help="default: a quarter of the experts, >= 80")
    parser.add_argument("--items", type=int, default=60)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--relation-density", type=float, default=1.0)
    args = parser.parse_args()

    async def run() -> None:
        await migrate()
        await ensure_default_specialties()
        if await Expert.count():
            raise SystemExit("the database already holds experts: load into an empty one")
        started = time.perf_counter()
        world = generate(experts=args.experts, institutions=args.institutions or max(80, args.experts // 4),
                         items=args.items, seed=args.seed, relation_density=args.relation_density)
        generated = time.perf_counter()
        counts = await load_world(world, Clock().today())
        print({**counts, "generate_s": round(generated - started, 1),
               "load_s": round(time.perf_counter() - generated, 1)}, flush=True)

    asyncio.run(run())


if __name__ == "__main__":
    main()
