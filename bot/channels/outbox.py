"""Messages that start on our side (a référent's reply, a reminder) reach the jeune on their channel."""
from __future__ import annotations

import logging

from bot.channels.base import Channel
from bot.messages import Reply

log = logging.getLogger(__name__)


class Outbox:
    def __init__(self, records, channels: dict[str, Channel] | None = None):
        self.records = records
        self.channels: dict[str, Channel] = dict(channels or {})

    def register(self, channel: Channel) -> None:
        self.channels[channel.name] = channel

    async def deliver(self, jeune_id: str, replies: list[Reply], author: str = "bot",
                      force: bool = False) -> bool:
        """True when at least one channel took the messages. Nothing goes to a jeune who said STOP
        or blocked the bot, unless `force` (a référent answering a jeune who just wrote)."""
        profile = await self.records.get_profile(jeune_id) or {}
        if not force and (profile.get("stopped") or profile.get("unreachable")):
            return False
        for reply in replies:
            reply.author = author
        delivered = False
        for channel_name, address in await self.records.addresses(jeune_id):
            channel = self.channels.get(channel_name)
            if channel is None:
                continue
            try:
                delivered = await channel.send(address, replies) or delivered
            except Exception:  # one broken channel must not stop the others
                log.exception("delivery to %s failed", channel_name)
        return delivered
