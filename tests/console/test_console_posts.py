"""The weekly posts in the console over real HTTP (a real server, real stores, SQLite and
PostgreSQL): the calendar, overriding a week, approving it, who may (roles, CSRF, no session), a
failed publication and its error, retrying it; the QR code of the deep link (page and CLI)."""
from __future__ import annotations

import dataclasses
import re
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
import segno

from bot.reperage.actions_config import load_actions
from bot.clock import PARIS
from bot.posts.config import load_posts_config
from bot.posts.workflow import Posts, build_publishers
from bot.posts.qr import make_qr, qr_svg
from bot.posts.store import APPROVED, DRAFT, FAILED, PENDING, PUBLISHED
from tests.fakes.telegram_api import FakeBotAPI
from tests.console.test_console_support import (add_accounts, client, console_config, csrf_of, login,
                                        page_csrf, start_server)
from tests.posts.test_posts_cli import cli, project_env

CHANNEL = "@insysteme_na"
WEEK = "2026-W49"        # the clock fixture is Tue 2026-11-24 22:30: published Tue 1 Dec 10:00
TG_LINK_B = "https://t.me/insysteme_test_bot?start=maraude-b"
WEB_LINK_B = "http://insysteme.test/chat?source=maraude-b"

ACTIONS = """\
actions:
  - id: forum-a
    type: extra-muros
    mission_locale: ml-a
    title: Forum de l'emploi d'Agen
    description: Des employeurs qui recrutent, viens avec ou sans CV.
    code: forum-a-2026
    kind: forum
    date: 2026-12-10
    place: Salle des fêtes, Agen
  - id: soirees-a
    type: temps-additionnel
    mission_locale: ml-a
    title: Les mardis soir
    description: Le mardi soir, un conseiller te répond.
    code: soirees-a
    windows:
      - {days: [mar], from: "18:00", to: "22:00"}
  - id: maraude-b
    type: extra-muros
    mission_locale: ml-b
    title: Maraude à la gare de Bordeaux
    description: Des conseillers viennent te voir près de la gare.
    code: maraude-b
    kind: maraude
    place: Gare Saint-Jean
"""

POSTS = """\
day: mar
time: "10:00"
weeks_ahead: 4
telegram_bot_username: insysteme_test_bot
networks:
  telegram:
    chat_id: "@insysteme_na"
  mastodon:
    base_url: https://mastodon.example.org
    token_file: /nonexistent/token
    max_chars: 500
"""


def posts_console_config(tmp_path: Path):
    (tmp_path / "actions.yml").write_text(ACTIONS, encoding="utf-8")
    (tmp_path / "posts.yml").write_text(POSTS, encoding="utf-8")
    config = console_config()
    return dataclasses.replace(
        config, actions=load_actions(tmp_path / "actions.yml", ["ml-a", "ml-b"]),
        extra={**config.extra, "posts": load_posts_config(tmp_path / "posts.yml")})


@pytest.fixture
async def server(tmp_path, clock, database_url):
    s = await start_server(tmp_path, clock, database_url=database_url,
                           config=posts_console_config(tmp_path), public_url="http://insysteme.test")
    s.accounts = await add_accounts(s)
    yield s
    await s.close()


def store(server):
    return server.console.posts_view.posts.store


async def post(http, url: str, csrf: str, **data: str):
    return await http.post(url, data={"csrf": csrf, **data}, allow_redirects=False)


