"""Where the weekly posts go: one `Publisher` per social network, behind one interface.

A publisher sends one text and says how sure we can be after a crash:
- `idempotent`: the network honours our idempotency key (Mastodon's `Idempotency-Key`), so sending
  again with the same key cannot make a second post;
- `find(text, key, since)`: the network lets us read back what was posted (Facebook's page feed), so
  we look before sending again;
- neither (Telegram's Bot API): we cannot tell, so we never resend on our own (see bot/posts/workflow.py).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

import aiohttp


@dataclass(frozen=True)
class Published:
    remote_id: str
    url: str | None = None


class PublishError(Exception):
    """`retryable`: worth another try later; `maybe_sent`: the network may have taken it (a
    timeout, a cut connection after the request left); `retry_after`: seconds the network asked."""

    def __init__(self, message: str, *, retryable: bool, maybe_sent: bool = False,
                 retry_after: float | None = None):
        super().__init__(message)
        self.retryable, self.maybe_sent, self.retry_after = retryable, maybe_sent, retry_after


class Publisher(Protocol):
    network: str
    idempotent: bool
    can_find: bool

    async def publish(self, text: str, key: str) -> Published: ...

    async def find(self, text: str, key: str, since: datetime) -> Published | None:
        """What we posted with that text since `since`, None when it is not there."""

    async def close(self) -> None: ...


class HttpPublisher:
    """Shared HTTP plumbing: one session, a total timeout, errors sorted into PublishError."""
    network = "http"
    idempotent = False
    can_find = False

    def __init__(self, timeout: float = 30.0):
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self.timeout)
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def find(self, text: str, key: str, since: datetime) -> Published | None:
        raise PublishError(f"{self.network} cannot read back its posts", retryable=False)

    async def request(self, method: str, url: str, **kw) -> tuple[int, dict, dict]:
        """(status, JSON body, headers). Connection refused: not sent, retry. Timeout or a cut
        connection once the request may have left: maybe sent."""
        try:
            async with self.session().request(method, url, **kw) as resp:
                try:
                    body = await resp.json(content_type=None)
                except ValueError:
                    body = {}
                return resp.status, body if isinstance(body, dict) else {"data": body}, dict(resp.headers)
        except aiohttp.ClientConnectorError as exc:
            raise PublishError(f"{self.network}: cannot connect ({exc.os_error or exc})",
                               retryable=True) from None
        except (TimeoutError, aiohttp.ServerDisconnectedError, aiohttp.ClientPayloadError,
                aiohttp.ClientOSError) as exc:
            raise PublishError(f"{self.network}: no answer ({type(exc).__name__})", retryable=True,
                               maybe_sent=True) from None
        except aiohttp.ClientError as exc:
            raise PublishError(f"{self.network}: {exc}", retryable=True, maybe_sent=True) from None


def read_token(path: Path | str | None, network: str) -> str:
    """Secrets live in files (Docker/systemd secrets), never in config/: the path is in posts.yml."""
    if not path:
        raise PublishError(f"{network}: no token_file in config/posts.yml", retryable=False)
    try:
        token = Path(path).read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise PublishError(f"{network}: cannot read token file {path} ({exc.strerror})",
                           retryable=False) from None
    if not token:
        raise PublishError(f"{network}: token file {path} is empty", retryable=False)
    return token
