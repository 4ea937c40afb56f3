"""People who are not registered experts (an expert's spouse, a company's director): nodes of the graph
that can hold relations (issue 13). An ID number is optional and kept as the registry keeps experts'
(R-REC-4): encrypted, a keyed digest to find the same person again, a masked form to show."""

from __future__ import annotations

from datetime import datetime

from conflicts import schemas as s
from conflicts.events import PersonRegistered
from conflicts.services.views import person_out
from conflicts.tables import Person
from core.errors import Duplicate, FieldError, invalid
from core.records import stored
from core.schemas import Page, clean
from core.uow import emit, save_protected, unit_of_work
from registry.domain.identifiers import mask_citizen_id, parse_citizen_id
from registry.privacy import get_vault
from registry.tables import Expert


async def create_person(data: s.PersonIn, actor: str, now: datetime) -> s.PersonOut:
    """``actor``: the login. The same ID number twice, or an expert's, is refused (409)."""
    vault = get_vault()
    number = digest = ""
    if data.id_number.strip():
        try:
            number = parse_citizen_id(data.id_number).number
        except ValueError as exc:
            raise invalid("id_number", f"身份证号码无效：{exc}") from None
        digest = vault.digest(number)
    async with unit_of_work():
        if digest:
            expert = await Expert.select(Expert.id).where(Expert.id_number_digest == digest).first()
            if expert is not None:
                raise Duplicate("此人是已登记的专家", [FieldError(
                    "id_number", f"该身份证号码属于已登记的专家（id {expert['id']}），关系请以 expert 节点录入")],
                    {"expert_id": expert["id"]})
            same = await Person.select(Person.id).where(Person.id_number_digest == digest).first()
            if same is not None:
                raise Duplicate("此人已登记", [FieldError("id_number", f"该身份证号码的人员已登记（id {same['id']}）")],
                                {"person_id": same["id"]})
        row = Person(name=clean(data.name), id_number_encrypted=vault.encrypt(number) if number else "",
                     id_number_digest=digest, id_number_masked=mask_citizen_id(number) if number else "",
                     note=clean(data.note), created_by=actor, created_at=now)
        await save_protected(row)  # its digest goes into the record
        emit(PersonRegistered(row.id))
    return person_out(await stored(Person, row.id))


async def list_people(offset: int, limit: int, name: str | None = None) -> Page[s.PersonOut]:
    query = Person.select().order_by(Person.id).offset(offset).limit(limit)
    count = Person.count()
    if name:
        query, count = query.where(Person.name.like(f"%{name}%")), count.where(Person.name.like(f"%{name}%"))
    return Page([person_out(p) for p in await query], await count, offset, limit)