# --- the workflow ---------------------------------------------------------------------------------
async def test_communication_overrides_a_week_then_approves_it(server):
    base = f"{server.url}/console/publications"
    async with client() as http:
        assert (await login(http, server.url, "charlie@arml.fr")).status == 303
        async with http.get(base) as r:
            assert r.status == 200
            page = await r.text()
        assert 'href="/console/publications" aria-current="page"' in page
        assert f'id="week-{WEEK}"' in page and "Brouillon" in page
        # the rotation gave the first week to ml-a (first in config order, never posted)
        row = await store(server).get(WEEK)
        assert (row.mission_locale, row.manual, row.status) == ("ml-a", False, DRAFT)

        csrf = await page_csrf(http, f"{base}/{WEEK}")
        r = await post(http, f"{base}/{WEEK}/choisir", csrf, action="maraude-b")
        assert r.status == 303 and r.headers["Location"] == f"/console/publications/{WEEK}?ok=set"
        row = await store(server).get(WEEK)
        assert (row.mission_locale, row.action_id, row.manual, row.set_by) == (
            "ml-b", "maraude-b", True, "charlie@arml.fr")

        async with http.get(f"{base}/{WEEK}?ok=set") as r:
            page = await r.text()
        assert "Semaine modifiée" in page and "choisie à la main" in page
        assert "Maraude à la gare de Bordeaux" in page
        # the preview per network: the deep links with the action's code, length / limit
        telegram = re.search(r'id="preview-telegram">(.*?)</article>', page, re.S).group(1)
        assert TG_LINK_B in telegram and WEB_LINK_B in telegram
        text = (await server.console.posts_view.posts.preview(WEEK))["networks"]["telegram"]["text"]
        assert f"{len(text)} / 4096 caractères" in telegram
        assert 'id="preview-mastodon"' in page and "/ 500 caractères" in page

        r = await post(http, f"{base}/{WEEK}/approuver", csrf)
        assert r.status == 303 and r.headers["Location"].endswith("?ok=approved")
        row = await store(server).get(WEEK)
        assert (row.status, row.approved_by) == (APPROVED, "charlie@arml.fr")
        assert set(row.texts) == {"telegram", "mastodon"} and TG_LINK_B in row.texts["telegram"]
        async with http.get(base) as r:
            calendar = await r.text()
        week_row = re.search(rf'id="week-{WEEK}".*?</tr>', calendar, re.S).group(0)
        assert "Approuvé" in week_row and "par charlie@arml.fr" in week_row

        # a second approval is refused by the workflow, said on the page (no traceback)
        r = await post(http, f"{base}/{WEEK}/approuver", csrf)
        assert r.status == 409
        assert f"semaine {WEEK} : déjà approved" in await r.text()

    audit = await server.console.audit.entries(action="post_approve")
    assert len(audit) == 1 and audit[0]["account_email"] == "charlie@arml.fr"
    assert audit[0]["detail"]["week"] == WEEK and audit[0]["mission_locale"] == "ml-b"
    chosen = await server.console.audit.entries(action="post_set")
    assert chosen[0]["detail"] == {"week": WEEK, "action_id": "maraude-b"}


async def test_a_week_goes_back_to_the_rotation(server):
    base = f"{server.url}/console/publications"
    week = "2026-W50"
    async with client() as http:
        await login(http, server.url, "sam@arml.fr")          # admin may too
        csrf = await page_csrf(http, f"{base}/{week}")
        auto = (await store(server).get(week)).action_id
        r = await post(http, f"{base}/{week}/choisir", csrf, action="soirees-a")
        assert r.status == 303
        assert (await store(server).get(week)).manual is True
        r = await post(http, f"{base}/{week}/automatique", csrf)
        assert r.status == 303 and r.headers["Location"].endswith("?ok=auto")
        row = await store(server).get(week)
        assert row.manual is False and row.action_id == auto
        # an action of the past, or none: refused with the reason, nothing changed
        r = await post(http, f"{base}/{week}/choisir", csrf, action="")
        assert r.status == 409 and "choisir une action dans la liste" in await r.text()
        async with http.get(f"{base}/2026-W99") as r:
            assert r.status == 404 and "pas de semaine 99" in await r.text()
    assert [e["action"] for e in await server.console.audit.entries(action="post_auto")] == ["post_auto"]


async def test_a_referent_may_look_but_not_approve(server):
    base = f"{server.url}/console/publications"
    async with client() as http:
        await login(http, server.url, "camille@ml-a.fr")
        async with http.get(base) as r:
            assert r.status == 200
            assert "Consultation seule" in await r.text()
        async with http.get(f"{base}/{WEEK}") as r:
            page = await r.text()
        assert r.status == 200 and 'id="approve"' not in page and 'id="choose-form"' not in page
        csrf = csrf_of(page)
        for path, data in (("approuver", {}), ("choisir", {"action": "forum-a"}),
                           ("automatique", {}), ("relancer", {"network": "telegram"})):
            r = await post(http, f"{base}/{WEEK}/{path}", csrf, **data)
            assert r.status == 403, path
    row = await store(server).get(WEEK)
    assert (row.status, row.manual, row.approved_by) == (DRAFT, False, None)
    assert await server.console.audit.entries(action="post_approve") == []


