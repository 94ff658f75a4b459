"""The console's pages and live stream, as an aiohttp sub-application mounted at `/console`.

Server-rendered (jinja2, autoescaped); the little JavaScript (static/console.js) only listens to
the live stream (SSE) and fills a canned answer into the reply box: every action is a plain form
POST followed by a redirect, so the console works on a phone and with JavaScript off.
"""
from __future__ import annotations

import asyncio
import csv
import io
import json
import logging
import re
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
from aiohttp import web

from bot.clock import PARIS, to_paris
from bot.console.account_view import install_account_views
from bot.console import assign
from bot.console.accounts import AccountStore
from bot.console.audit import AuditLog, search
from bot.console.auth import Auth
from bot.console.escalation import Escalator, Notifier
from bot.console.inbox import InboxQuery, PER_PAGE, badge, inbox_page, signature
from bot.console.config import ConsoleConfig, load_console_config
from bot.console.live import LiveHub
from bot.console.lockout import Lockout
from bot.console.notes import MAX_NOTE, NoteStore
from bot.console.posts_view import install_posts_view
from bot.console.profile import button_labels, conversation_facts, readable
from bot.console.response_times import response_times
from bot.console.sessions import Session, SessionStore
from bot.console.teams import team_of
from bot.console.totp import TotpStore
from bot.reperage.actions_config import ActionsConfig
from bot.report.figures import build_html_report, build_report, render_csv, render_xlsx
from bot.stores.conversations import STATUSES

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
STATIC_FILES = {"console.css": "text/css", "console.js": "application/javascript"}
_JEUNE_ID = re.compile(r"^[A-Za-z0-9_]{1,64}$")
MAX_REPLY = 4000
SSE_TICK = 1.0          # seconds between checks for new messages / inbox changes
SSE_PING = 15.0         # seconds between keep-alives (and session checks)
STATUS_LABELS = {"crisis": "Détresse", "waiting": "Demande un conseiller", "taken": "Pris en charge",
                 "bot": "Avec le bot", "closed": "Clos"}
ROLE_LABELS = {"referent": "Référent·e", "admin": "Administration (ARML)",
               "communication": "Communication", "dpo": "Protection des données (DPO)"}
FLASH = {"taken": "Vous avez pris la conversation : le bot se tait, le jeune est prévenu.",
         "sent": "Message envoyé.", "not_delivered": "Message enregistré, mais aucun canal ne l'a "
         "accepté (le jeune a peut-être bloqué le bot).", "noted": "Note enregistrée.",
         "handed_back": "Conversation rendue au bot.", "closed": "Conversation close.",
         "empty": "Le message est vide.", "too_long": f"Message trop long ({MAX_REPLY} caractères au plus).",
         "bad_outcome": "Choisissez une issue dans la liste.",
         "empty_note": "La note est vide.", "unknown_canned": "Réponse type inconnue.",
         "given": "Conversation confiée : votre collègue est prévenu·e.",
         "unknown_colleague": "Collègue inconnu·e (ou compte désactivé).",
         "already_yours": "Cette conversation est déjà la vôtre."}


