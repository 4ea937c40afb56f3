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
from conflicts.tables import PolicyVersion
from core.errors import ErrorCollector
from core.uow import emit, unit_of_work


async def policy_versions() -> list[s.PolicyOut]:
    rows = await PolicyVersion.select().order_by(PolicyVersion.version).output(load_json=True)
    if not rows:  # nothing changed yet: the default policy is in force
        doc = policy_to_document(default_policy())
        return [s.PolicyOut(doc["version"], doc["hierarchy_hops"], doc["rules"], "default policy", "", None)]
    return [s.PolicyOut(r["version"], r["document"]["hierarchy_hops"], r["document"]["rules"], r["reason"],
                        r["changed_by"], r["created_at"]) for r in rows]


async def current_policy() -> s.PolicyOut:
    return (await policy_versions())[-1]


async def change_policy(live: LiveGraph, data: s.PolicyIn) -> s.PolicyOut:
    """A new version from full rules, a new hierarchy depth, or both, on top of the policy in
    force in ``live``; a bad policy is refused with every problem named (422)."""
    current = live.policy
    errors = ErrorCollector()
    if data.hierarchy_hops is not None and not 0 <= data.hierarchy_hops <= 6:
        errors.add("hierarchy_hops", "must be between 0 and 6")
    if data.rules is None and data.hierarchy_hops is None:
        errors.add("rules", "send the rules, a new hierarchy_hops, or both")
    rules = msgspec.to_builtins(data.rules) if data.rules is not None else None
    if rules is not None:
        validate_policy(rules)
    errors.raise_if_any("invalid conflict policy")
    policy = policy_from_document({"rules": rules, "hierarchy_hops": current.hierarchy_hops}) if rules else current
    if data.hierarchy_hops is not None:
        policy = with_hierarchy_hops(policy, data.hierarchy_hops)
    document = policy_to_document(policy)
    async with unit_of_work():
        latest = await PolicyVersion.select(PolicyVersion.version).order_by(
            PolicyVersion.version, ascending=False).limit(1)
        if not latest:  # keep the default as version 1, so the history is complete
            await PolicyVersion(version=1, document=policy_to_document(default_policy()), reason="default policy",
                                changed_by="system").save()
        version = (latest[0]["version"] if latest else 1) + 1
        document["version"] = version
        await PolicyVersion(version=version, document=document, reason=data.reason, changed_by=data.by).save()
        emit(PolicyChanged(version))
    return (await policy_versions())[-1]
