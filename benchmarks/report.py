"""How long the programme's report takes over a generated dataset, on SQLite and PostgreSQL.

    .venv/bin/python benchmarks/report.py                       # PostgreSQL: a year, 43 MLs, 500,000 events
    .venv/bin/python benchmarks/report.py sqlite:///var/bench.db postgresql://postgres@127.0.0.1:5432/postgres
    .venv/bin/python benchmarks/report.py --events 100000 --days 730 --repeat 5
    .venv/bin/python benchmarks/report.py --ml ml-pau              # another Mission Locale's lines

A PostgreSQL URL names the server: a scratch database is created on it and dropped afterwards.
Goal (issue 20): a year of a 43-Mission-Locale network (500,000 events or more) reported in 2 s
or less on PostgreSQL, with the previous period beside it (the figures are counted in SQL); the
report of one Mission Locale (the console's dashboard and exports) as fast.
Figures: docs/performance.md.
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import asyncpg  # noqa: E402

from benchmarks.dataset import generate  # noqa: E402
from bot.report.figures import (  # noqa: E402
    build_html_report, build_report, render_csv, render_json, render_xlsx,
)
from bot.app.schema import migrate  # noqa: E402
from bot.stores.db import make_engine  # noqa: E402
from bot.stores.records import RecordStore  # noqa: E402


async def _scratch_pg(url: str) -> tuple[str, str]:
    admin = url.replace("postgresql+asyncpg://", "postgresql://").replace("postgres://", "postgresql://")
    name = "insysteme_bench_" + uuid.uuid4().hex[:10]
    conn = await asyncpg.connect(admin)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return admin, admin.rsplit("/", 1)[0] + "/" + name


async def _drop_pg(admin: str, url: str) -> None:
    conn = await asyncpg.connect(admin)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
    finally:
        await conn.close()


async def _timed(fn, repeat: int) -> tuple[float, float, object]:
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = await fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), max(times), result


async def bench(url: str, n_events: int, seed: int, repeat: int, days: int, n_mls: int,
                ml: str) -> None:
    admin = None
    if url.startswith(("postgresql", "postgres:")):
        admin, url = await _scratch_pg(url)
    engine = make_engine(url)
    try:
        await migrate(engine)
        records = RecordStore(engine)
        t0 = time.perf_counter()
        dataset = await generate(records, seed=seed, n_events=n_events, start=date(2026, 1, 1),
                                 days=days, n_mls=n_mls)
        load = time.perf_counter() - t0
        start, end = dataset.start, dataset.end
        backend = engine.dialect.name
        print(f"{backend}: {len(dataset.events):,} events, {dataset.jeunes:,} jeunes, "
              f"{len(dataset.ml_ids)} MLs, generated+written in {load:.1f} s")

        names = {ml_id: ml_id for ml_id in dataset.ml_ids}

        async def as_json():
            return render_json(await build_report(records, start, end, None, dataset.actions, names))

        async def as_html():
            return await build_html_report(records, start, end, None, dataset.actions,
                                           missions_locales=names)

        async def as_csv():
            return render_csv(await build_report(records, start, end, None, dataset.actions, names))

        async def as_xlsx():
            return render_xlsx(await build_report(records, start, end, None, dataset.actions, names))

        async def one_ml():
            return render_json(await build_report(records, start, end, ml, dataset.actions, names))

        async def one_ml_html():   # the console's dashboard of one Mission Locale
            return await build_html_report(records, start, end, ml, dataset.actions,
                                           missions_locales=names)

        async def one_ml_csv():
            return render_csv(await build_report(records, start, end, ml, dataset.actions, names))

        async def one_quarter():
            q_end = min(end, start + timedelta(days=89))
            return await build_html_report(records, start, q_end, None, dataset.actions,
                                           missions_locales=names)

        for label, fn in (("json, region", as_json), ("html, region", as_html),
                          ("csv, region", as_csv), ("xlsx, region", as_xlsx),
                          (f"json, {ml}", one_ml), (f"html, {ml}", one_ml_html),
                          (f"csv, {ml}", one_ml_csv), ("html, region, 90 days", one_quarter)):
            median, worst, result = await _timed(fn, repeat)
            print(f"  {label:<24} median {median * 1000:7.0f} ms   max {worst * 1000:7.0f} ms   "
                  f"({len(result):,} chars)")
    finally:
        await engine.dispose()
        if admin:
            await _drop_pg(admin, url)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("urls", nargs="*", help="database URLs (sqlite:///file, postgresql://server/db)")
    parser.add_argument("--events", type=int, default=500_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--mls", type=int, default=43)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--ml", default="ml-bordeaux",
                        help="the Mission Locale of the one-Mission-Locale lines")
    args = parser.parse_args()
    urls = args.urls
    tmp = None
    if not urls:
        tmp = tempfile.TemporaryDirectory()
        urls = ["postgresql://postgres@127.0.0.1:5432/postgres"]
    for url in urls:
        await bench(url, args.events, args.seed, args.repeat, args.days, args.mls, args.ml)
    if tmp:
        tmp.cleanup()


if __name__ == "__main__":
    asyncio.run(main())
