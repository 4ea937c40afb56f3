"""The compact record of a draw (issue 17): the frozen candidate list stored once per request
(``DrawRecord``, canonical and compressed, ``assignment.selection.frozen``) and every exclusion a row of
``PanelExclusion`` with its stage and reasons, written in batches in the draw's unit of work. A panel answer
carries the counts by stage and rule id; the rows are read a page at a time, or one subject at a time."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from piccolo.utils.encoding import dump_json

from assignment.domain.exclusions import exclusion_filter_problems
from assignment.selection.constraints import Candidate
from assignment.selection.frozen import (
    exclusions_hash,
    exclusions_summary,
    pack_candidates,
    pack_rows,
    rule_key,
    unpack_candidates,
)
from assignment.tables import DrawRecord, Panel, PanelExclusion
from core.bulk import insert_many
from core.errors import RuleViolation
from core.uow import save_protected

SUMMARY_COLUMNS = (DrawRecord.id, DrawRecord.request, DrawRecord.panel, DrawRecord.candidates_sha256,
                   DrawRecord.eligible, DrawRecord.exclusions_total, DrawRecord.exclusions_summary,
                   DrawRecord.exclusions_hash)


async def store_draw_record(request_id: int, panel_id: int, candidates: Sequence[Candidate],
                            exclusions: Sequence[Mapping], now: datetime, rows: list[list] | None = None) -> dict:
    """Inside the draw's unit of work: the frozen list once (a protected row: its digest goes into the record,
    R-REC-2) and the exclusion rows in batches. Returns the summary {total, by_stage, by_rule}. ``rows``: the
    list's canonical rows when the caller already made them (``canonical_rows``)."""
    packed, digest, count = pack_rows(rows) if rows is not None else pack_candidates(candidates)
    summary = exclusions_summary(exclusions)
    texts: dict[tuple, str] = {}
    await save_protected(DrawRecord(
        request=request_id, panel=panel_id, candidates=packed, candidates_sha256=digest, eligible=count,
        exclusions_total=summary["total"], exclusions_summary=summary, exclusions_hash=exclusions_hash(exclusions),
        created_at=now))
    # plain rows in batched statements (core.bulk): at 50,000 experts a draw leaves out some 10,000, and a piccolo
    # object per row cost 1.7 s of the request
    await insert_many(PanelExclusion, [
        {"request": request_id, "kind": e["kind"], "subject_id": int(e["id"]), "stage": e["stage"],
         "rule_ids": rule_key(e["reasons"]), "reasons": _reasons_text(e["reasons"], texts)} for e in exclusions])
    return summary


def _reasons_text(reasons: Sequence[Mapping], texts: dict[tuple, str]) -> str:
    """An exclusion's reasons as stored JSON; most share one of a few texts (a term ended, no commitment letter...),
    dumped once per draw."""
    key = tuple(tuple(r.items()) for r in reasons)  # in order: the JSON keeps the keys' order
    try:
        text = texts.get(key)
    except TypeError:  # a value that cannot be a key (a list): dumped as it is
        return dump_json(list(reasons))
    if text is None:
        text = texts[key] = dump_json(list(reasons))
    return text


async def _first_panel(request_id: int, *columns) -> dict | None:
    return await Panel.select(*columns).where(Panel.panel_request == request_id).order_by(Panel.id).output(
        load_json=True).first()


async def draw_summary(request_id: int) -> dict:
    """{eligible, exclusions_total, exclusions_summary, exclusions_hash} of a request's draw, without its lists.
    A request stored before issue 17 whose lists were not copied (no migration run) is counted from its panel."""
    row = await DrawRecord.select(*SUMMARY_COLUMNS).where(DrawRecord.request == request_id).output(
        load_json=True).first()
    if row is not None:
        return row
    panel = await _first_panel(request_id, Panel.id, Panel.candidates, Panel.exclusions)
    candidates = (panel or {}).get("candidates") or []
    exclusions = (panel or {}).get("exclusions") or []
    summary = exclusions_summary(exclusions)
    return {"id": None, "request": request_id, "panel": panel["id"] if panel else None, "candidates_sha256": "",
            "eligible": len(candidates), "exclusions_total": summary["total"], "exclusions_summary": summary,
            "exclusions_hash": exclusions_hash(exclusions)}


