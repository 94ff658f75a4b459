"""Messages per second through the engine alone (no channel), embedded defaults vs Redis + PostgreSQL.

    .venv/bin/python benchmarks/engine.py [--jeunes 300] [--concurrency 50]
        [--database-url postgresql://postgres@127.0.0.1:5432/postgres] [--redis-url redis://127.0.0.1:6379/0]

Each simulated jeune has the same short conversation (hello → "Me présenter" → consent → age);
jeunes run concurrently, each one's messages in order. Prints throughput, latency percentiles and
the CPU this process spent per message (steadier between runs than throughput).
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.clock import SystemClock  # noqa: E402
from bot.messages import Incoming  # noqa: E402
from tests.support import full_config, make_engine  # noqa: E402

SCRIPT = [("text", "slt", None), ("button", "Me présenter", "reperage"), ("text", "oui", None),
          ("text", "19", None)]


async def run(label, jeunes, concurrency, database_url=None, redis_url=None):
    tmp = Path(tempfile.mkdtemp())
    engine, services = await make_engine(tmp, SystemClock(), config=full_config(),
                                         database_url=database_url, redis_url=redis_url,
                                         redis_prefix=f"bench{uuid.uuid4().hex[:6]}:")
    latencies: list[float] = []
    sem = asyncio.Semaphore(concurrency)

    async def jeune(i):
        async with sem:
            for kind, text, value in SCRIPT:
                t0 = time.perf_counter()
                await engine.handle(Incoming("web", f"bench-{i}", text=text, kind=kind, button_value=value))
                latencies.append(time.perf_counter() - t0)

    t0, cpu0 = time.perf_counter(), time.process_time()
    await asyncio.gather(*(jeune(i) for i in range(jeunes)))
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    await services.close()
    lat = sorted(latencies)
    p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1000  # noqa: E731
    print(f"{label:24s} {len(lat)} messages in {elapsed:.1f} s: {len(lat) / elapsed:7.1f} msg/s, "
          f"p50 {statistics.median(lat) * 1000:.1f} ms, p99 {p(0.99):.1f} ms, "
          f"CPU {cpu * 1000 / len(lat):.2f} ms/msg (this process)")


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--jeunes", type=int, default=300)
    ap.add_argument("--concurrency", type=int, default=50)
    ap.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    ap.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    args = ap.parse_args()
    from tests.conftest import create_pg_database, drop_pg_database
    await run("embedded (memory+SQLite)", args.jeunes, args.concurrency)
    import os
    os.environ["TEST_DATABASE_URL"] = args.database_url
    url = await create_pg_database()
    try:
        await run("Redis + PostgreSQL", args.jeunes, args.concurrency, url, args.redis_url)
    finally:
        await drop_pg_database(url)


if __name__ == "__main__":
    asyncio.run(main())
