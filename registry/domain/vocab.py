"""Controlled vocabularies of the registry, each with its Chinese name so users and code meet."""

from __future__ import annotations

from enum import Enum


class LabelledEnum(str, Enum):
    """A string enum whose members carry a Chinese label."""

    label: str

    def __new__(cls, value: str, label: str):
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member


class Gender(LabelledEnum):
    MALE = "male", "男"
    FEMALE = "female", "女"


class Sector(LabelledEnum):
    """Where an expert comes from; panels mix sectors (R-PANEL-2)."""

    ACADEMIA = "academia", "高校及科研院所"
    ENTERPRISE = "enterprise", "企业"
    LAW = "law", "法律实务"
    GOVERNMENT = "government", "党政机关（含退休干部）"
    SOCIAL_ORGANISATION = "social_organisation", "社会组织"


class InstitutionKind(LabelledEnum):
    UNIVERSITY = "university", "高等院校"
    RESEARCH_INSTITUTE = "research_institute", "科研院所"
    LAW_FIRM = "law_firm", "律师事务所"
    SOCIAL_ORGANISATION = "social_organisation", "社会组织"
    CONSULTANCY = "consultancy", "咨询机构"
    ENTERPRISE = "enterprise", "企业"
    GOVERNMENT_BODY = "government_body", "党政机关"


class CreditStatus(LabelledEnum):
    """Credit standing of an institution (R-POOL-8: a good credit record is required)."""

    GOOD = "good", "信用良好"
    WARNING = "warning", "信用警示"
    DISCREDITED = "discredited", "失信"


class DismissalReason(LabelledEnum):
    """The six grounds for early dismissal (提前解聘), NMG-E art.17 (R-POOL-5), as reason codes 1-6."""

    VIOLATION = "1", "违反本办法规定"
    NOT_IMPARTIAL = "2", "不能客观、公正履行职责"
    REPEATED_DECLINES = "3", "无正当理由多次拒绝参加论证"
    INCOMPETENT = "4", "经考核不称职"
    PERSONAL_REASONS = "5", "因个人客观原因不能履职"
    OWN_REQUEST = "6", "本人申请解聘"


class DiscreditKind(LabelledEnum):
    """Conduct that files a discredit record (失信记录), NMG-E art.19, NMG-P art.54 (R-POOL-7)."""

    FRAUD = "fraud", "弄虚作假"
    SELF_DEALING = "self_dealing", "徇私舞弊"
    SERIOUS_VIOLATION = "serious_violation", "其他严重违法违规行为"
    EVALUATION_CHEATING = "evaluation_cheating", "评估工作中弄虚作假"


class ReviewProposal(LabelledEnum):
    """What an annual review proposes (R-POOL-6)."""

    RENEW = "renew", "续聘"
    KEEP = "keep", "继续履职"
    DISMISS = "dismiss", "解聘"


class DutyBreach(LabelledEnum):
    """Duties of an expert, NMG-E art.7 (R-DUTY-2); a breach is the ground of a code-1 or code-2 dismissal."""

    UNSIGNED_OPINION = "unsigned_opinion", "未对论证意见签字负责"
    FAILED_TO_RECUSE = "failed_to_recuse", "与本人或所在单位有利害关系未主动回避"
    COMMERCIAL_USE_OF_TITLE = "commercial_use_of_title", "以论证专家名义从事商业活动"
    EXCESSIVE_MATERIAL_REQUEST = "excessive_material_request", "索取与论证无关的材料"
    CONFIDENTIALITY_BREACH = "confidentiality_breach", "泄露论证事项或国家秘密、商业秘密"


# Dismissal grounds a duty breach can support: violating the measures, or not acting impartially.
DUTY_BREACH_GROUNDS = {DismissalReason.VIOLATION, DismissalReason.NOT_IMPARTIAL}