async def frozen_candidates(request_id: int) -> list[Candidate]:
    """The request's frozen candidate list, in id order (raises ValueError when the stored text is unreadable)."""
    row = await DrawRecord.select(DrawRecord.candidates).where(DrawRecord.request == request_id).first()
    if row is not None:
        return unpack_candidates(row["candidates"])
    panel = await _first_panel(request_id, Panel.candidates)
    return [Candidate.from_dict(c) for c in ((panel or {}).get("candidates") or [])]


def _where(request_id: int, stage: str | None, rule_id: str | None, subject_id: int | None) -> Any:
    where: Any = PanelExclusion.request == request_id
    if stage:
        where &= PanelExclusion.stage == stage
    if rule_id:
        where &= PanelExclusion.rule_ids.like(f"%,{rule_id},%")
    if subject_id is not None:
        where &= PanelExclusion.subject_id == subject_id
    return where


def check_filters(stage: str | None, rule_id: str | None) -> None:
    """A stage or rule id that is not one (422, in Chinese, naming the field)."""
    if problems := exclusion_filter_problems(stage, rule_id):
        raise RuleViolation(detail="排除名单的筛选条件不正确", errors=problems)


async def exclusion_rows(request_id: int, stage: str | None, rule_id: str | None, subject_id: int | None,
                         offset: int, limit: int) -> tuple[list[dict], int]:
    """One page of a request's exclusion rows (by stage, rule id, subject), in kind and id order, and how many
    match in all. Requests stored before issue 17 and not migrated are read from their first panel record."""
    check_filters(stage, rule_id)
    if not await DrawRecord.exists().where(DrawRecord.request == request_id):
        found = [e for e in await _legacy(request_id) if _matches(e, stage, rule_id, subject_id)]
        return found[offset:offset + limit], len(found)
    where = _where(request_id, stage, rule_id, subject_id)
    rows = await PanelExclusion.select(PanelExclusion.kind, PanelExclusion.subject_id, PanelExclusion.stage,
                                       PanelExclusion.reasons).where(where).order_by(
        PanelExclusion.kind).order_by(PanelExclusion.subject_id).offset(offset).limit(limit).output(load_json=True)
    return ([{"kind": r["kind"], "id": r["subject_id"], "stage": r["stage"], "reasons": r["reasons"]} for r in rows],
            await PanelExclusion.count().where(where))


async def all_exclusions(request_id: int, batch: int = 1000) -> AsyncIterator[dict]:
    """Every exclusion of a request, a batch at a time (the spreadsheet export streams them)."""
    offset = 0
    while True:
        rows, total = await exclusion_rows(request_id, None, None, None, offset, batch)
        for row in rows:
            yield row
        offset += batch
        if offset >= total or not rows:
            return


async def stored_exclusions_hash(request_id: int) -> str:
    """The hash of the exclusion rows as they are now (to compare with the one recorded at the draw)."""
    return exclusions_hash([e async for e in all_exclusions(request_id, 5000)])


async def _legacy(request_id: int) -> list[dict]:
    panel = await _first_panel(request_id, Panel.exclusions)
    found = list((panel or {}).get("exclusions") or [])
    return sorted(found, key=lambda e: (e["kind"], e["id"]))


def _matches(e: Mapping, stage: str | None, rule_id: str | None, subject_id: int | None) -> bool:
    return ((not stage or e["stage"] == stage) and (not rule_id or f",{rule_id}," in rule_key(e["reasons"]))
            and (subject_id is None or e["id"] == subject_id))