class Console:
    def __init__(self, services: Any, engine: Any, config: ConsoleConfig | None = None):
        self.services = services
        self.engine = engine
        self.clock = services.clock
        self.config = config or services.config.extra.get("console") or load_console_config(
            Path(services.config.dir) / "console.yml", [ml.id for ml in services.config.missions_locales])
        db = services.records.engine
        self.accounts = AccountStore(db)
        self.sessions = SessionStore(db, self.config.session, self.clock)
        self.lockout = Lockout(db, self.config.lockout, self.clock)
        self.audit = AuditLog(db, self.clock)
        self.notes = NoteStore(db, self.clock)
        self.notifier = Notifier(services, self.config.on_call)
        self.hub = LiveHub(services, self.notifier)
        self.viewers = assign.Viewers(db, self.clock)
        self.totp = TotpStore(db)
        self.escalator = Escalator(self)
        self.labels = button_labels(services.config)
        self.auth = Auth(self)
        self._stopping = asyncio.Event()
        self.sse_ping = SSE_PING
        self.jinja = jinja2.Environment(
            loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True,
            undefined=jinja2.StrictUndefined)
        self.jinja.filters["paris"] = lambda d: to_paris(d).strftime("%d/%m/%Y %H:%M") if d else ""
        self.jinja.filters["waited"] = self._waited

    # wiring -------------------------------------------------------------------------------------
    def install(self, app: web.Application) -> None:
        sub = web.Application()
        r = sub.router
        r.add_get("/", self.home)
        r.add_get("/login", self.auth.login_page)
        r.add_post("/login", self.auth.login)
        r.add_post("/logout", self.auth.logout)
        r.add_get("/inbox", self.inbox)
        r.add_get("/inbox/rows", self.inbox_rows)
        r.add_get("/c/{jeune_id}", self.conversation)
        r.add_get("/c/{jeune_id}/messages", self.messages)
        r.add_post("/c/{jeune_id}/take", self.take)
        r.add_post("/c/{jeune_id}/give", self.give)
        r.add_post("/c/{jeune_id}/reply", self.reply)
        r.add_post("/c/{jeune_id}/note", self.note)
        r.add_post("/c/{jeune_id}/hand-back", self.hand_back)
        r.add_post("/c/{jeune_id}/close", self.close)
        r.add_get("/events", self.events)
        r.add_get("/tableau-de-bord", self.dashboard)
        r.add_get("/tableau-de-bord/rapport", self.dashboard_report)
        r.add_get("/tableau-de-bord/export", self.dashboard_export)
        r.add_get("/journal", self.journal)
        r.add_get("/journal.csv", self.journal_csv)
        self.posts_view = install_posts_view(self, r)
        install_account_views(self, r)
        r.add_get("/static/{name}", self.static)
        sub.middlewares.append(self._no_store)
        app.router.add_get("/console", self.home)     # before the sub-app, which would 404 it
        app.add_subapp("/console", sub)
        app["console"] = self
        self.services.extra["referents_online"] = self.referents_online
        self.services.forget_hooks.append(self.notes.forget)
        self.services.forget_hooks.append(self.viewers.forget)
        app.on_startup.append(self._start)
        app.on_shutdown.append(self._shutdown)

    async def _start(self, app: web.Application) -> None:
        self.hub.start()
        self.escalator.start()

    async def _shutdown(self, app: web.Application) -> None:
        self._stopping.set()
        await self.escalator.stop()
        await self.hub.stop()

    @web.middleware
    async def _no_store(self, request: web.Request, handler):
        """Pages with personal data are never cached; errors get a readable page."""
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            if exc.status >= 400 and exc.content_type == "text/plain" and not request.path.endswith(
                    ("/messages", "/events")):
                page = self.render("error.html", request, None, status=exc.status,
                                   message=exc.text or exc.reason)
                page.headers["Cache-Control"] = "no-store"
                return page
            exc.headers["Cache-Control"] = "no-store"
            raise
        if not request.path.startswith("/console/static/"):
            response.headers["Cache-Control"] = "no-store"
        return response

    # presence -----------------------------------------------------------------------------------
    async def referents_online(self, ml_id: str | None) -> bool:
        """For request_human: someone who may answer a jeune of `ml_id` is at the console now."""
        if self.hub.connected(ml_id):
            return True
        since = self.clock.now() - timedelta(minutes=self.config.presence_minutes)
        return await self.sessions.online(since, ml_id)

    # rendering ----------------------------------------------------------------------------------
    def render(self, template: str, request: web.Request, session: Session | None,
               status: int = 200, **ctx: Any) -> web.Response:
        ctx.setdefault("nav", "")
        html = self.jinja.get_template(template).render(
            session=session, account=session.account if session else None,
            csrf=session.csrf if session else "", role_labels=ROLE_LABELS,
            ml_names={ml.id: ml.name for ml in self.services.config.missions_locales}, **ctx)
        return web.Response(text=html, content_type="text/html", status=status)

    def _waited(self, since: datetime | None) -> str:
        if not since:
            return ""
        minutes = int((self.clock.now() - since).total_seconds() // 60)
        if minutes < 1:
            return "moins d'une minute"
        if minutes < 60:
            return f"{minutes} min"
        hours, rest = divmod(minutes, 60)
        if hours < 48:
            return f"{hours} h {rest:02d}"
        return f"{hours // 24} jours"

    # pages ---------------------------------------------------------------------------------------
    async def home(self, request: web.Request) -> web.Response:
        session = await self.auth.session(request)
        if session is None:
            raise web.HTTPSeeOther("/console/login")
        raise web.HTTPSeeOther("/console/inbox" if session.account.sees_conversations
                               else "/console/tableau-de-bord")

    async def static(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name not in STATIC_FILES:
            raise web.HTTPNotFound(text="Fichier inconnu.")
        return web.Response(body=(HERE / "static" / name).read_bytes(),
                            content_type=STATIC_FILES[name],
                            headers={"Cache-Control": "public, max-age=3600"})

    def _inbox_filters(self, request: web.Request, session: Session) -> InboxQuery:
        status = request.query.get("status") or None
        if status is not None and status not in STATUSES:
            raise web.HTTPBadRequest(text=f"Statut inconnu : {status[:40]!r}.")
        account = session.account
        if account.is_admin:
            ml = request.query.get("ml") or None
            if ml is not None and ml not in self.services.config.ml_by_id:
                raise web.HTTPBadRequest(text=f"Mission Locale inconnue : {ml[:64]!r}.")
        else:
            ml = account.mission_locale
            asked = request.query.get("ml")
            if asked and asked != ml:
                raise web.HTTPForbidden(text="Vous ne voyez que votre Mission Locale.")
        try:
            page = max(1, min(10_000, int(request.query.get("page") or 1)))
        except ValueError:
            raise web.HTTPBadRequest(text="page : un nombre entier") from None
        sort = "recent" if request.query.get("sort") == "recent" else "priority"
        return InboxQuery(ml=ml, status=status, unread=request.query.get("unread") == "1",
                          q=str(request.query.get("q") or "")[:100], page=page, sort=sort,
                          assigned_to="me" if request.query.get("mine") == "1" else None)

    async def _inbox(self, session: Session, query: InboxQuery) -> tuple[list[dict], int]:
        rows, total = await inbox_page(self.services.records.engine, self.services.config, query,
                                       me=session.account.name)
        return [r for r in rows if session.account.can_see_ml(r["mission_locale"])], total

    def _page_links(self, request: web.Request, query: InboxQuery, total: int) -> dict:
        pages = max(1, -(-total // PER_PAGE))
        params = {k: v for k, v in request.query.items() if k != "page"}

        def link(n: int) -> str:
            return "/console/inbox?" + urlencode({**params, "page": n})
        return {"page": query.page, "pages": pages, "total": total,
                "prev": link(query.page - 1) if query.page > 1 else None,
                "next": link(query.page + 1) if query.page < pages else None}

    async def inbox(self, request: web.Request) -> web.Response:
        session = await self.auth.require(request, conversations=True)
        query = self._inbox_filters(request, session)
        rows, total = await self._inbox(session, query)
        return self.render("inbox.html", request, session, nav="inbox", rows=rows, ml=query.ml,
                           status_filter=query.status, unread=query.unread, q=query.q,
                           sort=query.sort, mine=query.assigned_to == "me", statuses=STATUSES,
                           status_labels=STATUS_LABELS, query=request.query_string,
                           paging=self._page_links(request, query, total),
                           missions_locales=self.services.config.missions_locales)

    async def inbox_rows(self, request: web.Request) -> web.Response:
        session = await self.auth.require(request, conversations=True)
        query = self._inbox_filters(request, session)
        rows, _total = await self._inbox(session, query)
        return self.render("inbox_rows.html", request, session, rows=rows,
                           status_labels=STATUS_LABELS)

    async def _visible(self, request: web.Request, session: Session,
                       jeune_id: str | None = None) -> tuple[str, dict]:
        """The conversation, if this account may see it; 404 otherwise (not even its existence).
        Its team: the Mission Locale known, else the one of the action the jeune came through."""
        jeune_id = jeune_id if jeune_id is not None else request.match_info["jeune_id"]
        if not _JEUNE_ID.match(jeune_id):
            raise web.HTTPNotFound(text="Conversation introuvable.")
        conv = await self.services.conversations.get(jeune_id)
        if conv is None:
            raise web.HTTPNotFound(text="Conversation introuvable.")
        if not conv.get("mission_locale"):
            profile = await self.services.records.get_profile(jeune_id) or {}
            conv["mission_locale"] = team_of(self.services.config, None, profile)
        if not session.account.can_see_ml(conv["mission_locale"]):
            raise web.HTTPNotFound(text="Conversation introuvable.")
        return jeune_id, conv

    def link(self, jeune_id: str) -> str:
        return f"{self.services.env.public_url or ''}/console/c/{jeune_id}"

    async def conversation(self, request: web.Request) -> web.Response:
        session = await self.auth.require(request, conversations=True)
        jeune_id, conv = await self._visible(request, session)
        account = session.account
        raw = await self.services.records.transcript(jeune_id)
        await self.audit.record("open_conversation", account=account, jeune_id=jeune_id,
                                mission_locale=conv["mission_locale"], ip=request.remote,
                                lines=len(raw))
        await self.services.conversations.mark_read(jeune_id)
        facts = await conversation_facts(self.services, jeune_id, conv)
        lines = readable(raw, self.labels)
        colleagues = [c for c in await self.accounts.colleagues(account)
                      if account.is_admin is False or c.mission_locale == conv["mission_locale"]]
        return self.render(
            "conversation.html", request, session, nav="inbox", jeune_id=jeune_id, conv=conv,
            facts=facts, lines=lines, last_id=raw[-1]["id"] if raw else 0,
            notes=await self.notes.of(jeune_id), status_labels=STATUS_LABELS,
            outcomes=self.config.outcomes, colleagues=colleagues,
            viewers=[v for v in await self.viewers.of(jeune_id) if v["account_id"] != account.id],
            canned=self.config.canned_for(None if account.is_admin else account.mission_locale),
            flash=FLASH.get(request.query.get("ok", "") or request.query.get("err", "")),
            flash_error=bool(request.query.get("err")), max_reply=MAX_REPLY, max_note=MAX_NOTE)

    async def messages(self, request: web.Request) -> web.Response:
        session = await self.auth.require(request, conversations=True)
        jeune_id, conv = await self._visible(request, session)
        try:
            after = max(0, int(request.query.get("after", "0")))
        except ValueError:
            raise web.HTTPBadRequest(text="after : un nombre entier") from None
        raw = await self.services.records.transcript(jeune_id, after)
        # a read of the transcript like the page: in the journal too
        await self.audit.record("read_messages", account=session.account, jeune_id=jeune_id,
                                mission_locale=conv["mission_locale"], ip=request.remote,
                                after=after, lines=len(raw))
        return web.json_response({"messages": readable(raw, self.labels)}, dumps=_dumps)

    # actions -------------------------------------------------------------------------------------
    def _back(self, jeune_id: str, **query: str) -> web.HTTPSeeOther:
        q = "&".join(f"{k}={v}" for k, v in query.items())
        return web.HTTPSeeOther(f"/console/c/{jeune_id}" + (f"?{q}" if q else ""))

    async def _take_if_needed(self, session: Session, jeune_id: str, conv: dict,
                              request: web.Request) -> bool:
        """Take a conversation nobody holds (one atomic claim: of two référents at once, one
        wins, and the jeune hears "je prends le relais" once). False when someone holds it."""
        if conv["status"] == "taken" and conv.get("assigned_to"):
            return conv.get("assigned_to") == session.account.name
        if not await assign.claim(self.services.records.engine, jeune_id, session.account,
                                  self.clock.now()):
            return False
        await self.engine.take_over(jeune_id, session.account.name)
        await self.audit.record("take_over", account=session.account, jeune_id=jeune_id,
                                mission_locale=conv["mission_locale"], ip=request.remote)
        return True

    async def _tell(self, account_id: int, jeune_id: str, text: str, **extra: Any) -> None:
        """A notice on the open pages of one account (through every web worker)."""
        await self.services.alerts.publish({"kind": "console", "to_account": account_id,
                                            "jeune_id": jeune_id, "text": text,
                                            "url": f"/console/c/{jeune_id}", **extra})

    async def take(self, request: web.Request) -> web.Response:
        session = await self.auth.require(request, conversations=True)
        jeune_id, conv = await self._visible(request, session)
        form = await request.post()
        me = session.account
        if await self._take_if_needed(session, jeune_id, conv, request):
            raise self._back(jeune_id, ok="taken")
        conv = await self.services.conversations.get(jeune_id) or conv
        held = await assign.holder(self.services.records.engine, jeune_id)
        holder_name = (held or {}).get("name") or conv.get("assigned_to")
        if held and held["account_id"] == me.id:
            raise self._back(jeune_id, err="already_yours")
        if form.get("confirm") != "1":
            # held by a colleague: ask first
            return self.render("take_confirm.html", request, session, nav="inbox",
                               jeune_id=jeune_id, holder=holder_name,
                               since=conv.get("since"), status=409)
        before = await assign.transfer(self.services.records.engine, jeune_id, me, self.clock.now())
        await self.audit.record("take_over", account=me, jeune_id=jeune_id,
                                mission_locale=conv.get("mission_locale") or None,
                                ip=request.remote, from_referent=holder_name)
        if before and before["account_id"] != me.id:
            await self._tell(before["account_id"], jeune_id,
                             f"{me.name} a pris la conversation que vous aviez.",
                             status="taken", assigned_to=me.name)
        raise self._back(jeune_id, ok="taken")

    async def give(self, request: web.Request) -> web.Response:
        session = await self.auth.require(request, conversations=True)
        jeune_id, conv = await self._visible(request, session)
        form = await request.post()
        try:
            to_id = int(str(form.get("to") or "0"))
        except ValueError:
            to_id = 0
        other = await self.accounts.get(to_id)
        me = session.account
        if (other is None or not other.active or other.role != "referent"
                or other.mission_locale != conv["mission_locale"] or other.id == me.id):
            raise self._back(jeune_id, err="unknown_colleague")
        engine = self.services.records.engine
        if conv["status"] == "taken" and conv.get("assigned_to"):
            before = await assign.transfer(engine, jeune_id, other, self.clock.now())
        else:
            before = None
            if await assign.claim(engine, jeune_id, other, self.clock.now()):
                await self.engine.take_over(jeune_id, other.name)
            else:
                before = await assign.transfer(engine, jeune_id, other, self.clock.now())
        await self.audit.record("give", account=me, jeune_id=jeune_id,
                                mission_locale=conv["mission_locale"], ip=request.remote,
                                to_referent=other.name)
        await self._tell(other.id, jeune_id, f"{me.name} vous a confié une conversation.",
                         status="taken", assigned_to=other.name)
        if before and before["account_id"] not in (me.id, other.id):
            await self._tell(before["account_id"], jeune_id,
                             f"{me.name} a confié à {other.name} la conversation que vous aviez.",
                             status="taken", assigned_to=other.name)
        raise self._back(jeune_id, ok="given")

    async def reply(self, request: web.Request) -> web.Response:
        session = await self.auth.require(request, conversations=True)
        jeune_id, conv = await self._visible(request, session)
        form = await request.post()
        text = str(form.get("text") or "").strip()
        canned_id = str(form.get("canned") or "")
        if not text and canned_id:
            account = session.account
            found = {a.id: a for a in self.config.canned_for(
                None if account.is_admin else account.mission_locale)}.get(canned_id)
            if found is None:
                raise self._back(jeune_id, err="unknown_canned")
            text = found.text.strip()
        if not text:
            raise self._back(jeune_id, err="empty")
        if len(text) > MAX_REPLY:
            raise self._back(jeune_id, err="too_long")
        await self._take_if_needed(session, jeune_id, conv, request)
        delivered = await self.engine.say_as_referent(jeune_id, session.account.name, text)
        await self.audit.record("reply", account=session.account, jeune_id=jeune_id,
                                mission_locale=conv["mission_locale"], ip=request.remote,
                                chars=len(text), canned=canned_id or None, delivered=delivered)
        raise self._back(jeune_id, ok="sent" if delivered else "not_delivered")

    async def note(self, request: web.Request) -> web.Response:
        session = await self.auth.require(request, conversations=True)
        jeune_id, conv = await self._visible(request, session)
        form = await request.post()
        text = str(form.get("text") or "").strip()
        if not text:
            raise self._back(jeune_id, err="empty_note")
        if len(text) > MAX_NOTE:
            raise self._back(jeune_id, err="too_long")
        await self.notes.add(jeune_id, session.account, text)
        await self.audit.record("note", account=session.account, jeune_id=jeune_id,
                                mission_locale=conv["mission_locale"], ip=request.remote,
                                chars=len(text))
        raise self._back(jeune_id, ok="noted")

    async def hand_back(self, request: web.Request) -> web.Response:
        session = await self.auth.require(request, conversations=True)
        jeune_id, conv = await self._visible(request, session)
        await self.engine.hand_back(jeune_id, session.account.name)
        await assign.release(self.services.records.engine, jeune_id)
        await self.audit.record("hand_back", account=session.account, jeune_id=jeune_id,
                                mission_locale=conv["mission_locale"], ip=request.remote)
        raise self._back(jeune_id, ok="handed_back")

    async def close(self, request: web.Request) -> web.Response:
        session = await self.auth.require(request, conversations=True)
        jeune_id, conv = await self._visible(request, session)
        form = await request.post()
        outcome = str(form.get("outcome") or "")
        if outcome not in self.config.outcomes:
            raise self._back(jeune_id, err="bad_outcome")
        await self.engine.hand_back(jeune_id, session.account.name, close_outcome=outcome)
        await assign.release(self.services.records.engine, jeune_id)
        await self.audit.record("close", account=session.account, jeune_id=jeune_id,
                                mission_locale=conv["mission_locale"], ip=request.remote,
                                outcome=outcome)
        raise self._back(jeune_id, ok="closed")

    # live ----------------------------------------------------------------------------------------
    async def events(self, request: web.Request) -> web.StreamResponse:
        """Server-sent events: `alert` (crisis, handoff, a step of the escalation), `message` (new
        transcript lines of the open conversation), `status` (its status changed), `viewers`
        (who else has it open), `notice` (for this account: a colleague took or gave it),
        `inbox` (the inbox changed: reload its rows), `badge` (crises and requests waiting, for
        the title), `logout`."""
        session = await self.auth.require(request)
        account = session.account
        jeune_id = None
        after = 0
        conv: dict | None = None
        if request.query.get("c"):
            if not account.sees_conversations:
                raise web.HTTPForbidden(text="Votre rôle ne donne pas accès aux conversations.")
            jeune_id, conv = await self._visible(request, session, request.query["c"])
            try:
                after = max(0, int(request.query.get("after", "0")))
            except ValueError:
                after = 0
            # the stream carries the transcript: a read, in the journal
            await self.audit.record("stream_conversation", account=account, jeune_id=jeune_id,
                                    mission_locale=conv["mission_locale"], ip=request.remote,
                                    after=after)
        scope_ml = None if account.is_admin else account.mission_locale
        response = web.StreamResponse(headers={
            "Content-Type": "text/event-stream", "Cache-Control": "no-store",
            "X-Accel-Buffering": "no"})
        await response.prepare(request)
        db = self.services.records.engine
        config = self.services.config
        # the inbox as the page shows it, before listening: any later change is reported
        inbox_sig = (await signature(db, config, scope_ml) if account.sees_conversations else None)
        listener = self.hub.listen(account)
        stream = await self.viewers.enter(jeune_id, account) if jeune_id else None
        loop = asyncio.get_running_loop()
        last_ping = loop.time()
        status_sig = (conv["status"], conv.get("assigned_to")) if conv else None
        seen_viewers: list | None = None
        last_badge: dict | None = None
        try:
            await response.write(b"retry: 3000\n\n")
            if account.sees_conversations:
                last_badge = await badge(db, config, scope_ml)
                await response.write(_sse("badge", last_badge))
            while not self._stopping.is_set():
                try:
                    kind, data = await asyncio.wait_for(listener.queue.get(), timeout=SSE_TICK)
                    await response.write(_sse(kind, data))
                    continue
                except asyncio.TimeoutError:
                    pass
                if jeune_id is not None:
                    raw = await self.services.records.transcript(jeune_id, after)
                    if raw:
                        after = raw[-1]["id"]
                        for line in readable(raw, self.labels):
                            await response.write(_sse("message", line))
                    now_conv = await self.services.conversations.get(jeune_id)
                    if now_conv is not None:
                        sig = (now_conv["status"], now_conv.get("assigned_to"))
                        if sig != status_sig:
                            status_sig = sig
                            await response.write(_sse("status", {
                                "status": sig[0], "assigned_to": sig[1],
                                "label": STATUS_LABELS.get(sig[0], sig[0]) + (
                                    f" par {sig[1]}" if sig[0] == "taken" and sig[1] else ""),
                                "mine": sig[0] == "taken" and sig[1] == account.name}))
                    others = [v["name"] for v in await self.viewers.of(jeune_id)
                              if v["account_id"] != account.id]
                    if others != seen_viewers:
                        seen_viewers = others
                        await response.write(_sse("viewers", {"names": others}))
                if inbox_sig is not None:
                    sig = await signature(db, config, scope_ml)
                    if sig != inbox_sig:
                        await response.write(_sse("inbox", {}))
                        inbox_sig = sig
                        counts = await badge(db, config, scope_ml)
                        if counts != last_badge:
                            last_badge = counts
                            await response.write(_sse("badge", counts))
                if loop.time() - last_ping >= self.sse_ping:
                    last_ping = loop.time()
                    if not await self.sessions.alive(session.token_hash):
                        await response.write(_sse("logout", {}))
                        break
                    await self.sessions.touch(session.token_hash)
                    if stream:
                        await self.viewers.still(stream)
                    await response.write(b": ping\n\n")
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        finally:
            self.hub.leave(listener)
            if stream:
                await asyncio.shield(self.viewers.leave(stream))
        return response

    async def _inbox_signature(self, ml: str | None) -> str:
        return await signature(self.services.records.engine, self.services.config, ml)

    # figures -------------------------------------------------------------------------------------
    def _period(self, request: web.Request, session: Session) -> tuple[date, date, str | None]:
        today = to_paris(self.clock.now()).date()
        try:
            end = date.fromisoformat(request.query["to"]) if request.query.get("to") else today
            start = (date.fromisoformat(request.query["from"]) if request.query.get("from")
                     else end - timedelta(days=29))
        except ValueError:
            raise web.HTTPBadRequest(text="Dates attendues au format AAAA-MM-JJ.") from None
        if end < start:
            raise web.HTTPBadRequest(text="La date de fin est avant la date de début.")
        if (end - start).days > 3 * 366:
            raise web.HTTPBadRequest(text="Période trop longue (3 ans au plus).")
        account = session.account
        ml = request.query.get("ml") or None
        if account.is_admin or (account.role == "communication" and not account.mission_locale):
            if ml is not None and ml not in self.services.config.ml_by_id:
                raise web.HTTPBadRequest(text=f"Mission Locale inconnue : {ml[:64]!r}.")
        else:
            if ml is not None and ml != account.mission_locale:
                raise web.HTTPForbidden(text="Vous ne voyez que les chiffres de votre Mission Locale.")
            ml = account.mission_locale
        return start, end, ml

    async def dashboard(self, request: web.Request) -> web.Response:
        session = await self.auth.require(request)
        start, end, ml = self._period(request, session)
        await self.audit.record("view_dashboard", account=session.account, mission_locale=ml,
                                ip=request.remote, start=start.isoformat(), end=end.isoformat())
        choose_ml = session.account.is_admin or (
            session.account.role == "communication" and not session.account.mission_locale)
        query = f"from={start.isoformat()}&to={end.isoformat()}" + (f"&ml={ml}" if ml else "")
        times = await response_times(
            self.services.records.engine, datetime.combine(start, datetime.min.time(), PARIS),
            datetime.combine(end + timedelta(days=1), datetime.min.time(), PARIS), ml,
            self.clock.now())
        return self.render("dashboard.html", request, session, nav="dashboard", start=start,
                           end=end, ml=ml, choose_ml=choose_ml, query=query, times=times,
                           missions_locales=self.services.config.missions_locales)

    async def dashboard_report(self, request: web.Request) -> web.Response:
        session = await self.auth.require(request)
        start, end, ml = self._period(request, session)
        actions = self.services.config.actions or ActionsConfig([])
        ml_obj = self.services.config.ml_by_id.get(ml or "")
        html = await build_html_report(self.services.records, start, end, ml, actions,
                                       title=f"Tableau de bord — {ml_obj.name}" if ml_obj else None,
                                       missions_locales=self._ml_names(),
                                       targets=self.services.config.extra.get("report"))
        return web.Response(text=html, content_type="text/html")

    def _ml_names(self) -> dict[str, str]:
        return {m.id: m.name for m in self.services.config.missions_locales}

    async def dashboard_export(self, request: web.Request) -> web.Response:
        """The figures as a spreadsheet (csv for French Excel, or xlsx), scoped like the
        dashboard: a référent gets their own Mission Locale's only."""
        session = await self.auth.require(request)
        start, end, ml = self._period(request, session)
        fmt = request.query.get("format", "xlsx")
        if fmt not in ("csv", "xlsx"):
            raise web.HTTPBadRequest(text="Format attendu : csv ou xlsx.")
        await self.audit.record("export_report", account=session.account, mission_locale=ml,
                                ip=request.remote, start=start.isoformat(), end=end.isoformat())
        report = await build_report(self.services.records, start, end, ml,
                                    self.services.config.actions or ActionsConfig([]),
                                    self._ml_names(), self.services.config.extra.get("report"))
        name = f"insysteme-{ml or 'region'}-{start.isoformat()}-{end.isoformat()}.{fmt}"
        headers = {"Content-Disposition": f'attachment; filename="{name}"'}
        if fmt == "csv":
            return web.Response(body=render_csv(report).encode("utf-8"), headers=headers,
                                content_type="text/csv", charset="utf-8")
        return web.Response(body=render_xlsx(report), headers=headers, content_type=(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))

    def _journal_filters(self, request: web.Request, session: Session) -> dict:
        account = session.account
        if not account.sees_journal:
            raise web.HTTPForbidden(text="Journal réservé à l'administration (ARML) et au ou à la "
                                         "délégué·e à la protection des données de la Mission Locale.")
        ml = request.query.get("ml") or None
        if not account.is_admin:
            if ml is not None and ml != account.mission_locale:
                raise web.HTTPForbidden(text="Vous ne voyez que le journal de votre Mission Locale.")
            ml = account.mission_locale
        try:
            since = date.fromisoformat(request.query["from"]) if request.query.get("from") else None
            until = date.fromisoformat(request.query["to"]) if request.query.get("to") else None
        except ValueError:
            raise web.HTTPBadRequest(text="Dates attendues au format AAAA-MM-JJ.") from None
        try:
            page = max(1, int(request.query.get("page") or 1))
        except ValueError:
            raise web.HTTPBadRequest(text="page : un nombre entier") from None
        return {"mission_locale": ml,
                "since": datetime.combine(since, datetime.min.time(), PARIS) if since else None,
                "until": (datetime.combine(until + timedelta(days=1), datetime.min.time(), PARIS)
                          if until else None),
                "action": (request.query.get("action") or "")[:40] or None,
                "jeune_id": (request.query.get("jeune") or "")[:64] or None,
                "email": (request.query.get("who") or "")[:254] or None, "page": page}

    async def journal(self, request: web.Request) -> web.Response:
        session = await self.auth.require(request)
        f = self._journal_filters(request, session)
        page = f.pop("page")
        per = 100
        entries, total = await search(self.audit, **f, limit=per, offset=(page - 1) * per)
        await self.audit.record("view_journal", account=session.account,
                                mission_locale=f["mission_locale"], ip=request.remote)
        params = {k: v for k, v in request.query.items() if k != "page"}
        pages = max(1, -(-total // per))
        return self.render(
            "journal.html", request, session, nav="journal", entries=entries, total=total,
            q=request.query, csv="/console/journal.csv?" + urlencode(params),
            prev="/console/journal?" + urlencode({**params, "page": page - 1}) if page > 1 else None,
            next="/console/journal?" + urlencode({**params, "page": page + 1}) if page < pages else None,
            page=page, pages=pages, choose_ml=session.account.is_admin,
            missions_locales=self.services.config.missions_locales)

    async def journal_csv(self, request: web.Request) -> web.Response:
        """The same entries as a CSV file (every page), for the data-protection officer."""
        session = await self.auth.require(request)
        f = self._journal_filters(request, session)
        f.pop("page")
        entries, _total = await search(self.audit, **f, limit=100_000)
        await self.audit.record("export_journal", account=session.account,
                                mission_locale=f["mission_locale"], ip=request.remote,
                                entries=len(entries))
        out = io.StringIO()
        writer = csv.writer(out, delimiter=";")
        writer.writerow(["date (heure de Paris)", "compte", "action", "jeune (pseudonyme)",
                         "Mission Locale", "adresse IP", "détail"])
        for e in entries:
            writer.writerow([to_paris(e["at"]).strftime("%Y-%m-%d %H:%M:%S"),
                             e["account_email"] or "", e["action"], e["jeune_id"] or "",
                             e["mission_locale"] or "", e["ip"] or "",
                             json.dumps(e["detail"] or {}, ensure_ascii=False)])
        name = f"journal-{f['mission_locale'] or 'region'}-{to_paris(self.clock.now()):%Y%m%d}.csv"
        return web.Response(body=("\ufeff" + out.getvalue()).encode("utf-8"),
                            content_type="text/csv", charset="utf-8",
                            headers={"Content-Disposition": f'attachment; filename="{name}"'})

def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _sse(kind: str, data: Any) -> bytes:
    return f"event: {kind}\ndata: {_dumps(data)}\n\n".encode()


def setup_console(app: Any, services: Any, engine: Any, console_config: Any = None) -> Any:
    """Routes, live alerts (SSE, Telegram référents group) and `services.extra["referents_online"]`.

    Returns the Console object (also at `app["console"]`)."""
    console = Console(services, engine, console_config)
    console.install(app)
    return console
