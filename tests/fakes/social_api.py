"""Fake Mastodon and Facebook Graph API servers: real HTTP on 127.0.0.1, the real request and
error shapes, and the misbehaviour publishing must survive.

`async with FakeMastodon() as m:` → `m.url` is the instance's base URL, `m.token` the bearer token,
`m.statuses` what was posted. `POST /api/v1/statuses` honours `Idempotency-Key` for an hour
(the same key returns the first status, no new post), as Mastodon does.
`async with FakeFacebookGraph() as fb:` → `fb.graph_url` (with its version), `fb.page_id`,
`fb.token`, `fb.posts`; `POST /{page-id}/feed` posts, `GET /{page-id}/feed` reads the feed back.
Both: `fail_next(status, times)` answers errors without posting; `accept_then_fail(status)` posts
and then answers an error (the network took it, the caller cannot know); `hold_after_accept(s)`
posts and then waits before answering (so a test can kill the caller mid-request); `calls`.
"""
from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from aiohttp import web

MASTODON_LIMIT = 500
IDEMPOTENCY_SECONDS = 3600


@dataclass
class _Behaviour:
    fail: list[tuple[int, int]] = field(default_factory=list)   # (status, times)
    accept_then_fail: list[int] = field(default_factory=list)
    hold_seconds: float = 0.0

    def next_failure(self) -> int | None:
        if not self.fail:
            return None
        status, times = self.fail[0]
        if times <= 1:
            self.fail.pop(0)
        else:
            self.fail[0] = (status, times - 1)
        return status


class _FakeServer:
    def __init__(self, clock: Any = None):
        self.clock = clock
        self.calls: list[dict[str, Any]] = []
        self.behaviour = _Behaviour()
        self._runner: web.AppRunner | None = None
        self.url = ""
        self.accepted = asyncio.Event()
        self._release = asyncio.Event()

    def routes(self, app: web.Application) -> None:
        raise NotImplementedError

    def now(self) -> datetime:
        return self.clock.now() if self.clock is not None else datetime.now(timezone.utc)

    async def start(self) -> str:
        app = web.Application()
        self.routes(app)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"
        return self.url

    async def close(self) -> None:
        self._release.set()
        if self._runner:
            await self._runner.cleanup()

    async def __aenter__(self):
        await self.start()
        return self

    async def __aexit__(self, *exc) -> None:
        await self.close()

    def fail_next(self, status: int = 503, times: int = 1) -> None:
        self.behaviour.fail.append((status, times))

    def accept_then_fail(self, status: int = 502) -> None:
        self.behaviour.accept_then_fail.append(status)

    def hold_after_accept(self, seconds: float) -> None:
        """Answer only after `seconds`; 0 answers the held requests now and holds no more."""
        self.behaviour.hold_seconds = seconds
        if seconds:
            self._release.clear()
        else:
            self._release.set()

    async def _after_accept(self, ok: web.Response, error) -> web.Response:
        self.accepted.set()
        if self.behaviour.hold_seconds:
            try:
                await asyncio.wait_for(self._release.wait(), self.behaviour.hold_seconds)
            except TimeoutError:
                pass
        if self.behaviour.accept_then_fail:
            return error(self.behaviour.accept_then_fail.pop(0))
        return ok


