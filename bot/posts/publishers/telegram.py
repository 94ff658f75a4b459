"""A Telegram channel post through the Bot API (`sendMessage` to the channel, the bot an admin).

The Bot API has no idempotency key and a bot cannot read a channel's history, so after a crash
between Telegram's acceptance and our record we cannot tell whether the post went out: such a
publication is marked `uncertain` and never resent on its own (bot/posts/workflow.py).
"""
from __future__ import annotations

from bot.posts.publishers import HttpPublisher, Published, PublishError

# 502/504: a gateway gave up, Telegram may still have handled the request.
_MAYBE_SENT = {502, 504}


class TelegramChannelPublisher(HttpPublisher):
    network = "telegram"
    idempotent = False
    can_find = False

    def __init__(self, api_url: str, token: str | None, chat_id: int | str, timeout: float = 30.0):
        super().__init__(timeout)
        self.api_url, self.token, self.chat_id = api_url.rstrip("/"), token, chat_id

    async def publish(self, text: str, key: str) -> Published:
        if not self.token:
            raise PublishError("telegram: TELEGRAM_BOT_TOKEN is not set", retryable=False)
        status, body, _ = await self.request(
            "POST", f"{self.api_url}/bot{self.token}/sendMessage",
            json={"chat_id": self.chat_id, "text": text,
                  "link_preview_options": {"is_disabled": True}})
        if status == 200 and body.get("ok"):
            message_id = body["result"]["message_id"]
            url = None
            if isinstance(self.chat_id, str) and self.chat_id.startswith("@"):
                url = f"https://t.me/{self.chat_id[1:]}/{message_id}"
            return Published(str(message_id), url)
        description = body.get("description") or f"HTTP {status}"
        if status == 429:
            retry_after = (body.get("parameters") or {}).get("retry_after")
            raise PublishError(f"telegram: {description}", retryable=True,
                               retry_after=float(retry_after) if retry_after else None)
        if status >= 500:
            raise PublishError(f"telegram: {description}", retryable=True,
                               maybe_sent=status in _MAYBE_SENT)
        raise PublishError(f"telegram: {description}", retryable=False)
