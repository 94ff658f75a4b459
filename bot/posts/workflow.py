"""The weekly posts' workflow and publishing (calendar.py, rotation.py, texts.py, config.py beside it).

- Calendar: one post per ISO week, published on the configured weekday and time (Paris, so DST is
  zoneinfo's business). Weeks ahead are filled by a rotation: the Mission Locale whose last post is
  the oldest goes next (never posted = oldest, ties in config order), among those with a
  publishable action that week; so no Mission Locale comes twice before every one with a
  publishable action had its turn. A week set by hand (`set_week`) is kept as is.
- Text: a template per network (config/posts.yml) filled from the action (config/actions.yml), with a
  deep link carrying the action's code (`https://t.me/<bot>?start=CODE`, `PUBLIC_URL/chat?source=CODE`)
  so that contacts coming from the post are keyed to the action. Too long: the description is cut.
- Workflow: draft → approved (a `communication` or `admin` account) → scheduled (texts frozen, one
  publication per network with its idempotency key) → published, or failed with its error. Only an
  approved week is ever scheduled; a draft still waiting two days before gets a reminder (a
  `reminder` entry in the posts log, which the console shows, and `notify` if one is given).
- Exactly once per week and network: see `Posts.publish_due` and bot/posts/store.py.
  The residual window: Telegram has no idempotency and a bot cannot read its channel, so a crash
  between Telegram's acceptance and our record leaves the publication `uncertain`; it is never
  resent on its own (a person checks the channel, then `insysteme posts retry`). Mastodon's keys
  last one hour: a crash reconciled later than that becomes `uncertain` too. Facebook is looked up
  in the page feed before any resend.
"""
from __future__ import annotations

import logging
import os
import socket
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Awaitable, Callable

from bot.clock import to_paris
from bot.posts.calendar import add_weeks, parse_week, publish_at, publishable, week_of
from bot.posts.config import APPROVER_ROLES, PostError, PostsConfig, load_posts_config
from bot.posts.publishers import Published, Publisher, PublishError, read_token
from bot.posts.publishers.facebook import FacebookPagePublisher
from bot.posts.publishers.mastodon import MastodonPublisher
from bot.posts.publishers.telegram import TelegramChannelPublisher
from bot.posts.rotation import Member, Rotation, members_of
from bot.posts.store import (
    APPROVED,
    DRAFT,
    FAILED,
    PENDING,
    PUBLISHED,
    PUBLISHING,
    SCHEDULED,
    UNCERTAIN,
    PostStore,
    Publication,
    Week,
)
from bot.posts.texts import Links, render
from bot.rdv.slots import french_date, french_datetime
from bot.reperage.actions_config import Action, ActionsConfig
from bot.stores.records import Event

log = logging.getLogger(__name__)
Notify = Callable[[str], Awaitable[Any]]


