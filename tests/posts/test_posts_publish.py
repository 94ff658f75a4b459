"""Publishing the weekly posts against real HTTP fakes (Telegram Bot API, Mastodon, Facebook Graph):
a year with a fake clock, crashes and a real kill mid-publish, retries with backoff, two schedulers
at once, and the deep link of the published Telegram message keyed to its action in the report."""
from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from bot.clock import PARIS, FixedClock
from bot.messages import Incoming
from bot.posts.calendar import publish_at, week_of
from bot.posts.config import load_posts_config
from bot.posts.texts import Links
from bot.posts.workflow import Posts, build_publishers
from bot.report.figures import build_report
from bot.settings import Env
from bot.app.schema import migrate
from bot.stores.db import make_engine
from bot.posts.store import FAILED, PENDING, PUBLISHED, SCHEDULED, UNCERTAIN, PostStore
from bot.stores.records import RecordStore, events
from tests.fakes.social_api import FakeFacebookGraph, FakeMastodon
from tests.fakes.telegram_api import FakeBotAPI
from tests.support import make_engine as make_bot_engine, small_config
from tests.posts.test_posts import members_of_actions, shipped_actions

CHANNEL = "@insysteme_na"
ROOT = Path(__file__).resolve().parents[2]


class Crash(BaseException):
    """The process dies right after the network took the post, before we wrote it down."""


class CrashAfterSend:
    def __init__(self, inner):
        self.inner = inner
        self.network, self.idempotent, self.can_find = inner.network, inner.idempotent, inner.can_find

    async def publish(self, text, key):
        await self.inner.publish(text, key)
        raise Crash()

    async def find(self, text, key, since):
        return await self.inner.find(text, key, since)

    async def close(self):
        await self.inner.close()


FAKES_CLOCKED: list = []


@pytest.fixture
async def fakes():
    async with FakeBotAPI() as tg, FakeMastodon() as masto, FakeFacebookGraph() as fb:
        tg.chats[CHANNEL] = {"id": CHANNEL, "type": "channel", "title": "IN Système"}
        FAKES_CLOCKED[:] = [masto, fb]
        yield tg, masto, fb
        FAKES_CLOCKED.clear()


def posts_config(tmp_path: Path, masto: FakeMastodon, fb: FakeFacebookGraph, extra: str = ""):
    (tmp_path / "masto.token").write_text(masto.token + "\n")
    (tmp_path / "fb.token").write_text(fb.token)
    path = tmp_path / "posts.yml"
    path.write_text(f"""
day: mar
time: "10:00"
weeks_ahead: 3
telegram_bot_username: insysteme_test_bot
claim_timeout_seconds: 60
{extra}
networks:
  telegram:
    chat_id: "{CHANNEL}"
  mastodon:
    base_url: {masto.url}
    token_file: {tmp_path / 'masto.token'}
  facebook:
    page_id: "{fb.page_id}"
    graph_url: {fb.graph_url}
    token_file: {tmp_path / 'fb.token'}
""", encoding="utf-8")
    return load_posts_config(path)


def open_posts(database_url, clock, cfg, tg, wrap=None, notify=None) -> Posts:
    """A fresh process's view: new engine, new publishers (a restart)."""
    for fake in FAKES_CLOCKED:
        fake.clock = clock              # the networks' time is the simulated time
    engine = make_engine(database_url)
    env = Env(telegram_bot_token=tg.token, telegram_api_url=tg.url,
              public_url="https://insysteme.example.org")
    publishers = build_publishers(cfg, env)
    if wrap:
        publishers = {n: wrap(p) for n, p in publishers.items()}
    actions = shipped_actions()
    return Posts(cfg, actions, members_of_actions(actions), PostStore(engine), RecordStore(engine),
                 clock, Links(cfg.telegram_bot_username, env.public_url), publishers, notify=notify)


async def shut(posts: Posts) -> None:
    await posts.close()
    await posts.store.engine.dispose()


