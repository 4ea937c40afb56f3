"""Read-only figures the office's pages show that no API list gives as such: what needs attention, and the pool
counted by sector and region. Plain reads (no rule decided here); the lists come from the services."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from notifications.tables import Outbox
from registry.domain.vocab import Sector
from registry.tables import Expert, Term

TERM_NOTICE_DAYS = 90


async def terms_ending(today: date, days: int = TERM_NOTICE_DAYS, limit: int = 20) -> tuple[list[dict], int]:
    """Terms in force that end within ``days`` (R-POOL-4), soonest first, with the expert's name."""
    where = (Term.end >= today) & (Term.end <= today + timedelta(days=days)) & Term.ended_early_on.is_null()
    rows = await Term.select(Term.id, Term.expert, Term.expert.name, Term.end, Term.certificate_no).where(
        where).order_by(Term.end).limit(limit)
    return rows, await Term.count().where(where)


async def undelivered(limit: int = 10) -> tuple[list[dict], int]:
    """Notices whose delivery failed or was given up (dead), newest first."""
    where = Outbox.state.is_in(["failed", "dead"])
    rows = await Outbox.select(Outbox.id, Outbox.channel, Outbox.recipient, Outbox.subject, Outbox.state,
                               Outbox.attempts, Outbox.last_error, Outbox.created_at).where(where).order_by(
        Outbox.id, ascending=False).limit(limit)
    return rows, await Outbox.count().where(where)


async def pool_counts() -> dict[str, Counter]:
    """Experts (merged records left out) by sector and by region."""
    rows = await Expert.select(Expert.sector, Expert.region).where(Expert.merged_into.is_null())
    labels = {m.value: m.label for m in Sector}
    return {"sector": Counter(labels.get(r["sector"], r["sector"]) for r in rows),
            "region": Counter(r["region"] or "未填写" for r in rows)}
