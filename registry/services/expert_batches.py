"""Many new experts at once (a spreadsheet import, issue 16): the same checks and the same rows as
``experts.create_expert`` gives each, read and written set-wise. The specialty codes, the institutions named and
the ID numbers already registered are read once for the batch; the experts, their specialties and employments
are inserted in a few statements in the caller's unit of work, and announced by one ``ExpertsRegistered``
(the conflict capability then flags duplicates, links employers and logs the graph's changes for the batch)."""

from __future__ import annotations

from core.bulk import insert_many
from core.errors import DomainError, ErrorCollector
from core.schemas import clean
from core.uow import emit, unit_of_work
from registry import schemas as s
from registry.domain.identifiers import mask_citizen_id, mask_phone
from registry.domain.refusals import duplicate
from registry.domain.search import search_key
from registry.events import ExpertsRegistered
from registry.inputs import cleaned
from registry.privacy import get_vault
from registry.services.eligibility_facts import eligibility_changed
from registry.services.experts import expert_problems, known_institutions
from registry.tables import Employment, Expert, ExpertSpecialty, Specialty


async def validate_experts(items: list[s.ExpertCreate]) -> list[tuple[str, str] | DomainError]:
    """``experts.validate_expert`` for each item, with the error it would raise: the ID number and phone, or the
    refusal. An ID number already registered, or given to an earlier item, is a duplicate."""
    items = [cleaned(data) for data in items]
    codes = {row["code"] for row in await Specialty.select(Specialty.code)}
    institutions = await known_institutions([e for data in items for e in data.employments])
    vault = get_vault()
    checked: list[tuple[str, str] | DomainError] = []
    for data in items:
        errors = ErrorCollector()
        checked_pair = expert_problems(data, "", codes, institutions, errors)
        try:
            errors.raise_if_any("专家信息不符合要求")
            checked.append(checked_pair)
        except DomainError as exc:
            checked.append(exc)
    digests = {vault.digest(pair[0]) for pair in checked if isinstance(pair, tuple) and pair[0]}
    registered = {r["id_number_digest"] for r in await Expert.select(Expert.id_number_digest).where(
        Expert.id_number_digest.is_in(sorted(digests)))} if digests else set()
    given: set[str] = set()
    for n, pair in enumerate(checked):
        if isinstance(pair, tuple) and pair[0]:
            digest = vault.digest(pair[0])
            if digest in registered or digest in given:
                checked[n] = duplicate("专家重复", "id_number", "该身份证号码的专家已登记")
            given.add(digest)
    return checked


async def create_experts(items: list[s.ExpertCreate],
                         checked: list[tuple[str, str] | DomainError] | None = None) -> list[int | DomainError]:
    """``experts.create_expert`` for many: each item's new expert id, or the refusal ``create_expert`` would give
    it (``checked``: what ``validate_experts`` said of these items just before, in the same unit of work). The
    accepted ones are written in the caller's unit of work (or one of their own) and announced together."""
    if checked is None:  # validate_experts takes the bodies in as they are stored (text stripped)
        checked = await validate_experts(items)
    vault = get_vault()
    accepted = [(n, data, pair) for n, (data, pair) in enumerate(zip(items, checked, strict=True))
                if isinstance(pair, tuple)]
    outcome: list[int | DomainError] = [pair if isinstance(pair, DomainError) else 0 for pair in checked]
    if not accepted:
        return outcome
    rows = []
    for _, data, (id_number, phone) in accepted:
        employers = [clean(e.employer_name) for e in data.employments if e.end is None]
        rows.append({"name": data.name, "gender": data.gender.value, "id_number_encrypted": vault.encrypt(id_number),
                     "id_number_digest": vault.digest(id_number), "id_number_masked": mask_citizen_id(id_number),
                     "phone_encrypted": vault.encrypt(phone), "phone_masked": mask_phone(phone), "email": data.email,
                     "title": data.title, "region": data.region, "sector": data.sector.value,
                     "search_key": search_key(data.name, employers)})
    async with unit_of_work():
        ids = {r["id_number_digest"]: r["id"]
               for r in await insert_many(Expert, rows, (Expert.id, Expert.id_number_digest))}
        expert_ids = [ids[row["id_number_digest"]] for row in rows]
        pairs = list(zip(expert_ids, accepted, strict=True))
        await insert_many(ExpertSpecialty, [{"expert": expert_id, "specialty_code": code}
                                            for expert_id, (_, data, _) in pairs for code in data.specialties])
        jobs = [{"expert": expert_id, "institution": e.institution_id, "employer_name": clean(e.employer_name),
                 "position": clean(e.position), "start": e.start, "end": e.end}
                for expert_id, (_, data, _) in pairs for e in data.employments]
        employment_ids = sorted(r["id"] for r in await insert_many(Employment, jobs, (Employment.id,)))
        await eligibility_changed(*expert_ids)  # issue 17: each new expert's fact (no term yet), as one at a time
        emit(ExpertsRegistered(tuple(expert_ids), tuple(employment_ids)))
    for (n, _, _), expert_id in zip(accepted, expert_ids, strict=True):
        outcome[n] = expert_id
    return outcome
