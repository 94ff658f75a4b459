"""Due-queue benchmark: 100,000 pending reminders, time from due to sent, scheduler peak memory.

    .venv/bin/python benchmarks/reminders.py [--count 100000] [--spread 60] [--database-url URL]

The reminders are enqueued first (due times spread evenly over `--spread` seconds, starting a few
seconds after the scheduler starts), then the real `Scheduler` runs in a child process (so its
peak RSS is its own) with a deliverer that only notes when each message arrived. Latency = the
moment deliver() was called minus the message's due time. Duplicates are counted by key.
Goal: p99 ≤ 1 s, 0 duplicates.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.clock import SystemClock, to_paris  # noqa: E402
from bot.rdv.slots import QuietHours  # noqa: E402
from bot.app.schema import migrate  # noqa: E402
from bot.stores.db import make_engine  # noqa: E402
from bot.stores.due_queue import DueQueue, NewMessage  # noqa: E402


def far_quiet(now: datetime) -> QuietHours:
    start = to_paris(now) + timedelta(hours=12)
    return QuietHours(f"{start:%H:%M}-{start + timedelta(minutes=1):%H:%M}")


async def enqueue(url: str, count: int, start: datetime, spread: float) -> float:
    engine = make_engine(url)
    await migrate(engine)
    queue = DueQueue(engine, far_quiet(start))
    t0 = time.perf_counter()
    step = spread / count
    batch = []
    for i in range(count):
        due = start + timedelta(seconds=i * step)
        batch.append(NewMessage(f"bench:{i}", f"j{i % 5000}", "rdv_reminder", due,
                                {"booking_id": f"b{i}", "which": "j-1"}))
        if len(batch) == 5000:
            await queue.enqueue_many(batch, now=start)
            batch = []
    if batch:
        await queue.enqueue_many(batch, now=start)
    await engine.dispose()
    return time.perf_counter() - t0


class ShiftedClock:
    """System time moved by a fixed offset: reminders are enqueued for a start an hour ahead
    (enqueueing 100,000 takes a while), and the scheduler's clock starts 5 s before it. Latencies
    are differences of this clock, so they are real durations."""

    def __init__(self, offset: timedelta):
        self.offset = offset

    def now(self) -> datetime:
        return datetime.now(timezone.utc) + self.offset


async def child(url: str, count: int, start: str) -> None:
    import resource
    from types import SimpleNamespace

    from bot.settings import Settings
    from bot.stores.records import RecordStore
    from scheduler.runner import Scheduler

    engine = make_engine(url)
    # the scheduler's "now" is 5 s before the first reminder is due
    clock = ShiftedClock(datetime.fromisoformat(start) - timedelta(seconds=5)
                         - datetime.now(timezone.utc))
    arrived: dict[str, float] = {}
    duplicates = 0
    latencies: list[float] = []
    done = asyncio.Event()

    class Deliverer:
        async def deliver(self, msg):
            nonlocal duplicates
            now = clock.now()
            if msg.key in arrived:
                duplicates += 1
            arrived[msg.key] = 1
            latencies.append((now - msg.due_at).total_seconds())
            if len(arrived) >= count:
                done.set()
            return "sent"

        async def was_delivered(self, msg):
            return msg.key in arrived

    services = SimpleNamespace(records=RecordStore(engine), settings=Settings(),
                               due_queue=DueQueue(engine, far_quiet(clock.now())),
                               config=SimpleNamespace(rdv=None, settings=Settings()))
    scheduler = Scheduler(services, clock, "bench", deliverer=Deliverer(), sweep_seconds=5.0,
                          poll_seconds=0.05, batch=1000, recurring=False)
    await scheduler.start()
    t0 = time.perf_counter()
    await asyncio.wait_for(done.wait(), timeout=3600)
    elapsed = time.perf_counter() - t0
    await asyncio.sleep(0.5)          # let the last batch be marked sent
    await scheduler.shutdown()
    counts = await services.due_queue.counts()
    await engine.dispose()
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))]

    print(json.dumps({
        "delivered": len(latencies), "distinct": len(arrived), "duplicates": duplicates,
        "p50": pct(0.50), "p99": pct(0.99), "max": latencies[-1], "elapsed": elapsed,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "statuses": counts,
    }))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--spread", type=float, default=60.0, help="seconds over which they come due")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--start", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        asyncio.run(child(args.database_url, args.count, args.start))
        return 0
    tmp = tempfile.mkdtemp(prefix="reminders-bench-")
    url = args.database_url or f"sqlite:///{tmp}/bench.db"
    backend = url.split(":", 1)[0]
    start = SystemClock().now() + timedelta(hours=1)
    took = asyncio.run(enqueue(url, args.count, start, args.spread))
    print(f"backend: {backend}; {args.count} reminders enqueued in {took:.1f} s, "
          f"due over {args.spread:.0f} s, the first 5 s after the scheduler starts")
    out = subprocess.run([sys.executable, __file__, "--child", "--count", str(args.count),
                          "--database-url", url, "--start", start.isoformat()], capture_output=True, text=True, cwd=ROOT,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    if out.returncode != 0:
        print(out.stderr[-3000:], file=sys.stderr)
        return 1
    r = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"delivered: {r['delivered']} ({r['distinct']} distinct), duplicates: {r['duplicates']}")
    print(f"due → sent: p50 {r['p50'] * 1000:.0f} ms, p99 {r['p99'] * 1000:.0f} ms, "
          f"max {r['max'] * 1000:.0f} ms")
    print(f"scheduler run: {r['elapsed']:.1f} s, peak RSS {r['peak_rss_mb']:.0f} MB")
    print(f"queue statuses after: {r['statuses']}")
    ok = r["p99"] <= 1.0 and r["duplicates"] == 0 and r["distinct"] == args.count
    print("goal (p99 ≤ 1 s, 0 duplicates):", "met" if ok else "NOT met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
