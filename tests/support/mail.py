"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it receives."""

from __future__ import annotations

import asyncio
import email
import threading
from email import policy

from aiosmtpd.controller import Controller

from tests.support.live import free_port


class Mailbox:
    def __init__(self, rcpt_delay: float = 0.0) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.rcpt_delay = rcpt_delay
        self._lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.rcpt_delay:  # a slow server: a worker killed now has not handed the message over
            await asyncio.sleep(self.rcpt_delay)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self._lock:
            self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"

    def ids(self) -> list[str]:
        with self._lock:
            return [m["Message-ID"] for m in self.messages]


class SmtpServer:
    def __init__(self, port: int | None = None, rcpt_delay: float = 0.0) -> None:
        self.port = port or free_port()
        self.mailbox = Mailbox(rcpt_delay)
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller:
            self._controller.stop()
            self._controller = None
