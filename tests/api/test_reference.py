"""Issue 13: reference data was found only in 422 messages. GET /reference lists every controlled vocabulary a
request body accepts, with Chinese labels, to every logged-in role; the test walks every request body of the
application and checks that each enum or fixed list of words it accepts is listed, value for value."""

from __future__ import annotations

import enum
import re
import typing
from typing import Annotated, Literal, get_args, get_origin

from core.schemas import Input
from tests.api.test_conflicts_api import make_expert
from tests.support.app import add_account, login

API = "/api/v1"
CJK = re.compile(r"[\u4e00-\u9fff]")


def _subclasses(cls: type) -> list[type]:
    found: list[type] = []
    subs: list[type] = cls.__subclasses__()
    for sub in subs:
        found += [sub, *_subclasses(sub)]
    return found


def _leaves(hint) -> list:
    origin = get_origin(hint)
    if origin is Annotated:
        return _leaves(get_args(hint)[0])
    if origin is Literal:
        return [hint]
    if origin is not None:
        return [leaf for arg in get_args(hint) for leaf in _leaves(arg)]
    return [hint]


def body_vocabularies() -> dict[tuple[str, ...], list[str]]:
    """Every set of words a request body accepts (an enum's values, a Literal's words) → the fields taking it."""
    import app  # noqa: F401  (every capability's bodies are defined once the application is imported)

    found: dict[tuple[str, ...], list[str]] = {}
    for body in set(_subclasses(Input)):
        for name, hint in typing.get_type_hints(body, include_extras=True).items():
            for leaf in _leaves(hint):
                if isinstance(leaf, type) and issubclass(leaf, enum.Enum):
                    words = tuple(sorted(str(m.value) for m in leaf))
                elif get_origin(leaf) is Literal and all(isinstance(a, str) for a in get_args(leaf)):
                    words = tuple(sorted(get_args(leaf)))
                else:
                    continue
                found.setdefault(words, []).append(f"{body.__name__}.{name}")
    return found


def test_every_word_a_body_accepts_is_listed_with_a_chinese_label(client):
    answer = client.get(f"{API}/reference", params={"limit": 500})
    assert answer.status_code == 200, answer.text
    page = answer.json()
    assert page["total"] == len(page["items"]) > 10
    listed = {v["name"]: {t["value"]: t["label"] for t in v["values"]} for v in page["items"]}
    vocabularies = body_vocabularies()
    assert len(vocabularies) >= 15  # EdgeKind, Purpose, Sector, DismissalReason, Condition, roles, modes...
    missing = {fields[0]: words for words, fields in vocabularies.items()
               if not any(set(words) <= set(terms) for terms in listed.values())}
    assert missing == {}, f"accepted by a body but not listed in GET /reference: {missing}"
    for name, terms in listed.items():
        for value, label in terms.items():
            assert CJK.search(label), f"{name}.{value}: label {label!r} is not Chinese"
    for vocabulary in page["items"]:
        assert CJK.search(vocabulary["label"])


def test_the_named_vocabularies_the_issue_asks_for(client):
    from conflicts.policy import EDGE_LABELS, EdgeKind, Purpose
    from registry.domain.vocab import DismissalReason, InstitutionKind, Sector

    def terms(name: str) -> dict[str, str]:
        answer = client.get(f"{API}/reference/{name}")
        assert answer.status_code == 200, answer.text
        return {t["value"]: t["label"] for t in answer.json()["values"]}

    assert terms("relation_kinds") == {k.value: EDGE_LABELS[k] for k in EdgeKind}
    assert terms("dismissal_reasons") == {r.value: r.label for r in DismissalReason}
    assert terms("dismissal_reasons")["3"] == "无正当理由多次拒绝参加论证"
    assert set(terms("sectors")) == {s.value for s in Sector}
    assert set(terms("institution_kinds")) == {k.value for k in InstitutionKind}
    assert terms("purposes") == {Purpose.ARGUMENT.value: "专家论证", Purpose.RISK_ASSESSMENT.value: "风险评估",
                                 Purpose.POST_EVALUATION.value: "决策后评估"}
    assert set(terms("roles")) == {"office", "unit", "expert", "auditor", "organiser"}  # organiser: R-PANEL-8
    assert set(terms("panel_modes")) == {"meeting", "individual", "group"}
    assert {"pending", "accepted", "declined"} <= set(terms("invitation_statuses"))
    assert len(terms("qualification_conditions")) == 5
    specialties = client.get(f"{API}/reference/specialties").json()
    assert specialties["href"] == "/api/v1/specialties" and client.get(specialties["href"]).status_code == 200
    unknown = client.get(f"{API}/reference/colours")
    assert unknown.status_code == 404 and CJK.search(unknown.json()["errors"][0]["reason"])


def test_every_logged_in_role_reads_the_reference(client):
    unit = client.post(f"{API}/institutions", json={"name": "市交通运输局", "kind": "government_body"}).json()
    add_account("unit1", "unit", unit_id=unit["id"])
    add_account("auditor1", "auditor")
    add_account("expert1", "expert", expert_id=make_expert(client)["id"])
    for username in ("unit1", "auditor1", "expert1"):
        login(client, username)
        assert client.get(f"{API}/reference").status_code == 200
        assert client.get(f"{API}/reference/relation_kinds").status_code == 200
    del client.headers["Authorization"]
    assert client.get(f"{API}/reference").status_code == 401
