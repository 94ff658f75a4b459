"""The web chat under load with both stores up (issue 18): a real `insysteme web` process on
PostgreSQL and Redis; 300 simultaneous starts, then 2,000 simultaneous long polls: no 503 (the
pools wait for a free connection instead of failing). Counts only, no timing asserted."""
from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections import Counter
from pathlib import Path

import aiohttp
import pytest

from tests.app.test_faults import PrivateRedis, free_port, wait_port

ROOT = Path(__file__).resolve().parent.parent.parent

pytestmark = pytest.mark.slow


async def test_300_starts_and_2000_long_polls_get_no_503(tmp_path, pg_url):
    redis = PrivateRedis(tmp_path)
    await redis.start()
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DATABASE_URL": pg_url, "REDIS_URL": redis.url,
           "INSYSTEME_SECRET": "load-key", "INSYSTEME_CONFIG": str(ROOT / "config"),
           "INSYSTEME_VAR": str(tmp_path / "var"), "TELEGRAM_BOT_TOKEN": ""}
    log = open(tmp_path / "web.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "bot.app.cli", "web", "--port", str(port)],
                            env=env, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT)
    try:
        await wait_port(port, proc, 40)
        base = f"http://127.0.0.1:{port}"
        sessions = [f"load{uuid.uuid4().hex}" for _ in range(300)]
        starts: Counter = Counter()
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0),
                                         timeout=aiohttp.ClientTimeout(total=120)) as http:
            async def start(session):
                async with http.post(f"{base}/chat/api/messages",
                                     json={"session": session, "start": True}) as r:
                    starts[r.status] += 1
            await asyncio.gather(*(start(s) for s in sessions))
            polls: Counter = Counter()

            async def poll(i):
                params = {"session": sessions[i % 300], "after": "1000", "wait": "1"}
                async with http.get(f"{base}/chat/api/messages", params=params) as r:
                    polls[r.status] += 1
            await asyncio.gather(*(poll(i) for i in range(2000)))
        print(f"\nstarts {dict(starts)}  long polls {dict(polls)}")
        assert starts == Counter({200: 300}), starts
        assert polls == Counter({200: 2000}), polls
    finally:
        proc.terminate()
        proc.wait(20)
        redis.kill()
        log.close()
