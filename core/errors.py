"""Domain errors: kinds of refusal, each with the field, the reason and, where one applies, the rule
id from DOMAIN.md. They know nothing of HTTP; ``core.api`` maps each kind to one status code and
one answer shape: ``{"status_code", "detail", "errors": [{"field", "reason", "rule_id"}]}``.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FieldError:
    field: str
    reason: str
    rule_id: str | None = None


@dataclass
class DomainError(Exception):
    """A request the domain refuses. Raise one of the kinds below; the base reads as a rule violation."""

    detail: str
    errors: list[FieldError] = field(default_factory=list)
    extra: dict = field(default_factory=dict)

    def __str__(self) -> str:  # pragma: no cover - for logs only
        return f"{self.detail}: {self.errors}"


class RuleViolation(DomainError):
    """The input breaks a rule or a field's form (a regulation, a bound, a missing value)."""


class NotFound(DomainError):
    """No such record (or none the caller may know of)."""


class StateConflict(DomainError):
    """The request clashes with the current state of a record."""


class Duplicate(StateConflict):
    """The record, or the decision, exists already."""


class OutOfOrder(StateConflict):
    """A step taken out of its procedure's order."""


class Forbidden(DomainError):
    """The caller may not act on this record."""


class Unauthenticated(DomainError):
    """Who is asking is not established."""


class TooManyAttempts(DomainError):
    """The caller must wait before trying again."""


def invalid(field_name: str, reason: str, rule_id: str | None = None) -> RuleViolation:
    """A single-field validation failure."""
    return RuleViolation(detail=reason, errors=[FieldError(field_name, reason, rule_id)])


# What a record is called in a user's answer (issue 13: messages in Chinese); callers name records in English.
RECORD_NAMES = {
    "account": "账号", "annual review": "年度考核", "application": "报名申请", "change request": "变更申请",
    "commitment letter": "承诺书", "conflict dismissal": "利益冲突排除记录", "decision item": "决策事项",
    "item": "决策事项", "decline": "谢绝记录", "dismissal": "解聘记录", "discredit record": "失信记录",
    "duplicate flag": "疑似重复记录", "employment": "任职记录", "expert": "专家", "institution": "机构",
    "invitation": "邀请", "job": "定时任务", "message": "站内消息", "name-match task": "名称匹配任务",
    "panel": "论证组", "panel request": "抽取申请", "person": "人员", "policy version": "规则版本",
    "rating": "履职评价", "recruitment call": "遴选公告", "relation": "关系", "review": "考核",
    "specialty": "专业", "term": "聘期", "webhook": "webhook 地址", "merge": "合并记录", "record merge": "合并记录",
    "conflict policy": "利益冲突规则", "work calendar": "工作日历", "calendar": "工作日历", "vocabulary": "参考数据",
    "reference": "参考数据", "letter": "承诺书", "opinion": "书面意见", "leader report": "组长报告",
}


def record_name(what: str) -> str:
    """The Chinese name of a kind of record (a name already in Chinese, or unknown, stays as given)."""
    return RECORD_NAMES.get(what, what)


def not_found(what: str, key: object, field_name: str = "id") -> NotFound:
    name = record_name(what)
    return NotFound(detail=f"{name} {key} 不存在", errors=[FieldError(field_name, f"没有编号为 {key} 的{name}")])


def conflict(detail: str, field_name: str, reason: str, rule_id: str | None = None, **extra) -> StateConflict:
    """The request clashes with the current state: a duplicate, or a step out of order."""
    return StateConflict(detail=detail, errors=[FieldError(field_name, reason, rule_id)], extra=extra)


def forbidden(detail: str, field_name: str, reason: str) -> Forbidden:
    return Forbidden(detail=detail, errors=[FieldError(field_name, reason)])


class ErrorCollector:
    """Collects every field problem of one input so the user sees them all at once."""

    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def add(self, field_name: str, reason: str, rule_id: str | None = None) -> None:
        self.errors.append(FieldError(field_name, reason, rule_id))

    def raise_if_any(self, detail: str = "输入有误") -> None:
        if self.errors:
            raise RuleViolation(detail=f"{detail}：" + "；".join(f"{e.field}：{e.reason}" for e in self.errors),
                                errors=list(self.errors))
