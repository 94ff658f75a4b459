"""Telegram channel figures, over real HTTP against the fake Bot API (tests/fakes/telegram_api.py).

    .venv/bin/python benchmarks/telegram_send.py                 # 300 jeunes, 50 at once
    .venv/bin/python benchmarks/telegram_send.py --jeunes 1000 --concurrency 100

1. Webhook intake with the real engine (shipped flows, SQLite, in-memory state): each jeune's
   `/start` is POSTed to /telegram/webhook; we time Telegram's wait (request → 200) and the time
   until every reply reached the Bot API under Telegram's limits (30 messages/s overall).
2. Raw sending cost: sendMessage through PTB + our limiter with the limits lifted, one chat each.
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiohttp import web  # noqa: E402

from bot.app.web import make_app  # noqa: E402
from bot.channels.telegram import TelegramChannel  # noqa: E402
from bot.clock import PARIS, FixedClock  # noqa: E402
from bot.messages import Reply  # noqa: E402
from tests.fakes.telegram_api import FakeBotAPI  # noqa: E402
from tests.support import full_config, make_engine  # noqa: E402

SECRET = "bench_secret"


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


async def intake(jeunes: int, concurrency: int) -> None:
    clock = FixedClock(datetime(2026, 11, 24, 22, 30, tzinfo=PARIS))
    with tempfile.TemporaryDirectory() as tmp:
        async with FakeBotAPI(clock=clock) as api:
            engine, services = await make_engine(Path(tmp), clock, config=full_config())
            app = make_app(services, engine)
            channel = TelegramChannel(api.token, api.url, engine, webhook_secret=SECRET,
                                      public_url="http://later", clock=clock)
            channel.add_routes(app)
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            url = f"http://127.0.0.1:{runner.addresses[0][1]}"
            channel.public_url = url
            await channel.start()
            hook = url + "/telegram/webhook"
            updates = [api.text_update(10_000 + i, "/start") for i in range(jeunes)]
            waits: list[float] = []
            gate = asyncio.Semaphore(concurrency)

            async def one(update: dict) -> None:
                async with gate:
                    t0 = time.perf_counter()
                    status = await api.post_webhook(hook, update, SECRET)
                    waits.append(time.perf_counter() - t0)
                    assert status == 200, status

            alone: list[float] = []
            for i in range(30):                  # one at a time: the wait Telegram sees normally
                update = api.text_update(90_000 + i, "/start")
                t0 = time.perf_counter()
                assert await api.post_webhook(hook, update, SECRET) == 200
                alone.append(time.perf_counter() - t0)
                await channel.drain()
            print(f"webhook, one update at a time (real engine): p50 {pct(alone, .5) * 1000:.1f} ms, "
                  f"max {max(alone) * 1000:.1f} ms")
            mark = api.mark()
            t0 = time.perf_counter()
            await asyncio.gather(*(one(u) for u in updates))
            accepted = time.perf_counter() - t0
            await channel.drain(timeout=600)
            delivered = time.perf_counter() - t0
            sent = len([c for c in api.calls[mark:] if c.method == "sendMessage" and c.ok])
            limited = len([c for c in api.calls[mark:] if c.status == 429])
            print(f"webhook intake, real engine: {jeunes} jeunes, {concurrency} at once")
            print(f"  Telegram's wait (POST → 200): p50 {pct(waits, .5) * 1000:.1f} ms, "
                  f"p95 {pct(waits, .95) * 1000:.1f} ms, max {max(waits) * 1000:.1f} ms")
            print(f"  updates accepted: {jeunes / accepted:.0f}/s ({accepted:.2f} s)")
            print(f"  {sent} replies delivered in {delivered:.2f} s = {sent / delivered:.1f} msg/s "
                  f"(limit 30/s), 429 received: {limited}")
            await channel.stop()
            await runner.cleanup()
            await services.close()


async def raw_send(messages: int) -> None:
    async with FakeBotAPI() as api:
        channel = TelegramChannel(api.token, api.url, None, overall_rate=0, chat_rate=0)
        await channel.start()
        chats = [20_000 + i for i in range(messages)]
        for chat in chats:
            api.text_update(chat, "hello")
        t0 = time.perf_counter()
        await asyncio.gather(*(channel.send(str(c), [Reply("Ton rendez-vous est demain à 10 h.")])
                               for c in chats))
        elapsed = time.perf_counter() - t0
        print(f"raw send, limits lifted: {messages} sendMessage in {elapsed:.2f} s = "
              f"{messages / elapsed:.0f} msg/s ({elapsed / messages * 1000:.2f} ms each)")
        await channel.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jeunes", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--raw", type=int, default=1000)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    asyncio.run(intake(args.jeunes, args.concurrency))
    asyncio.run(raw_send(args.raw))


if __name__ == "__main__":
    main()