@pytest.fixture
async def migrated(database_url):
    engine = make_engine(database_url)
    await migrate(engine)
    await engine.dispose()
    return database_url


def monday(week: str, hour: int = 9) -> datetime:
    return datetime.combine(date.fromisocalendar(*map(int, week.split("-W")), 1),
                            datetime.min.time(), tzinfo=PARIS).replace(hour=hour)


async def test_a_year_of_posts_fair_exactly_once_and_only_approved(migrated, fakes, tmp_path):
    tg, masto, fb = fakes
    clock = FixedClock(datetime(2026, 11, 30, 9, 0, tzinfo=PARIS))
    cfg = posts_config(tmp_path, masto, fb)
    notes = []

    async def notify(message):
        notes.append(message)

    posts = open_posts(migrated, clock, cfg, tg, notify=notify)
    crash_week = None
    weeks = []
    for i in range(52):
        week = week_of(clock.now())
        weeks.append(week)
        await posts.publish_due()                         # Monday: a reminder, still a draft
        assert (await posts.store.get(week)).status == "draft"
        clock.set(publish_at(week, cfg) - timedelta(minutes=1))
        await posts.publish_due()                         # not approved: nothing goes out
        assert len(masto.statuses) == i and await posts.store.publications(week) == []
        await posts.approve(week, by="com@arml.fr", role="communication")
        await posts.publish_due()                         # scheduled, not yet the time
        assert (await posts.store.get(week)).status == SCHEDULED and len(masto.statuses) == i
        clock.set(publish_at(week, cfg) + timedelta(seconds=30))
        if i == 20:                                       # killed mid-publish, on every network
            crash_week = week
            await shut(posts)
            posts = open_posts(migrated, clock, cfg, tg, wrap=CrashAfterSend)
            for _ in range(3):
                with pytest.raises(Crash):
                    await posts.publish_due()
            assert (len(masto.statuses), len(fb.posts)) == (i + 1, i + 1)
            await shut(posts)
            clock.advance(seconds=cfg.claim_timeout_seconds + 5)
            posts = open_posts(migrated, clock, cfg, tg, notify=notify)   # the restart
        await posts.publish_due()
        clock.set(monday(week_of(clock.now() + timedelta(days=6))))
    # the 53rd week is never approved: reminded, then nothing goes out
    extra_week = week_of(clock.now())
    await posts.publish_due()
    clock.set(publish_at(extra_week, cfg) + timedelta(hours=1))
    await posts.publish_due()
    extra = await posts.store.get(extra_week)
    assert extra.status == "draft" and "pas approuvé à temps" in extra.error
    assert await posts.store.publications(extra_week) == []

    # 52 posts on each network: each week's approved text once, in order, never twice
    rows = {r.week: r for r in await posts.store.weeks()}
    assert tg.sent(CHANNEL) == [rows[w].texts["telegram"] for w in weeks]
    assert [s["text"] for s in masto.statuses] == [rows[w].texts["mastodon"] for w in weeks]
    assert [p["message"] for p in fb.posts] == [rows[w].texts["facebook"] for w in weeks]
    pubs = await posts.store.publications()
    by_week = {}
    for p in pubs:
        by_week.setdefault(p.week, {})[p.network] = p
    for week in weeks:
        row = rows[week]
        assert row.approved_by == "com@arml.fr" and row.approved_at <= row.publish_at
        for network, p in by_week[week].items():
            if (week, network) == (crash_week, "telegram"):
                # Telegram took it, we could not know: not resent, shown to a person
                assert p.status == UNCERTAIN and "vérifier la chaîne" in p.error
            else:
                assert p.status == PUBLISHED and p.published_at >= row.publish_at, (week, network)
        assert row.status == (FAILED if week == crash_week else PUBLISHED)
    # the crash week's Mastodon and Facebook posts were recognised, not sent again
    assert by_week[crash_week]["mastodon"].attempts == 2
    # fairness: Missions Locales with a publishable action all year are within one of each other
    counts = {}
    for week in weeks:
        counts[rows[week].mission_locale] = counts.get(rows[week].mission_locale, 0) + 1
    steady = [ml for ml in counts if ml not in ("ml-pau", "ml-angouleme")]
    assert len(steady) == 7 and max(counts[m] for m in steady) - min(counts[m] for m in steady) <= 1
    # post_published events, one per network and week, keyed to the action
    async with posts.store.engine.connect() as conn:
        from sqlalchemy import select
        evs = (await conn.execute(select(events.c.jeune_id, events.c.action_id, events.c.data)
                                  .where(events.c.kind == "post_published"))).all()
    assert len(evs) == 52 * 3 - 1
    assert all(e.jeune_id == "system" and e.action_id for e in evs)
    assert len(notes) == 53 and extra_week in notes[-1]   # one reminder per week
    await shut(posts)


