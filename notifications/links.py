"""Signed, expiring links to accept or decline an invitation without logging in.

The token carries the invitation id and is signed (HMAC, itsdangerous) with ``LINK_SECRET``, or a key
derived from the PII key when that is not set. The time inside comes from the service clock, so
expiry is tested without waiting. A link acts only on a pending invitation: once answered, every link
to it shows what happened instead of acting.
"""

from __future__ import annotations

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from core.clock import Clock
from core.settings import get_settings
from registry.privacy import get_vault

SALT = "invitation-answer"


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
