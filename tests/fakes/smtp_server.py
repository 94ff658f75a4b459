"""A real SMTP server (aiosmtpd) on a random local port, in the test's own event loop: the alerts
go out over the real protocol and the test reads what arrived."""
from __future__ import annotations

import asyncio
import email
import email.policy
from dataclasses import dataclass
from email.message import Message

from aiosmtpd.smtp import SMTP


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: Message

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def body(self) -> str:
        return self.message.get_content()


class _Handler:
    def __init__(self, box: "FakeSmtp"):
        self.box = box

    async def handle_DATA(self, server, session, envelope):
        self.box.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos),
                                          email.message_from_bytes(envelope.content, policy=email.policy.default)))
        self.box._arrived.set()
        return "250 OK"


class FakeSmtp:
    def __init__(self):
        self.received: list[Received] = []
        self._arrived = asyncio.Event()
        self._server = None
        self.port = 0

    async def __aenter__(self) -> "FakeSmtp":
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(lambda: SMTP(_Handler(self), hostname="fake-smtp"),
                                                "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc) -> None:
        self._server.close()
        await self._server.wait_closed()

    def to(self, address: str) -> list[Received]:
        return [m for m in self.received if address in m.recipients]

    async def wait_for(self, address: str, count: int = 1, timeout: float = 10.0) -> list[Received]:
        async def wait():
            while len(self.to(address)) < count:
                self._arrived.clear()
                await self._arrived.wait()
        await asyncio.wait_for(wait(), timeout)
        return self.to(address)
