"""Terms (聘期), renewals (续聘) and commitment letters (专家承诺书): R-POOL-4, R-DUTY-1."""

from __future__ import annotations

from datetime import date

from core.errors import invalid
from core.locks import take_turn
from core.records import get_or_404
from core.uow import save_protected, unit_of_work
from registry import schemas as s
from registry.domain.appointments import check_appointable, renewal_of
from registry.domain.eligibility import Term as TermView
from registry.domain.letters import check_letter_for_term, validate_letter
from registry.domain.refusals import duplicate
from registry.domain.terms import TermSpan, validate_term
from registry.inputs import taken_in
from registry.services.eligibility_facts import eligibility_changed
from registry.services.records import get_expert_record_or_404
from registry.services.standing import load_standing
from registry.tables import CommitmentLetter, Term

# Writers of appointment certificates take turns (PostgreSQL: an advisory lock; SQLite's write lock suffices).
CERTIFICATE_LOCK_KEY = 7_302_2026


async def open_term(expert_id: int, start: date, end: date, certificate_no: str, previous_id: int | None) -> Term:
    """A new term for the expert: never for a dismissed or discredited one, at most three years, no overlap,
    and a certificate number (聘书编号) no other term carries (R-POOL-4)."""
    check_appointable(await load_standing(expert_id), "expert_id")
    existing = [TermSpan(t["start"], t["end"]) for t in await Term.select().where(Term.expert == expert_id)]
    validate_term(start, end, existing)
    async with unit_of_work():
        await take_turn(CERTIFICATE_LOCK_KEY)
        taken = await Term.select(Term.id, Term.expert).where(Term.certificate_no == certificate_no).first()
        if certificate_no and taken is not None:
            raise duplicate("聘书编号重复", "certificate_no",
                            f"聘书编号 {certificate_no} 已用于聘期 {taken['id']}（专家 {taken['expert']}），"
                            "每份聘书的编号须唯一", "R-POOL-4")
        term = await save_protected(Term(expert=expert_id, start=start, end=end, previous=previous_id,
                                         certificate_no=certificate_no))
        await eligibility_changed(expert_id)  # issue 17: the stored fact follows, in the same unit
        return term


async def renew_term(expert_id: int, term_id: int, data: s.RenewalIn) -> Term:
    previous = await get_expert_record_or_404(Term, term_id, "term", expert_id, "term_id")
    data = taken_in(data, "续聘不符合要求")
    span = renewal_of(TermView(previous.id, TermSpan(previous.start, previous.end), previous.ended_early_on),
                      already_renewed=await Term.exists().where(Term.previous == term_id),
                      end=data.end, start=data.start)
    return await open_term(expert_id, span.start, span.end, data.certificate_no, previous_id=term_id)


async def sign_letter(expert_id: int, data: s.LetterIn) -> CommitmentLetter:
    term = await get_or_404(Term, data.term_id, "term", "term_id")
    data = taken_in(data, "承诺书不符合要求")
    if term.expert != expert_id:
        raise invalid("term_id", "该聘期属于其他专家")
    validate_letter(data.text_version, data.commitments)
    check_letter_for_term(term.end, data.signed_on,
                          already_signed=await CommitmentLetter.exists().where(CommitmentLetter.term == data.term_id))
    async with unit_of_work():
        letter = await save_protected(CommitmentLetter(expert=expert_id, term=data.term_id,
                                                       text_version=data.text_version, commitments=data.commitments,
                                                       signed_on=data.signed_on))
        await eligibility_changed(expert_id)  # issue 17: the stored fact follows, in the same unit
        return letter