async def test_no_session_goes_to_login_and_a_forged_csrf_is_refused(server):
    base = f"{server.url}/console/publications"
    async with client() as http:
        async with http.get(f"{base}/{WEEK}", allow_redirects=False) as r:
            assert r.status == 303
            assert r.headers["Location"].startswith("/console/login?next=")
            assert r.headers["Location"].replace("%2F", "/").endswith(f"/console/publications/{WEEK}")
        r = await post(http, f"{base}/{WEEK}/approuver", "anything")
        assert r.status == 303 and r.headers["Location"].startswith("/console/login")

        await login(http, server.url, "charlie@arml.fr")
        await page_csrf(http, f"{base}/{WEEK}")               # the calendar exists
        r = await post(http, f"{base}/{WEEK}/approuver", "forged")
        assert r.status == 403 and "CSRF" in await r.text()
        r = await http.post(f"{base}/{WEEK}/approuver", data={}, allow_redirects=False)
        assert r.status == 403
    assert (await store(server).get(WEEK)).status == DRAFT


async def test_a_failed_publication_shows_its_error_and_is_retried(server, clock):
    base = f"{server.url}/console/publications"
    cfg = server.services.config.extra["posts"]
    async with FakeBotAPI() as api:                # the channel does not exist (yet)
        # what the scheduler builds: Telegram through the Bot API; Mastodon's token file is missing
        env = dataclasses.replace(server.services.env, telegram_api_url=api.url,
                                  telegram_bot_token=api.token)
        posts = Posts.from_services(server.services, publishers=build_publishers(cfg, env), cfg=cfg)
        try:
            await posts.fill_calendar()
            await posts.approve(WEEK, by="charlie@arml.fr", role="communication")
            clock.set(datetime(2026, 12, 1, 10, 0, tzinfo=PARIS))
            summary = await posts.publish_due()
            assert summary["failed"] == 2 and summary["published"] == 0
            async with client() as http:
                await login(http, server.url, "charlie@arml.fr")
                async with http.get(base) as r:
                    calendar = await r.text()
                week_row = re.search(rf'id="week-{WEEK}".*?</tr>', calendar, re.S).group(0)
                assert "Échec" in week_row
                assert "telegram: Bad Request: chat not found" in week_row
                assert "mastodon: cannot read token file /nonexistent/token" in week_row
                async with http.get(f"{base}/{WEEK}") as r:
                    page = await r.text()
                pub = re.search(r'id="pub-telegram">(.*?)</tr>', page, re.S).group(1)
                assert "Échec" in pub and "chat not found" in pub and 'id="retry-telegram"' in pub

                api.chats[CHANNEL] = {"id": CHANNEL, "type": "channel", "title": "IN Système"}
                r = await post(http, f"{base}/{WEEK}/relancer", csrf_of(page), network="telegram")
                assert r.status == 303 and r.headers["Location"].endswith("?ok=retried")
                pubs = {p.network: p for p in await store(server).publications(WEEK)}
                assert pubs["telegram"].status == PENDING
                # nothing left to retry: said, not pretended
                r = await post(http, f"{base}/{WEEK}/relancer", csrf_of(page), network="telegram")
                assert r.status == 409 and "aucune publication en échec" in await r.text()

                assert (await posts.publish_due())["published"] == 1
                assert len(api.sent(CHANNEL)) == 1
                async with http.get(f"{base}/{WEEK}") as r:
                    page = await r.text()
                assert 'id="retry-telegram"' not in page and 'id="retry-mastodon"' in page
                pub = re.search(r'id="pub-telegram">(.*?)</tr>', page, re.S).group(1)
                assert "Publié" in pub and "https://t.me/insysteme_na/" in pub
            pubs = {p.network: p.status for p in await store(server).publications(WEEK)}
            assert pubs == {"telegram": PUBLISHED, "mastodon": FAILED}
            assert (await store(server).get(WEEK)).status == FAILED
        finally:
            await posts.close()
    retried = await server.console.audit.entries(action="post_retry")
    assert retried[-1]["detail"] == {"week": WEEK, "network": "telegram", "count": 1}


