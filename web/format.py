"""How values read on a page: dates as 2026年11月25日, statuses and rule ids with their Chinese labels.

Registered as Jinja filters (``web.render``): ``{{ d|date_cn }}``, ``{{ t|datetime_cn }}``, ``{{ s|status }}``,
``{{ "R-POOL-4"|rule }}``, ``{{ v|label("sectors") }}``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from enum import Enum

from registry.domain.recruitment import ApplicationState, Condition
from registry.domain.vocab import (
    CreditStatus,
    DiscreditKind,
    DismissalReason,
    DutyBreach,
    Gender,
    InstitutionKind,
    ReviewProposal,
    Sector,
)

CHINA = timezone(timedelta(hours=8))


def date_cn(value: date | datetime | str | None) -> str:
    """2026年11月25日 (a date-time is shown on the China calendar day, UTC+8)."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        try:
            parsed: date = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
        except ValueError:
            return value
        value = parsed
    if isinstance(value, datetime):
        value = value.astimezone(CHINA).date() if value.tzinfo else value.date()
    return f"{value.year}年{value.month}月{value.day}日"


def datetime_cn(value: datetime | str | None) -> str:
    """2026年11月25日 09:30 (UTC+8)."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        value = moment
    local = value.astimezone(CHINA) if value.tzinfo else value
    return f"{date_cn(local.date())} {local:%H:%M}"


def _labels(*enums: type[Enum]) -> dict[str, str]:
    return {m.value: m.label for e in enums for m in e}  # type: ignore[attr-defined]


VOCABULARIES: dict[str, dict[str, str]] = {
    "sectors": _labels(Sector), "genders": _labels(Gender), "institution_kinds": _labels(InstitutionKind),
    "credit_statuses": _labels(CreditStatus), "dismissal_reasons": _labels(DismissalReason),
    "discredit_kinds": _labels(DiscreditKind), "review_proposals": _labels(ReviewProposal),
    "duty_breaches": _labels(DutyBreach), "conditions": _labels(Condition),
    "application_states": _labels(ApplicationState),
}

# Statuses of every record a page shows (one word each; the vocabulary-specific ones above win by name).
STATUSES: dict[str, str] = {
    # experts, terms, letters
    "active": "有效", "in_term": "在聘", "appointed": "已聘任", "expired": "已到期", "ended": "已结束",
    "dismissed": "已解聘", "suspended": "暂停", "candidate": "候选", "renewed": "已续聘", "signed": "已签署",
    "unsigned": "未签署",
    # recruitment
    "draft": "草稿", "open": "进行中", "closed": "已截止", "published": "已发布", "submitted": "已提交",
    "qualified": "资格审查通过", "rejected": "未通过", "approved": "已批准", "refused": "未获批准",
    "decided": "已决定", "pending": "待处理", "withdrawn": "已撤回",
    # panels and invitations
    "accepted": "已接受", "declined": "已谢绝", "awaiting_approval": "待政策法规处批准",
    "cancellation_requested": "已申请撤销", "cancelled": "已撤销", "drawn": "已抽取",
    "on_time": "按时提交", "late": "逾期提交", "missing": "逾期未提交", "not_applicable": "不适用",
    # notices and matches
    "delivered": "已送达", "failed": "发送失败", "queued": "待发送", "sent": "已发送", "distinct": "不是同一人",
    "same": "是同一人", "resolved": "已处理", "dismissed_match": "已排除",
    True: "是", False: "否",  # type: ignore[dict-item]
}

# Rule ids of DOMAIN.md with a short Chinese title.
RULES: dict[str, str] = {
    "R-POOL-1": "专家库与专业分库", "R-POOL-2": "公开遴选", "R-POOL-3": "入库基本条件", "R-POOL-4": "聘期（不超过3年）",
    "R-POOL-5": "提前解聘", "R-POOL-6": "年度考核", "R-POOL-7": "失信记录", "R-POOL-8": "第三方评估机构库",
    "R-DUTY-1": "专家承诺书", "R-DUTY-2": "专家签署意见与回避义务", "R-DUTY-3": "法律顾问回避",
    "R-COI-1": "直接利害关系回避", "R-COI-2": "专家及所在单位回避", "R-COI-3": "前后评估不得为同一单位",
    "R-COI-4": "评估机构独立", "R-COI-5": "不得转委托", "R-PANEL-1": "论证专家人数", "R-PANEL-2": "代表性与不同意见",
    "R-PANEL-3": "库外专家", "R-PANEL-4": "研究时间（7个工作日）", "R-PANEL-5": "论证方式", "R-PANEL-6": "论证程序",
    "R-PANEL-7": "论证报告采纳与反馈", "R-PANEL-8": "委托第三方组织论证", "R-EVAL-1": "评估组组成",
    "R-EVAL-2": "决策后评估的启动", "R-EVAL-3": "年度第三方评估", "R-REC-1": "全过程记录", "R-REC-2": "记录防篡改",
    "R-REC-3": "归档期限", "R-REC-4": "保密与个人信息保护",
}


def status(value: object, vocabulary: str | None = None) -> str:
    """The Chinese word for a status or a vocabulary value; an unknown value shows itself."""
    if isinstance(value, Enum):
        return getattr(value, "label", None) or str(value.value)
    if vocabulary and vocabulary in VOCABULARIES:
        return VOCABULARIES[vocabulary].get(str(value), str(value))
    if isinstance(value, bool):
        return "是" if value else "否"
    if value is None:
        return "—"
    for labels in (STATUSES, *VOCABULARIES.values()):
        if value in labels:
            return labels[value]
    return str(value)


def rule(rule_id: str | None) -> str:
    """R-POOL-4 → "R-POOL-4 聘期（不超过3年）"."""
    if not rule_id:
        return ""
    title = RULES.get(rule_id)
    return f"{rule_id} {title}" if title else rule_id


FILTERS = {"date_cn": date_cn, "datetime_cn": datetime_cn, "status": status, "rule": rule,
           "label": lambda value, vocabulary: status(value, vocabulary)}
