"""Who may call what: bearer-token authentication, and one table of access rules checked by one guard.

The pool office may do everything; the auditor may read everything and change nothing. A drafting
unit and an expert may call only the routes listed for them below, and where the rule says "own" only
on their own records: a unit on its decision items, their panel requests and panels, its inbox and
webhooks; an expert on their own profile, declarations, letters, invitations and inbox. A route not
in the table is the office's alone, so a new endpoint is closed until someone opens it here.
"""

from __future__ import annotations

import re
from datetime import date
from typing import cast

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, NotFoundException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware.authentication import AbstractAuthenticationMiddleware, AuthenticationResult
from litestar.types import HTTPScope

from accounts.services import Principal, principal_for
from assignment.domain.commission import CommissionTerm, commission_closed_reason
from assignment.tables import Commission, Invitation, Panel, PanelRequest
from core.errors import FieldError, Forbidden
from decisions.tables import DecisionItem
from notifications.tables import InboxMessage

PUBLIC = ["^/health$", "^/schema", "^/respond/", "^/api/v1/auth/login$",
          # the pages (issue 15): a session cookie, their own guards and CSRF (web/session.py), no bearer token
          "^/$", "^/log(in|out)$", "^/(office|unit|expert|auditor|organiser)(/|$)", "^/static/"]
OWN, ANY = "own", "any"
V = "/api/v1"

