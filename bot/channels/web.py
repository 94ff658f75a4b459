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

    def __init__(self, engine, state, clock, poll_seconds: float = POLL_SECONDS, branding=None):
        self.engine = engine
        # the page, its assets and widget, and the files replies carry (bot/channels/web_assets.py)
        self.assets = WebAssets(state, branding)
        self.state = state
        self.clock = clock
        self.poll_seconds = poll_seconds
        self._waiters: dict[str, asyncio.Event] = {}

    @staticmethod
    def mailbox(address: str) -> str:
        return f"mbox:web:{address}"

    async def send(self, address: str, replies: list[Reply]) -> bool:
        for reply in replies:
            await self.state.mailbox_push(self.mailbox(address), await self.assets.reply_item(address, reply),
                                          ttl=MAILBOX_TTL)
        self._wake(address)
        return True

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
        except Exception:
            return web.json_response({"error": "le corps doit être du JSON"}, status=400)
        if not isinstance(body, dict):
            return web.json_response({"error": "le corps doit être un objet JSON"}, status=400)
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
            if incoming.kind != "start":
                shown = incoming.text if incoming.kind == "text" else (body.get("label") or incoming.text)
                await self.state.mailbox_push(box, {"from": "jeune", "text": shown[:4000],
                                                    "id": client_id}, ttl=MAILBOX_TTL)
            replies = await self.engine.handle(incoming)
            for reply in replies:
                await self.state.mailbox_push(box, await self.assets.reply_item(session, reply), ttl=MAILBOX_TTL)
            items = await self.state.mailbox_read(box, after)
        except StoreUnavailable:
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
            items = await self.state.mailbox_read(box, after)
            deadline = asyncio.get_running_loop().time() + self.poll_seconds
            while wait and not items:
                remaining = deadline - asyncio.get_running_loop().time()
                if remaining <= 0:
                    break
                waiter = self._waiters.setdefault(session, asyncio.Event())
                try:   # woken at once in this process; another worker's push is seen within 1 s
                    await asyncio.wait_for(waiter.wait(), timeout=min(1.0, remaining))
                except asyncio.TimeoutError:
                    pass
                items = await self.state.mailbox_read(box, after)
        except StoreUnavailable:
            return web.json_response({"error": "service momentanément indisponible"}, status=503)
        return web.json_response({"messages": [{"seq": s, **i} for s, i in items]})
