"""What the durable outbox adds to one turn, in process: 50 jeunes' /start one after the other
through the real Telegram channel (fake Bot API, PostgreSQL), with the outbox (1) or without (0).

    .venv/bin/python benchmarks/outbox_latency.py 1      # then 0
"""
import asyncio
import pathlib
import statistics
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))
from bot.clock import SystemClock
from bot.channels.telegram import TelegramChannel
from tests.fakes.telegram_api import FakeBotAPI
from tests.support import full_config, make_engine
from tests.conftest import create_pg_database, drop_pg_database

async def main(durable):
    url = await create_pg_database()
    tmp = pathlib.Path(tempfile.mkdtemp())
    engine, services = await make_engine(tmp, SystemClock(), config=full_config(), database_url=url)
    async with FakeBotAPI() as api:
        ch = TelegramChannel(api.token, api.url, engine, webhook_secret="s"*20, public_url="http://x", clock=SystemClock(), chat_rate=0, overall_rate=0)
        ch.durable = durable
        services.outbox.register(ch)
        await ch.bot.initialize()
        lat = []
        for i in range(60):
            chat = 5000 + i
            mark = api.mark()
            t0 = time.monotonic()
            await ch.process_update(api.text_update(chat, "/start"))
            t1 = time.monotonic()
            await api.wait_for("sendMessage", lambda c: c.chat_id == chat, since=mark, timeout=10)
            t2 = time.monotonic()
            lat.append(((t1-t0)*1000, (t2-t0)*1000))
        await ch.drain()
        h = statistics.median(l[0] for l in lat[10:]); s = statistics.median(l[1] for l in lat[10:])
        print(f"durable={durable} handle {h:.1f} ms  first send {s:.1f} ms")
        await ch.bot.shutdown()
    await services.close()
    await drop_pg_database(url)

asyncio.run(main(sys.argv[1] == "1"))
