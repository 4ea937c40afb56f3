"""Who acts (issue 13): the actor recorded is the login. Old bodies may still send a free-text ``by`` or
``entered_by``; it cannot make anyone else the actor, and is kept only as a note beside the login."""

from __future__ import annotations


def with_sent_name(text: str, login: str, sent: str | None) -> str:
    """``text`` with the name a client still sent, when it differs from the login, as a note."""
    sent = (sent or "").strip()
    if not sent or sent == login:
        return text
    note = f"（请求中填写的经办人：{sent}）"
    return f"{text}{note}" if text else note