class Posts:
    """The posts workflow; `from_services(services, publishers)` in the app and the scheduler."""

    def __init__(self, cfg: PostsConfig, actions: ActionsConfig, members: list[Member],
                 store: PostStore, records: Any, clock: Any, links: Links,
                 publishers: dict[str, Publisher] | None = None, worker_id: str | None = None,
                 notify: Notify | None = None):
        self.cfg, self.actions, self.members = cfg, actions, members
        self.names = {m.id: m.name for m in members}
        self.store, self.records, self.clock, self.links = store, records, clock, links
        self.publishers = dict(publishers or {})
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}"
        self.notify = notify

    @classmethod
    def from_services(cls, services: Any, publishers: dict[str, Publisher] | None = None,
                      cfg: PostsConfig | None = None, notify: Notify | None = None) -> "Posts":
        config = services.config
        cfg = cfg or config.extra.get("posts") or load_posts_config(Path(config.dir) / "posts.yml")
        links = Links(cfg.telegram_bot_username, services.env.public_url)
        if publishers is None:
            publishers = build_publishers(cfg, services.env)
        return cls(cfg, config.actions, members_of(config), PostStore(services.records.engine),
                   services.records, services.clock, links, publishers, notify=notify)

    async def close(self) -> None:
        for publisher in self.publishers.values():
            await publisher.close()

    # calendar ----------------------------------------------------------------------------------
    def _publish_at(self, week: str) -> datetime:
        return publish_at(week, self.cfg)

    async def fill_calendar(self, weeks: int | None = None) -> list[Week]:
        """(Re)assign the coming weeks: rows set by hand or past draft stay; the rotation sees
        every earlier week, in order. Returns the coming weeks."""
        now = self.clock.now()
        weeks = weeks or self.cfg.weeks_ahead
        first = week_of(now)
        coming = [w for w in (add_weeks(first, i) for i in range(weeks + 1))
                  if self._publish_at(w) > now][:weeks]
        if not coming:
            return []
        rows = {w.week: w for w in await self.store.weeks()}
        rotation = Rotation(self.members, self.actions)
        for week in sorted(rows):
            missed = rows[week].status == DRAFT and rows[week].publish_at <= now
            if week < coming[0] and not missed:   # a week that never went out was no turn
                rotation.record(rows[week].mission_locale, rows[week].action_id)
        for week in coming:
            row, at = rows.get(week), self._publish_at(week)
            if row is not None and (row.manual or row.status != DRAFT):
                rotation.record(row.mission_locale, row.action_id)
                continue
            pick = rotation.pick(at)
            if pick is None:
                continue
            ml, action_id = pick
            if row is None or (row.mission_locale, row.action_id) != pick:
                await self.store.put_draft(week, ml, action_id, at, now, manual=False, rotation=True)
            rotation.record(ml, action_id)
        return await self.store.weeks(coming[0], coming[-1])

    def _action(self, action_id: str) -> Action:
        action = self.actions.by_id.get(action_id) if self.actions else None
        if action is None:
            raise PostError(f"action {action_id!r} inconnue (config/actions.yml)")
        return action

    async def _week(self, week: str) -> Week:
        parse_week(week)
        row = await self.store.get(week)
        if row is None:
            raise PostError(f"semaine {week} : pas encore au calendrier "
                            f"(le calendrier couvre {self.cfg.weeks_ahead} semaines)")
        return row

    async def set_week(self, week: str, ml: str, action_id: str, by: str) -> Week:
        """A person's choice for one week (console, CLI): it wins over the rotation."""
        parse_week(week)
        if ml not in self.names:
            raise PostError(f"Mission Locale {ml!r} inconnue")
        action = self._action(action_id)
        if action.mission_locale != ml:
            raise PostError(f"l'action {action_id!r} n'est pas une action de {self.names[ml]}")
        at = self._publish_at(week)
        now = self.clock.now()
        if at <= now:
            raise PostError(f"semaine {week} : la date de publication est passée")
        if not publishable(action, at):
            raise PostError(f"l'action {action_id!r} sera passée le {french_date(at)} : rien à annoncer")
        if not await self.store.put_draft(week, ml, action_id, at, now, manual=True, by=by):
            row = await self.store.get(week)
            raise PostError(f"semaine {week} : déjà {row.status if row else '?'}, on ne peut plus la changer")
        await self.store.log(week, "set", f"{self.names[ml]} : {action.title}", now, by)
        await self.fill_calendar()
        return await self.store.get(week)

    async def clear_override(self, week: str, by: str) -> Week | None:
        """Give a hand-set week back to the rotation."""
        row = await self._week(week)
        if row.status not in (DRAFT, APPROVED):
            raise PostError(f"semaine {week} : déjà {row.status}, on ne peut plus la changer")
        now = self.clock.now()
        await self.store.put_draft(week, row.mission_locale, row.action_id, row.publish_at, now,
                                   manual=False, by=by)
        await self.store.log(week, "set", "rendue à la rotation", now, by)
        await self.fill_calendar()
        return await self.store.get(week)

    # texts -------------------------------------------------------------------------------------
    def texts_for(self, row: Week) -> dict[str, dict[str, Any]]:
        action = self._action(row.action_id)
        ml_name = self.names.get(row.mission_locale, row.mission_locale)
        out = {}
        for network, ncfg in self.cfg.networks.enabled().items():
            text, problem = render(action, ml_name, row.publish_at, ncfg.template, ncfg.max_chars,
                                   self.links)
            out[network] = {"text": text, "length": len(text), "limit": ncfg.max_chars,
                            "ok": problem is None, "problem": problem}
        return out

    async def preview(self, week: str) -> dict[str, Any]:
        """What would go out, per network: the frozen texts once approved, else fresh ones."""
        row = await self._week(week)
        if row.texts:
            nets = {n: {"text": t, "length": len(t), "limit": self._limit(n), "ok": True,
                        "problem": None} for n, t in row.texts.items()}
        else:
            nets = self.texts_for(row)
        return {**self._describe(row), "networks": nets, "links": self.links_for(row.action_id)}

    def links_for(self, action_id: str) -> dict[str, str]:
        """The deep links into the bot with the action's code (what its QR code carries): the
        Telegram one first; a link left out when its bot name / PUBLIC_URL is not configured."""
        action = self.actions.by_id.get(action_id) if self.actions else None
        code = action.code if action else None
        found = {"telegram": self.links.telegram(code), "web": self.links.web(code)}
        return {k: v for k, v in found.items() if v}

    def _limit(self, network: str) -> int | None:
        ncfg = getattr(self.cfg.networks, network, None)
        return ncfg.max_chars if ncfg else None

    # approval ----------------------------------------------------------------------------------
    async def approve(self, week: str, by: str, role: str) -> Week:
        """Only a communication or admin account approves; the texts are frozen as previewed."""
        if role not in APPROVER_ROLES:
            raise PostError(f"{by} ne peut pas approuver : il faut un compte communication ou admin")
        row = await self._week(week)
        if row.status != DRAFT:
            raise PostError(f"semaine {week} : déjà {row.status}")
        now = self.clock.now()
        if now > row.publish_at + timedelta(hours=self.cfg.late_grace_hours):
            raise PostError(f"semaine {week} : trop tard, la date de publication est passée")
        if not publishable(self._action(row.action_id), row.publish_at):
            raise PostError(f"semaine {week} : l'action sera passée, choisir une autre action")
        texts = self.texts_for(row)
        bad = [f"{n} : {t['problem']}" for n, t in texts.items() if not t["ok"]]
        if bad:
            raise PostError(f"semaine {week} : " + " ; ".join(bad))
        if not texts:
            raise PostError("aucun réseau n'est activé dans config/posts.yml")
        frozen = {n: t["text"] for n, t in texts.items()}
        if not await self.store.set_status(week, APPROVED, now, expect=(DRAFT,), texts=frozen,
                                           approved_by=by, approved_at=now, error=None):
            raise PostError(f"semaine {week} : elle vient de changer, recommencer")
        await self.store.log(week, "approved", f"approuvé ({', '.join(frozen)})", now, by)
        return await self.store.get(week)

    async def retry(self, week: str, by: str, network: str | None = None) -> int:
        """Send again what failed or is uncertain (after a person checked the network)."""
        row = await self._week(week)
        now = self.clock.now()
        count = 0
        for pub in await self.store.publications(week):
            if pub.status in (FAILED, UNCERTAIN) and network in (None, pub.network):
                if await self.store.finish(pub.id, PENDING, expect=(FAILED, UNCERTAIN), attempts=0,
                                           next_attempt_at=now, error=None):
                    count += 1
        if count:
            await self.store.set_status(week, SCHEDULED, now, expect=(FAILED, SCHEDULED), error=None)
            await self.store.log(week, "retry", f"{count} publication(s) relancée(s)", now, by)
        elif row.status not in (SCHEDULED, FAILED):
            raise PostError(f"semaine {week} : rien à relancer ({row.status})")
        return count

    # publishing --------------------------------------------------------------------------------
    async def publish_due(self) -> dict[str, int]:
        """One tick of the job: calendar, reminders, scheduling, reconciliation after a crash,
        sending what is due, then each week's status. Safe to run often and on two machines."""
        now = self.clock.now()
        summary = {"reminders": 0, "scheduled": 0, "published": 0, "retries": 0, "failed": 0,
                   "uncertain": 0, "reconciled": 0}
        await self.fill_calendar()
        rows = await self.store.weeks(add_weeks(week_of(now), -2))
        for row in rows:
            if row.status == DRAFT:
                summary["reminders"] += await self._remind(row, now)
                await self._missed(row, now)
            elif row.status == APPROVED:
                summary["scheduled"] += await self._schedule(row, now)
        for pub in await self.store.stale_claims(now - timedelta(seconds=self.cfg.claim_timeout_seconds)):
            summary["reconciled"] += 1
            outcome = await self._doubt(pub, now, "interrompu pendant l'envoi (processus arrêté)",
                                        reconciling=True)
            summary[outcome] = summary.get(outcome, 0) + 1
        weeks = {r.week: r for r in await self.store.weeks(add_weeks(week_of(now), -2))}
        for pub in await self.store.due_publications(now):
            row = weeks.get(pub.week) or await self.store.get(pub.week)
            outcome = await self._send(pub, row, now)
            summary[outcome] = summary.get(outcome, 0) + 1
        for week, row in weeks.items():
            if row.status == SCHEDULED:
                await self._settle(week, now)
        return summary

    async def _remind(self, row: Week, now: datetime) -> int:
        if not (row.publish_at - timedelta(days=self.cfg.reminder_days_before) <= now < row.publish_at):
            return 0
        if not await self.store.mark_reminded(row.week, now):
            return 0
        action = self.actions.by_id.get(row.action_id)
        message = (f"Post de la semaine {row.week} ({self.names.get(row.mission_locale, row.mission_locale)}"
                   f" : {action.title if action else row.action_id}) pas encore approuvé ; publication "
                   f"prévue {french_datetime(row.publish_at)}. À approuver dans la console ou avec "
                   f"`insysteme posts approve --week {row.week} --by EMAIL`.")
        await self.store.log(row.week, "reminder", message, now)
        log.info("posts: %s", message)
        if self.notify is not None:
            try:
                await self.notify(message)
            except Exception:
                log.exception("posts: the approval reminder could not be sent")
        return 1

    async def _missed(self, row: Week, now: datetime) -> None:
        """A draft past its time: nothing goes out; said once in the log and on the week."""
        if now >= row.publish_at and not row.error:
            message = "pas approuvé à temps : rien n'a été publié"
            await self.store.set_status(row.week, DRAFT, now, expect=(DRAFT,), error=message)
            await self.store.log(row.week, "missed", message, now)

    async def _schedule(self, row: Week, now: datetime) -> int:
        if now < row.publish_at - timedelta(hours=self.cfg.lock_hours_before):
            return 0
        if now > row.publish_at + timedelta(hours=self.cfg.late_grace_hours):
            if await self.store.set_status(row.week, FAILED, now, expect=(APPROVED,),
                                           error="approuvé trop tard : date de publication passée"):
                await self.store.log(row.week, "failed", "approuvé trop tard", now)
            return 0
        texts = {n: t for n, t in row.texts.items() if n in self.cfg.networks.enabled()}
        keys = {n: f"insysteme-post-{row.week}-{n}" for n in texts}
        if not await self.store.schedule(row.week, texts, keys, now, row.publish_at):
            return 0
        await self.store.log(row.week, "scheduled",
                             f"programmé {french_datetime(row.publish_at)} : {', '.join(texts)}", now)
        return 1

    async def _send(self, pub: Publication, row: Week | None, now: datetime) -> str:
        if row is None or row.status != SCHEDULED or not row.approved_by:
            return "skipped"     # never: only an approved week gets publications
        publisher = self.publishers.get(pub.network)
        if publisher is None:
            return "skipped"
        if now > row.publish_at + timedelta(hours=self.cfg.late_grace_hours):
            await self.store.finish(pub.id, FAILED, expect=(PENDING,), error="trop tard pour publier")
            return "failed"
        if not await self.store.claim(pub.id, self.worker_id, now):
            return "skipped"     # another scheduler has it
        attempts = pub.attempts + 1
        try:
            published = await publisher.publish(pub.text, pub.key)
        except PublishError as exc:
            if exc.maybe_sent:
                return await self._doubt(pub, now, str(exc), attempts=attempts)
            return await self._failed(pub, now, str(exc), exc.retryable, attempts, exc.retry_after)
        except Exception as exc:  # a bug or an unexpected answer: we cannot tell if it went out
            log.exception("posts: %s publisher failed", pub.network)
            return await self._doubt(pub, now, f"{type(exc).__name__}: {exc}", attempts=attempts)
        return await self._published(pub, row, published, self.clock.now())

    async def _published(self, pub: Publication, row: Week | None, published: Published,
                         now: datetime) -> str:
        if not await self.store.finish(pub.id, PUBLISHED, expect=(PUBLISHING,),
                                       remote_id=published.remote_id, url=published.url,
                                       published_at=now, error=None):
            return "skipped"
        row = row or await self.store.get(pub.week)
        await self.records.add_events([Event(
            at=now, channel=pub.network[:20], jeune_id="system", kind="post_published",
            mission_locale=row.mission_locale if row else None, action_id=row.action_id if row else None,
            data={"week": pub.week, "network": pub.network, "url": published.url})])
        await self.store.log(pub.week, "published", f"{pub.network} : {published.url or published.remote_id}", now)
        return "published"

    async def _failed(self, pub: Publication, now: datetime, error: str, retryable: bool,
                      attempts: int, retry_after: float | None = None, at_once: bool = False) -> str:
        if retryable and attempts < self.cfg.retries.max_attempts:
            delay = timedelta(0) if at_once else self.cfg.retries.delay(attempts, retry_after)
            await self.store.finish(pub.id, PENDING, error=error, next_attempt_at=now + delay)
            return "retries"
        await self.store.finish(pub.id, FAILED, error=error)
        await self.store.log(pub.week, "failed", f"{pub.network} : {error}", now)
        return "failed"

    async def _doubt(self, pub: Publication, now: datetime, error: str, attempts: int | None = None,
                     reconciling: bool = False) -> str:
        """The network may have taken the post. Resend only where that cannot make a second one:
        at once after a crash (time has passed), with the usual backoff after an error answer."""
        publisher = self.publishers.get(pub.network)
        attempts = attempts if attempts is not None else pub.attempts
        if publisher is None:
            return "skipped"
        claimed = pub.claimed_at or now
        window = getattr(publisher, "idempotency_seconds", 3600)
        if publisher.idempotent and now - claimed < timedelta(seconds=window):
            # resending with the same key returns the post if it was made: at once
            return await self._failed(pub, now, error, True, attempts, at_once=reconciling)
        if publisher.can_find:
            try:
                found = await publisher.find(pub.text, pub.key, claimed)
            except PublishError as exc:
                await self.store.finish(pub.id, PUBLISHING, error=f"{error} ; vérification impossible : {exc}")
                return "retries"      # stays claimed: looked at again after the claim timeout
            if found is not None:
                return await self._published(pub, None, found, now)
            return await self._failed(pub, now, error, True, attempts, at_once=reconciling)
        message = (f"{error} ; on ne sait pas si {pub.network} l'a publié : vérifier la chaîne, "
                   f"puis `insysteme posts retry --week {pub.week} --network {pub.network}` s'il manque")
        await self.store.finish(pub.id, UNCERTAIN, error=message)
        await self.store.log(pub.week, "uncertain", message, now)
        return "uncertain"

    async def _settle(self, week: str, now: datetime) -> None:
        pubs = await self.store.publications(week)
        statuses = {p.status for p in pubs}
        if not pubs or statuses & {PENDING, PUBLISHING}:
            return
        if statuses == {PUBLISHED}:
            await self.store.set_status(week, PUBLISHED, now, expect=(SCHEDULED, FAILED), error=None)
            return
        errors = "; ".join(f"{p.network} : {p.error}" for p in pubs if p.status != PUBLISHED)
        if await self.store.set_status(week, FAILED, now, expect=(SCHEDULED,), error=errors):
            await self.store.log(week, "failed", errors, now)

    # for the console ---------------------------------------------------------------------------
    def _describe(self, row: Week) -> dict[str, Any]:
        action = self.actions.by_id.get(row.action_id) if self.actions else None
        return {
            "week": row.week, "publish_at": to_paris(row.publish_at).isoformat(),
            "mission_locale": row.mission_locale,
            "mission_locale_name": self.names.get(row.mission_locale, row.mission_locale),
            "action_id": row.action_id, "action_title": action.title if action else None,
            "action_type": action.type if action else None, "manual": row.manual,
            "status": row.status, "approved_by": row.approved_by,
            "approved_at": to_paris(row.approved_at).isoformat() if row.approved_at else None,
            "error": row.error,
        }

    async def calendar_view(self, weeks: int | None = None) -> dict[str, Any]:
        """The console's calendar page: coming weeks, their publications, what can be chosen."""
        coming = await self.fill_calendar(weeks)
        now = self.clock.now()
        upcoming = {r.week for r in coming}
        past = [r for r in await self.store.weeks(add_weeks(week_of(now), -8), week_of(now))
                if r.week not in upcoming]
        pubs: dict[str, list[dict]] = {}
        for p in await self.store.publications():
            pubs.setdefault(p.week, []).append(_pub_dict(p))
        rows = [{**self._describe(r), "publications": pubs.get(r.week, [])} for r in [*past, *coming]]
        choices = [{"id": m.id, "name": m.name, "actions": [
            {"id": a.id, "title": a.title, "type": a.type} for a in self.actions.for_ml(m.id)]}
            for m in self.members]
        reminders = await self.store.log_entries(kind="reminder", limit=20)
        return {"weeks": rows, "missions_locales": choices, "reminders": reminders,
                "publish": {"day": self.cfg.day, "time": self.cfg.time.strftime("%H:%M"),
                            "networks": list(self.cfg.networks.enabled())}}

    async def week_view(self, week: str) -> dict[str, Any]:
        """The console's page for one week: preview per network, publications, history."""
        preview = await self.preview(week)
        return {**preview, "publications": [_pub_dict(p) for p in await self.store.publications(week)],
                "log": await self.store.log_entries(week=week)}


