"""What the drafting unit's pages show of the procedure's steps (issue 14's steps as pages, issue 15), and the
forms' bodies. On the panel page: the hand-over materials, the meeting's minutes or the group's draft with its
co-signatures, what is still missing (the API's ``GET .../argument``), the argument report and its adoption member
by member. On the item page: the options, the item's next step, the filing (status, the filing package), the
post-decision evaluation (opening, the mixed group, the report).

Each step's record is read with the same service as the API's controller (``assignment.procedure``,
``decisions.filing``, ``decisions.lifecycle``); a section shows only the action its state allows and the service
still decides. The actions themselves are ``web.unit.steps``."""

from __future__ import annotations

import base64
import re
from datetime import date
from typing import Any

from litestar import Request
from litestar.datastructures import UploadFile

from accounts.services import Principal
from assignment.domain.procedure import Reader
from assignment.procedure import evaluation_group, materials, report
from core.errors import NotFound
from decisions import filing as filings
from decisions import lifecycle, options
from decisions.domain.evaluation import TRIGGERS
from decisions.domain.lifecycle import STATES, allowed_next
from web.forms import FormError, FormErrors

REPRESENTATIVE_ROWS = 3
_ENTRY = re.compile(r"^entries\[(\d+)\]\.(\w+)$")


def reader_of(me: Principal) -> Reader:
    return Reader(role=me.role, unit_id=me.unit_id, expert_id=me.expert_id, item_id=me.commission_item_id)


async def or_none(call: Any) -> Any:
    """A step's record, or None while it is not there yet (the service's 404)."""
    try:
        return await call
    except NotFound:
        return None


async def procedure_context(request_id: int, me: Principal, today: date) -> dict[str, Any]:
    """What the panel page shows of the argument: each step's record as the services answer it."""
    who = reader_of(me)
    argument = await report.argument(request_id)
    return {"materials": (await materials.list_materials(request_id, who, today, 0, 100)).items,
            "members": await report.members_of(request_id), "argument": argument,
            "minutes": await or_none(report.minutes(request_id, who)),
            "draft": await or_none(report.group_draft(request_id, who)),
            "report": await or_none(report.show_report(request_id, who)),
            "adoption": await or_none(report.adoptions(request_id)) if argument.report_issued else None}


async def item_context(item_id: int, state: str, today: date) -> dict[str, Any]:
    """What the item page shows of the later steps: the next states, the filing, the evaluations."""
    filing = await filings.filing_view(item_id, today)
    evaluations = (await lifecycle.list_evaluations(item_id, 0, 20)).items
    open_evaluation = next((e for e in evaluations if e.concluded_on is None), None)
    groups = (await evaluation_group.list_groups(item_id, 0, 20)).items
    return {"open_evaluation": open_evaluation, "triggers": TRIGGERS, "representative_rows": REPRESENTATIVE_ROWS,
            "open_group": next((g for g in groups if open_evaluation and g.evaluation_id == open_evaluation.id),
                               None),
            "next_states": [(s, STATES[s]) for s in allowed_next(state)], "filing": filing, "state_labels": STATES,
            "evaluations": evaluations, "groups": groups,
            "evaluation_report": await or_none(evaluation_group.show_report(item_id, None)),
            "options": (await options.options_of(item_id)).options}


def group_body(form: dict[str, Any]) -> dict[str, Any]:
    """The API's GroupIn from the form: the four parts; representatives from the rows filled in."""
    body: dict[str, Any] = {k: form[k] for k in ("evaluating_unit_id", "expert_request_id", "institution_request_id")
                            if form.get(k)}
    body["representatives"] = [{"name": form.get(f"rep_name_{n}"), "unit": form.get(f"rep_unit_{n}"),
                                "role": form.get(f"rep_role_{n}")} for n in range(REPRESENTATIVE_ROWS)
                               if any(form.get(f"rep_{k}_{n}") for k in ("name", "unit", "role"))]
    return body


def report_body(form: dict[str, Any], trigger: str | None) -> dict[str, Any]:
    """The API's ReportIn: conclusions, one recommendation a line, the finding on the evaluation's trigger."""
    body: dict[str, Any] = {"conclusions": form.get("conclusions"),
                            "recommendations": [r.strip() for r in str(form.get("recommendations", "")).splitlines()
                                                if r.strip()]}
    if form.get("finding") and trigger:
        body["findings"] = [{"trigger": trigger, "finding": form["finding"]}]
    return body


def adoption_body(form: dict[str, Any], members: list[dict]) -> dict[str, Any]:
    """The API's AdoptionIn from the form: one entry per member, ``adopted_<expert>`` yes/no, ``reason_<expert>``."""
    entries = []
    for m in members:
        choice = form.get(f"adopted_{m['expert_id']}")
        entry: dict[str, Any] = {"expert_id": m["expert_id"], "adopted": choice == "yes"}
        if choice is None:
            entry["adopted"] = None  # not chosen: the struct refuses it, said beside the member
        if form.get(f"reason_{m['expert_id']}"):
            entry["reason"] = form[f"reason_{m['expert_id']}"]
        entries.append(entry)
    return {"entries": entries}


def beside_members(errors: FormErrors, members: list[dict]) -> FormErrors:
    """``entries[n].reason`` (the API's field) → ``reason_<expert>`` (the form's), so it shows beside the member."""
    fields: dict[str, list[str]] = {}
    for name, reasons in errors.fields.items():
        match = _ENTRY.match(name)
        if match and int(match.group(1)) < len(members):
            kind = "reason" if match.group(2) == "reason" else "adopted"
            name = f"{kind}_{members[int(match.group(1))]['expert_id']}"
        fields.setdefault(name, []).extend(reasons)
    return FormErrors(errors.detail, fields)


def beside_file(errors: FormErrors) -> FormErrors:
    """The file's name and content (the API's ``filename``, ``content``, ``content_base64``) are one file input."""
    fields: dict[str, list[str]] = {}
    for name, reasons in errors.fields.items():
        fields.setdefault("file" if name in ("filename", "content", "content_base64") else name, []).extend(reasons)
    return FormErrors(errors.detail, fields)


async def upload_body(request: Request) -> dict[str, Any]:
    """The API's MaterialIn from a multipart form: the file's name and its bytes in base64."""
    form = await request.form()
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise FormError(FormErrors("请选择要移交的文件", {"file": ["请选择要移交的文件"]}), 422)
    content = await upload.read()
    return {"filename": upload.filename, "content_base64": base64.b64encode(content).decode() if content else ""}
