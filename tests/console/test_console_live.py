"""Live console: alerts over SSE to the right référents (in-process and through Redis, as with
several workers), a crisis during a takeover, and the Telegram référents group (fake Bot API)."""
from __future__ import annotations

import asyncio
import json

import pytest

from bot.channels.telegram import TelegramChannel
from bot.console.live import LiveHub
from bot.messages import Incoming
from tests.conftest import REDIS_URL, create_pg_database, drop_pg_database
from tests.fakes.telegram_api import FakeBotAPI
from tests.console.test_console_support import (
    add_accounts, client, console_config, login, page_csrf, start_server,
)

GUARD = 15.0   # seconds: only so that a broken test fails instead of hanging


class Stream:
    """An open SSE connection of a logged-in console page."""

    def __init__(self, http, response):
        self.http, self.response = http, response
        self.backlog: list[tuple[str, dict]] = []   # events read while waiting for another kind

    @classmethod
    async def open(cls, server, email: str, query: str = "") -> "Stream":
        http = client()
        await login(http, server.url, email)
        response = await http.get(f"{server.url}/console/events{query}")
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/event-stream")
        stream = cls(http, response)
        await stream._wait_registered(server, email)
        return stream

    @staticmethod
    async def _wait_registered(server, email: str) -> None:
        async def registered():
            while not any(l.account.email == email for l in server.console.hub.listeners):
                await asyncio.sleep(0.02)
        await asyncio.wait_for(registered(), GUARD)

    async def next(self, kind: str) -> dict:
        """The next event of this kind (others are kept for later calls)."""
        for index, (event, data) in enumerate(self.backlog):
            if event == kind:
                del self.backlog[index]
                return data

        async def read():
            event, data = None, []
            while True:
                line = (await self.response.content.readline()).decode()
                if not line:
                    raise EOFError("stream closed")
                line = line.rstrip("\n")
                if line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: "):
                    data.append(line[6:])
                elif line == "":
                    if event == kind:
                        return json.loads("\n".join(data))
                    if event is not None:
                        self.backlog.append((event, json.loads("\n".join(data))))
                    event, data = None, []
        return await asyncio.wait_for(read(), GUARD)

    async def close(self) -> None:
        self.response.close()
        await self.http.close()


@pytest.fixture(params=["embedded", "redis+postgresql"])
async def server(request, tmp_path, clock, redis_prefix):
    if request.param == "embedded":
        s = await start_server(tmp_path, clock)
        await add_accounts(s)
        yield s
        await s.close()
    else:
        url = await create_pg_database()
        s = await start_server(tmp_path, clock, database_url=url, redis_url=REDIS_URL,
                               redis_prefix=redis_prefix)
        await add_accounts(s)
        yield s
        await s.close()
        await drop_pg_database(url)


async def jeune_of(server, address: str, ml: str, first_name: str) -> str:
    jeune_id = server.engine.jeune_id("web", address)
    await server.services.records.update_profile(jeune_id, mission_locale=ml, consent=True,
                                                 first_name=first_name)
    await server.services.records.link_address(jeune_id, "web", address)
    await server.engine.handle(Incoming("web", address, "bonjour"))
    return jeune_id


async def ask_for_human(server, address: str) -> list:
    return await server.engine.handle(Incoming("web", address, "", kind="button",
                                               button_value="conseiller"))


async def test_alerts_reach_the_consoles_of_that_ml_and_admins(server):
    a = await Stream.open(server, "camille@ml-a.fr")
    b = await Stream.open(server, "basile@ml-b.fr")
    admin = await Stream.open(server, "sam@arml.fr")
    try:
        jeune_a = await jeune_of(server, "session-a-000000001", "ml-a", "Aya")
        jeune_b = await jeune_of(server, "session-b-000000001", "ml-b", "Bilal")
        replies = await ask_for_human(server, "session-a-000000001")
        # Camille's console is open: the bot says someone answers soon
        assert any("dans quelques minutes" in r.text for r in replies)
        got = await a.next("alert")
        assert got == {"kind": "handoff", "jeune_id": jeune_a, "mission_locale": "ml-a",
                       "first_name": "Aya", "at": got["at"], "url": f"/console/c/{jeune_a}"}
        assert (await admin.next("alert"))["jeune_id"] == jeune_a
        await ask_for_human(server, "session-b-000000001")
        # B's first alert is its own jeune's: Aya's never reached it
        assert (await b.next("alert"))["jeune_id"] == jeune_b
        assert (await admin.next("alert"))["jeune_id"] == jeune_b
        # the inbox of an open page is told to refresh
        await a.next("inbox")
    finally:
        for s in (a, b, admin):
            await s.close()


