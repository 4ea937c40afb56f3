"""The argument procedure's material hand-over (R-PANEL-4, R-PANEL-6) and who may read the material
(R-DUTY-2: members keep secrets, so only those bound by a signed commitment letter read it).

Plain rules, no HTTP and no database: each answers a decision or raises a domain error naming the
field, the reason (in Chinese) and the rule id.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from core.errors import FieldError, conflict, forbidden, invalid

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
    item_id: int | None = None  # an organiser's: the item of its commission (R-PANEL-8)


@dataclass(frozen=True)
class MemberStanding:
    """The asking expert's place on the request: accepted the invitation; letter signed for the current term."""

    accepted: bool
    signed_letter_for_current_term: bool


def check_may_read(reader: Reader, owning_unit: int | None, member: MemberStanding | None,
                   request_item: int | None = None) -> None:
    """Only the office, the unit that owns the request, the institution commissioned to organise its item
    (R-PANEL-8) and members who accepted and signed the commitment letter for their current term read the
    material (R-PANEL-6, R-DUTY-1, R-DUTY-2); anyone else: 403."""
    if reader.role == "office":
        return
    if reader.role == "organiser" and reader.item_id is not None and reader.item_id == request_item:
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


# --- modes (R-PANEL-5): meeting minutes, separate opinions, the group's draft and co-signatures ------------------
MODE_NAMES = {"meeting": "论证会", "individual": "书面论证", "group": "论证小组"}


def check_minutes(mode: str, attendees: Sequence[int], members: Sequence[int], meeting_on: date, today: date,
                  recorded: bool) -> None:
    """Meeting mode only (409 otherwise); once (409); the meeting took place (not after today, 422) and its
    attendees are members who accepted (422), R-PANEL-5."""
    if mode != "meeting":
        name = MODE_NAMES.get(mode, mode)
        raise conflict("not a meeting", "mode", f"本次论证方式为{name}，只有论证会方式才记录会议纪要", "R-PANEL-5")
    if recorded:
        raise conflict("minutes recorded", "request_id", "会议纪要已记录，不能再次提交（R-PANEL-5）", "R-PANEL-5")
    if meeting_on > today:
        raise invalid("meeting_on", f"会议日期 {meeting_on} 晚于今天 {today}：会议纪要在会后记录", "R-PANEL-5")
    strangers = sorted(set(attendees) - set(members))
    if strangers:
        raise invalid("attendees", f"专家 {'、'.join(map(str, strangers))} 不是已接受邀请的论证专家", "R-PANEL-5")
    if len(set(attendees)) != len(attendees):
        raise invalid("attendees", "出席专家有重复", "R-PANEL-5")


def check_draft(mode: str, caller_expert: int | None, leader: int | None, drafted: bool) -> None:
    """Group mode only (409); the leader (组长) drafts with their own login (403), once (409), R-PANEL-5."""
    if mode != "group":
        name = MODE_NAMES.get(mode, mode)
        raise conflict("not a group", "mode", f"本次论证方式为{name}，只有论证小组方式由组长起草报告", "R-PANEL-5")
    if caller_expert is None or caller_expert != leader:
        raise forbidden("not the leader", "request_id", "论证报告草稿只能由组长本人提交（R-PANEL-5）")
    if drafted:
        raise conflict("draft submitted", "request_id", "组长已提交论证报告草稿，不能再次提交（R-PANEL-5）",
                       "R-PANEL-5")


