"""The conflict policy is data: named rules, each a path shape from a candidate to a decision item.

A rule says which edge kinds each step follows, how often a step may repeat (the hops, e.g. up and
down an institution's hierarchy), how far back an ended relation still counts, which candidates it
applies to and for which purposes. Offices change windows and hops through the API; every check
records the policy version it used.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import Enum

from core.errors import ErrorCollector


class Purpose(str, Enum):
    ARGUMENT = "argument"  # 专家论证
    RISK_ASSESSMENT = "risk_assessment"  # 风险评估
    POST_EVALUATION = "post_evaluation"  # 决策后评估


class EdgeKind(str, Enum):
    """Relation kinds, stored as ``source —kind→ target``."""

    EMPLOYED_BY = "employed_by"  # expert → institution (任职于)
    PART_OF = "part_of"  # institution → parent institution (隶属于)
    SUPERVISED = "supervised"  # expert → expert (师生)
    CO_WORKED = "co_worked"  # expert ↔ expert (合著/合作项目)
    RELATIVE_OF = "relative_of"  # expert ↔ expert (亲属)
    SHAREHOLDER_OF = "shareholder_of"  # expert → institution (持股)
    DIRECTOR_OF = "director_of"  # expert → institution (任董事/高管)
    ADVISER_OF = "adviser_of"  # expert → institution (法律顾问/咨询顾问)
    FUNDED_BY = "funded_by"  # institution → institution (资金来源)
    CONTROLLED_BY = "controlled_by"  # institution → institution (受控制)
    INTEREST_IN = "interest_in"  # expert/institution → item (利害关系)
    ARGUED_BEFORE = "argued_before"  # expert/institution → item (参与决策前论证或评估)
    DRAFTS = "drafts"  # institution → item (决策承办单位承办), from the item's drafting unit


# Relations that hold both ways, whatever direction they were entered in.
SYMMETRIC = frozenset({EdgeKind.CO_WORKED, EdgeKind.RELATIVE_OF, EdgeKind.SUPERVISED, EdgeKind.PART_OF})

EDGE_LABELS = {
    EdgeKind.EMPLOYED_BY: "任职于", EdgeKind.PART_OF: "隶属", EdgeKind.SUPERVISED: "师生关系",
    EdgeKind.CO_WORKED: "合作", EdgeKind.RELATIVE_OF: "亲属", EdgeKind.SHAREHOLDER_OF: "持股",
    EdgeKind.DIRECTOR_OF: "任职董事或高管", EdgeKind.ADVISER_OF: "担任顾问", EdgeKind.FUNDED_BY: "资金来源于",
    EdgeKind.CONTROLLED_BY: "受控于", EdgeKind.INTEREST_IN: "利害关系", EdgeKind.ARGUED_BEFORE: "参与决策前论证",
    EdgeKind.DRAFTS: "承办",
}
# The edge kinds that reach the decision item: a rule's last step follows one of them.
ITEM_KINDS = frozenset({EdgeKind.INTEREST_IN, EdgeKind.ARGUED_BEFORE, EdgeKind.DRAFTS})


class Direction(str, Enum):
    """Which way a step's stored edges point along the path from the candidate to the item.

    ``forward``: ``candidate side —kind→ item side`` (任职于 from the expert to the employer).
    ``reverse``: ``candidate side ←kind— item side``: the edge is stored pointing at the candidate, as
    in ``机构 ←任职于— 某人``, where the institution employs the person (personnel independence, R-COI-4).
    Symmetric kinds are followed both ways whatever the direction.
    """

    FORWARD = "forward"
    REVERSE = "reverse"



@dataclass(frozen=True)
class Step:
    """One step of a path: follow any of ``kinds`` between ``min_repeat`` and ``max_repeat`` times, along
    stored edges pointing the step's ``direction`` (see ``Direction``)."""

    kinds: frozenset[EdgeKind]
    min_repeat: int = 1
    max_repeat: int = 1
    lookback_days: int | None = None  # an ended relation still counts this many days; None: only current ones
    direction: Direction = Direction.FORWARD


