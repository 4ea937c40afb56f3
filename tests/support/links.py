"""An invitee's signed answer links, read the way only the invitee can (issue 11): logged in as that expert,
from their own inbox. The office's client keeps its own log-in."""

from __future__ import annotations

import re
import threading

from tests.support.app import PASSWORD, add_account

API = "/api/v1"


def expert_headers(client, expert_id: int) -> dict:
    """A bearer header for the expert's own account (created on first use)."""
    username = f"expert-{expert_id}"
    response = client.post(f"{API}/auth/login", json={"username": username, "password": PASSWORD})
    if response.status_code != 201:  # in a thread of its own: the browser tests run an event loop here
        creating = threading.Thread(target=add_account, args=(username, "expert"), kwargs={"expert_id": expert_id})
        creating.start()
        creating.join()
        response = client.post(f"{API}/auth/login", json={"username": username, "password": PASSWORD})
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


def invitation_body(client, expert_id: int) -> str:
    """The invitation in the expert's own inbox, as the expert sees it (after a delivery pass)."""
    client.post(f"{API}/outbox/delivery")
    messages = client.get(f"{API}/inbox/expert:{expert_id}", headers=expert_headers(client, expert_id)).json()["items"]
    return next(m["body"] for m in messages if "论证邀请" in m["subject"])


def expert_links(client, expert_id: int) -> tuple[str, str]:
    """(accept, decline) paths with their tokens: /respond/<token>?action=..."""
    body = invitation_body(client, expert_id)
    accept = re.search(r"http://\S+(/respond/\S+\?action=accept)", body).group(1)
    decline = re.search(r"http://\S+(/respond/\S+\?action=decline)", body).group(1)
    return accept, decline


def expert_token(client, expert_id: int) -> str:
    accept, _ = expert_links(client, expert_id)
    return re.search(r"/respond/([^?]+)", accept).group(1)
