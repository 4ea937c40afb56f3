"""Material hand-over for a panel request (R-PANEL-4, R-PANEL-6): the drafting unit uploads its files, the
members who accepted and signed their commitment letter (R-DUTY-1, R-DUTY-2) read them, and every download
is on the record (an event in its own unit of work, R-REC-1).

Files are stored under ``<data dir>/materials`` named by their SHA-256, written before the row commits
(a row never names a missing file; a file without a row is harmless and is re-used by the next upload).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

from msgspec import Meta, Struct

from assignment.domain.procedure import MAX_MATERIAL_BYTES, MemberStanding, Reader, check_may_read, material_type
from assignment.tables import Invitation, Material, PanelRequest
from core.errors import conflict, invalid, not_found
from core.records import get_or_404
from core.schemas import Input, Name, Page
from core.settings import get_settings
from core.uow import emit, save_new, unit_of_work
from decisions.tables import DecisionItem
from registry.services.standing import eligibility_for

_MAX_BASE64 = 4 * ((MAX_MATERIAL_BYTES + 2) // 3)  # the base64 text of the largest file allowed
MAX_BODY_BYTES = _MAX_BASE64 + 64 * 1024  # the upload body: the file's text and its name


class MaterialIn(Input, kw_only=True):
    """One file, its name and its content in base64 (up to 20 MB once decoded)."""

    filename: Name
    content_base64: Annotated[str, Meta(min_length=1, max_length=_MAX_BASE64 + 4,
                                        description="the file's bytes in base64, up to 20 MB decoded")]


class MaterialOut(Struct, kw_only=True):
    id: int
    request_id: int
    filename: str
    media_type: str
    sha256: str
    size: int
    uploaded_by: str
    uploaded_at: datetime


@dataclass(frozen=True)
class MaterialUploaded:
    """A file was handed over for a panel request (R-PANEL-4)."""

    request_id: int
    material_id: int
    sha256: str
    size: int
    by: str
    at: datetime


@dataclass(frozen=True)
class MaterialDownloaded:
    """Someone read a handed-over file: who (the login), which, when (R-DUTY-2, R-REC-1)."""

    request_id: int
    material_id: int
    sha256: str
    by: str
    at: datetime


def materials_dir() -> Path:
    return get_settings().data_dir / "materials"


def _out(row: dict) -> MaterialOut:
    return MaterialOut(id=row["id"], request_id=row["request"], filename=row["filename"],
                       media_type=row["media_type"], sha256=row["sha256"], size=row["size"],
                       uploaded_by=row["uploaded_by"], uploaded_at=row["uploaded_at"])


def _decode(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise invalid("content_base64", "不是有效的 base64 编码", "R-PANEL-4") from None


def _store(content: bytes, digest: str) -> None:
    folder = materials_dir()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / digest
    if target.exists() and target.stat().st_size == len(content):
        return
    temporary = folder / f".{digest}.{os.getpid()}.part"
    temporary.write_bytes(content)
    os.replace(temporary, target)


async def upload(request_id: int, data: MaterialIn, by: str, now: datetime) -> MaterialOut:
    request = await get_or_404(PanelRequest, request_id, "panel request", "request_id")
    if request.status == "cancelled":
        raise conflict("request cancelled", "request_id", "抽取申请已撤销，不能再移交材料", "R-PANEL-2")
    content = _decode(data.content_base64)
    media_type = material_type(data.filename, content)
    digest = hashlib.sha256(content).hexdigest()
    _store(content, digest)
    async with unit_of_work():
        row = Material(request=request_id, filename=data.filename, media_type=media_type, sha256=digest,
                       size=len(content), uploaded_by=by, uploaded_at=now)
        await save_new(row, lambda material_id: MaterialUploaded(request_id, material_id, digest, len(content),
                                                                 by, now))
    return _out((await Material.select().where(Material.id == row.id).first()) or {})


async def _member_standing(request_id: int, expert_id: int, today: date) -> MemberStanding | None:
    """The expert's place on the request: None when never invited to it."""
    invited = await Invitation.select(Invitation.status).where(
        (Invitation.request == request_id) & (Invitation.subject_kind == "expert")
        & (Invitation.subject_id == expert_id))
    if not invited:
        return None
    accepted = any(i["status"] == "accepted" for i in invited)
    eligibility = (await eligibility_for([expert_id], today))[expert_id]
    signed = not any(r.code in ("no_current_term", "no_commitment_letter") for r in eligibility.reasons)
    return MemberStanding(accepted=accepted, signed_letter_for_current_term=signed)


async def _owning_unit(request_id: int) -> tuple[int | None, int | None]:
    """The unit that drafts the request's item, and the item."""
    request = await PanelRequest.select(PanelRequest.item).where(PanelRequest.id == request_id).first()
    if request is None:
        return None, None
    item = await DecisionItem.select(DecisionItem.drafting_unit).where(DecisionItem.id == request["item"]).first()
    return (item["drafting_unit"] if item else None), request["item"]


async def check_reader(request_id: int, reader: Reader, today: date) -> None:
    member = await _member_standing(request_id, reader.expert_id, today) \
        if reader.role == "expert" and reader.expert_id is not None else None
    owning_unit, item_id = await _owning_unit(request_id)
    check_may_read(reader, owning_unit, member, item_id)


async def list_materials(request_id: int, reader: Reader, today: date, offset: int, limit: int) -> Page[MaterialOut]:
    await get_or_404(PanelRequest, request_id, "panel request", "request_id")
    if reader.role != "auditor":  # the auditor sees what was handed over, never the content
        await check_reader(request_id, reader, today)
    where = Material.request == request_id
    rows = await Material.select().where(where).order_by(Material.id).offset(offset).limit(limit)
    return Page(items=[_out(r) for r in rows], total=await Material.count().where(where), offset=offset, limit=limit)


async def download(material_id: int, reader: Reader, by: str, today: date, now: datetime
                   ) -> tuple[MaterialOut, Path]:
    row = await Material.select().where(Material.id == material_id).first()
    if row is None:
        raise not_found("论证材料", material_id, "material_id")
    await check_reader(row["request"], reader, today)
    path = materials_dir() / row["sha256"]
    if not path.exists():
        raise invalid("material_id", "材料文件缺失，请联系专家库管理处", "R-PANEL-4")
    async with unit_of_work():
        emit(MaterialDownloaded(row["request"], material_id, row["sha256"], by, now))
    return _out(row), path
