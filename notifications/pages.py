"""The pages behind the links in invitation e-mails: answer without logging in.

GET shows the invitation and a form; only POST acts. A link that was altered, has expired or belongs
to an invitation already answered gets a page saying so, with a 4xx status, and changes nothing.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from jinja2 import Environment, select_autoescape
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery

from assignment import schemas as asg
from assignment.services.invitations import answer
from assignment.tables import Invitation, PanelRequest
from conflicts.deps import LIVE
from conflicts.live import LiveGraph
from core.api import DEPS, http_status
from core.errors import DomainError
from decisions.tables import DecisionItem
from notifications.links import LinkError, read_token
from notifications.notices import MODES, PURPOSES

_ENV = Environment(autoescape=select_autoescape(default=True))
PAGE = _ENV.from_string("""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}</title>
<style>body{font-family:system-ui,"PingFang SC","Microsoft YaHei",sans-serif;max-width:40rem;margin:2rem auto;
padding:0 1rem;line-height:1.6}
.box{border:1px solid #ccd;border-radius:6px;padding:1rem 1.25rem}
button{font-size:1rem;padding:.4rem 1.2rem;margin-right:.5rem}
textarea{width:100%;min-height:5rem}.muted{color:#666}</style></head>
<body><h1>{{ title }}</h1><div class="box">
{% for line in lines %}<p>{{ line }}</p>{% endfor %}
{% if form %}
<form method="post">
{% if action == "decline" %}
<p><label for="reason">谢绝理由（必填）</label><br>
<textarea id="reason" name="reason" required minlength="2"></textarea></p>
<input type="hidden" name="action" value="decline"><button type="submit" id="submit">确认谢绝</button>
{% else %}
<input type="hidden" name="action" value="accept"><button type="submit" id="submit">确认参加</button>
{% endif %}
</form>{% endif %}
</div>
<p class="muted">重大行政决策专家库 · 政策法规处</p></body></html>""")

MESSAGES = {
    "invalid": (400, "链接无效",
                ["此链接不完整或已被改动，无法使用。请使用邀请邮件中的原始链接，或与政策法规处联系。"]),
    "expired": (410, "链接已过期", ["此链接已超过有效期。如仍需答复，请与政策法规处联系。"]),
}
STATUS_TEXT = {"accepted": "已确认参加", "declined": "已谢绝", "expired": "因逾期未答复视为谢绝"}


def page(title: str, lines: list[str], status: int = 200, form: bool = False, action: str = "") -> Response:
    return Response(PAGE.render(title=title, lines=lines, form=form, action=action), status_code=status,
                    media_type="text/html; charset=utf-8")


async def _invitation(token: str, request: Request) -> tuple[Invitation | None, Response | None]:
    try:
        invitation_id = read_token(token, request.app.state.clock)
    except LinkError as exc:
        status, title, lines = MESSAGES[exc.kind]
        return None, page(title, lines, status)
    invitation = await Invitation.objects().where(Invitation.id == invitation_id).first()
    if invitation is None:
        status, title, lines = MESSAGES["invalid"]
        return None, page(title, lines, status)
    if invitation.status != "pending":
        when = invitation.answered_at.strftime("%Y-%m-%d %H:%M") if invitation.answered_at else ""
        return None, page("邀请已答复", [(f"该邀请{STATUS_TEXT.get(invitation.status, invitation.status)}（{when}），"
                                         "此链接不再有效，未作任何更改。")], 409)
    return invitation, None


async def _describe(invitation: Invitation) -> list[str]:
    request = await PanelRequest.objects().where(PanelRequest.id == invitation.request).first()
    item = await DecisionItem.objects().where(DecisionItem.id == request.item).first()
    return [f"事项：{item.title}", f"方式：{PURPOSES[request.purpose]}（{MODES[request.mode]}）",
            f"请于 {invitation.answer_by} 前答复；书面意见截止日期 {invitation.deadline or request.deadline}。"]


class RespondController(Controller):
    path = "/respond"
    include_in_schema = False
    dependencies = {**DEPS, **LIVE}

    @get("/{token:str}")
    async def show(self, token: FromPath[str], request: Request, action: FromQuery[str] = "accept") -> Response:
        invitation, refusal = await _invitation(token, request)
        if refusal:
            return refusal
        action = "decline" if action == "decline" else "accept"
        title = "谢绝论证邀请" if action == "decline" else "确认参加论证"
        return page(title, await _describe(invitation), form=True, action=action)

    @post("/{token:str}", status_code=200)
    async def act(self, token: FromPath[str], request: Request, today: NamedDependency[date],
                  now: NamedDependency[datetime], live: NamedDependency[LiveGraph],
                  data: Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]) -> Response:
        invitation, refusal = await _invitation(token, request)
        if refusal:
            return refusal
        action, reason = data.get("action", ""), data.get("reason", "").strip()
        if action not in ("accept", "decline"):
            return page("无法处理", ["请求不完整，未作任何更改。"], 400)
        if action == "decline" and len(reason) < 2:
            return page("请填写谢绝理由", ["谢绝须说明理由，未作任何更改。"], 422, form=True, action="decline")
        try:
            await answer(live, invitation.id, asg.AnswerIn(accept=action == "accept", reason=reason), today, now)
        except DomainError as exc:
            return page("无法处理", [exc.detail], http_status(exc))
        if action == "accept":
            return page("已确认参加", ["感谢您接受邀请。材料将按时移交，请在截止日期前提交签名的书面意见。"])
        return page("已谢绝", ["您的答复已记录，政策法规处将另行安排替补。"])