def check_cosignature(mode: str, caller_expert: int | None, members: Sequence[int], leader: int | None,
                      drafted: bool, already: bool, agrees: bool, reason: str, signed: bool) -> None:
    """Group mode (409): each accepted member other than the leader (403 / 409) co-signs the leader's draft once
    (409), or records dissent with a reason (422), with their own login and ``signed: true`` (R-PANEL-5,
    R-DUTY-2)."""
    if mode != "group":
        raise conflict("not a group", "mode", "只有论证小组方式才有会签（R-PANEL-5）", "R-PANEL-5")
    if caller_expert is None or caller_expert not in members:
        raise forbidden("not a member", "request_id", "只有已接受邀请的本组专家可以会签或提出不同意见（R-PANEL-5）")
    if caller_expert == leader:
        raise conflict("leader", "request_id", "组长起草报告，不参加会签（R-PANEL-5）", "R-PANEL-5")
    if not drafted:
        raise conflict("no draft", "request_id", "组长尚未提交论证报告草稿，暂不能会签（R-PANEL-5）", "R-PANEL-5")
    if already:
        raise conflict("signed already", "request_id", "您已会签或提出不同意见，不能再次提交（R-PANEL-5）", "R-PANEL-5")
    if not signed:
        raise invalid("signed", "会签或不同意见须由专家本人签名确认（signed 为 true）", "R-DUTY-2")
    if not agrees and not reason.strip():
        raise invalid("reason", "提出不同意见须写明理由（R-PANEL-5）", "R-PANEL-5")


@dataclass(frozen=True)
class ArgumentState:
    """What the argument of one request has on file: its mode, the accepted members (expert ids), whose signed
    opinions are in, whether the minutes are recorded, the group's leader and draft, who co-signed or dissented."""

    mode: str
    members: tuple[int, ...]
    signed: frozenset[int] = frozenset()
    minutes: bool = False
    leader: int | None = None
    draft: bool = False
    cosigned: frozenset[int] = field(default_factory=frozenset)


def argument_missing(state: ArgumentState) -> list[FieldError]:
    """What the argument still lacks for its mode (R-PANEL-5); empty when complete. Meeting: every accepted
    member's signed opinion and the minutes; individual: every signed opinion; group: the leader's draft and
    every other member's co-signature or dissent."""
    rule = "R-PANEL-5"
    if not state.members:
        return [FieldError("members", "尚无已接受邀请的论证专家", rule)]
    missing: list[FieldError] = []
    if state.mode in ("meeting", "individual"):
        missing += [FieldError("opinions", f"专家 {m} 尚未提交本人签名的书面意见", rule)
                    for m in state.members if m not in state.signed]
        if state.mode == "meeting" and not state.minutes:
            missing.append(FieldError("minutes", "论证会会议纪要尚未记录", rule))
    elif state.mode == "group":
        if state.leader is None or state.leader not in state.members:
            missing.append(FieldError("leader", "论证小组尚无已接受邀请的组长", rule))
        if not state.draft:
            missing.append(FieldError("draft", "组长尚未提交论证报告草稿", rule))
        missing += [FieldError("cosignatures", f"专家 {m} 尚未会签或提出不同意见", rule)
                    for m in state.members if m != state.leader and m not in state.cosigned]
    else:
        missing.append(FieldError("mode", f"未知的论证方式 {state.mode}", rule))
    return missing


# --- the argument report (论证报告): assembled from what is on file, stored with its digest ------------------
def canonical_json(data: object) -> str:
    """The one text a report's digest is taken of: keys sorted, no spaces, UTF-8 characters kept."""
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def report_digest(data: object) -> str:
    return hashlib.sha256(canonical_json(data).encode("utf-8")).hexdigest()


def _text(value: object) -> str | None:
    return None if value is None else (value.isoformat() if hasattr(value, "isoformat") else str(value))


