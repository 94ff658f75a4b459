"""The web chat a Mission Locale embeds on its site: `GET /chat`, no account, works on a phone.

Every message of the conversation (both sides) goes into the session's mailbox with a sequence
number; the page keeps the last number it showed and asks for what came after. So a reload, a
dropped connection or a phone waking up loses nothing, and a référent's reply or a reminder reaches
the page too (long polling: one request waits up to 25 s for something new). A message carries a
client id, so a retry after a timeout is processed once.
"""
from __future__ import annotations

import asyncio
import re
from pathlib import Path

from aiohttp import web

from bot.channels.web_assets import WebAssets
from bot.messages import Incoming, Reply
from bot.stores import StoreUnavailable

STATIC = Path(__file__).resolve().parent.parent / "static"
_SESSION = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_CODE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAILBOX_TTL = 30 * 86400
POLL_SECONDS = 25.0


class WebChannel:
    name = "web"
    durable = True          # replies go through the durable outbox once it is bound

    def __init__(self, engine, state, clock, poll_seconds: float = POLL_SECONDS, branding=None):
        self.engine = engine
        # the page, its assets and widget, and the files replies carry (bot/channels/web_assets.py)
        self.assets = WebAssets(state, branding)
        self.state = state
        self.clock = clock
        self.poll_seconds = poll_seconds
        # one entry per session being long-polled right now, dropped when its last poll ends:
        # memory follows the polls in progress, not every session the process ever saw
        self._waiters: dict[str, asyncio.Event] = {}
        self._polling: dict[str, int] = {}
        self.outbox = None

    def bind_outbox(self, outbox) -> None:
        self.outbox = outbox

    @staticmethod
    def mailbox(address: str) -> str:
        return f"mbox:web:{address}"

    async def send(self, address: str, replies: list[Reply], *, key: str | None = None,
                   lane: int | None = None) -> bool:
        """Into the session's mailbox. `key` (the outbox row) is kept with the message, so a row
        sent again after a crash is recognised (`was_delivered`): shown exactly once."""
        for reply in replies:
            item = await self.assets.reply_item(address, reply)
            if key is not None:
                item["oid"] = key
            await self.state.mailbox_push(self.mailbox(address), item, ttl=MAILBOX_TTL)
        self._wake(address)
        return True

    async def was_delivered(self, address: str, key: str) -> bool:
        return any(item.get("oid") == key
                   for _seq, item in await self.state.mailbox_read(self.mailbox(address), 0))

    def _unpoll(self, session: str) -> None:
        left = self._polling.get(session, 1) - 1
        if left <= 0:
            self._polling.pop(session, None)
            self._waiters.pop(session, None)
        else:
            self._polling[session] = left

    def _wake(self, address: str) -> None:
        waiter = self._waiters.pop(address, None)
        if waiter:
            waiter.set()

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/chat", self.page)
        app.router.add_get("/chat/", self.page)
        app.router.add_post("/chat/api/messages", self.post_message)
        app.router.add_get("/chat/api/messages", self.get_messages)
        self.assets.add_routes(app)

    async def page(self, request: web.Request) -> web.Response:
        return self.assets.page(request)

    async def post_message(self, request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except web.HTTPRequestEntityTooLarge:
            return web.json_response({"error": "message trop long"}, status=413)
        except Exception:
            return web.json_response({"error": "le corps doit être du JSON"}, status=400)
        if not isinstance(body, dict):
            return web.json_response({"error": "le corps doit être un objet JSON"}, status=400)
        body = {key: _clean(value) for key, value in body.items()}
        session = body.get("session")
        if not isinstance(session, str) or not _SESSION.match(session):
            return web.json_response({"error": "session invalide"}, status=400)
        text = body.get("text")
        button = body.get("button")
        source = body.get("source")
        client_id = body.get("id")
        if text is not None and not isinstance(text, str):
            return web.json_response({"error": "text doit être une chaîne"}, status=400)
        if button is not None and (not isinstance(button, str) or len(button) > 64):
            return web.json_response({"error": "bouton invalide"}, status=400)
        if source is not None and (not isinstance(source, str) or not _CODE.match(source)):
            source = None
        if client_id is not None and (not isinstance(client_id, str) or not _CLIENT_ID.match(client_id)):
            return web.json_response({"error": "id invalide"}, status=400)
        after = body.get("after") if isinstance(body.get("after"), int) else 0
        text = (text or "")[:20_000]
        if body.get("start"):
            incoming = Incoming("web", session, text="", kind="start", source=source,
                                message_id=f"web:{client_id}" if client_id else None)
        elif button:
            label = body.get("label") if isinstance(body.get("label"), str) else button
            incoming = Incoming("web", session, text=label[:200], kind="button", button_value=button,
                                source=source, message_id=f"web:{client_id}" if client_id else None)
        else:
            incoming = Incoming("web", session, text=text, kind="text", source=source,
                                message_id=f"web:{client_id}" if client_id else None)
        box = self.mailbox(session)
        try:
            # the same client id posted again (a retry after a timeout or a 503): shown once,
            # handled once (the engine dedupes on the message id)
            posted = client_id is not None and any(
                item.get("from") == "jeune" and item.get("id") == client_id
                for _seq, item in await self.state.mailbox_read(box, 0))
            if incoming.kind != "start" and not posted:
                shown = incoming.text if incoming.kind == "text" else (body.get("label") or incoming.text)
                await self.state.mailbox_push(box, {"from": "jeune", "text": shown[:4000],
                                                    "id": client_id}, ttl=MAILBOX_TTL)
            replies = await self.engine.handle(incoming)
            for reply in replies:
                if not reply.queued:
                    await self.state.mailbox_push(box, await self.assets.reply_item(session, reply),
                                                  ttl=MAILBOX_TTL)
            if self.outbox is not None and self.outbox.durable(self.name):
                # the turn's replies were committed with it: into the mailbox now (the sweep of any
                # process does it if this one dies here)
                await self.outbox.flush(self.name, session,
                                        [r.queued for r in replies
                                         if r.queued is not None and r.queued is not True])
            items = _after(await self.state.mailbox_read(box, 0), after)
        except StoreUnavailable as err:
            # a crisis answer does not wait for the stores (issue 17), even when the mailbox failed
            replies = getattr(err, "replies", None) or self.engine.answer_without_stores(incoming)
            if replies:
                return web.json_response({"messages": [{"seq": 0, "from": "bot", **r.to_dict()}
                                                       for r in replies], "saved": False})
            return web.json_response({"error": "service momentanément indisponible, réessaie"},
                                     status=503, headers={"Retry-After": "2"})
        return web.json_response({"messages": [{"seq": s, **i} for s, i in items]})

    async def get_messages(self, request: web.Request) -> web.Response:
        session = request.query.get("session", "")
        if not _SESSION.match(session):
            return web.json_response({"error": "session invalide"}, status=400)
        try:
            after = int(request.query.get("after", "0"))
        except ValueError:
            after = 0
        wait = request.query.get("wait") == "1"
        box = self.mailbox(session)
        try:
            items = _after(await self.state.mailbox_read(box, 0), after)
            deadline = asyncio.get_running_loop().time() + self.poll_seconds
            while wait and not items:
                remaining = deadline - asyncio.get_running_loop().time()
                if remaining <= 0:
                    break
                waiter = self._waiters.setdefault(session, asyncio.Event())
                self._polling[session] = self._polling.get(session, 0) + 1
                try:   # woken at once in this process; another worker's push is seen within 1 s
                    await asyncio.wait_for(waiter.wait(), timeout=min(1.0, remaining))
                except asyncio.TimeoutError:
                    pass
                finally:
                    self._unpoll(session)
                items = _after(await self.state.mailbox_read(box, 0), after)
        except StoreUnavailable:
            return web.json_response({"error": "service momentanément indisponible"}, status=503)
        return web.json_response({"messages": [{"seq": s, **i} for s, i in items]})


def _after(items: list[tuple[int, dict]], after: int) -> list[tuple[int, dict]]:
    """The messages after the page's cursor. A cursor ahead of the mailbox (the server's store
    was restarted empty, its numbers start again at 1) would hide every new message: the page
    then gets the whole mailbox again."""
    last = items[-1][0] if items else 0
    if after > last:
        after = 0
    return [(seq, item) for seq, item in items if seq > after]


def _clean(value):
    """Strings of a posted body as they can be stored: no NUL (PostgreSQL refuses it in text),
    no lone surrogate (not encodable in UTF-8: Redis and the database refuse it), each replaced."""
    if isinstance(value, str):
        if "\x00" in value:
            value = value.replace("\x00", "")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            value = value.encode("utf-8", "replace").decode("utf-8")
        return value
    return value