async def test_deep_link_of_the_telegram_post_keys_the_contact_to_its_action(database_url, fakes, tmp_path):
    tg, masto, fb = fakes
    clock = FixedClock(datetime(2026, 11, 30, 9, 0, tzinfo=PARIS))
    cfg = posts_config(tmp_path, masto, fb)
    engine = make_engine(database_url)
    await migrate(engine)
    await engine.dispose()
    posts = open_posts(database_url, clock, cfg, tg)
    await posts.set_week("2026-W49", "ml-bordeaux", "forum-emploi-bordeaux", by="com@arml.fr")
    await posts.approve("2026-W49", by="admin@arml.fr", role="admin")
    clock.set(datetime(2026, 12, 1, 10, 0, tzinfo=PARIS))
    await posts.publish_due()
    call = tg.calls_of("sendMessage", CHANNEL, ok=True)[0]
    text = call.params["text"]
    link = re.search(r"https://t\.me/insysteme_test_bot\?start=([A-Za-z0-9_-]{1,64})", text)
    assert link, text
    code = link.group(1)
    await shut(posts)

    # a jeune opens the link: Telegram sends "/start CODE" to the bot
    clock.set(datetime(2026, 12, 1, 21, 30, tzinfo=PARIS))
    bot, services = await make_bot_engine(tmp_path, clock, config=small_config(actions=shipped_actions()),
                                          database_url=database_url)
    replies = await bot.handle(Incoming(channel="telegram", address="777001", kind="start",
                                        text=f"/start {code}", source=code, message_id="tg:1"))
    assert replies
    report = await build_report(services.records, date(2026, 12, 1), date(2026, 12, 1), None,
                                shipped_actions())
    assert report["actions_by_type"]["extra-muros"] == {"actions": 1, "contacts": 1, "jeunes": 1}
    assert report["jeunes"] == 1                          # the post itself is not a jeune
    contacts = [e for e in await services.records.list_events() if e.kind == "contact"]
    assert [e.action_id for e in contacts] == ["forum-emploi-bordeaux"]
    await services.close()


