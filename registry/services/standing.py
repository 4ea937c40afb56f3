"""An expert's standing (terms, letters, dismissal, discredit) read from the registry, and the
eligibility other capabilities ask for (R-POOL-4, R-DUTY-1, R-POOL-5, R-POOL-7)."""

from __future__ import annotations

from datetime import date

from core.records import rows_for
from registry.domain.eligibility import Eligibility, ExpertStanding, expert_eligibility
from registry.domain.eligibility import Term as TermView
from registry.domain.terms import TermSpan
from registry.tables import CommitmentLetter, DiscreditRecord, Dismissal, Term


async def load_standings(expert_ids: list[int]) -> dict[int, ExpertStanding]:
    ids = sorted(set(expert_ids))
    terms = await rows_for(Term.select(), Term.expert, ids)
    letters = await rows_for(CommitmentLetter.select(CommitmentLetter.term, CommitmentLetter.expert),
                             CommitmentLetter.expert, ids)
    dismissals = await rows_for(Dismissal.select(Dismissal.expert, Dismissal.effective_on), Dismissal.expert, ids)
    discredits = await rows_for(DiscreditRecord.select(DiscreditRecord.expert, DiscreditRecord.recorded_on),
                                DiscreditRecord.expert, ids)
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
            for i, v in by_expert.items()}


async def load_standing(expert_id: int) -> ExpertStanding:
    return (await load_standings([expert_id]))[expert_id]


async def eligibility_for(expert_ids: list[int], on: date) -> dict[int, Eligibility]:
    """The registry's answer for many experts at once (R-POOL-4, R-DUTY-1, R-POOL-5, R-POOL-7)."""
    return {i: expert_eligibility(standing, on) for i, standing in (await load_standings(expert_ids)).items()}
