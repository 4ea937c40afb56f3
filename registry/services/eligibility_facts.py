"""Registry eligibility as a stored fact (issue 17): one row per expert (``ExpertEligibility``) with the answer of
``expert_eligibility`` (R-POOL-4, R-DUTY-1, R-POOL-5, R-POOL-7), its reasons and the days it holds for.

Written by ``refresh_eligibility`` inside the unit of work of every change that affects it (a term opened or
renewed, a letter signed, a dismissal, a discredit record, a merge and its reversal), and by the daily job for
what the calendar changes (``refresh_due``: only the experts whose stored window no longer covers the day, and
those with no row). Readers (``universe_eligibility``, ``stored_eligibility``) take the facts whose window covers
the day asked for and compute the rest live, so a missed night or a request for another day is still right.
``eligibility_drift`` computes everyone live and compares (the daily job repairs and logs what differs)."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from core.clock import Clock
from core.records import plain_rows, rows_for
from core.uow import write_transaction
from registry.domain.eligibility import (
    Eligibility,
    Reason,
    eligibility_window,
    expert_eligibility,
    no_current_term,
)
from registry.services.standing import eligibility_for, load_standings
from registry.tables import Expert, ExpertEligibility, ExpertSpecialty

log = logging.getLogger(__name__)
CHUNK = 500  # rows per statement: 7 columns each, well under PostgreSQL's 32,767 parameters
FACT_COLUMNS = (ExpertEligibility.expert, ExpertEligibility.eligible, ExpertEligibility.reasons,
                ExpertEligibility.current_term_id)


def _chunks(items: list, size: int = CHUNK) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _reasons_json(e: Eligibility) -> list[dict]:
    return [{"rule_id": r.rule_id, "code": r.code, "message": r.message} for r in e.reasons]


def _reasons(stored: list[dict] | None, day: date) -> list[Reason]:
    return [no_current_term(day) if r.get("code") == "no_current_term" else
            Reason(r["rule_id"], r.get("code", ""), r["message"]) for r in stored or []]


def _as_eligibility(row: dict, day: date) -> Eligibility:
    return Eligibility(eligible=bool(row["eligible"]), reasons=_reasons(row["reasons"], day),
                       current_term_id=row["current_term_id"])


def fact_day() -> date:
    """The day a change computes the fact for: the service's today (``FIXED_CLOCK`` pins it, as for the app).
    Any day gives a right fact, since it is stored with the window it holds for."""
    fixed = os.environ.get("FIXED_CLOCK")
    return Clock(fixed=datetime.fromisoformat(fixed) if fixed else None).today()


async def eligibility_changed(*expert_ids: int) -> None:
    """Called inside the unit of work of a change that affects these experts' eligibility."""
    await refresh_eligibility(expert_ids, fact_day())


def valid_on(day: date) -> Any:
    """The stored facts whose window covers ``day``."""
    e = ExpertEligibility
    return (e.valid_from.is_null() | (e.valid_from <= day)) & (e.valid_until.is_null() | (e.valid_until > day))


def _first_date(row: dict | None, key: str) -> date | None:
    value = row[key] if row else None
    return date.fromisoformat(value) if isinstance(value, str) else value


async def all_facts_cover(day: date) -> bool:
    """Whether every unmerged expert has a fact whose window covers ``day`` (the nightly job sees to it): then a
    list may filter on the facts in SQL alone. Read from indexes, by statements without parameters (PostgreSQL
    keeps one plan for a prepared statement, and a range on an unknown day reads the whole table): the earliest
    end of a window (``valid_until``) is after the day, the latest start (the partial index on ``valid_from``) is
    not, and there are as many facts as experts (one fact per expert at most, each naming an existing expert:
    equal counts mean nobody lacks one; only when they differ are the experts without a fact looked for)."""
    e = ExpertEligibility
    ends = await e.select(e.valid_until).where(e.valid_until.is_not_null()).order_by(e.valid_until).first()
    if (ends_on := _first_date(ends, "valid_until")) is not None and ends_on <= day:
        return False
    starts = await e.select(e.valid_from).where(e.valid_from.is_not_null()).order_by(
        e.valid_from, ascending=False).first()
    if (starts_on := _first_date(starts, "valid_from")) is not None and starts_on > day:
        return False
    if await e.count() == await Expert.count():
        return True
    return not await Expert.exists().where(Expert.merged_into.is_null() & Expert.id.not_in(e.select(e.expert)))


