"""A Mastodon-compatible account (Mastodon, GoToSocial, Akkoma…): `POST /api/v1/statuses`.

The `Idempotency-Key` header makes a resend with the same key return the first status instead
of posting again; Mastodon keeps keys for one hour, so a resend after a crash is safe if it
happens within the hour (the reconciliation runs at the next scheduler tick, minutes later).
"""
from __future__ import annotations

from bot.posts.publishers import HttpPublisher, Published, PublishError


class MastodonPublisher(HttpPublisher):
    network = "mastodon"
    idempotent = True
    can_find = False

    def __init__(self, base_url: str, token: str, visibility: str = "public",
                 language: str = "fr", timeout: float = 30.0):
        super().__init__(timeout)
        self.base_url, self.token = base_url.rstrip("/"), token
        self.visibility, self.language = visibility, language

    async def publish(self, text: str, key: str) -> Published:
        status, body, headers = await self.request(
            "POST", f"{self.base_url}/api/v1/statuses",
            json={"status": text, "visibility": self.visibility, "language": self.language},
            headers={"Authorization": f"Bearer {self.token}", "Idempotency-Key": key})
        if status == 200 and body.get("id"):
            return Published(str(body["id"]), body.get("url"))
        error = body.get("error") or f"HTTP {status}"
        if status == 429:
            reset = headers.get("Retry-After")
            raise PublishError(f"mastodon: {error}", retryable=True,
                               retry_after=float(reset) if reset and reset.isdigit() else None)
        if status >= 500:
            # the key makes the resend safe even if it was taken
            raise PublishError(f"mastodon: {error}", retryable=True, maybe_sent=True)
        raise PublishError(f"mastodon: {error}", retryable=False)
