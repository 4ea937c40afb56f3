"""A member's written opinion with its text (issue 14, R-DUTY-2): the invited expert signs it with their own
login; a submission without text is the plain hand-in it always was (``invitations.submit_opinion``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from msgspec import Meta, Struct

from assignment import schemas as s
from assignment.domain.procedure import Reader, check_opinion_text
from assignment.services import invitations
from assignment.tables import Invitation, OpinionText
from conflicts.live import LiveGraph
from core.errors import forbidden, not_found
from core.records import get_or_404
from core.schemas import Input, Note
from core.uow import touch, unit_of_work

OpinionBody = Annotated[str, Meta(min_length=1, max_length=50_000, pattern=r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$",
                                  description="the opinion's text, 1-50000 characters, line breaks allowed")]


class OpinionIn(Input, kw_only=True):
    """The opinion handed in now (the server's date). With ``text``, ``signed`` must be true and the caller the
    invited expert (R-DUTY-2); without it, only the hand-in is recorded."""

    note: Note = ""
    text: OpinionBody | None = None
    signed: bool = False


class OpinionTextOut(Struct, kw_only=True):
    invitation_id: int
    text: str
    signed_by: str
    signed_at: datetime


async def submit(live: LiveGraph, invitation_id: int, data: OpinionIn, reader: Reader, by: str, today: date,
                 now: datetime) -> s.InvitationOut:
    if data.text is None:
        return await invitations.submit_opinion(live, invitation_id, today)
    inv = await get_or_404(Invitation, invitation_id, "invitation")
    check_opinion_text(data.signed, reader.role, reader.expert_id,
                       inv.subject_id if inv.subject_kind == "expert" else None)
    async with unit_of_work():  # the hand-in and its signed text commit together
        out = await invitations.submit_opinion(live, invitation_id, today)
        row = OpinionText(invitation=invitation_id, text=data.text, signed_by=by, signed_at=now)
        await row.save()
        touch(OpinionText, row.id)
    return out


async def show(invitation_id: int, reader: Reader) -> OpinionTextOut:
    inv = await get_or_404(Invitation, invitation_id, "invitation")
    if reader.role == "expert" and not (inv.subject_kind == "expert" and inv.subject_id == reader.expert_id):
        raise forbidden("not the invited expert", "invitation_id", "只能查看本人的论证意见")
    row = await OpinionText.select().where(OpinionText.invitation == invitation_id).first()
    if row is None:
        raise not_found("opinion", invitation_id, "invitation_id")
    return OpinionTextOut(invitation_id=invitation_id, text=row["text"], signed_by=row["signed_by"],
                          signed_at=row["signed_at"])
