"""Issue 17 through the web chat: a crisis is answered first, and even when Redis is down."""
from __future__ import annotations

import asyncio
import socket
import subprocess

import aiohttp
from aiohttp import web

from bot.app.web import make_app
from tests.support import make_engine

SESSION = "crisiswebsession0001"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def serve(services, engine):
    app = make_app(services, engine)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner, f"http://127.0.0.1:{port}"


async def test_web_chat_crisis_then_staying(tmp_path, clock):
    engine, services = await make_engine(tmp_path, clock)
    runner, base = await serve(services, engine)
    try:
        async with aiohttp.ClientSession() as http:
            url = f"{base}/chat/api/messages"
            await http.post(url, json={"session": SESSION, "start": True})
            r = await http.post(url, json={"session": SESSION, "text": "jai pris des cachets", "id": "a1"})
            bot = [m for m in (await r.json())["messages"] if m["from"] == "bot"]
            assert bot[-2]["text"].startswith("Appelle le 15")
            r = await http.post(url, json={"session": SESSION, "text": "jsais pas", "id": "a2"})
            bot = [m for m in (await r.json())["messages"] if m["from"] == "bot"]
            assert "Je reste là" in bot[-1]["text"] and "15" in bot[-1]["text"]
    finally:
        await runner.cleanup()
        await services.close()


async def test_web_chat_crisis_answered_while_redis_is_down(tmp_path, clock):
    port = free_port()
    redis = subprocess.Popen(["redis-server", "--port", str(port), "--save", "", "--appendonly", "no"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            break
        except OSError:
            await asyncio.sleep(0.05)
    engine, services = await make_engine(tmp_path, clock, redis_url=f"redis://127.0.0.1:{port}/0")
    runner, base = await serve(services, engine)
    redis.terminate()
    redis.wait(timeout=10)
    try:
        async with aiohttp.ClientSession() as http:
            url = f"{base}/chat/api/messages"
            r = await http.post(url, json={"session": SESSION, "text": "je veux mourir", "id": "b1"})
            data = await r.json()
            assert r.status == 200 and data["saved"] is False
            assert "3114" in data["messages"][0]["text"]
            r = await http.post(url, json={"session": SESSION, "text": "c koi le cej", "id": "b2"})
            assert r.status == 503                      # anything else: the client retries
            # the page keeps a message answered but not saved and posts it again (chat.js):
            # while the stores are down it is not answered twice…
            r = await http.post(url, json={"session": SESSION, "text": "je veux mourir", "id": "b1"})
            assert r.status == 503
            # …and once Redis is back it is kept: the crisis is recorded, the référents' inbox
            # shows it, nothing was lost
            redis = subprocess.Popen(["redis-server", "--port", str(port), "--save", "", "--appendonly", "no"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for _ in range(100):
                r = await http.post(url, json={"session": SESSION, "text": "je veux mourir", "id": "b1"})
                if r.status == 200:
                    break
                await asyncio.sleep(0.1)
            data = await r.json()
            assert data.get("saved") is not False
            assert any("3114" in m["text"] for m in data["messages"] if m["from"] == "bot")
            assert await services.records.list_events(kind="crisis")
            jeune_id = engine.jeune_id("web", SESSION)
            row = await services.conversations.get(jeune_id)
            assert row is not None and row["status"] == "crisis"
    finally:
        redis.terminate()
        redis.wait(timeout=10)
        await runner.cleanup()
        await services.close()