async def refresh_eligibility(expert_ids: Iterable[int], day: date) -> int:
    """Compute and store the fact of these experts (inside the caller's unit of work, when there is one)."""
    ids = sorted(set(expert_ids))
    if not ids:
        return 0
    standings = await load_standings(ids)
    rows = []
    for i in ids:
        e = expert_eligibility(standings[i], day)
        since, until = eligibility_window(standings[i], day)
        rows.append(ExpertEligibility(expert=i, eligible=e.eligible, reasons=_reasons_json(e),
                                      current_term_id=e.current_term_id, as_of=day, valid_from=since,
                                      valid_until=until))
    e = ExpertEligibility
    for chunk in _chunks(rows):  # an upsert: two units refreshing one expert at once cannot both insert
        await e.insert(*chunk).on_conflict(target=e.expert, action="DO UPDATE", values=[
            e.eligible, e.reasons, e.current_term_id, e.as_of, e.valid_from, e.valid_until])
    return len(rows)


async def refresh_all(day: date) -> int:
    """Every expert's fact computed again (the demo and scale loaders, and the job's full option)."""
    ids = [r["id"] for r in await Expert.select(Expert.id).order_by(Expert.id)]
    async with write_transaction():
        await ExpertEligibility.delete(force=True)
        return await refresh_eligibility(ids, day)


async def due_ids(day: date) -> list[int]:
    """The experts whose stored fact does not cover ``day`` (a term started or ended, a dated dismissal or
    discredit took effect, or the day went back), and those with no fact yet."""
    e = ExpertEligibility
    stale = await e.select(e.expert).where((e.valid_from > day) | (e.valid_until <= day))
    missing = await Expert.select(Expert.id).where(Expert.id.not_in(e.select(e.expert)))
    return sorted({r["expert"] for r in stale} | {r["id"] for r in missing})


async def refresh_due(day: date) -> int:
    """The daily job's step at midnight: only the experts the calendar (or a missing row) concerns."""
    ids = await due_ids(day)
    if not ids:
        return 0
    async with write_transaction():
        return await refresh_eligibility(ids, day)


async def stored_eligibility(expert_ids: Iterable[int], day: date) -> dict[int, Eligibility]:
    """``eligibility_for`` read from the facts: the stored answer where its window covers ``day``, computed live
    for the others. For lists over many experts; a check of a few (a draw's final re-check) stays live."""
    ids = sorted(set(expert_ids))
    query = ExpertEligibility.select(*FACT_COLUMNS).where(valid_on(day)).output(load_json=True)
    found = {r["expert"]: _as_eligibility(r, day) for r in await rows_for(query, ExpertEligibility.expert, ids)}
    missing = [i for i in ids if i not in found]
    if missing:
        found.update(await eligibility_for(missing, day))
    return {i: found[i] for i in ids}


def holders_of(codes: Iterable[str]) -> Any:
    """A sub-select of the experts holding a specialty among ``codes`` (a draw's universe, issue 17)."""
    return ExpertSpecialty.select(ExpertSpecialty.expert).where(ExpertSpecialty.specialty_code.is_in(sorted(codes)))


async def stored_universe_facts(day: date, codes: Iterable[str] | None = None) -> dict[int, Eligibility]:
    """The stored facts covering ``day`` of the universe's experts (not merged; holding a specialty among ``codes``,
    or the whole pool when None): the eligible are one indexed query of ids, the ineligible come with their
    stored reasons. Experts without such a fact are not in it (``universe_eligibility`` computes them)."""
    e = ExpertEligibility
    wanted = sorted(set(codes)) if codes is not None else None
    if wanted is not None and not wanted:
        return {}
    # "not merged" as an anti-join on the few merged records: a join with the whole expert table was most of the
    # query's time at 50,000 experts
    current = valid_on(day) & e.expert.not_in(Expert.select(Expert.id).where(Expert.merged_into.is_not_null()))
    eligible = e.select(e.expert, e.current_term_id).where(current & (e.eligible == True))  # noqa: E712  # SQL
    ineligible = e.select(*FACT_COLUMNS).where(current & (e.eligible == False))  # noqa: E712  # SQL
    if wanted is not None:
        eligible = eligible.where(e.expert.is_in(holders_of(wanted)))
        ineligible = ineligible.where(e.expert.is_in(holders_of(wanted)))
    found = {r["expert"]: Eligibility(True, [], r["current_term_id"]) for r in await plain_rows(eligible)}
    # thousands of ineligible experts share a few stored reasons (no current term, no letter): each text is
    # decoded once, and every expert gets a list of its own (the reasons themselves are frozen)
    decoded: dict[str, list[Reason]] = {}
    for r in await plain_rows(ineligible):
        text = r["reasons"]
        if not isinstance(text, str):  # a driver that decodes JSON itself
            reasons = _reasons(text, day)
        elif (reasons := decoded.get(text)) is None:
            reasons = decoded[text] = _reasons(json.loads(text), day)
        found[r["expert"]] = Eligibility(False, list(reasons), r["current_term_id"])
    return found


