"""What the rest of the service needs of a channel: a way to send to one of its addresses."""
from __future__ import annotations

from typing import Protocol

from bot.messages import Reply


class Channel(Protocol):
    name: str

    async def send(self, address: str, replies: list[Reply]) -> bool:
        """Deliver in order; False when the address cannot be reached (the jeune blocked the bot)."""