@dataclass(frozen=True)
class ConflictRule:
    rule_id: str  # the DOMAIN.md rule it implements
    name: str
    sentence: str  # Chinese explanation; {subject} and {item} are filled in
    steps: tuple[Step, ...]  # from the candidate to the decision item
    purposes: frozenset[Purpose]
    subjects: frozenset[str] = frozenset({"expert", "institution"})


@dataclass(frozen=True)
class Policy:
    version: int
    rules: tuple[ConflictRule, ...]
    hierarchy_hops: int = 1  # how far up and down an institution's hierarchy an interest spreads

    def for_purpose(self, purpose: Purpose) -> list[ConflictRule]:
        return [r for r in self.rules if purpose in r.purposes]


def _s(*kinds: EdgeKind, min_repeat: int = 1, max_repeat: int = 1, lookback_days: int | None = None,
       direction: Direction = Direction.FORWARD) -> Step:
    return Step(frozenset(kinds), min_repeat, max_repeat, lookback_days, direction)


ALL = frozenset(Purpose)
HIERARCHY = _s(EdgeKind.PART_OF, min_repeat=0, max_repeat=1)
INTEREST = _s(EdgeKind.INTEREST_IN)
AFFILIATION = (EdgeKind.SHAREHOLDER_OF, EdgeKind.DIRECTOR_OF, EdgeKind.ADVISER_OF)
DRAFTING = _s(EdgeKind.DRAFTS)
EVALUATION = frozenset({Purpose.RISK_ASSESSMENT, Purpose.POST_EVALUATION})
# Personnel independence (R-COI-4): a person employed by the drafting unit within this window, and by
# the candidate within it, ties the two.
PERSONNEL_WINDOW_DAYS = 730