async def universe_eligibility(day: date, codes: Iterable[str] | None = None) -> dict[int, Eligibility]:
    """Every expert of the draw's universe (``stored_universe_facts``) with their registry eligibility on ``day``,
    ordered by id: the stored facts, and those whose fact does not cover the day, or who have none, computed live
    (a third query finds them, normally none)."""
    wanted = sorted(set(codes)) if codes is not None else None
    if wanted is not None and not wanted:
        return {}
    found = await stored_universe_facts(day, wanted)
    universe = Expert.select(Expert.id).where(Expert.merged_into.is_null() & Expert.id.not_in(
        ExpertEligibility.select(ExpertEligibility.expert).where(valid_on(day))))
    if wanted is not None:
        universe = universe.where(Expert.id.is_in(holders_of(wanted)))
    if missing := [r["id"] for r in await universe]:
        found.update(await eligibility_for(missing, day))
    return {i: found[i] for i in sorted(found)}


async def eligibility_drift(day: date, repair: bool = False) -> dict:
    """Everyone's eligibility computed live and compared with the stored facts: ``drift`` lists the experts whose
    fact covers the day and says otherwise (a change that did not refresh it), ``stale`` those whose fact does
    not cover the day, ``missing`` those with none. ``repair`` writes all of them again and logs the drift."""
    ids = [r["id"] for r in await Expert.select(Expert.id).order_by(Expert.id)]
    live = await eligibility_for(ids, day)
    rows = {r["expert"]: r for r in await ExpertEligibility.select(
        *FACT_COLUMNS, ExpertEligibility.valid_from, ExpertEligibility.valid_until).output(load_json=True)}
    drift, stale, missing = [], [], []
    for i in ids:
        row = rows.get(i)
        if row is None:
            missing.append(i)
        elif not ((row["valid_from"] is None or row["valid_from"] <= day)
                  and (row["valid_until"] is None or row["valid_until"] > day)):
            stale.append(i)
        elif bool(row["eligible"]) != live[i].eligible or [r["rule_id"] for r in row["reasons"] or []] != [
                r.rule_id for r in live[i].reasons]:
            drift.append(i)
    if drift:
        log.warning("eligibility facts drifted for %d experts (first: %s); %s", len(drift), drift[:20],
                    "repaired" if repair else "not repaired")
    repaired = 0
    if repair and (drift or stale or missing):
        async with write_transaction():
            repaired = await refresh_eligibility(drift + stale + missing, day)
    return {"checked": len(ids), "drift": drift, "stale": len(stale), "missing": len(missing), "repaired": repaired}


def main() -> None:
    """``python -m registry.services.eligibility_facts [--all] [--check]``: bring the facts of the database that
    DATABASE_URL names up to the day (only those due; ``--all``: every expert again), or only report the drift."""
    import argparse
    import asyncio
    import json

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--all", action="store_true", help="compute every expert's fact again")
    parser.add_argument("--check", action="store_true", help="only compare with a live computation")
    args = parser.parse_args()
    os.environ.setdefault("PICCOLO_CONF", "piccolo_conf")

    async def run() -> dict:
        day = fact_day()
        if args.check:
            found = await eligibility_drift(day)
            return {**found, "drift": found["drift"][:100]}
        return {"day": str(day), "written": await (refresh_all(day) if args.all else refresh_due(day))}

    print(json.dumps(asyncio.run(run()), ensure_ascii=False))


if __name__ == "__main__":
    main()