RULES: dict[str, dict[str, str]] = {
    # reference data and masked expert views
    f"GET {V}/specialties": {"unit": ANY, "expert": ANY},
    f"GET {V}/reference": {"unit": ANY, "expert": ANY},  # vocabularies with Chinese labels (issue 13)
    f"GET {V}/reference/{{name}}": {"unit": ANY, "expert": ANY},
    f"GET {V}/work-calendars": {"unit": ANY, "expert": ANY},  # working days; entering one is the office's
    f"GET {V}/work-calendars/{{year}}": {"unit": ANY, "expert": ANY},
    f"GET {V}/institutions": {"unit": ANY},
    f"GET {V}/institutions/{{institution_id}}": {"unit": ANY},
    f"GET {V}/evaluator-pool": {"unit": ANY},
    f"GET {V}/experts": {"unit": ANY},
    f"GET {V}/recruitment-calls": {"unit": ANY, "expert": ANY},
    f"GET {V}/conflict-policy": {"unit": ANY},
    # an expert's own record (a unit may see it masked)
    f"GET {V}/experts/{{expert_id}}": {"unit": ANY, "expert": OWN},
    f"PATCH {V}/experts/{{expert_id}}": {"expert": OWN},
    f"GET {V}/experts/{{expert_id}}/eligibility": {"unit": ANY, "expert": OWN},
    f"POST {V}/experts/{{expert_id}}/employments": {"expert": OWN},
    f"GET {V}/experts/{{expert_id}}/declarations": {"expert": OWN},
    f"POST {V}/experts/{{expert_id}}/declarations": {"expert": OWN},
    f"POST {V}/experts/{{expert_id}}/commitment-letters": {"expert": OWN},
    f"GET {V}/experts/{{expert_id}}/commitment-letters": {"expert": OWN},  # and the text signed (issue 13)
    f"GET {V}/experts/{{expert_id}}/declines": {"expert": OWN},
    # printable documents (issue 16): the expert's own certificate (聘书) and signed letter (专家承诺书)
    f"GET {V}/experts/{{expert_id}}/terms/{{term_id}}/certificate.pdf": {"expert": OWN},
    f"GET {V}/experts/{{expert_id}}/commitment-letters/{{letter_id}}/letter.pdf": {"expert": OWN},
    # a unit's decision items, panels and their conflict checks
    f"GET {V}/items": {"unit": ANY},  # the list is limited to the unit's own items
    f"POST {V}/items": {"unit": ANY},  # created for the unit itself
    f"GET {V}/items/{{item_id}}": {"unit": OWN, "organiser": OWN},
    f"PATCH {V}/items/{{item_id}}": {"unit": OWN},
    f"POST {V}/items/{{item_id}}/transitions": {"unit": OWN},  # issue 14: the unit moves its own items
    f"POST {V}/items/{{item_id}}/evaluations": {"unit": OWN},  # R-EVAL-2: e.g. the executing unit asks
    f"GET {V}/items/{{item_id}}/evaluations": {"unit": OWN},
    # the mixed evaluation group (R-EVAL-1) of the unit's own item; the report is filed by the group's evaluating
    # unit (checked on the record: 403 otherwise) and read by the owning unit
    f"POST {V}/items/{{item_id}}/evaluation-groups": {"unit": OWN},
    f"GET {V}/items/{{item_id}}/evaluation-groups": {"unit": OWN},
    f"POST {V}/items/{{item_id}}/evaluation-report": {"unit": ANY},
    f"GET {V}/items/{{item_id}}/evaluation-report": {"unit": OWN},
    f"GET {V}/items/{{item_id}}/conflicts": {"unit": OWN},
    f"GET {V}/items/{{item_id}}/conflicts/{{subject_kind}}/{{subject_id}}": {"unit": OWN},
    f"POST {V}/items/{{item_id}}/commission-checks": {"unit": OWN},
    f"GET {V}/items/{{item_id}}/conflict-dismissals": {"unit": OWN},
    # the interested parties of the unit's own items (interest_in only, checked on the body: 403 otherwise)
    f"POST {V}/relations": {"unit": ANY},
    f"GET {V}/items/{{item_id}}/record": {"unit": OWN, "organiser": OWN},
    # R-REC-3 (issue 14): the unit files its own item's record; the overdue and due lists are the office's
    f"POST {V}/items/{{item_id}}/filing": {"unit": OWN},
    f"GET {V}/items/{{item_id}}/filing": {"unit": OWN},
    f"GET {V}/items/{{item_id}}/filing-package": {"unit": OWN},
    f"GET {V}/items/{{item_id}}/filing-package.pdf": {"unit": OWN},  # 归档材料包 (issue 16)
    f"PUT {V}/items/{{item_id}}/options": {"unit": OWN},  # R-PANEL-6: the options argued together
    f"GET {V}/items/{{item_id}}/options": {"unit": OWN, "organiser": OWN},
    f"GET {V}/panel-requests": {"unit": ANY},  # limited to the unit's own
    f"POST {V}/panel-requests": {"unit": ANY, "organiser": ANY},  # for the unit's own items (checked on the body)
    f"GET {V}/panel-requests/{{request_id}}": {"unit": OWN, "organiser": OWN},
    f"GET {V}/panel-requests/{{request_id}}/panels": {"unit": OWN, "organiser": OWN},
    f"GET {V}/panel-requests/{{request_id}}/exclusions": {"unit": OWN, "organiser": OWN},  # issue 17: paged
    f"GET {V}/panel-requests/{{request_id}}/exclusions/{{subject_id}}": {"unit": OWN},  # why was X left out
    f"GET {V}/panel-requests/{{request_id}}/selection-record.pdf": {"unit": OWN},  # 专家抽取记录 (issue 16)
    f"GET {V}/panel-requests/{{request_id}}/argument-report.pdf": {"unit": OWN},  # 论证报告 (issue 16)
    f"GET {V}/panel-requests/{{request_id}}/conflict-recheck": {"unit": OWN},
    f"POST {V}/panel-requests/{{request_id}}/leader-report": {"unit": OWN},
    f"POST {V}/panel-requests/{{request_id}}/leader": {"unit": OWN},  # among accepted members (R-PANEL-5)
    f"GET {V}/items/{{item_id}}/panel-requests": {"unit": OWN, "organiser": OWN},
    f"GET {V}/experts/{{expert_id}}/invitations": {"expert": OWN},
    f"POST {V}/panel-requests/{{request_id}}/cancellation": {"unit": OWN},  # asked by the unit; the office decides
    # material hand-over (issue 14, R-PANEL-4/6): the unit uploads for its own request; reading is checked on the
    # record (the owning unit, the office, members who accepted and signed their letter; anyone else 403)
    f"POST {V}/panel-requests/{{request_id}}/materials": {"unit": OWN, "organiser": OWN},
    f"GET {V}/panel-requests/{{request_id}}/materials": {"unit": OWN, "expert": ANY, "organiser": OWN},
    f"GET {V}/materials/{{material_id}}/content": {"unit": ANY, "expert": ANY, "organiser": ANY},
    # the argument by mode and its report (issue 14, R-PANEL-5, R-DUTY-2): members are checked on the record
    f"POST {V}/invitations/{{invitation_id}}/opinion/attachment": {"expert": OWN},
    f"GET {V}/invitations/{{invitation_id}}/opinion/attachment": {"unit": OWN, "expert": OWN},
    f"POST {V}/panel-requests/{{request_id}}/minutes": {"unit": OWN, "organiser": OWN},
    f"GET {V}/panel-requests/{{request_id}}/minutes": {"unit": OWN, "expert": ANY, "organiser": OWN},
    f"POST {V}/panel-requests/{{request_id}}/group-draft": {"expert": ANY},  # the leader's own login
    f"GET {V}/panel-requests/{{request_id}}/group-draft": {"unit": OWN, "expert": ANY},
    f"POST {V}/panel-requests/{{request_id}}/group-draft/signatures": {"expert": ANY},  # a member's own login
    f"GET {V}/panel-requests/{{request_id}}/argument": {"unit": OWN},
    f"POST {V}/panel-requests/{{request_id}}/report": {"unit": OWN},
    f"GET {V}/panel-requests/{{request_id}}/report": {"unit": OWN, "expert": ANY},
    f"POST {V}/panel-requests/{{request_id}}/report/adoption": {"unit": OWN},  # corrections: the office's
    f"GET {V}/panel-requests/{{request_id}}/report/adoption": {"unit": OWN},
    f"GET {V}/panels/{{panel_id}}": {"unit": OWN},
    f"GET {V}/panels/{{panel_id}}/probabilities": {"unit": OWN},
    f"GET {V}/panels/{{panel_id}}/verification": {"unit": OWN},
    f"POST {V}/institutions/{{unit_id}}/webhooks": {"unit": OWN},
    f"GET {V}/institutions/{{unit_id}}/webhooks": {"unit": OWN},
    # invitations and inboxes
    f"POST {V}/invitations/{{invitation_id}}/answer": {"expert": OWN},
    f"POST {V}/invitations/{{invitation_id}}/opinion": {"expert": OWN},
    f"GET {V}/invitations/{{invitation_id}}/opinion": {"unit": OWN, "expert": OWN},  # the signed text (R-DUTY-2)
    # the drafting unit whose panel it was rates an accepted invitation, once (R-POOL-6)
    f"POST {V}/invitations/{{invitation_id}}/rating": {"unit": OWN},
    f"GET {V}/inbox/{{recipient}}": {"unit": OWN, "expert": OWN},
    f"POST {V}/inbox/messages/{{message_id}}/read": {"unit": OWN, "expert": OWN},
    # the commissioned organiser (issue 14, R-PANEL-8, R-COI-5): the unit commissions for its own item; the
    # organiser (role organiser, bound to one commission) acts for that item only, while the commission is in force
    f"POST {V}/items/{{item_id}}/commissions": {"unit": OWN},
    f"GET {V}/items/{{item_id}}/commissions": {"unit": OWN},
    f"GET {V}/commissions/{{commission_id}}": {"unit": OWN, "organiser": OWN},
    f"POST {V}/commissions/{{commission_id}}/revocation": {"unit": OWN},
    f"POST {V}/commissions/{{commission_id}}/organiser-account": {"unit": OWN},
    f"POST {V}/commissions/{{commission_id}}/outside-experts": {"organiser": OWN},
    f"GET {V}/commissions/{{commission_id}}/outside-experts": {"unit": OWN, "organiser": OWN},
    f"POST {V}/commissions/{{commission_id}}/subcontracts": {"organiser": OWN},
    # every account
    f"GET {V}/auth/me": {"unit": ANY, "expert": ANY, "organiser": ANY},
    f"POST {V}/auth/logout": {"unit": ANY, "expert": ANY, "auditor": ANY, "organiser": ANY},
}