def default_policy() -> Policy:
    """R-COI-1..4 and R-DUTY-2..3 as path shapes."""
    return Policy(version=1, rules=(
        ConflictRule("R-COI-1", "direct_interest", "{subject}与决策事项「{item}」有直接利害关系",
                     (INTEREST,), ALL),
        ConflictRule("R-COI-2", "employer_interest", "{subject}所在单位与决策事项「{item}」有利害关系",
                     (_s(EdgeKind.EMPLOYED_BY, lookback_days=730), HIERARCHY, INTEREST), ALL, frozenset({"expert"})),
        ConflictRule("R-DUTY-2", "relative_interest", "{subject}的近亲属与决策事项「{item}」有利害关系",
                     (_s(EdgeKind.RELATIVE_OF), INTEREST), ALL, frozenset({"expert"})),
        # Kinship carries the relative's own interests: the spouse who directs, owns or advises a party
        # with an interest in the item (the relative may be an expert or a person who is not one).
        ConflictRule("R-DUTY-2", "relative_affiliation_interest",
                     "{subject}的近亲属担任顾问、持股或任董事高管的机构与决策事项「{item}」有利害关系",
                     (_s(EdgeKind.RELATIVE_OF), _s(*AFFILIATION, lookback_days=730), HIERARCHY, INTEREST), ALL,
                     frozenset({"expert"})),
        ConflictRule("R-DUTY-2", "close_collaborator_interest",
                     "{subject}近三年的合作者或师生与决策事项「{item}」有直接利害关系",
                     (_s(EdgeKind.CO_WORKED, EdgeKind.SUPERVISED, lookback_days=3 * 365), INTEREST), ALL,
                     frozenset({"expert"})),
        ConflictRule("R-DUTY-3", "adviser_or_owner_interest",
                     "{subject}担任顾问、持股或任职的机构与决策事项「{item}」有利害关系",
                     (_s(*AFFILIATION, lookback_days=730), HIERARCHY, INTEREST), ALL, frozenset({"expert"})),
        ConflictRule("R-COI-3", "argued_before_decision",
                     "{subject}参与了决策事项「{item}」决策前的论证或评估，不得承担决策后评估",
                     (_s(EdgeKind.ARGUED_BEFORE),), frozenset({Purpose.POST_EVALUATION})),
        ConflictRule("R-COI-3", "employer_argued_before_decision",
                     "{subject}所在单位参与了决策事项「{item}」决策前的论证或评估，不得承担决策后评估",
                     (_s(EdgeKind.EMPLOYED_BY), HIERARCHY, _s(EdgeKind.ARGUED_BEFORE)),
                     frozenset({Purpose.POST_EVALUATION}), frozenset({"expert"})),
        ConflictRule("R-COI-4", "not_independent",
                     "{subject}在组织或资金上与决策事项「{item}」的利害关系方不独立",
                     (_s(EdgeKind.FUNDED_BY, EdgeKind.CONTROLLED_BY, max_repeat=2), HIERARCHY, INTEREST),
                     EVALUATION, frozenset({"institution"})),
        # Independence from the evaluation object, the drafting unit (决策承办单位), SY 三(一)2.
        ConflictRule("R-COI-4", "drafting_unit_hierarchy",
                     "{subject}是决策事项「{item}」的承办单位或与其存在隶属关系，在组织上不独立于评估对象",
                     (HIERARCHY, DRAFTING), EVALUATION, frozenset({"institution"})),
        ConflictRule("R-COI-4", "funded_or_controlled_by_drafting_unit",
                     "{subject}的资金来源于决策事项「{item}」的承办单位或受其控制，在资金或组织上不独立于评估对象",
                     (_s(EdgeKind.FUNDED_BY, EdgeKind.CONTROLLED_BY, max_repeat=2), HIERARCHY, DRAFTING),
                     EVALUATION, frozenset({"institution"})),
        ConflictRule("R-COI-4", "shares_personnel_with_drafting_unit",
                     "{subject}聘用了曾在或正在决策事项「{item}」承办单位任职的人员，在人员上不独立于评估对象",
                     (_s(EdgeKind.EMPLOYED_BY, lookback_days=PERSONNEL_WINDOW_DAYS, direction=Direction.REVERSE),
                      _s(EdgeKind.EMPLOYED_BY, lookback_days=PERSONNEL_WINDOW_DAYS), HIERARCHY, DRAFTING),
                     EVALUATION, frozenset({"institution"})),
    ))


def validate_policy(rules: list[dict], field_name: str = "rules") -> None:
    """Refuse a policy sent by an office (422), naming each bad field."""
    errors = ErrorCollector()
    known = {k.value for k in EdgeKind}
    purposes = {p.value for p in Purpose}
    if not rules:
        errors.add(field_name, "策略至少需要一条规则")
    for i, rule in enumerate(rules):
        here = f"{field_name}[{i}]"
        if not rule.get("steps"):
            errors.add(f"{here}.steps", "每条规则至少需要一个步骤")
        if rule.get("steps") and not {k.value for k in ITEM_KINDS} & set(rule["steps"][-1].get("kinds", [])):
            errors.add(f"{here}.steps",
                       "最后一步须到达决策事项（interest_in、argued_before 或 drafts）")
        for p in rule.get("purposes", []):
            if p not in purposes:
                errors.add(f"{here}.purposes", f"未知的用途 '{p}'，可选：{sorted(purposes)}")
        if not rule.get("purposes"):
            errors.add(f"{here}.purposes", "每条规则至少适用于一种用途")
        for subject in rule.get("subjects") or ():
            if subject not in ("expert", "institution"):
                errors.add(f"{here}.subjects", f"未知的对象 '{subject}'，可选：expert 或 institution")
        try:
            rule.get("sentence", "").format(subject="", item="")
        except (KeyError, IndexError, ValueError):
            errors.add(f"{here}.sentence", "只能使用占位符 {subject} 和 {item}")
        for j, step in enumerate(rule.get("steps", [])):
            where = f"{here}.steps[{j}]"
            if not step.get("kinds"):
                errors.add(f"{where}.kinds", "每一步至少沿一种关系")
            for kind in step.get("kinds", []):
                if kind not in known:
                    errors.add(f"{where}.kinds", f"未知的关系种类 '{kind}'")
            lo, hi = step.get("min_repeat", 1), step.get("max_repeat", 1)
            if lo < 0 or hi < lo or (hi < 1 and lo != 0):
                errors.add(f"{where}.max_repeat",
                           "须 0 <= min_repeat <= max_repeat；max_repeat 为 0 仅限关闭的步骤")
            if hi > 6:
                errors.add(f"{where}.max_repeat", "每一步最多 6 跳")
            if (step.get("lookback_days") or 0) < 0:
                errors.add(f"{where}.lookback_days", "不得为负数")
            if step.get("direction", Direction.FORWARD.value) not in {d.value for d in Direction}:
                errors.add(f"{where}.direction", "须为 forward 或 reverse")
    errors.raise_if_any("回避策略无效")


