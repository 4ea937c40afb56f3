"""An expert's standing (terms, letters, dismissal, discredit) read from the registry, and the
eligibility other capabilities ask for (R-POOL-4, R-DUTY-1, R-POOL-5, R-POOL-7)."""

from __future__ import annotations

from datetime import date

from registry.domain.eligibility import Eligibility, ExpertStanding, expert_eligibility
from registry.domain.eligibility import Term as TermView
from registry.domain.terms import TermSpan
from registry.tables import CommitmentLetter, DiscreditRecord, Dismissal, Term


async def load_standings(expert_ids: list[int]) -> dict[int, ExpertStanding]:
    ids = sorted(set(expert_ids)) or [-1]
    terms = await Term.select().where(Term.expert.is_in(ids))
    letters = await CommitmentLetter.select(CommitmentLetter.term).where(CommitmentLetter.expert.is_in(ids))
    dismissals = await Dismissal.select(Dismissal.expert, Dismissal.effective_on).where(Dismissal.expert.is_in(ids))
    discredits = await DiscreditRecord.select(DiscreditRecord.expert, DiscreditRecord.recorded_on) \
        .where(DiscreditRecord.expert.is_in(ids))
    signed = {row["term"] for row in letters}
    by_expert: dict[int, dict] = {i: {"terms": [], "dismissed": None, "discredited": None} for i in ids}
    for t in terms:
        by_expert[t["expert"]]["terms"].append(
            TermView(t["id"], TermSpan(t["start"], t["end"]), t["ended_early_on"]))
    for d in dismissals:
        slot = by_expert[d["expert"]]
        slot["dismissed"] = min(filter(None, [slot["dismissed"], d["effective_on"]]))
    for d in discredits:
        slot = by_expert[d["expert"]]
        slot["discredited"] = min(filter(None, [slot["discredited"], d["recorded_on"]]))
    return {i: ExpertStanding(terms=v["terms"], signed_letter_term_ids={t.id for t in v["terms"]} & signed,
                              dismissed_on=v["dismissed"], discredited_on=v["discredited"])
            for i, v in by_expert.items() if i != -1}


async def load_standing(expert_id: int) -> ExpertStanding:
    return (await load_standings([expert_id]))[expert_id]


async def eligibility_for(expert_ids: list[int], on: date) -> dict[int, Eligibility]:
    """The registry's answer for many experts at once (R-POOL-4, R-DUTY-1, R-POOL-5, R-POOL-7)."""
    return {i: expert_eligibility(standing, on) for i, standing in (await load_standings(expert_ids)).items()}