# --- QR codes -------------------------------------------------------------------------------------
def svg_modules(svg: str, scale: int) -> tuple[int, set[tuple[int, int]]]:
    """Read back the dark modules segno drew (its `qrline` path: runs of `h` along rows), and the
    symbol's width in modules (quiet zone included)."""
    width = int(re.search(r'<svg width="(\d+)"', svg).group(1)) // scale
    path = re.search(r'class="qrline"[^>]* d="([^"]+)"', svg).group(1)
    x = y = 0.0
    dark: set[tuple[int, int]] = set()
    for op, a, b in re.findall(r"([MmHh])(-?\d+(?:\.\d+)?)(?:\s(-?\d+(?:\.\d+)?))?", path):
        if op == "M":
            x, y = float(a), float(b)
        elif op == "m":
            x, y = x + float(a), y + float(b)
        else:
            n = float(a) if op == "h" else float(a) - x
            dark.update((int(x) + i, int(y)) for i in range(int(n)))
            x += n
    return width, dark


def matrix_modules(qr: segno.QRCode, border: int = 4) -> set[tuple[int, int]]:
    return {(c + border, r + border) for r, row in enumerate(qr.matrix) for c, v in enumerate(row) if v}


def test_qr_svg_draws_exactly_the_symbol_of_its_link():
    qr = segno.make(TG_LINK_B, micro=False, error="m")
    assert not qr.is_micro and qr.error in ("M", "Q", "H")
    width, dark = svg_modules(qr_svg(TG_LINK_B), scale=4)
    assert width == qr.symbol_size(scale=1, border=4)[0] == 4 * qr.version + 17 + 8
    assert dark == matrix_modules(qr)
    other = segno.make(TG_LINK_B.replace("maraude-b", "forum-a-2026"), micro=False, error="m")
    assert dark != matrix_modules(other)
    assert f"<title>{TG_LINK_B}</title>" in qr_svg(TG_LINK_B)
    with pytest.raises(ValueError):
        make_qr("")


async def test_week_page_embeds_the_qr_code_of_each_deep_link(server):
    await server.console.posts_view.posts.fill_calendar()
    await server.console.posts_view.posts.set_week(WEEK, "ml-b", "maraude-b", by="test")
    async with client() as http:
        await login(http, server.url, "camille@ml-a.fr")      # looking is enough
        async with http.get(f"{server.url}/console/publications/{WEEK}") as r:
            page = await r.text()
    for kind, url in (("telegram", TG_LINK_B), ("web", WEB_LINK_B)):
        figure = re.search(rf'id="qr-{kind}">(.*?)</figure>', page, re.S).group(1)
        svg = re.search(r"<svg.*?</svg>", figure, re.S).group(0)
        assert svg == qr_svg(url)
        assert svg_modules(svg, 4)[1] == matrix_modules(make_qr(url))
        assert url in figure


async def test_cli_preview_writes_the_qr_code(tmp_path):
    env = project_env(tmp_path, SimpleNamespace(token="123:abc", url="http://127.0.0.1:9"))
    at = "--at=2026-11-30T09:00"
    code, out, err = await cli(env, at, "set", "--week", "2026-W49", "--ml", "ml-bordeaux",
                               "--action", "forum-emploi-bordeaux", "--by", "com@arml.fr")
    assert code == 0, err
    link = "https://t.me/insysteme_test_bot?start=forum-bordeaux-2026"
    png = tmp_path / "affiche.png"
    code, out, err = await cli(env, at, "preview", "--week", "2026-W49", "--qr", str(png))
    assert code == 0, err
    data = png.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 200
    assert link in err and str(png) in err
    svg = tmp_path / "affiche.svg"
    code, out, err = await cli(env, at, "preview", "--week", "2026-W49", "--qr", str(svg),
                               "--qr-link", "web")
    assert code == 0, err
    text = svg.read_text(encoding="utf-8")
    assert text.startswith("<?xml") and 'xmlns="http://www.w3.org/2000/svg"' in text
    assert "<title>https://insysteme.example.org/chat?source=forum-bordeaux-2026</title>" in text
    code, out, err = await cli(env, at, "preview", "--week", "2026-W49", "--qr",
                               str(tmp_path / "affiche.jpg"))
    assert code == 1 and "affiche.jpg : le fichier doit finir par .svg ou .png" in err
    assert "Traceback" not in err



async def test_without_posts_config_the_section_says_so(tmp_path, clock):
    server = await start_server(tmp_path, clock)              # console_config(): no posts.yml
    try:
        await add_accounts(server)
        async with client() as http:
            await login(http, server.url, "charlie@arml.fr")
            async with http.get(f"{server.url}/console/tableau-de-bord") as r:
                assert 'href="/console/publications"' not in await r.text()
            async with http.get(f"{server.url}/console/publications") as r:
                assert r.status == 404 and "ne sont pas configurées" in await r.text()
    finally:
        await server.close()