class FakeMastodon(_FakeServer):
    def __init__(self, token: str = "mastodon-test-token", clock: Any = None):
        super().__init__(clock)
        self.token = token
        self.statuses: list[dict[str, Any]] = []
        self._keys: dict[str, tuple[float, dict]] = {}
        self._ids = itertools.count(109_000_000_000_000_001)

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/api/v1/statuses", self._post_status)
        app.router.add_get("/api/v1/statuses/{id}", self._get_status)

    @staticmethod
    def _error(status: int, message: str | None = None) -> web.Response:
        text = message or {429: "Too many requests", 500: "Internal server error",
                           502: "Bad gateway", 503: "Service unavailable"}.get(status, "Error")
        headers = {"Retry-After": "30"} if status == 429 else None
        return web.json_response({"error": text}, status=status, headers=headers)

    def _stamp(self) -> float:
        return self.now().timestamp() if self.clock is not None else time.monotonic()

    async def _post_status(self, request: web.Request) -> web.Response:
        body = await (request.json() if request.content_type == "application/json" else request.post())
        key = request.headers.get("Idempotency-Key")
        self.calls.append({"method": "POST", "path": request.path, "body": dict(body), "key": key})
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return self._error(401, "The access token is invalid")
        failure = self.behaviour.next_failure()
        if failure:
            return self._error(failure)
        if key and key in self._keys and self._stamp() - self._keys[key][0] < IDEMPOTENCY_SECONDS:
            return web.json_response(self._keys[key][1])
        text = str(body.get("status") or "")
        if not text.strip():
            return self._error(422, "Validation failed: Text can't be blank")
        if len(text) > MASTODON_LIMIT:
            return self._error(422, f"Validation failed: Text character limit of {MASTODON_LIMIT} exceeded")
        status_id = str(next(self._ids))
        status = {"id": status_id, "url": f"{self.url}/@insysteme/{status_id}",
                  "created_at": self.now().isoformat(), "content": f"<p>{text}</p>", "text": text,
                  "visibility": body.get("visibility", "public"), "language": body.get("language")}
        self.statuses.append(status)
        if key:
            self._keys[key] = (self._stamp(), status)
        return await self._after_accept(web.json_response(status), self._error)

    async def _get_status(self, request: web.Request) -> web.Response:
        for status in self.statuses:
            if status["id"] == request.match_info["id"]:
                return web.json_response(status)
        return self._error(404, "Record not found")


class FakeFacebookGraph(_FakeServer):
    def __init__(self, token: str = "EAAGfakepagetoken", page_id: str = "104857600123456",
                 version: str = "v21.0", clock: Any = None):
        super().__init__(clock)
        self.token, self.page_id, self.version = token, page_id, version
        self.posts: list[dict[str, Any]] = []
        self._ids = itertools.count(900_000_001)

    @property
    def graph_url(self) -> str:
        return f"{self.url}/{self.version}"

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/{version}/{page_id}/feed", self._post_feed)
        app.router.add_get("/{version}/{page_id}/feed", self._get_feed)

    @staticmethod
    def _error(status: int, message: str | None = None, code: int | None = None) -> web.Response:
        codes = {400: 100, 401: 190, 403: 200, 429: 32, 500: 1, 502: 2, 503: 2}
        error = {"message": message or "An unexpected error has occurred. Please retry your request later.",
                 "type": "OAuthException" if status in (401, 403) else "GraphMethodException",
                 "code": code or codes.get(status, 1), "fbtrace_id": "AfakeTrace"}
        if status >= 500:
            error["is_transient"] = True
        return web.json_response({"error": error}, status=status)

    def _check(self, request: web.Request, params: dict) -> web.Response | None:
        if request.match_info["version"] != self.version:
            return self._error(400, f"Unknown version {request.match_info['version']}", 2635)
        if params.get("access_token") != self.token:
            return self._error(401, "Invalid OAuth access token - Cannot parse access token", 190)
        if request.match_info["page_id"] != self.page_id:
            return self._error(400, "Unsupported post request. Object does not exist", 100)
        return None

    async def _post_feed(self, request: web.Request) -> web.Response:
        params = {**request.query, **(await request.post())}
        self.calls.append({"method": "POST", "path": request.path, "params": dict(params)})
        bad = self._check(request, params)
        if bad is not None:
            return bad
        failure = self.behaviour.next_failure()
        if failure:
            return self._error(failure)
        message = str(params.get("message") or "")
        if not message.strip():
            return self._error(400, "(#100) The parameter message is required", 100)
        post_id = f"{self.page_id}_{next(self._ids)}"
        self.posts.append({"id": post_id, "message": message,
                           "created_time": self.now().strftime("%Y-%m-%dT%H:%M:%S+0000"),
                           "_at": self.now().timestamp()})
        return await self._after_accept(web.json_response({"id": post_id}), self._error)

    async def _get_feed(self, request: web.Request) -> web.Response:
        params = dict(request.query)
        self.calls.append({"method": "GET", "path": request.path, "params": params})
        bad = self._check(request, params)
        if bad is not None:
            return bad
        since = float(params.get("since") or 0)
        limit = int(params.get("limit") or 25)
        fields = (params.get("fields") or "id,message,created_time").split(",")
        data = [{k: p[k] for k in fields if k in p}
                for p in reversed(self.posts) if p["_at"] >= since][:limit]
        return web.json_response({"data": data, "paging": {}})