def method_of(connection: ASGIConnection) -> str:
    """The request's HTTP method (a websocket, which the app does not serve, has none: its scope type stands in)."""
    scope = connection.scope
    return cast("HTTPScope", scope)["method"] if scope["type"] == "http" else scope["type"].upper()


def rule_key(connection: ASGIConnection) -> str:
    return f"{method_of(connection)} {connection.scope.get('path_template', connection.scope['path'])}"


def allowed(role: str, key: str, method: str) -> str | None:
    """ANY, OWN or None (refused) for this role on this route."""
    if role == "office":
        return ANY
    if role == "auditor":
        return ANY if method == "GET" else RULES.get(key, {}).get("auditor")
    return RULES.get(key, {}).get(role)


async def _item_unit(item_id: int) -> int | None:
    row = await DecisionItem.select(DecisionItem.drafting_unit).where(DecisionItem.id == item_id).first()
    return row["drafting_unit"] if row else None


async def _request_unit(request_id: int) -> int | None:
    row = await PanelRequest.select(PanelRequest.item).where(PanelRequest.id == request_id).first()
    return await _item_unit(row["item"]) if row else None


async def _organiser_owns(principal: Principal, params: dict) -> bool:
    """An organiser's own records: its commission, the commission's item and that item's panel requests."""
    checks = []
    item = principal.commission_item_id
    if "commission_id" in params:
        checks.append(params["commission_id"] == principal.commission_id)
    if "item_id" in params:
        checks.append(item is not None and params["item_id"] == item)
    if "request_id" in params:
        row = await PanelRequest.select(PanelRequest.item).where(PanelRequest.id == params["request_id"]).first()
        checks.append(item is not None and row is not None and row["item"] == item)
    return bool(checks) and len(checks) == len(params) and all(checks)