def _is_hierarchy(step: Step) -> bool:
    """The institution-hierarchy step of a rule (up and down 隶属): it may be taken zero times."""
    return step.kinds == HIERARCHY.kinds and step.min_repeat == 0


def with_hierarchy_hops(policy: Policy, hops: int) -> Policy:
    """The same policy with the institution hierarchy spreading ``hops`` levels (0 switches it off).

    Switching off keeps each hierarchy step with ``max_repeat`` 0 (walked zero times), so a later
    change can switch it on again. A version stored before that (its hierarchy steps dropped) gets
    them back from the default rule of the same name whose other steps are the rule's steps."""
    defaults = {r.name: r for r in default_policy().rules}
    rules = []
    for rule in policy.rules:
        steps = rule.steps
        if not any(_is_hierarchy(s) for s in steps) and rule.name in defaults:
            default = defaults[rule.name]
            if tuple(s for s in default.steps if not _is_hierarchy(s)) == steps:
                steps = default.steps
        rules.append(replace(rule, steps=tuple(replace(s, max_repeat=hops) if _is_hierarchy(s) else s
                                               for s in steps)))
    return replace(policy, version=policy.version + 1, rules=tuple(rules), hierarchy_hops=hops)


def policy_to_document(policy: Policy) -> dict:
    """The policy as JSON-ready data, the form stored and shown through the API."""
    return {
        "version": policy.version,
        "hierarchy_hops": policy.hierarchy_hops,
        "rules": [{
            "rule_id": r.rule_id, "name": r.name, "sentence": r.sentence,
            "purposes": sorted(p.value for p in r.purposes), "subjects": sorted(r.subjects),
            "steps": [{"kinds": sorted(k.value for k in s.kinds), "min_repeat": s.min_repeat,
                       "max_repeat": s.max_repeat, "lookback_days": s.lookback_days,
                       "direction": s.direction.value} for s in r.steps],
        } for r in policy.rules],
    }


def policy_from_document(document: dict, version: int | None = None) -> Policy:
    """Build a policy from its stored or submitted form; ``validate_policy`` has checked it."""
    rules = tuple(ConflictRule(
        rule_id=r["rule_id"], name=r["name"], sentence=r["sentence"],
        purposes=frozenset(Purpose(p) for p in r["purposes"]),
        subjects=frozenset(r.get("subjects") or ("expert", "institution")),
        steps=tuple(Step(frozenset(EdgeKind(k) for k in s["kinds"]), s.get("min_repeat", 1), s.get("max_repeat", 1),
                         s.get("lookback_days"), Direction(s.get("direction") or Direction.FORWARD.value))
                    for s in r["steps"]),  # a document from before directions: every step forward
    ) for r in document["rules"])
    return Policy(version=version if version is not None else document.get("version", 1), rules=rules,
                  hierarchy_hops=document.get("hierarchy_hops", 1))
