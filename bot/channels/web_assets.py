"""What the web chat serves besides its JSON API: the page itself (branded per Mission Locale),
its script and style, the widget a Mission Locale pastes on its site (`GET /chat/widget.js`),
logos, favicon, the privacy page, and the files a reply carries (the booking's `.ics`).

A file is kept with the conversation that received it (`mbox:web:<session>:files`) under a random
id; `GET /chat/api/files/<id>?session=<session>` serves it only to that conversation (another
session, or a guessed id, gets 404), and erasing the jeune's data erases the files too.
"""
from __future__ import annotations

import base64
import re
import secrets
from pathlib import Path

import jinja2
from aiohttp import web

from bot.channels.web_branding import WebchatConfig
from bot.messages import Reply

STATIC = Path(__file__).resolve().parent.parent / "static"
FILES_KEPT = 20
_FILE_ID = re.compile(r"^[A-Za-z0-9_-]{20,40}$")
_ML = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_SESSION = re.compile(r"^[A-Za-z0-9_-]{16,64}$")

ASSETS = {   # route → (file in bot/static, content type, cache seconds)
    "/chat/chat.css": ("chat.css", "text/css", 300),
    "/chat/chat.js": ("chat.js", "application/javascript", 300),
    "/chat/widget.js": ("widget.js", "application/javascript", 300),
    "/chat/favicon.svg": ("favicon.svg", "image/svg+xml", 86400),
    "/favicon.ico": ("favicon.ico", "image/x-icon", 86400),
    "/chat/confidentialite": ("confidentialite.html", "text/html", 300),
}


def files_key(session: str) -> str:
    return f"mbox:web:{session}:files"


class WebAssets:
    def __init__(self, state, branding: WebchatConfig | None = None):
        self.state = state
        self.branding = branding or WebchatConfig()
        self._env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(STATIC)),
                                       autoescape=True, auto_reload=False)

    def add_routes(self, app: web.Application) -> None:
        for route in ASSETS:
            app.router.add_get(route, self.asset)
        app.router.add_get("/chat/logo/{ml}", self.logo)
        app.router.add_get("/chat/api/files/{file_id}", self.file)

    # ---- the page ---------------------------------------------------------------------
    def page(self, request: web.Request) -> web.Response:
        ml = request.query.get("ml", "")
        ml = ml if _ML.match(ml) else None
        brand = self.branding.brand(ml)
        html = self._env.get_template("chat.html").render(
            brand=brand, root="/", embed=request.query.get("embed") == "1",
            logo_url=f"/chat/logo/{brand.ml_id or 'reseau'}")
        return web.Response(text=html, content_type="text/html", headers={"Cache-Control": "no-store"})

    async def asset(self, request: web.Request) -> web.Response:
        name, mime, seconds = ASSETS[request.path]
        body = (STATIC / name).read_bytes()
        headers = {"Cache-Control": f"public, max-age={seconds}"}
        if name == "widget.js":
            headers["Access-Control-Allow-Origin"] = "*"
        return web.Response(body=body, content_type=mime,
                            charset="utf-8" if mime.startswith(("text/", "application/j")) else None,
                            headers=headers)

    async def logo(self, request: web.Request) -> web.Response:
        ml = request.match_info["ml"]
        brand = self.branding.brand(ml if _ML.match(ml) else None)
        path = brand.logo_path if brand.logo_path and brand.logo_path.is_file() else STATIC / "logo.svg"
        mime = brand.logo_mime if path == brand.logo_path else "image/svg+xml"
        return web.Response(body=path.read_bytes(), content_type=mime,
                            headers={"Cache-Control": "public, max-age=3600"})

    # ---- files carried by replies ----------------------------------------------------------
    async def reply_item(self, session: str, reply: Reply) -> dict:
        """A bot reply as the mailbox keeps it: its file stored aside, with the URL to fetch it."""
        item = {"from": "bot", **reply.to_dict()}
        if reply.attachment is not None:
            file_id = secrets.token_urlsafe(18)
            key = files_key(session)
            files = await self.state.get(key) or {}
            files[file_id] = {"filename": reply.attachment.filename, "mime": reply.attachment.mime,
                              "content": base64.b64encode(reply.attachment.content).decode()}
            for old in list(files)[:-FILES_KEPT]:
                files.pop(old)
            await self.state.set(key, files, ttl=30 * 86400)
            item["attachment"] = {**item["attachment"], "url": f"chat/api/files/{file_id}"}
        return item

    async def file(self, request: web.Request) -> web.Response:
        session = request.query.get("session", "")
        file_id = request.match_info["file_id"]
        if not _SESSION.match(session) or not _FILE_ID.match(file_id):
            raise web.HTTPNotFound()
        found = (await self.state.get(files_key(session)) or {}).get(file_id)
        if not found:
            raise web.HTTPNotFound()
        safe = re.sub(r"[^A-Za-z0-9._-]", "_", found["filename"])[:100] or "fichier"
        return web.Response(body=base64.b64decode(found["content"]), headers={
            "Content-Type": found["mime"] + ("; charset=utf-8" if found["mime"].startswith("text/") else ""),
            "Content-Disposition": f'attachment; filename="{safe}"',
            "Cache-Control": "private, no-store"})

    async def forget(self, addresses: list[str]) -> None:
        if addresses:
            await self.state.delete(*[files_key(a) for a in addresses])