def _pub_dict(p: Publication) -> dict[str, Any]:
    return {"network": p.network, "status": p.status, "attempts": p.attempts, "url": p.url,
            "error": p.error, "key": p.key,
            "published_at": to_paris(p.published_at).isoformat() if p.published_at else None,
            "next_attempt_at": to_paris(p.next_attempt_at).isoformat() if p.status == PENDING else None}


def build_publishers(cfg: PostsConfig, env: Any) -> dict[str, Publisher]:
    """The enabled networks' publishers. A token file that cannot be read is not fatal here: that
    network's publications fail with the reason, visible in the console."""
    out: dict[str, Publisher] = {}
    nets = cfg.networks.enabled()
    if "telegram" in nets:
        out["telegram"] = TelegramChannelPublisher(env.telegram_api_url, env.telegram_bot_token,
                                                   nets["telegram"].chat_id)
    for name, make in (("mastodon", lambda n, t: MastodonPublisher(n.base_url, t, n.visibility)),
                       ("facebook", lambda n, t: FacebookPagePublisher(n.graph_url, n.page_id, t))):
        if name in nets:
            try:
                out[name] = make(nets[name], read_token(nets[name].token_file, name))
            except PublishError as exc:
                out[name] = _Broken(name, str(exc))
    return out


class _Broken:
    """A network that cannot work (no token): every publication fails with the reason."""
    idempotent, can_find = False, False

    def __init__(self, network: str, reason: str):
        self.network, self.reason = network, reason

    async def publish(self, text: str, key: str) -> Published:
        raise PublishError(self.reason, retryable=False)

    async def find(self, text: str, key: str, since: datetime) -> Published | None:
        raise PublishError(self.reason, retryable=False)

    async def close(self) -> None:
        pass
