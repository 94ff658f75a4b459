"""The web chat's server side under bad input and restarts (issue 18): 413 for big bodies, NUL
and lone surrogates stored (cleaned) without an error, one client id shown and handled once,
the page's cursor recovered after the store restarted empty, no memory kept per idle session."""
from __future__ import annotations

import asyncio
import socket

import aiohttp
import pytest
from aiohttp import web

from bot.app.web import make_app
from tests.support import make_engine

SESSION = "limitsession0123456789"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(params=["embedded", "postgresql"])
async def server(request, tmp_path, clock):
    url = None
    if request.param == "postgresql":
        from tests.conftest import create_pg_database
        url = await create_pg_database()
    engine, services = await make_engine(tmp_path, clock, database_url=url)
    app = make_app(services, engine)
    app["web_channel"].poll_seconds = 1.0
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield f"http://127.0.0.1:{port}", app, services
    await runner.cleanup()
    await services.close()
    if url:
        from tests.conftest import drop_pg_database
        await drop_pg_database(url)


async def post(http, base, **body):
    r = await http.post(f"{base}/chat/api/messages", json={"session": SESSION, **body})
    return r.status, await r.json()


async def test_a_body_over_the_limit_gets_413(server):
    base, _, _ = server
    async with aiohttp.ClientSession() as http:
        r = await http.post(f"{base}/chat/api/messages",
                            data=b'{"session": "' + b"x" * (400 * 1024) + b'"}',
                            headers={"Content-Type": "application/json"})
        assert r.status == 413


async def test_nul_and_lone_surrogates_are_stored_cleaned_not_500(server):
    base, _, services = server
    async with aiohttp.ClientSession() as http:
        status, _ = await post(http, base, start=True)
        assert status == 200
        raw = ('{"session": "%s", "text": "salut\\u0000 \\ud800 toi", "id": "u1"}' % SESSION)
        r = await http.post(f"{base}/chat/api/messages", data=raw.encode(),
                            headers={"Content-Type": "application/json"})
        assert r.status == 200, await r.text()
        raw = ('{"session": "%s", "button": "a\\u0000b\\udfff", "label": "x\\ud83d", "id": "u2"}'
               % SESSION)
        r = await http.post(f"{base}/chat/api/messages", data=raw.encode(),
                            headers={"Content-Type": "application/json"})
        assert r.status == 200, await r.text()
        shown = [m["text"] for m in (await r.json())["messages"] if m["from"] == "jeune"]
        assert all("\x00" not in t for t in shown)


async def test_the_same_client_id_posted_three_times_shows_once(server):
    base, _, _ = server
    async with aiohttp.ClientSession() as http:
        await post(http, base, start=True)
        for _ in range(3):
            status, data = await post(http, base, text="bonjour", id="same-id-1")
            assert status == 200
        everything = [m for m in data["messages"] if m["from"] == "jeune"]
        assert [m["text"] for m in everything] == ["bonjour"]


async def test_cursor_ahead_of_a_restarted_store_gets_the_new_messages(server):
    base, _, services = server
    async with aiohttp.ClientSession() as http:
        await post(http, base, start=True)
        # the store restarted empty: its numbers start again at 1, the page is at 57
        await services.state.delete(f"mbox:web:{SESSION}", f"mbox:web:{SESSION}:seq")
        status, data = await post(http, base, text="bonjour", id="after-restart", after=57)
        assert status == 200 and [m["text"] for m in data["messages"] if m["from"] == "jeune"] \
            == ["bonjour"]
        r = await http.get(f"{base}/chat/api/messages", params={"session": SESSION, "after": "57"})
        assert any(m["text"] == "bonjour" for m in (await r.json())["messages"])


async def test_idle_sessions_leave_no_waiter_behind(server):
    base, app, _ = server
    channel = app["web_channel"]
    async with aiohttp.ClientSession() as http:
        polls = [http.get(f"{base}/chat/api/messages",
                          params={"session": f"idle{i:04d}abcdefghijkl", "after": "0", "wait": "1"})
                 for i in range(50)]
        answers = await asyncio.gather(*polls)
        assert all(a.status == 200 for a in answers)
    assert channel._waiters == {} and channel._polling == {}


async def test_page_loads_and_bots_do_not_count_contacts_a_person_writing_does(server):
    base, _, services = server
    async with aiohttp.ClientSession() as http:
        for i in range(20):                                    # one client, 20 sessions opened
            r = await http.post(f"{base}/chat/api/messages",
                                json={"session": f"botsession{i:04d}abcdefgh", "start": True})
            assert r.status == 200
        for _ in range(3):                                     # a page reloaded three times
            await post(http, base, start=True)
        assert await services.records.list_events(kind="contact") == []
        await post(http, base, text="bonjour", id="person-1")   # a person writes
        await post(http, base, text="tu es là ?", id="person-2")
        contacts = await services.records.list_events(kind="contact")
        assert len(contacts) == 1 and contacts[0].data.get("kind_in") == "text"
