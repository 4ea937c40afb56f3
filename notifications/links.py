"""Signed, expiring links to accept or decline an invitation without logging in.

The token carries the invitation id and is signed (HMAC, itsdangerous) with ``LINK_SECRET``, or a key
derived from the PII key when that is not set. The time inside comes from the service clock, so
expiry is tested without waiting. A link acts only on a pending invitation: once answered, every link
to it shows what happened instead of acting.

A live link reaches only the invitee (issue 11): the outbox and inbox rows store the notice with the
links masked (``MASKED``) and, in the row's payload, what regenerates them (``signed_link``: the
invitation, its recipient and the second the token was issued; the token is the same HMAC every time).
The e-mail to the expert is rendered with the live links as it is sent (``live_body``), and the inbox
shows them only to the invitee reading their own inbox. Webhooks, other roles' reads, exports and the
record see the masked text; ``mask_links`` also masks any live link in rows stored before this rule.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from core.clock import Clock
from core.settings import get_settings
from registry.privacy import get_vault

SALT = "invitation-answer"
MASKED = {"accept": "（接受链接仅发送给专家本人）", "decline": "（谢绝链接仅发送给专家本人）"}
_LIVE_LINK = re.compile(r"https?://\S*/respond/[^\s?]+(?:\?action=(accept|decline))?")


class LinkError(Exception):
    def __init__(self, kind: str) -> None:  # invalid | expired
        super().__init__(kind)
        self.kind = kind


def _serializer(clock: Clock) -> URLSafeTimedSerializer:
    class ClockSigner(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(clock.now().timestamp())

    settings = get_settings().notifications
    secret = settings.link_secret.encode() if settings.link_secret else get_vault().link_key
    return URLSafeTimedSerializer(secret, salt=SALT, signer=ClockSigner)


def make_token(invitation_id: int, clock: Clock) -> str:
    return _serializer(clock).dumps({"invitation": invitation_id})


def read_token(token: str, clock: Clock) -> int:
    """The invitation id, or LinkError('invalid' | 'expired')."""
    max_age = get_settings().notifications.link_days * 86400
    try:
        data = _serializer(clock).loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise LinkError("expired") from exc
    except BadSignature as exc:
        raise LinkError("invalid") from exc
    if not isinstance(data, dict) or not isinstance(data.get("invitation"), int):
        raise LinkError("invalid")
    return data["invitation"]


def answer_url(token: str, action: str) -> str:
    return f"{get_settings().notifications.base_url}/respond/{token}?action={action}"


def issue(invitation_id: int, recipient: str, clock: Clock) -> dict:
    """What an outbox row keeps to regenerate an invitation's links for its recipient: never the token."""
    return {"invitation": invitation_id, "for": recipient, "issued": int(clock.now().timestamp())}


def live_links(signed_link: dict) -> dict[str, str]:
    """The live accept and decline URLs of a stored ``issue``: the token signed at the second it was issued."""
    issued = datetime.fromtimestamp(int(signed_link["issued"]), tz=timezone.utc)
    token = make_token(int(signed_link["invitation"]), Clock(fixed=issued))
    return {action: answer_url(token, action) for action in MASKED}


def live_body(body: str, payload: dict | None, recipient: str | None = None) -> str:
    """The body with its masked links made live, for the invitee only: ``recipient`` (an inbox key) must be
    the one the links were issued for; None is the e-mail channel, whose address is the invitee's own."""
    signed_link = (payload or {}).get("signed_link")
    if not isinstance(signed_link, dict) or (recipient is not None and signed_link.get("for") != recipient):
        return body
    for action, url in live_links(signed_link).items():
        body = body.replace(MASKED[action], url)
    return body


def mask_links(text: str) -> str:
    """Any live answer link in ``text`` masked (rows stored before links were kept out of them)."""
    return _LIVE_LINK.sub(lambda m: MASKED[m.group(1) or "accept"], text)
