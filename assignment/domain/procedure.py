"""The argument procedure's material hand-over (R-PANEL-4, R-PANEL-6) and who may read the material
(R-DUTY-2: members keep secrets, so only those bound by a signed commitment letter read it).

Plain rules, no HTTP and no database: each answers a decision or raises a domain error naming the
field, the reason (in Chinese) and the rule id.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.errors import forbidden, invalid

MAX_MATERIAL_BYTES = 20 * 1024 * 1024  # 20 MB a file

# extension → (media type, the bytes a file of that type starts with)
KINDS: dict[str, tuple[str, tuple[bytes, ...]]] = {
    "pdf": ("application/pdf", (b"%PDF-",)),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (b"PK\x03\x04",)),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (b"PK\x03\x04",)),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "txt": ("text/plain; charset=utf-8", ()),
}


def material_type(filename: str, content: bytes) -> str:
    """The media type of a hand-over file, checked by its extension and its first bytes (R-PANEL-4).
    A text file must be UTF-8 without control characters other than tab and line breaks."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension not in KINDS:
        raise invalid("filename", f"不支持的文件类型“{extension or '无扩展名'}”；仅接受 pdf、docx、xlsx、txt、png、jpg",
                      "R-PANEL-4")
    media_type, magics = KINDS[extension]
    if not content:
        raise invalid("content", "文件为空", "R-PANEL-4")
    if len(content) > MAX_MATERIAL_BYTES:
        raise invalid("content", f"文件过大：{len(content)} 字节，上限 {MAX_MATERIAL_BYTES} 字节（20 MB）",
                      "R-PANEL-4")
    if magics and not any(content.startswith(m) for m in magics):
        raise invalid("content", f"文件内容与扩展名 .{extension} 不符", "R-PANEL-4")
    if extension == "txt":
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError:
            raise invalid("content", "文本文件须为 UTF-8 编码", "R-PANEL-4") from None
        if any(ord(c) < 32 and c not in "\t\r\n" for c in text):
            raise invalid("content", "文本文件含有控制字符", "R-PANEL-4")
    return media_type


@dataclass(frozen=True)
class Reader:
    """Who asks for a material: the role, and for a unit or an expert, whose records are theirs."""

    role: str
    unit_id: int | None = None
    expert_id: int | None = None


@dataclass(frozen=True)
class MemberStanding:
    """The asking expert's place on the request: accepted the invitation; letter signed for the current term."""

    accepted: bool
    signed_letter_for_current_term: bool


def check_may_read(reader: Reader, owning_unit: int | None, member: MemberStanding | None) -> None:
    """Only the office, the unit that owns the request and members who accepted and signed the commitment
    letter for their current term read the material (R-PANEL-6, R-DUTY-1, R-DUTY-2); anyone else: 403."""
    if reader.role == "office":
        return
    if reader.role == "unit" and reader.unit_id is not None and reader.unit_id == owning_unit:
        return
    if reader.role == "expert" and member is not None:
        if not member.accepted:
            raise forbidden("not a member", "material", "只有已接受邀请的论证专家可以查阅论证材料（R-PANEL-6）")
        if not member.signed_letter_for_current_term:
            raise forbidden("no commitment letter", "material",
                            "本聘期尚未签署专家承诺书，不能查阅论证材料（R-DUTY-1、R-DUTY-2 保密义务）")
        return
    raise forbidden("not allowed", "material", "只有承办单位、专家库管理处和本次论证的专家可以查阅论证材料")


def check_opinion_text(signed: bool, role: str, caller_expert_id: int | None, invited_expert_id: int | None) -> None:
    """A written opinion's text is signed by the invited expert themself, who answers for it (R-DUTY-2): the
    text needs ``signed: true`` (422) and the caller must be the invited expert's own login (403)."""
    if role != "expert" or caller_expert_id is None or caller_expert_id != invited_expert_id:
        raise forbidden("not the invited expert", "text", "论证意见正文只能由受邀专家本人签署提交（R-DUTY-2）")
    if not signed:
        raise invalid("signed", "提交论证意见正文须由专家本人签名确认（signed 为 true）", "R-DUTY-2")
