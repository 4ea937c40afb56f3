"""Endpoints of merges (issue 13): a possible duplicate decided "same" merged two records; the office reads
the merges with what each moved, and undoes one with a reason. Office only (``accounts.access``: unlisted
routes are the office's; the auditor reads)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody
from msgspec import Struct

from conflicts.services import duplicate_flags
from core.api import DEPS, Limit, Offset
from core.schemas import Input, Page, Paragraph
from registry.tables import RecordMerge


class MovedOut(Struct):
    table: str
    column: str
    id: int
    from_id: int
    to_id: int


class MergeOut(Struct):
    """A merge: the duplicate (``merged_id``) and the record kept, every row moved, and its reversal if any."""

    id: int
    kind: str
    kept_id: int
    merged_id: int
    flag_id: int | None
    moved: list[MovedOut]
    aliases_added: list[str]
    merged_by: str
    merged_at: datetime
    note: str
    in_force: bool
    reversed_at: datetime | None
    reversed_by: str
    reversal_reason: str
    not_restored: list[MovedOut]


class UnmergeIn(Input, kw_only=True):
    reason: Paragraph


def _moved(rows: Any) -> list[MovedOut]:  # a JSON column, loaded: [{table, column, id, from, to}]
    return [MovedOut(m["table"], m["column"], m["id"], m["from"], m["to"]) for m in rows or []]


def merge_out(m: RecordMerge) -> MergeOut:
    return MergeOut(m.id, m.kind, m.kept_id, m.merged_id, m.flag, _moved(m.moved), list(m.aliases_added or []),
                    m.merged_by, m.merged_at, m.note, m.reversed_at is None, m.reversed_at, m.reversed_by,
                    m.reversal_reason, _moved(m.not_restored))


class UnmergeController(Controller):
    path = "/possible-duplicates"
    tags = ["relations"]
    dependencies = DEPS

    @post("/{flag_id:int}/unmerge",
          summary="Undo the merge a 'same' decision made: exactly the rows it moved go back; the flag reads 'distinct'")
    async def unmerge(self, flag_id: FromPath[int], data: JSONBody[UnmergeIn], request: Request,
                      now: NamedDependency[datetime]) -> MergeOut:
        return merge_out(await duplicate_flags.unmerge(flag_id, data.reason.strip(), request.user.username, now))


class MergeController(Controller):
    path = "/record-merges"
    tags = ["relations"]

    @get("/", summary="Merges of duplicate experts or institutions, newest first, with every row each moved")
    async def index(self, kind: FromQuery[Literal["expert", "institution"] | None] = None,
                    record_id: FromQuery[int | None] = None, in_force: FromQuery[bool | None] = None,
                    offset: Offset = 0, limit: Limit = 50) -> Page[MergeOut]:
        page = await duplicate_flags.merges_page(kind, record_id, in_force, offset, limit)
        return Page([merge_out(m) for m in page.items], page.total, page.offset, page.limit)

    @get("/{merge_id:int}")
    async def one(self, merge_id: FromPath[int]) -> MergeOut:
        return merge_out(await duplicate_flags.merge_by_id(merge_id))


CONTROLLERS = [UnmergeController, MergeController]
