"""A Facebook Page through the Graph API: `POST /{page-id}/feed` with a Page access token.

No idempotency key; but the page's feed can be read back, so after a crash or a timeout we look
for our text among the page's posts since the attempt before sending again (`find`).
"""
from __future__ import annotations

from datetime import datetime

from bot.posts.publishers import HttpPublisher, Published, PublishError

# Graph API error codes that mean "slow down" (application/user/page rate limits).
_RATE_LIMITS = {4, 17, 32, 613}


class FacebookPagePublisher(HttpPublisher):
    network = "facebook"
    idempotent = False
    can_find = True

    def __init__(self, graph_url: str, page_id: str, token: str, timeout: float = 30.0):
        super().__init__(timeout)
        self.graph_url, self.page_id, self.token = graph_url.rstrip("/"), page_id, token

    def _error(self, status: int, body: dict) -> PublishError:
        error = body.get("error") or {}
        message = f"facebook: {error.get('message') or f'HTTP {status}'}"
        if error.get("code") in _RATE_LIMITS or status == 429:
            return PublishError(message, retryable=True)
        if status >= 500 or error.get("is_transient"):
            return PublishError(message, retryable=True, maybe_sent=True)
        return PublishError(message, retryable=False)

    async def publish(self, text: str, key: str) -> Published:
        status, body, _ = await self.request(
            "POST", f"{self.graph_url}/{self.page_id}/feed",
            data={"message": text, "access_token": self.token})
        if status == 200 and body.get("id"):
            post_id = str(body["id"])
            return Published(post_id, f"https://www.facebook.com/{post_id}")
        raise self._error(status, body)

    async def find(self, text: str, key: str, since: datetime) -> Published | None:
        status, body, _ = await self.request(
            "GET", f"{self.graph_url}/{self.page_id}/feed",
            params={"fields": "id,message,created_time", "since": str(int(since.timestamp()) - 60),
                    "limit": "50", "access_token": self.token})
        if status != 200:
            raise self._error(status, body)
        for post in body.get("data") or []:
            if (post.get("message") or "").strip() == text.strip():
                return Published(str(post["id"]), f"https://www.facebook.com/{post['id']}")
        return None
