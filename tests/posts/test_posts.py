"""Weekly posts: config with lines, weeks and DST, the rotation's fairness, texts and links,
the workflow (override, approval by role, reminder, nothing unapproved), console dicts, CLI."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.reperage.actions_config import load_actions
from bot.clock import PARIS, FixedClock, as_utc
from bot.posts.calendar import publish_at, publishable, week_of
from bot.posts.config import PostError, load_posts_config
from bot.posts.rotation import Member, Rotation
from bot.posts.texts import Links, render
from bot.posts.workflow import Posts
from bot.app.schema import migrate
from bot.stores.db import make_engine
from bot.posts.store import APPROVED, DRAFT, PostStore
from bot.stores.records import RecordStore
from bot.yamlconf import ConfigError, load_yaml

ROOT = Path(__file__).resolve().parents[2]
ACTIONS_YML = ROOT / "config" / "actions.yml"
POSTS_YML = ROOT / "config" / "posts.yml"


def shipped_actions():
    ml_ids = {a["mission_locale"] for a in load_yaml(ACTIONS_YML)["actions"] if a["mission_locale"]}
    return load_actions(ACTIONS_YML, ml_ids)


def members_of_actions(actions) -> list[Member]:
    seen: dict[str, Member] = {}
    for a in actions.actions:
        if a.mission_locale and a.mission_locale not in seen:
            seen[a.mission_locale] = Member(a.mission_locale, a.mission_locale.removeprefix("ml-").title())
    return list(seen.values())


def write_posts_config(tmp_path: Path, extra: str = "", networks: str | None = None) -> Path:
    path = tmp_path / "posts.yml"
    path.write_text(
        "day: mar\ntime: \"10:00\"\nweeks_ahead: 4\ntelegram_bot_username: insysteme_test_bot\n"
        + extra + "networks:\n" + (networks or "  telegram:\n    chat_id: \"@insysteme_na\"\n"),
        encoding="utf-8")
    return path


async def make_posts(database_url: str, clock, tmp_path: Path, **kw) -> Posts:
    engine = make_engine(database_url)
    await migrate(engine)
    actions = kw.pop("actions", None) or shipped_actions()
    cfg = kw.pop("cfg", None) or load_posts_config(write_posts_config(tmp_path))
    return Posts(cfg, actions, kw.pop("members", None) or members_of_actions(actions),
                 PostStore(engine), RecordStore(engine), clock,
                 Links(cfg.telegram_bot_username, "https://insysteme.example.org"), **kw)


# --- config ---------------------------------------------------------------------------------------
def test_shipped_posts_config_is_valid():
    cfg = load_posts_config(POSTS_YML)
    assert cfg.day in ("lun", "mar", "mer", "jeu", "ven", "sam", "dim")
    assert "telegram" in cfg.networks.enabled()
    assert cfg.networks.mastodon is not None and cfg.networks.mastodon.max_chars == 500


def test_config_problems_come_with_their_line(tmp_path):
    path = tmp_path / "posts.yml"
    path.write_text("day: mardi\ntime: \"25:00\"\nnetworks:\n  telegram:\n    chat_id: \"@c\"\n"
                    "    template: |\n      {titre}\n      {prenom}\n  bluesky: {}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_posts_config(path)
    problems = "\n".join(err.value.problems)
    assert f"{path}:1: day: unknown day 'mardi'" in problems
    assert f"{path}:2: time:" in problems
    assert f"{path}:6: networks.telegram.template: unknown placeholder {{prenom}}" in problems
    assert f"{path}:9: networks.bluesky:" in problems


# --- weeks ----------------------------------------------------------------------------------------
def test_publication_time_is_paris_wall_clock_across_dst(tmp_path):
    cfg = load_posts_config(write_posts_config(tmp_path))
    # Europe/Paris moves to summer time on Sunday 28 March 2027 and back on 31 October 2027.
    assert publish_at("2027-W12", cfg) == datetime(2027, 3, 23, 9, 0, tzinfo=timezone.utc)
    assert publish_at("2027-W13", cfg) == datetime(2027, 3, 30, 8, 0, tzinfo=timezone.utc)
    assert publish_at("2027-W44", cfg) == datetime(2027, 11, 2, 9, 0, tzinfo=timezone.utc)
    for week in ("2026-W53", "2027-W01", "2027-W26"):
        local = publish_at(week, cfg).astimezone(PARIS)
        assert (local.strftime("%a %H:%M"), week_of(local)) == ("Tue 10:00", week)


def test_bad_week_is_refused_in_french(tmp_path):
    cfg = load_posts_config(write_posts_config(tmp_path))
    with pytest.raises(PostError, match="comme 2026-W49"):
        publish_at("2026-49", cfg)
    with pytest.raises(PostError, match="pas de semaine 53"):
        publish_at("2027-W53", cfg)


# --- rotation -------------------------------------------------------------------------------------
def test_rotation_never_repeats_before_every_eligible_one_had_its_turn(tmp_path):
    """52 weeks of the shipped actions: Pau and Angoulême drop out when their only action is
    past; between two turns of any Mission Locale, each one eligible all along had a turn."""
    cfg = load_posts_config(write_posts_config(tmp_path))
    actions = shipped_actions()
    members = members_of_actions(actions)
    rotation = Rotation(members, actions)
    weeks = [week_of(datetime(2026, 11, 30, 12, tzinfo=PARIS) + timedelta(weeks=i)) for i in range(52)]
    picks, eligible = [], []
    for week in weeks:
        at = publish_at(week, cfg)
        eligible.append(set(rotation.eligible(at)))
        pick = rotation.pick(at)
        assert pick is not None
        ml, action_id = pick
        assert ml in eligible[-1] and publishable(actions.by_id[action_id], at)
        assert actions.by_id[action_id].mission_locale == ml
        rotation.record(ml, action_id)
        picks.append(ml)
    for i, ml in enumerate(picks):
        later = [j for j in range(i + 1, len(picks)) if picks[j] == ml]
        if not later:
            continue
        j = later[0]
        always = set.intersection(*eligible[i:j + 1])
        assert always <= set(picks[i:j]), (ml, picks[i:j + 1])
    counts = {m.id: picks.count(m.id) for m in members}
    steady = [m for m in counts if all(m in e for e in eligible)]
    assert len(steady) >= 7
    assert max(counts[m] for m in steady) - min(counts[m] for m in steady) <= 1
    assert counts["ml-pau"] >= 1 and counts["ml-angouleme"] >= 1   # had their turn while they could


def test_rotation_varies_the_action_within_a_mission_locale(tmp_path):
    cfg = load_posts_config(write_posts_config(tmp_path))
    actions = shipped_actions()
    rotation = Rotation([Member("ml-bordeaux", "Bordeaux")], actions)
    at = publish_at("2026-W49", cfg)
    chosen = []
    for _ in range(3):
        ml, action_id = rotation.pick(at)
        chosen.append(action_id)
        rotation.record(ml, action_id)
    assert len(set(chosen)) == 3


def test_publishable_follows_dates(tmp_path):
    actions = shipped_actions()
    forum = actions.by_id["forum-emploi-bordeaux"]            # 2026-12-10
    assert publishable(forum, as_utc(datetime(2026, 12, 8, 10)))
    assert not publishable(forum, as_utc(datetime(2026, 12, 15, 10)))
    assert not publishable(actions.by_id["arml-dimanche-soir"], as_utc(datetime(2026, 12, 8, 10)))
    job = actions.by_id["job-dating-angouleme"]                # one session 2027-02-25 09:00
    assert publishable(job, as_utc(datetime(2027, 2, 23, 10)))
    assert not publishable(job, as_utc(datetime(2027, 3, 2, 10)))


# --- texts ----------------------------------------------------------------------------------------
def test_text_carries_the_deep_links_and_drops_empty_lines(tmp_path):
    cfg = load_posts_config(POSTS_YML)
    actions = shipped_actions()
    links = Links("insysteme_test_bot", "https://insysteme.example.org")
    at = publish_at("2026-W49", cfg)
    text, problem = render(actions.by_id["forum-emploi-bordeaux"], "Mission Locale de Bordeaux", at,
                           cfg.networks.telegram.template, 4096, links)
    assert problem is None
    assert "https://t.me/insysteme_test_bot?start=forum-bordeaux-2026" in text
    assert "https://insysteme.example.org/chat?source=forum-bordeaux-2026" in text
    assert "Quand : jeudi 10 décembre 2026" in text and "Où : Hangar 14" in text
    live, _ = render(actions.by_id["live-tiktok-pau"], "Pau", at, cfg.networks.telegram.template,
                     4096, Links("insysteme_test_bot", None))
    assert "Où :" not in live and "Ou sur le chat" not in live and "\n\n\n" not in live
    ta, _ = render(actions.by_id["permanence-numerique-soir-perigueux"], "Périgueux", at,
                   cfg.networks.telegram.template, 4096, links)
    assert "Quand : chaque mardi, mercredi et jeudi, de 18h00 à 23h00" in ta
    assert "https://t.me/insysteme_test_bot\n" in ta + "\n"          # no code: plain link
    sessions, _ = render(actions.by_id["ateliers-reprise-perigueux"], "Périgueux", at,
                         cfg.networks.telegram.template, 4096, links)
    assert "mardi 8 décembre à 14h00 ; mardi 12 janvier à 14h00" in sessions
    assert "Où : Mission Locale, Périgueux" in sessions


def test_length_limit_cuts_the_description_first(tmp_path):
    cfg = load_posts_config(POSTS_YML)
    action = shipped_actions().by_id["info-collectives-bordeaux"]
    links = Links("insysteme_test_bot", "https://insysteme.example.org")
    at = publish_at("2026-W49", cfg)
    full, _ = render(action, "Bordeaux", at, cfg.networks.mastodon.template, 5000, links)
    text, problem = render(action, "Bordeaux", at, cfg.networks.mastodon.template, 420, links)
    assert len(full) > 420 >= len(text) and problem is None
    assert "…" in text and "https://t.me/insysteme_test_bot" in text
    assert "#MissionLocale" in text and "Réunions « Contrat d'engagement jeune »" in text
    _, problem = render(action, "Bordeaux", at, cfg.networks.mastodon.template, 120, links)
    assert problem and "la limite est 120" in problem


# --- workflow -------------------------------------------------------------------------------------
@pytest.fixture
def clock():
    return FixedClock(datetime(2026, 11, 30, 9, 0, tzinfo=PARIS))   # Monday of 2026-W49


async def test_calendar_fills_weeks_ahead_and_an_override_wins(database_url, clock, tmp_path):
    posts = await make_posts(database_url, clock, tmp_path)
    weeks = await posts.fill_calendar()
    assert [w.week for w in weeks] == ["2026-W49", "2026-W50", "2026-W51", "2026-W52"]
    assert len({w.mission_locale for w in weeks}) == 4 and all(w.status == DRAFT for w in weeks)
    again = await posts.fill_calendar()
    assert [(w.week, w.mission_locale, w.action_id) for w in again] == \
        [(w.week, w.mission_locale, w.action_id) for w in weeks]
    # a person picks Bordeaux's forum for W50; the rotation keeps it and moves around it
    await posts.set_week("2026-W50", "ml-bordeaux", "forum-emploi-bordeaux", by="com@arml.fr")
    after = {w.week: w for w in await posts.fill_calendar()}
    assert (after["2026-W50"].mission_locale, after["2026-W50"].action_id, after["2026-W50"].manual) == \
        ("ml-bordeaux", "forum-emploi-bordeaux", True)
    assert after["2026-W49"].mission_locale == weeks[0].mission_locale
    with pytest.raises(PostError, match="n'est pas une action de"):
        await posts.set_week("2026-W51", "ml-pau", "forum-emploi-bordeaux", by="com@arml.fr")
    with pytest.raises(PostError, match="sera passée"):
        await posts.set_week("2027-W02", "ml-bordeaux", "forum-emploi-bordeaux", by="com@arml.fr")
    with pytest.raises(PostError, match="inconnue"):
        await posts.set_week("2026-W51", "ml-nulle-part", "forum-emploi-bordeaux", by="x")
    back = await posts.clear_override("2026-W50", by="com@arml.fr")
    assert back is not None and back.manual is False
    await posts.store.engine.dispose()


async def test_approval_needs_a_communication_or_admin_account(database_url, clock, tmp_path):
    posts = await make_posts(database_url, clock, tmp_path)
    await posts.fill_calendar()
    with pytest.raises(PostError, match="compte communication ou admin"):
        await posts.approve("2026-W50", by="ref@ml.fr", role="referent")
    assert (await posts.store.get("2026-W50")).status == DRAFT
    row = await posts.approve("2026-W50", by="com@arml.fr", role="communication")
    assert row.status == APPROVED and row.approved_by == "com@arml.fr"
    assert set(row.texts) == {"telegram"} and "t.me/insysteme_test_bot" in row.texts["telegram"]
    with pytest.raises(PostError, match="déjà approved"):
        await posts.approve("2026-W50", by="admin@arml.fr", role="admin")
    # changing an approved week voids the approval
    action = next(a for a in posts.actions.for_ml("ml-bordeaux") if publishable(a, row.publish_at))
    changed = await posts.set_week("2026-W50", "ml-bordeaux", action.id, by="com@arml.fr")
    assert changed.status == DRAFT and changed.approved_by is None and changed.texts == {}
    await posts.store.engine.dispose()


async def test_reminder_two_days_before_and_nothing_unapproved_goes_out(database_url, clock, tmp_path):
    sent: list[str] = []

    class Recorder:
        network, idempotent, can_find = "telegram", False, False

        async def publish(self, text, key):
            sent.append(text)
            raise AssertionError("an unapproved post was sent")

        async def close(self):
            pass

    notes: list[str] = []

    async def notify(message):
        notes.append(message)

    posts = await make_posts(database_url, clock, tmp_path, publishers={"telegram": Recorder()},
                             notify=notify)
    await posts.publish_due()                            # Monday 09:00: W49 goes out tomorrow
    reminders = await posts.store.log_entries(kind="reminder")
    assert [r["week"] for r in reminders] == ["2026-W49"] and len(notes) == 1
    assert "pas encore approuvé" in notes[0] and "2026-W49" in notes[0]
    clock.advance(hours=1)
    await posts.publish_due()                            # once only
    assert len(await posts.store.log_entries(kind="reminder")) == 1
    clock.set(datetime(2026, 12, 1, 10, 5, tzinfo=PARIS))
    await posts.publish_due()
    row = await posts.store.get("2026-W49")
    assert row.status == DRAFT and "pas approuvé à temps" in row.error and sent == []
    assert await posts.store.publications() == []
    # too late to approve after the grace period
    clock.set(datetime(2026, 12, 4, 10, 0, tzinfo=PARIS))
    with pytest.raises(PostError, match="trop tard"):
        await posts.approve("2026-W49", by="com@arml.fr", role="communication")
    await posts.store.engine.dispose()


async def test_console_views_are_plain_dicts(sqlite_url, clock, tmp_path):
    posts = await make_posts(sqlite_url, clock, tmp_path)
    view = await posts.calendar_view()
    assert [w["week"] for w in view["weeks"]][:2] == ["2026-W49", "2026-W50"]
    first = view["weeks"][0]
    assert first["publish_at"] == "2026-12-01T10:00:00+01:00" and first["status"] == "draft"
    assert {m["id"] for m in view["missions_locales"]} >= {"ml-bordeaux", "ml-pau"}
    assert view["publish"] == {"day": "mar", "time": "10:00", "networks": ["telegram"]}
    json.dumps(view, default=str)
    week = await posts.week_view("2026-W49")
    assert week["networks"]["telegram"]["ok"] and week["networks"]["telegram"]["limit"] == 4096
    assert week["publications"] == [] and isinstance(week["log"], list)
    with pytest.raises(PostError, match="pas encore au calendrier"):
        await posts.week_view("2027-W30")
    await posts.store.engine.dispose()
