"""The conflict policy's versions: the one in force, the history, and a change (a new version)."""

from __future__ import annotations

import msgspec

from conflicts import schemas as s
from conflicts.events import PolicyChanged
from conflicts.live import LiveGraph
from conflicts.policy import (
    default_policy,
    policy_from_document,
    policy_to_document,
    validate_policy,
    with_hierarchy_hops,
)
from conflicts.services.actors import with_sent_name
from conflicts.tables import PolicyVersion
from core.errors import ErrorCollector
from core.schemas import Page
from core.uow import emit, unit_of_work


def _default_out() -> s.PolicyOut:
    doc = policy_to_document(default_policy())
    return s.PolicyOut(doc["version"], doc["hierarchy_hops"], doc["rules"], "默认策略", "", None)


def _out(r: dict) -> s.PolicyOut:
    return s.PolicyOut(r["version"], r["document"]["hierarchy_hops"], r["document"]["rules"], r["reason"],
                       r["changed_by"], r["created_at"])


async def policy_versions(offset: int = 0, limit: int = 50) -> Page[s.PolicyOut]:
    """Oldest first; before any change the default policy is the one version."""
    total = await PolicyVersion.count()
    if not total:  # nothing changed yet: the default policy is in force
        return Page([_default_out()][offset:offset + limit], 1, offset, limit)
    rows = await PolicyVersion.select().order_by(PolicyVersion.version).offset(offset).limit(limit).output(
        load_json=True)
    return Page([_out(r) for r in rows], total, offset, limit)


async def current_policy() -> s.PolicyOut:
    row = await PolicyVersion.select().order_by(PolicyVersion.version, ascending=False).first().output(load_json=True)
    return _out(row) if row else _default_out()


async def change_policy(live: LiveGraph, data: s.PolicyIn, actor: str) -> s.PolicyOut:
    """A new version from full rules, a new hierarchy depth, or both, on top of the policy in
    force in ``live``; a bad policy is refused with every problem named (422)."""
    current = live.policy
    errors = ErrorCollector()
    if data.hierarchy_hops is not None and not 0 <= data.hierarchy_hops <= 6:
        errors.add("hierarchy_hops", "须在 0 到 6 之间")
    if data.rules is None and data.hierarchy_hops is None:
        errors.add("rules", "须提交规则（rules）、新的层级跳数（hierarchy_hops）或两者")
    rules = msgspec.to_builtins(data.rules) if data.rules is not None else None
    if rules is not None:
        validate_policy(rules)
    errors.raise_if_any("回避策略无效")
    policy = policy_from_document({"rules": rules, "hierarchy_hops": current.hierarchy_hops}) if rules else current
    if data.hierarchy_hops is not None:
        policy = with_hierarchy_hops(policy, data.hierarchy_hops)
    document = policy_to_document(policy)
    async with unit_of_work():
        latest = await PolicyVersion.select(PolicyVersion.version).order_by(
            PolicyVersion.version, ascending=False).limit(1)
        if not latest:  # keep the default as version 1, so the history is complete
            await PolicyVersion(version=1, document=policy_to_document(default_policy()), reason="默认策略",
                                changed_by="system").save()
        version = (latest[0]["version"] if latest else 1) + 1
        document["version"] = version
        await PolicyVersion(version=version, document=document, reason=with_sent_name(data.reason, actor, data.by),
                            changed_by=actor).save()
        emit(PolicyChanged(version))
    return await current_policy()