async def test_retries_with_backoff_then_failure_visible(sqlite_url, fakes, tmp_path):
    tg, masto, fb = fakes
    clock = FixedClock(datetime(2026, 11, 30, 9, 0, tzinfo=PARIS))
    cfg = posts_config(tmp_path, masto, fb, extra="retries: {max_attempts: 3, first_delay_seconds: 60}")
    engine = make_engine(sqlite_url)
    await migrate(engine)
    await engine.dispose()
    posts = open_posts(sqlite_url, clock, cfg, tg)
    await posts.fill_calendar()
    await posts.approve("2026-W49", by="com@arml.fr", role="communication")
    masto.fail_next(503, times=2)
    fb.fail_next(400, times=1)              # a permanent refusal: no retry
    tg.fail_next("sendMessage", 429, retry_after=90)
    clock.set(datetime(2026, 12, 1, 10, 0, tzinfo=PARIS))
    await posts.publish_due()
    pubs = {p.network: p for p in await posts.store.publications("2026-W49")}
    assert pubs["mastodon"].status == PENDING and pubs["mastodon"].attempts == 1
    assert pubs["mastodon"].next_attempt_at == clock.now() + timedelta(seconds=60)
    assert pubs["telegram"].next_attempt_at == clock.now() + timedelta(seconds=90)   # as asked
    assert pubs["facebook"].status == FAILED and "Unknown error" not in pubs["facebook"].error
    clock.advance(seconds=30)
    await posts.publish_due()
    assert len(masto.statuses) == 0 and tg.sent(CHANNEL) == []
    clock.advance(seconds=31)
    await posts.publish_due()               # Mastodon fails again (2/3), 120 s more
    pubs = {p.network: p for p in await posts.store.publications("2026-W49")}
    assert pubs["mastodon"].attempts == 2
    assert pubs["mastodon"].next_attempt_at == clock.now() + timedelta(seconds=120)
    clock.advance(seconds=121)
    await posts.publish_due()
    pubs = {p.network: p for p in await posts.store.publications("2026-W49")}
    assert (pubs["mastodon"].status, pubs["telegram"].status) == (PUBLISHED, PUBLISHED)
    assert len(masto.statuses) == 1 and len(tg.sent(CHANNEL)) == 1
    row = await posts.store.get("2026-W49")
    assert row.status == FAILED and row.error.startswith("facebook : facebook:")
    view = await posts.week_view("2026-W49")
    assert {p["network"]: p["status"] for p in view["publications"]} == \
        {"facebook": "failed", "mastodon": "published", "telegram": "published"}
    # a person fixed it: retry sends Facebook only
    assert await posts.retry("2026-W49", by="com@arml.fr") == 1
    await posts.publish_due()
    assert len(fb.posts) == 1 and len(masto.statuses) == 1 and len(tg.sent(CHANNEL)) == 1
    assert (await posts.store.get("2026-W49")).status == PUBLISHED
    # always failing: given up after max_attempts
    await posts.approve("2026-W50", by="com@arml.fr", role="communication")
    masto.fail_next(503, times=10)
    clock.set(datetime(2026, 12, 8, 10, 0, tzinfo=PARIS))
    for _ in range(4):
        await posts.publish_due()
        clock.advance(seconds=600)
    pub = {p.network: p for p in await posts.store.publications("2026-W50")}["mastodon"]
    assert (pub.status, pub.attempts) == (FAILED, 3) and "Service unavailable" in pub.error
    await shut(posts)


async def test_network_took_it_but_answered_an_error(sqlite_url, fakes, tmp_path):
    """A 502 after the post was made: Mastodon resends with the same key (same status back),
    Facebook is looked up in the page feed; neither posts twice."""
    tg, masto, fb = fakes
    clock = FixedClock(datetime(2026, 11, 30, 9, 0, tzinfo=PARIS))
    cfg = posts_config(tmp_path, masto, fb)
    engine = make_engine(sqlite_url)
    await migrate(engine)
    await engine.dispose()
    posts = open_posts(sqlite_url, clock, cfg, tg)
    await posts.fill_calendar()
    await posts.approve("2026-W49", by="com@arml.fr", role="communication")
    masto.accept_then_fail(502)
    fb.accept_then_fail(502)
    clock.set(datetime(2026, 12, 1, 10, 0, tzinfo=PARIS))
    await posts.publish_due()
    pubs = {p.network: p for p in await posts.store.publications("2026-W49")}
    assert pubs["facebook"].status == PUBLISHED and pubs["facebook"].remote_id == fb.posts[0]["id"]
    assert pubs["mastodon"].status == PENDING
    clock.advance(seconds=61)
    await posts.publish_due()
    pubs = {p.network: p for p in await posts.store.publications("2026-W49")}
    assert pubs["mastodon"].status == PUBLISHED and pubs["mastodon"].remote_id == masto.statuses[0]["id"]
    assert len(masto.statuses) == 1 and len(fb.posts) == 1
    assert len([c for c in masto.calls if c["method"] == "POST"]) == 2
    await shut(posts)


