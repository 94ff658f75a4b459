"""The web chat over real HTTP, and in Debian's chromium (Playwright): a conversation, buttons,
reconnecting without losing messages, a référent's push reaching the page."""
from __future__ import annotations

import socket

import aiohttp
import pytest
from aiohttp import web

from bot.app.web import make_app
from tests.support import make_engine

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
async def server(tmp_path, clock):
    engine, services = await make_engine(tmp_path, clock)
    app = make_app(services, engine)
    app["web_channel"].poll_seconds = 2.0
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield f"http://127.0.0.1:{port}", engine, services
    await runner.cleanup()
    await services.close()


SESSION = "abcdefghijklmnop1234"


async def test_json_api_conversation_and_resume(server):
    base, engine, _ = server
    async with aiohttp.ClientSession() as http:
        r = await http.post(f"{base}/chat/api/messages", json={"session": SESSION, "start": True})
        data = await r.json()
        assert r.status == 200 and data["messages"][-1]["text"] == "Tu veux quoi ?"
        last = data["messages"][-1]["seq"]
        # the same client message sent twice (a retry after a timeout) is processed once
        body = {"session": SESSION, "button": "quiz", "label": "Quiz", "id": "c1", "after": last}
        first = await (await http.post(f"{base}/chat/api/messages", json=body)).json()
        again = await (await http.post(f"{base}/chat/api/messages", json=body)).json()
        assert [m["text"] for m in first["messages"]] == ["Quiz", "Ton prénom ?"]
        assert [m["text"] for m in again["messages"]][-1] == "Quiz"   # only the echo, no new answer
        # a reconnecting page asks for everything after what it saw: nothing is lost
        history = await (await http.get(f"{base}/chat/api/messages",
                                        params={"session": SESSION, "after": "0"})).json()
        assert [m["text"] for m in history["messages"]][:1] == ["Bienvenue."]
        assert history["messages"][-1]["text"] == "Quiz"


@pytest.mark.parametrize("body, status", [
    ({"session": "short", "text": "x"}, 400),
    ({"session": SESSION, "text": 42}, 400),
    ({"session": SESSION, "button": "b" * 100}, 400),
    ([1, 2], 400),
])
async def test_json_api_rejects_bad_bodies(server, body, status):
    base, _, _ = server
    async with aiohttp.ClientSession() as http:
        r = await http.post(f"{base}/chat/api/messages", json=body)
        assert r.status == status
        assert "error" in await r.json()


async def test_healthz_and_metrics(server):
    base, _, _ = server
    async with aiohttp.ClientSession() as http:
        r = await http.get(f"{base}/healthz")
        assert r.status == 200 and (await r.json())["ok"] is True
        r = await http.get(f"{base}/metrics")
        assert r.status == 200 and "insysteme_uptime_seconds" in await r.text()


@pytest.mark.browser
async def test_conversation_in_a_real_browser(server):
    from playwright.async_api import async_playwright
    base, engine, services = server
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                          args=CHROMIUM_ARGS)
        page = await browser.new_page(viewport={"width": 390, "height": 800})   # a phone
        await page.goto(f"{base}/chat")
        await page.get_by_text("Tu veux quoi ?").wait_for(timeout=10_000)
        await page.get_by_role("button", name="Quiz").click()
        await page.get_by_text("Ton prénom ?").wait_for(timeout=10_000)
        await page.fill("#text", "Léa")
        await page.keyboard.press("Enter")
        await page.get_by_text("Oui ou non ?").wait_for(timeout=10_000)
        # reload: the conversation is still there
        await page.reload()
        await page.get_by_text("Oui ou non ?").wait_for(timeout=10_000)
        assert await page.locator(".msg.jeune", has_text="Léa").count() == 1
        # a message pushed from our side (a référent) reaches the open page
        session = await page.evaluate("localStorage.getItem('insysteme.session')")
        jeune_id = engine.jeune_id("web", session)
        await engine.say_as_referent(jeune_id, "Camille", "Bonjour, je suis Camille.")
        await page.get_by_text("Bonjour, je suis Camille.").wait_for(timeout=10_000)
        assert await page.locator(".referent .who").first.inner_text() == "Camille, Mission Locale"
        await browser.close()