async def test_crisis_during_a_takeover_is_answered_and_alerted_live(server):
    jeune_a = await jeune_of(server, "session-a-000000001", "ml-a", "Aya")
    await ask_for_human(server, "session-a-000000001")
    async with client() as http:
        await login(http, server.url, "camille@ml-a.fr")
        csrf = await page_csrf(http, f"{server.url}/console/c/{jeune_a}")
        async with http.post(f"{server.url}/console/c/{jeune_a}/take", data={"csrf": csrf},
                             allow_redirects=False) as r:
            assert r.status == 303
    assert (await server.services.conversations.get(jeune_a))["status"] == "taken"
    page = await Stream.open(server, "camille@ml-a.fr", f"?c={jeune_a}&after=0")
    try:
        # the bot is quiet during the takeover...
        assert await server.engine.handle(Incoming("web", "session-a-000000001", "t là ?")) == []
        # ...but not on a crisis
        replies = await server.engine.handle(
            Incoming("web", "session-a-000000001", "jveux plus vivre jvais me tuer"))
        assert replies and replies[0].priority == "crisis" and "3114" in replies[0].text
        alert = await page.next("alert")
        assert alert["kind"] == "crisis" and alert["jeune_id"] == jeune_a
        # the conversation page receives the lines live, the jeune's message included
        seen = []
        while "jveux plus vivre jvais me tuer" not in seen:
            seen.append((await page.next("message"))["text"])
        assert "t là ?" in seen
        conv = await server.services.conversations.get(jeune_a)
        assert conv["status"] == "crisis"
    finally:
        await page.close()


async def test_a_closed_session_ends_the_stream(server, clock):
    server.console.sse_ping = 0.2
    page = await Stream.open(server, "camille@ml-a.fr")
    try:
        token = page.http.cookie_jar.filter_cookies(server.url + "/console/")["insysteme_console"].value
        await server.console.sessions.end(token)
        await page.next("logout")
    finally:
        await page.close()


async def test_telegram_referents_group_gets_first_name_and_link(tmp_path, clock):
    group = -1001234567890
    async with FakeBotAPI(clock=clock) as api:
        holder = {}

        def attach(app, services, engine):
            channel = TelegramChannel(api.token, api.url, engine, clock=clock, receive=False,
                                      retry_backoff=0.05)
            services.outbox.register(channel)
            holder["channel"] = channel

        s = await start_server(tmp_path, clock, config=console_config(referent_alert_chat_id=group),
                               before_start=attach, public_url="https://insysteme.example.fr")
        await holder["channel"].start()
        api.group_update(group, "bonjour", chat_type="supergroup", title="Référents")  # the bot is in it
        try:
            await add_accounts(s)
            records = s.services.records
            jeune = s.engine.jeune_id("web", "session-a-000000001")
            await records.update_profile(jeune, mission_locale="ml-a", consent=True,
                                         first_name="Aya", age=17, commune_nom="Agen")
            await records.link_address(jeune, "web", "session-a-000000001")
            published = []

            async def capture(alert):
                published.append(alert)
            s.services.alerts.subscribe(capture)
            await s.engine.handle(Incoming("web", "session-a-000000001", "bonjour"))
            await ask_for_human(s, "session-a-000000001")
            call = await api.wait_for("sendMessage", lambda c: c.chat_id == group, timeout=GUARD)
            text = call.params["text"]
            assert "Aya" in text and "Mission Locale A" in text
            assert f"https://insysteme.example.fr/console/c/{jeune}" in text
            assert "Agen" not in text and "17" not in text.replace(jeune, "")
            # two more web workers receive the same alert: the group still gets it once
            assert [a["kind"] for a in published] == ["handoff"]
            workers = [LiveHub(s.services), LiveHub(s.services)]
            for hub in workers:
                await hub.on_alert(published[0])
            await asyncio.gather(*(t for hub in workers for t in hub._tasks))
            await api.wait_idle()
            assert len(api.calls_of("sendMessage", chat_id=group)) == 1
            # a crisis: marked as such
            mark = api.mark()
            await s.engine.handle(Incoming("web", "session-a-000000001", "je veux mourir"))
            call = await api.wait_for("sendMessage", lambda c: c.chat_id == group, since=mark,
                                      timeout=GUARD)
            assert call.params["text"].startswith("🚨 Détresse")
        finally:
            await holder["channel"].stop()
            await s.close()

