"""The weekly posts in the console (`/console/publications`): the calendar, one week's preview per
network with the QR code of its deep link, and the workflow's forms (choose the Mission Locale and
action of a week, give it back to the rotation, approve, send again what failed).

Who may do what: `communication` and `admin` accounts edit and approve (bot.posts.APPROVER_ROLES);
a `referent` may look (to know when their Mission Locale is announced) but every form answers 403.
Every POST is CSRF-checked by `Auth.require` and written to the audit log. A refusal of the
workflow (PostError, in French) is shown on the week's page, with status 409.

The console never publishes: its Posts has no publishers; the scheduler's job sends.
"""
from __future__ import annotations

import re
from typing import Any

from aiohttp import web
from markupsafe import Markup

from bot.territoire.missions_locales import DAY_NAMES, DAYS
from bot.posts.calendar import publish_at, publishable
from bot.posts.config import APPROVER_ROLES, NETWORKS, PostError
from bot.posts.workflow import Posts
from bot.posts.qr import qr_svg

_WEEK = re.compile(r"^\d{4}-W\d{2}$")
WEEK_STATUS = {"draft": "Brouillon", "approved": "Approuvé", "scheduled": "Programmé",
               "published": "Publié", "failed": "Échec"}
PUB_STATUS = {"pending": "En attente", "publishing": "Envoi en cours", "published": "Publié",
              "failed": "Échec", "uncertain": "À vérifier"}
NETWORK_LABELS = {"telegram": "Telegram", "mastodon": "Mastodon", "facebook": "Facebook"}
LINK_LABELS = {"telegram": "Lien Telegram", "web": "Lien du chat web"}
FLASH = {"set": "Semaine modifiée : elle repasse en brouillon, à approuver.",
         "auto": "Semaine rendue à la rotation automatique.",
         "approved": "Post approuvé : il partira à la date prévue.",
         "retried": "Publication relancée : elle part au prochain passage (5 minutes au plus)."}


def install_posts_view(console: Any, router: web.UrlDispatcher) -> "PostsView":
    view = PostsView(console)
    week = "/publications/{week:[^/]+}"      # any segment: the session is checked before the week
    router.add_get("/publications", view.calendar)
    router.add_get(week, view.week)
    router.add_post(week + "/choisir", view.choose)
    router.add_post(week + "/automatique", view.automatic)
    router.add_post(week + "/approuver", view.approve)
    router.add_post(week + "/relancer", view.retry)
    return view