async def owns(principal: Principal, params: dict) -> bool:
    """Every record named in the path belongs to the caller."""
    if principal.role == "organiser":
        return await _organiser_owns(principal, params)
    checks = []
    if "expert_id" in params:
        checks.append(principal.role == "expert" and params["expert_id"] == principal.expert_id)
    if "item_id" in params:
        checks.append(principal.role == "unit" and await _item_unit(params["item_id"]) == principal.unit_id)
    if "request_id" in params:
        checks.append(principal.role == "unit" and await _request_unit(params["request_id"]) == principal.unit_id)
    if "panel_id" in params:
        row = await Panel.select(Panel.panel_request).where(Panel.id == params["panel_id"]).first()
        checks.append(principal.role == "unit" and row is not None
                      and await _request_unit(row["panel_request"]) == principal.unit_id)
    if "unit_id" in params:
        checks.append(principal.role == "unit" and params["unit_id"] == principal.unit_id)
    if "invitation_id" in params:
        row = await Invitation.select(Invitation.subject_kind, Invitation.subject_id, Invitation.request).where(
            Invitation.id == params["invitation_id"]).first()
        if principal.role == "unit":  # an invitation of the unit's own panel request
            checks.append(row is not None and await _request_unit(row["request"]) == principal.unit_id)
        else:
            checks.append(principal.role == "expert" and row is not None and row["subject_kind"] == "expert"
                          and row["subject_id"] == principal.expert_id)
    if "recipient" in params:
        checks.append(params["recipient"] == principal.inbox)
    if "commission_id" in params:  # the commissioning unit (R-PANEL-8)
        row = await Commission.select(Commission.item).where(Commission.id == params["commission_id"]).first()
        checks.append(principal.role == "unit" and row is not None
                      and await _item_unit(row["item"]) == principal.unit_id)
    if "message_id" in params:
        row = await InboxMessage.select(InboxMessage.recipient).where(InboxMessage.id == params["message_id"]).first()
        checks.append(row is not None and row["recipient"] == principal.inbox)
    return bool(checks) and all(checks)


MAX_ID = 2**31 - 1  # no record has an id beyond a 32-bit integer
LOG_IN_FIRST = "请先登录：在请求头中发送 Authorization: Bearer <令牌>"
ROLE_NAMES = {"office": "政策法规处", "unit": "决策承办单位", "expert": "专家", "auditor": "审计（只读）",
              "organiser": "受委托组织机构"}


async def check_organiser_in_force(principal: Principal, today: date) -> None:
    """An organiser acts only while its commission is in force: not before it starts, not after it ends or is
    revoked (403 citing R-PANEL-8)."""
    row = None
    if principal.commission_id is not None:
        row = await Commission.select().where(Commission.id == principal.commission_id).first()
    reason = "该组织机构账号未绑定委托" if row is None else commission_closed_reason(CommissionTerm(
        row["starts_on"], row["ends_on"], row["revoked_on"], row["revocation_reason"]), today)
    if reason is not None:
        raise Forbidden(detail="委托不在有效期内", errors=[FieldError("commission_id", reason, "R-PANEL-8")])


async def access_guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    if any(re.search(pattern, connection.scope["path"]) for pattern in PUBLIC):
        return
    if method_of(connection) == "OPTIONS":
        return  # CORS preflight: says which methods exist, touches nothing
    if "user" not in connection.scope:
        raise NotAuthorizedException(LOG_IN_FIRST)
    for name, value in connection.path_params.items():
        if isinstance(value, int) and not 0 <= value <= MAX_ID:
            raise NotFoundException(f"没有 {name} 为 {value} 的记录")
    principal: Principal = connection.user
    key = rule_key(connection)
    grant = allowed(principal.role, key, method_of(connection))
    role = ROLE_NAMES.get(principal.role, principal.role)
    if grant is None:
        raise PermissionDeniedException(f"{role}账号无权调用 {key}")
    if principal.role == "organiser" and not key.startswith(("GET /api/v1/auth/", "POST /api/v1/auth/")):
        await check_organiser_in_force(principal, connection.app.state.clock.today())
    if grant == OWN and not await owns(principal, connection.path_params):
        raise PermissionDeniedException(f"{role}账号只能对自己的记录调用 {key}")


class TokenAuthentication(AbstractAuthenticationMiddleware):
    """Looks the token up on every request (one indexed read): a logout or a deactivation takes effect at
    once, in every service process."""

    async def authenticate_request(self, connection: ASGIConnection) -> AuthenticationResult:
        header = connection.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token or len(token) > 200:
            raise NotAuthorizedException(LOG_IN_FIRST)
        principal = await principal_for(token, connection.app.state.clock.now())
        if principal is None:
            raise NotAuthorizedException("登录令牌无效、已过期或已注销，请重新登录")
        return AuthenticationResult(user=principal, auth=token)
