"""The expert's pages (专家): the own profile and employments, declarations of interests, the commitment letter shown
in full and signed with its four ticks, the invitations to accept or decline with a reason and to hand in a signed
opinion, and the inbox.

Every page calls the same service functions as the API (``registry.services``, ``conflicts.services.relations``,
``assignment.services.invitations``, ``assignment.procedure.opinions``); an expert sees only their own records:
the expert is the login's (``Principal.expert_id``), never a form field, and an invitation of someone else is 403.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.exceptions import PermissionDeniedException
from litestar.params import FromPath
from litestar.response import File, Redirect, Template

from accounts.access import owns
from accounts.services import Principal
from assignment import schemas as asg
from assignment.domain.procedure import Reader
from assignment.procedure import materials, opinions, report
from assignment.services import invitations, views
from conflicts import schemas as cs
from conflicts.deps import LIVE
from conflicts.live import LiveGraph
from conflicts.policy import EDGE_LABELS, EdgeKind
from conflicts.services import relations
from core.errors import DomainError
from core.uow import unit_of_work
from notifications.links import mask_links
from notifications.notices import MODES, PURPOSES
from notifications.tables import InboxMessage
from registry import schemas as rs
from registry.domain.letters import LETTER_TEXTS, Commitment
from registry.services import experts, terms
from registry.services.views import expert_detail
from web.expert import procedure
from web.forms import FormError, FormErrors, read_form, refusal, to_input
from web.render import render, see_other
from web.session import PAGE_DEPENDENCIES, require

Live = NamedDependency[LiveGraph]
Me = NamedDependency[Principal]
Today = NamedDependency[date]
Now = NamedDependency[datetime]
LETTER_VERSION = next(reversed(LETTER_TEXTS))  # the text the office issues now (the latest version)
# What an expert declares about themself (自我申报): the relations whose source is a person.
DECLARABLE = [EdgeKind.EMPLOYED_BY, EdgeKind.SUPERVISED, EdgeKind.CO_WORKED, EdgeKind.RELATIVE_OF,
              EdgeKind.SHAREHOLDER_OF, EdgeKind.DIRECTOR_OF, EdgeKind.ADVISER_OF, EdgeKind.INTEREST_IN,
              EdgeKind.ARGUED_BEFORE]


def expert_of(me: Principal) -> int:
    if me.expert_id is None:
        raise PermissionDeniedException("该账号未关联专家档案")
    return me.expert_id


async def own_invitation(me: Principal, invitation_id: int) -> None:
    if not await owns(me, {"invitation_id": invitation_id}):
        raise PermissionDeniedException("专家账号只能答复本人的邀请")


def _or_empty(errors: FormErrors | None) -> FormErrors:
    return errors or FormErrors()


class ExpertPages(Controller):
    path = "/expert"
    guards = [require("expert")]
    dependencies = {**PAGE_DEPENDENCIES, **LIVE}
    include_in_schema = False

    # --- profile and employments ------------------------------------------------------------------------------
    async def _profile(self, request: Request, me: Principal, today: date, form: dict[str, Any] | None = None,
                       errors: FormErrors | None = None, status_code: int = 200) -> Template:
        profile = await expert_detail(expert_of(me), today)
        unsigned = [t for t in profile.terms if not t.letter_signed and t.ended_early_on is None and t.end >= today]
        return render(request, "expert/profile.html", status_code=status_code, title="我的主页", profile=profile,
                      unsigned=unsigned, form=form or {}, errors=_or_empty(errors), today=today)

    @get("/")
    async def home(self, request: Request, principal: Me, today: Today) -> Template:
        return await self._profile(request, principal, today)

    @post("/employments")
    async def add_employment(self, request: Request, principal: Me, today: Today) -> Template | Redirect:
        form = await read_form(request)
        try:
            data = to_input(rs.EmploymentIn, form)
            try:
                await experts.add_employment(expert_of(principal), data)
            except DomainError as exc:
                raise refusal(exc) from exc
        except FormError as exc:
            return await self._profile(request, principal, today, form, exc.errors, exc.status)
        return see_other("/expert/", "任职经历已添加")

    # --- the commitment letter (R-DUTY-1) ------------------------------------------------------------------------
    async def _letter(self, request: Request, me: Principal, today: date, errors: FormErrors | None = None,
                      ticked: tuple[str, ...] = (), status_code: int = 200) -> Template:
        profile = await expert_detail(expert_of(me), today)
        unsigned = [t for t in profile.terms if not t.letter_signed and t.ended_early_on is None and t.end >= today]
        return render(request, "expert/letter.html", status_code=status_code, title="专家承诺书",
                      text=LETTER_TEXTS[LETTER_VERSION], version=LETTER_VERSION,
                      commitments=[(c.value, c.label) for c in Commitment], ticked=ticked,
                      shown=["term_id", "signed_on", *(f"commitments.{c.value}" for c in Commitment)],
                      term=unsigned[0] if unsigned else None, signed=[t for t in profile.terms if t.letter_signed],
                      errors=_or_empty(errors), today=today)

    @get("/letter")
    async def letter(self, request: Request, principal: Me, today: Today) -> Template:
        return await self._letter(request, principal, today)

    @post("/letter")
    async def sign_letter(self, request: Request, principal: Me, today: Today) -> Template | Redirect:
        form = await read_form(request)
        known = [c.value for c in Commitment]
        ticked = tuple(c for c in known if form.get(f"commitments.{c}"))
        body = {"term_id": form.get("term_id", ""), "text_version": LETTER_VERSION,
                "commitments": {c: True for c in ticked}, "signed_on": today.isoformat()}
        try:
            data = to_input(rs.LetterIn, body)
            try:
                await terms.sign_letter(expert_of(principal), data)
            except DomainError as exc:
                raise refusal(exc) from exc
        except FormError as exc:
            return await self._letter(request, principal, today, exc.errors, ticked, exc.status)
        return see_other("/expert/letter", "承诺书已签署")

    # --- declarations -------------------------------------------------------------------------------------------
    async def _declarations(self, request: Request, me: Principal, live: LiveGraph, form: dict[str, Any] | None = None,
                            errors: FormErrors | None = None, status_code: int = 200) -> Template:
        page = await relations.list_relations(live, None, "expert", expert_of(me), 0, 100, origin="declaration")
        return render(request, "expert/declarations.html", status_code=status_code, title="利益关系申报",
                      page=page, kinds=[(k.value, EDGE_LABELS[k]) for k in DECLARABLE], form=form or {},
                      errors=_or_empty(errors))

    @get("/declarations")
    async def declarations(self, request: Request, principal: Me, live: Live) -> Template:
        return await self._declarations(request, principal, live)

    @post("/declarations")
    async def declare(self, request: Request, principal: Me, live: Live) -> Template | Redirect:
        form = await read_form(request)
        try:
            data = to_input(cs.DeclarationIn, form)
            try:
                await relations.declare(live, expert_of(principal), data, principal.username)
            except DomainError as exc:
                raise refusal(exc) from exc
        except FormError as exc:
            return await self._declarations(request, principal, live, form, exc.errors, exc.status)
        return see_other("/expert/declarations", "申报已提交")

    # --- invitations and opinions --------------------------------------------------------------------------------
    async def _invitations(self, request: Request, me: Principal, live: LiveGraph, today: date,
                           errors: dict[int, FormErrors] | None = None, status_code: int = 200,
                           request_errors: dict[int, FormErrors] | None = None) -> Template:
        page = await views.expert_invitations(live, expert_of(me), None, 0, 100, today)
        arguments = {row.invitation.request_id: await procedure.argument_of(row.invitation.request_id, row.mode,
                                                                            expert_of(me), today)
                     for row in page.items if row.invitation.status == "accepted"}
        return render(request, "expert/invitations.html", status_code=status_code, title="论证邀请", page=page,
                      purposes=PURPOSES, modes=MODES, errors=errors or {}, arguments=arguments,
                      request_errors=request_errors or {}, me_expert=expert_of(me))

    @get("/invitations")
    async def invitations_page(self, request: Request, principal: Me, live: Live, today: Today) -> Template:
        return await self._invitations(request, principal, live, today)

    @post("/invitations/{invitation_id:int}/answer")
    async def answer(self, request: Request, invitation_id: FromPath[int], principal: Me, live: Live, today: Today,
                     now: Now) -> Template | Redirect:
        await own_invitation(principal, invitation_id)
        form = await read_form(request)
        accept = form.get("action") == "accept"
        try:
            data = to_input(asg.AnswerIn, {"accept": accept, "reason": "" if accept else form.get("reason", "")})
            try:
                await invitations.answer(live, invitation_id, data, today, now)
            except DomainError as exc:
                raise refusal(exc) from exc
        except FormError as exc:
            return await self._invitations(request, principal, live, today, {invitation_id: exc.errors}, exc.status)
        return see_other("/expert/invitations", "已确认参加" if accept else "已谢绝邀请")

    @post("/invitations/{invitation_id:int}/opinion")
    async def opinion(self, request: Request, invitation_id: FromPath[int], principal: Me, live: Live, today: Today,
                      now: Now) -> Template | Redirect:
        await own_invitation(principal, invitation_id)
        form = await read_form(request)
        body: dict[str, Any] = {"text": form["text"]} if form.get("text") else {}
        if form.get("signed"):
            body["signed"] = True
        try:
            data = to_input(opinions.OpinionIn, body)
            if data.text is None:  # the page hands in a signed text; the plain hand-in is the office's paper way
                raise FormError(FormErrors("请填写书面意见", {"text": ["请填写书面意见正文"]}), 422)
            try:
                await opinions.submit(live, invitation_id, data, Reader("expert", None, principal.expert_id),
                                      principal.username, today, now)
            except DomainError as exc:
                raise refusal(exc) from exc
        except FormError as exc:
            return await self._invitations(request, principal, live, today, {invitation_id: exc.errors}, exc.status)
        return see_other("/expert/invitations", "书面意见已提交")

    # --- the argument: materials, the group's draft and co-signatures (R-PANEL-5, R-PANEL-6) --------------------
    @get("/materials/{material_id:int}")
    async def material(self, material_id: FromPath[int], principal: Me, today: Today, now: Now) -> File:
        """A handed-over file, for a member who accepted and signed the letter (the service's check; recorded)."""
        out, path = await materials.download(material_id, Reader("expert", None, expert_of(principal)),
                                             principal.username, today, now)
        return File(path=path, filename=out.filename, media_type=out.media_type)

    @post("/requests/{request_id:int}/group-draft")
    async def group_draft(self, request: Request, request_id: FromPath[int], principal: Me, live: Live,
                          today: Today, now: Now) -> Template | Redirect:
        form = await read_form(request)
        try:
            data = to_input(report.DraftIn, {"text": form.get("text"), "signed": bool(form.get("signed"))})
            try:
                await report.submit_draft(request_id, data, Reader("expert", None, expert_of(principal)),
                                          principal.username, now)
            except DomainError as exc:
                raise refusal(exc) from exc
        except FormError as exc:
            return await self._invitations(request, principal, live, today, status_code=exc.status,
                                           request_errors={request_id: exc.errors})
        return see_other("/expert/invitations", "论证报告草稿已签名提交")

    @post("/requests/{request_id:int}/cosign")
    async def cosign(self, request: Request, request_id: FromPath[int], principal: Me, live: Live, today: Today,
                     now: Now) -> Template | Redirect:
        form = await read_form(request)
        body = {"agrees": form.get("agrees") == "yes", "reason": form.get("reason", ""),
                "signed": bool(form.get("signed"))}
        try:
            data = to_input(report.CoSignIn, body)
            try:
                await report.cosign(request_id, data, Reader("expert", None, expert_of(principal)),
                                    principal.username, now)
            except DomainError as exc:
                raise refusal(exc) from exc
        except FormError as exc:
            return await self._invitations(request, principal, live, today, status_code=exc.status,
                                           request_errors={request_id: exc.errors})
        return see_other("/expert/invitations", "已会签" if data.agrees else "不同意见已记录")

    # --- the inbox ------------------------------------------------------------------------------------------------
    @get("/inbox")
    async def inbox(self, request: Request, principal: Me) -> Template:
        where = InboxMessage.recipient == principal.inbox
        rows = await InboxMessage.select().where(where).order_by(InboxMessage.id, ascending=False).limit(100)
        for row in rows:  # answer links live on the invitations page; the inbox shows them masked
            row["body"] = mask_links(row["body"])
        return render(request, "expert/inbox.html", title="站内消息", rows=rows,
                      unread=await InboxMessage.count().where(where & InboxMessage.read_at.is_null()))

    @post("/inbox/{message_id:int}/read")
    async def read(self, message_id: FromPath[int], principal: Me, now: Now) -> Redirect:
        if not await owns(principal, {"message_id": message_id}):
            raise PermissionDeniedException("只能处理本人的站内消息")
        row = await InboxMessage.objects().where(InboxMessage.id == message_id).first()
        if row is not None and row.read_at is None:
            row.read_at = now
            async with unit_of_work():  # recorded with the change, as the API's POST /inbox/messages/{id}/read
                await row.save([InboxMessage.read_at])
        return see_other("/expert/inbox")


PAGES = [ExpertPages]