async def test_two_schedulers_at_once_publish_each_network_once(migrated, fakes, tmp_path):
    tg, masto, fb = fakes
    clock = FixedClock(datetime(2026, 11, 30, 9, 0, tzinfo=PARIS))
    cfg = posts_config(tmp_path, masto, fb)
    a, b = open_posts(migrated, clock, cfg, tg), open_posts(migrated, clock, cfg, tg)
    a.worker_id, b.worker_id = "a", "b"
    await a.fill_calendar()
    await a.approve("2026-W49", by="com@arml.fr", role="communication")
    clock.set(datetime(2026, 12, 1, 10, 0, tzinfo=PARIS))
    await asyncio.gather(a.publish_due(), b.publish_due(), a.publish_due(), b.publish_due())
    assert (len(tg.sent(CHANNEL)), len(masto.statuses), len(fb.posts)) == (1, 1, 1)
    await shut(a)
    await shut(b)


_CHILD = r"""
import asyncio, sys
from datetime import datetime
sys.path.insert(0, sys.argv[1])
from bot.clock import FixedClock
from bot.posts.config import load_posts_config
from tests.fakes.telegram_api import FakeBotAPI
from tests.posts.test_posts_publish import open_posts

class Tg:
    token, url = sys.argv[4], sys.argv[5]

async def main():
    clock = FixedClock(datetime.fromisoformat(sys.argv[3]))
    posts = open_posts(sys.argv[2], clock, load_posts_config(sys.argv[6]), Tg)
    print("publishing", flush=True)
    await posts.publish_due()
    print("done", flush=True)

asyncio.run(main())
"""


async def test_a_real_kill_during_publishing_does_not_post_twice(sqlite_url, fakes, tmp_path):
    """A subprocess publishes; Mastodon takes the status and holds its answer; the subprocess is
    killed (SIGKILL) right then. The restarted publisher finishes without a second status."""
    tg, masto, fb = fakes
    clock = FixedClock(datetime(2026, 11, 30, 9, 0, tzinfo=PARIS))
    cfg = posts_config(tmp_path, masto, fb)
    engine = make_engine(sqlite_url)
    await migrate(engine)
    await engine.dispose()
    posts = open_posts(sqlite_url, clock, cfg, tg)
    await posts.fill_calendar()
    await posts.approve("2026-W49", by="com@arml.fr", role="communication")
    await shut(posts)
    masto.hold_after_accept(60)
    at = datetime(2026, 12, 1, 10, 0, tzinfo=PARIS)
    clock.set(at)                       # the child's time, as the fake networks see it
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-c", _CHILD, str(ROOT), sqlite_url, at.isoformat(), tg.token, tg.url,
        str(tmp_path / "posts.yml"), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        cwd=str(ROOT))
    try:
        await asyncio.wait_for(masto.accepted.wait(), timeout=60)
        os.kill(child.pid, signal.SIGKILL)
    finally:
        await child.wait()
    assert child.returncode == -signal.SIGKILL
    masto.hold_after_accept(0)
    assert len(masto.statuses) == 1
    clock.set(at + timedelta(seconds=cfg.claim_timeout_seconds + 1))
    posts = open_posts(sqlite_url, clock, cfg, tg)
    pubs = {p.network: p.status for p in await posts.store.publications("2026-W49")}
    assert pubs["mastodon"] == "publishing"              # what the killed process left
    await posts.publish_due()
    pubs = {p.network: p for p in await posts.store.publications("2026-W49")}
    assert all(p.status == PUBLISHED for p in pubs.values()), {n: p.error for n, p in pubs.items()}
    assert len(masto.statuses) == 1 and len(fb.posts) == 1 and len(tg.sent(CHANNEL)) == 1
    assert pubs["mastodon"].remote_id == masto.statuses[0]["id"]
    await shut(posts)