def assemble_report(request: Mapping, item: Mapping, members: Sequence[Mapping], opinions: Mapping[int, Mapping],
                    attachments: Mapping[int, Mapping], minutes: Mapping | None, draft: Mapping | None,
                    cosignatures: Sequence[Mapping], issued_by: str, issued_at: object) -> dict:
    """The argument report's content (R-PANEL-5, R-PANEL-7): the members, who said what (each member's signed
    opinion), agreement and dissent (the group's co-signatures), the minutes or the leader's draft. Plain data
    (strings, numbers, lists) so it is stored, hashed and rendered (PDF) the same.

    ``members``: [{expert_id, name, invitation_id}]; ``opinions`` / ``attachments`` by expert id."""
    leader = draft["leader"] if draft else None
    out_members = [{"expert_id": m["expert_id"], "name": m["name"], "invitation_id": m["invitation_id"],
                    "leader": m["expert_id"] == leader} for m in members]
    names = {m["expert_id"]: m["name"] for m in members}
    said = []
    for m in members:
        opinion = opinions.get(m["expert_id"])
        if opinion is None:
            continue
        attachment = attachments.get(m["expert_id"])
        said.append({"expert_id": m["expert_id"], "name": m["name"], "invitation_id": m["invitation_id"],
                     "text": opinion["text"], "signed_by": opinion["signed_by"],
                     "signed_at": _text(opinion["signed_at"]),
                     "attachment": None if attachment is None else {
                         "filename": attachment["filename"], "sha256": attachment["sha256"],
                         "size": attachment["size"]}})
    signatures = [{"expert_id": c["expert"], "name": names.get(c["expert"], ""), "agrees": c["agrees"],
                   "reason": c["reason"], "signed_by": c["signed_by"], "signed_at": _text(c["signed_at"])}
                  for c in sorted(cosignatures, key=lambda c: c["expert"])]
    return {
        "request_id": request["id"], "item": {"id": item["id"], "title": item["title"]},
        "purpose": request["purpose"], "mode": request["mode"], "mode_name": MODE_NAMES.get(request["mode"], ""),
        "members": out_members, "opinions": said,
        "minutes": None if minutes is None else {
            "text": minutes["text"], "meeting_on": _text(minutes["meeting_on"]),
            "attendees": [{"expert_id": a, "name": names.get(a, "")} for a in minutes["attendees"]],
            "recorded_by": minutes["recorded_by"], "recorded_at": _text(minutes["recorded_at"])},
        "group": None if draft is None else {
            "leader": {"expert_id": leader, "name": names.get(leader, "") if leader is not None else ""},
            "draft": draft["text"], "drafted_by": draft["drafted_by"], "drafted_at": _text(draft["drafted_at"]),
            "cosignatures": signatures},
        "agreements": [{"expert_id": s["expert_id"], "name": s["name"]} for s in signatures if s["agrees"]],
        "dissents": [{"expert_id": s["expert_id"], "name": s["name"], "reason": s["reason"]}
                     for s in signatures if not s["agrees"]],
        "issued_by": issued_by, "issued_at": _text(issued_at),
        "rule_ids": ["R-PANEL-5", "R-PANEL-7", "R-DUTY-2"],
    }


# --- adoption (R-PANEL-7): opinion by opinion, adopted or not and why ---------------------------------------
@dataclass(frozen=True)
class AdoptionEntry:
    expert_id: int
    adopted: bool
    reason: str = ""


def check_adoption(members: Sequence[int], entries: Sequence[AdoptionEntry], role: str, recorded: bool,
                   correction_reason: str) -> None:
    """The unit records once whether each member's opinion was adopted (409 again); only the office corrects a
    recorded adoption, with its reason (422). Every member of the report is named exactly once (422), and an
    opinion not adopted carries its reason (422), all citing R-PANEL-7."""
    rule = "R-PANEL-7"
    if role == "office":
        if not recorded:
            raise conflict("nothing to correct", "request_id", "决策承办单位尚未记录采纳情况，无可更正", rule)
        if not correction_reason.strip():
            raise invalid("reason", "更正采纳情况须写明更正理由", rule)
    elif recorded:
        raise conflict("adoption recorded", "request_id", "采纳情况已记录；如需更正，请由专家库管理处说明理由后更正",
                       rule)
    named = [e.expert_id for e in entries]
    duplicates = sorted({m for m in named if named.count(m) > 1})
    strangers = sorted(set(named) - set(members))
    left_out = [m for m in members if m not in named]
    problems = []
    if duplicates:
        problems.append(f"专家 {'、'.join(map(str, duplicates))} 重复")
    if strangers:
        problems.append(f"专家 {'、'.join(map(str, strangers))} 不是本论证报告的成员")
    if left_out:
        problems.append(f"专家 {'、'.join(map(str, left_out))} 的意见未说明是否采纳")
    if problems:
        raise invalid("entries", "；".join(problems), rule)
    for n, entry in enumerate(entries):
        if not entry.adopted and not entry.reason.strip():
            raise invalid(f"entries[{n}].reason", f"专家 {entry.expert_id} 的意见未被采纳，须写明理由", rule)