class PostsView:
    def __init__(self, console: Any):
        self.c = console
        services = console.services
        cfg = services.config.extra.get("posts")
        # no posts.yml: the pages say so (the scheduler does not post either)
        self.posts: Posts | None = (Posts.from_services(services, publishers={}, cfg=cfg)
                                    if cfg is not None and services.config.actions is not None
                                    else None)
        console.jinja.globals["posts_enabled"] = self.posts is not None     # the nav link

    # helpers ------------------------------------------------------------------------------------
    async def _session(self, request: web.Request, edit: bool = False):
        session = await self.c.auth.require(request)
        if edit and session.account.role not in APPROVER_ROLES:
            raise web.HTTPForbidden(text="Seuls les comptes communication ou admin modifient "
                                         "et approuvent les publications.")
        if self.posts is None:
            raise web.HTTPNotFound(text="Les publications de la semaine ne sont pas configurées "
                                        "(config/posts.yml).")
        return session

    @staticmethod
    def _week_of(request: web.Request) -> str:
        week = request.match_info["week"]
        if not _WEEK.match(week):
            raise web.HTTPNotFound(text="Semaine inconnue : écrire l'année puis le numéro, comme 2026-W49.")
        return week

    def _ctx(self, session) -> dict[str, Any]:
        return {"nav": "posts", "can_edit": session.account.role in APPROVER_ROLES,
                "week_status": WEEK_STATUS, "pub_status": PUB_STATUS,
                "network_labels": NETWORK_LABELS}

    async def _audit(self, request: web.Request, session, action: str, week: str,
                     mission_locale: str | None = None, **detail: Any) -> None:
        await self.c.audit.record(action, account=session.account, mission_locale=mission_locale,
                                  ip=request.remote, week=week, **detail)

    # pages --------------------------------------------------------------------------------------
    async def calendar(self, request: web.Request) -> web.Response:
        session = await self._session(request)
        view = await self.posts.calendar_view()
        return self.c.render("posts.html", request, session, **self._ctx(session), view=view,
                             day_name=DAY_NAMES[DAYS.index(view["publish"]["day"])])

    async def week(self, request: web.Request) -> web.Response:
        session = await self._session(request)
        return await self._week_page(request, session, self._week_of(request))

    async def _week_page(self, request: web.Request, session, week: str,
                         error: str | None = None, status: int = 200) -> web.Response:
        if await self.posts.store.get(week) is None:
            await self.posts.fill_calendar()       # a coming week nobody has listed yet
        try:
            view = await self.posts.week_view(week)
        except PostError as exc:
            raise web.HTTPNotFound(text=f"{exc}.") from None
        qr = [{"kind": kind, "label": LINK_LABELS[kind], "url": url, "svg": Markup(qr_svg(url))}
              for kind, url in view["links"].items()]
        choices = self._choices(week) if session.account.role in APPROVER_ROLES else []
        ok = request.query.get("ok", "")
        return self.c.render("post_week.html", request, session, status=status,
                             **self._ctx(session), view=view, qr=qr, choices=choices,
                             error=error, flash=FLASH.get(ok), retryable=[
                                 p["network"] for p in view["publications"]
                                 if p["status"] in ("failed", "uncertain")])

    def _choices(self, week: str) -> list[dict[str, Any]]:
        """What can be announced that week, by Mission Locale (set_week refuses the rest)."""
        at = publish_at(week, self.posts.cfg)
        out = []
        for member in self.posts.members:
            actions = [{"id": a.id, "title": a.title, "type": a.type}
                       for a in self.posts.actions.for_ml(member.id) if publishable(a, at)]
            if actions:
                out.append({"id": member.id, "name": member.name, "actions": actions})
        return out

    # forms --------------------------------------------------------------------------------------
    async def _act(self, request: web.Request, session, week: str, action, ok: str) -> web.Response:
        """Run one workflow step; a refusal is shown on the week's page (409), else PRG."""
        try:
            await action()
        except PostError as exc:
            return await self._week_page(request, session, week, error=str(exc), status=409)
        raise web.HTTPSeeOther(f"/console/publications/{week}?ok={ok}")

    async def choose(self, request: web.Request) -> web.Response:
        session = await self._session(request, edit=True)
        week = self._week_of(request)
        form = await request.post()
        action_id = str(form.get("action") or "")[:64]
        action = self.posts.actions.by_id.get(action_id)
        ml = str(form.get("ml") or "")[:64] or (action.mission_locale if action else "")

        async def run():
            if action is None:
                raise PostError("choisir une action dans la liste")
            await self.posts.set_week(week, ml, action_id, by=session.account.email)
            await self._audit(request, session, "post_set", week, ml, action_id=action_id)
        return await self._act(request, session, week, run, "set")

    async def automatic(self, request: web.Request) -> web.Response:
        session = await self._session(request, edit=True)
        week = self._week_of(request)

        async def run():
            row = await self.posts.clear_override(week, by=session.account.email)
            await self._audit(request, session, "post_auto", week,
                              row.mission_locale if row else None)
        return await self._act(request, session, week, run, "auto")

    async def approve(self, request: web.Request) -> web.Response:
        session = await self._session(request, edit=True)
        week = self._week_of(request)

        async def run():
            row = await self.posts.approve(week, by=session.account.email, role=session.account.role)
            await self._audit(request, session, "post_approve", week, row.mission_locale,
                              action_id=row.action_id, networks=sorted(row.texts))
        return await self._act(request, session, week, run, "approved")

    async def retry(self, request: web.Request) -> web.Response:
        session = await self._session(request, edit=True)
        week = self._week_of(request)
        form = await request.post()
        network = str(form.get("network") or "") or None
        if network is not None and network not in NETWORKS:
            raise web.HTTPBadRequest(text=f"Réseau inconnu : {network[:20]!r}.")

        async def run():
            count = await self.posts.retry(week, by=session.account.email, network=network)
            if not count:
                raise PostError(f"semaine {week} : aucune publication en échec à relancer"
                                + (f" sur {NETWORK_LABELS[network]}" if network else ""))
            await self._audit(request, session, "post_retry", week, network=network, count=count)
        return await self._act(request, session, week, run, "retried")
