"""Load on the Telegram webhook: a viral post at 22:00, thousands of jeunes writing at once.

    .venv/bin/python benchmarks/webhook_load.py                      # everything, ~4 min
    .venv/bin/python benchmarks/webhook_load.py --bots bare,insysteme-pg --seconds 10
    .venv/bin/python benchmarks/webhook_load.py --bots insysteme-pg --profile var/profile.html

Processes (each its own, so nobody's measurements are skewed by another's event loop):
- the fake Bot API (tests/fakes/telegram_api.py, taught to accept any private chat) stamps each
  sendMessage with the machine's monotonic clock when it arrives, and streams those receipts back;
- a private redis-server (so nothing touches the shared one) and, for PostgreSQL, a fresh database
  on the machine's server, dropped afterwards;
- the bot under test: `python -m bot.app.cli web` with TELEGRAM_BOT_TOKEN, TELEGRAM_API_URL (the fake),
  PUBLIC_URL (webhook mode), TELEGRAM_WEBHOOK_SECRET, and DATABASE_URL + REDIS_URL ("insysteme-pg")
  or nothing (the embedded defaults: SQLite under ./var, in-process state: "insysteme-embedded");
  "insysteme-pg-2w" is insysteme-pg with `--workers 2` (two processes on the port);
  or one of the three baselines in benchmarks/baselines/ (bare aiohttp + Redis, aiogram 3 with
  RedisStorage, python-telegram-bot's documented ConversationHandler webhook bot);
- this generator: each simulated jeune plays `/start` → press « Poser une question » → "c quoi le
  cej", closed loop (waits for the bot's reply, then --think seconds, before the next step), over at most 40 connections
  (Telegram's webhook max_connections). Latency = update POSTed → the first sendMessage for that
  chat received by the fake.

Telegram's own flood limits (30 messages/s overall, ~1/s per chat) are paced by our channel; the
fake does not enforce them and the baselines do not pace, so for a like-for-like comparison
insysteme runs with its pacing off (`--paced` keeps it on, to show what Telegram allows).

Per bot: offered rates (jeunes arriving at rate/3 per second, 3 updates each) and saturation
(`--concurrency` jeunes in a closed loop, each followed by a new one).
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TOKEN = "123456789:AAFakeTokenForInsystemeLoad_abcdefgh"
SECRET = "load_secret_" + "x" * 20
PY = sys.executable
BOTS = ("bare", "aiogram", "ptb", "insysteme-pg", "insysteme-embedded", "insysteme-pg-2w")
STEP_TIMEOUT = 20.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


# ============================================================== role: the fake Bot API process
def run_fake(port: int) -> None:
    from aiohttp import web

    from tests.fakes.telegram_api import ApiError, FakeBotAPI, _chat_key

    class LoadFakeAPI(FakeBotAPI):
        """Any private chat exists (the generator posts updates straight to the bot), any callback
        query may be answered, calls are not kept (memory), sendMessage arrivals are streamed."""

        def __init__(self) -> None:
            super().__init__(token=TOKEN)
            self.subscribers: list[asyncio.Queue] = []
            self.counts: dict[str, int] = {}        # calls by method, read by /_counts

        def _check_chat(self, method, params):
            chat_id = _chat_key(params.get("chat_id"))
            if chat_id is not None and chat_id not in self.chats:
                self.chats[chat_id] = {"id": chat_id, "type": "private", "first_name": "Jeune"}
            super()._check_chat(method, params)

        async def _api_answerCallbackQuery(self, params, files):
            return True

        async def _handle(self, request):
            arrived = time.monotonic()
            method = request.match_info["method"]
            self.counts[method] = self.counts.get(method, 0) + 1
            params, files = await self._read_params(request)
            try:
                if request.match_info["token"] != self.token:
                    raise ApiError(401, "Unauthorized")
                handler = getattr(self, "_api_" + method, None)
                if handler is None:
                    raise ApiError(404, "Not Found")
                if method in ("sendMessage", "editMessageText", "editMessageReplyMarkup"):
                    self._check_chat(method, params)
                result = await handler(params, files)
                body, status = {"ok": True, "result": result}, 200
            except ApiError as err:
                body, status = err.body(), err.status
            if method == "sendMessage" and status == 200:
                message = body["result"]
                receipt = {"c": message["chat"]["id"], "t": arrived, "m": message["message_id"]}
                if message.get("reply_markup"):
                    receipt["k"] = message["reply_markup"]
                    receipt["x"] = message["text"]
                for queue in self.subscribers:
                    queue.put_nowait(receipt)
            return web.json_response(body, status=status)

        async def read_counts(self, request):
            return web.json_response(self.counts)

        async def receipts(self, request):
            response = web.StreamResponse()
            await response.prepare(request)
            queue: asyncio.Queue = asyncio.Queue()
            self.subscribers.append(queue)
            try:
                while True:
                    items = [await queue.get()]
                    while not queue.empty():
                        items.append(queue.get_nowait())
                    await response.write("".join(json.dumps(i) + "\n" for i in items).encode())
            finally:
                self.subscribers.remove(queue)

    async def main() -> None:
        fake = LoadFakeAPI()
        fake._changed = asyncio.Condition()
        app = web.Application(client_max_size=8 * 1024 * 1024)
        app.router.add_get("/_receipts", fake.receipts)
        app.router.add_get("/_counts", fake.read_counts)
        app.router.add_route("*", "/bot{token}/{method}", fake._handle)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        print("ready", flush=True)
        stop = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
        await stop.wait()

    asyncio.run(main())


# ============================================================== role: insysteme with pacing off
def run_insysteme_unpaced(argv: list[str]) -> int:
    """`bot.app.cli web` exactly, except that the Telegram channel does not pace its sends."""
    from bot.channels import telegram as tg
    original = tg.TelegramChannel.from_env.__func__

    def unpaced(cls, env, engine, **options):
        return original(cls, env, engine, **{"overall_rate": 0, "chat_rate": 0, **options})

    tg.TelegramChannel.from_env = classmethod(unpaced)
    from bot.app.cli import main
    return main(argv)


# ============================================================== the generator
@dataclass
class Pending:
    first: asyncio.Future
    keyboard: asyncio.Future | None


class Receipts:
    """Reads the fake's stream of sendMessage arrivals and wakes the jeune waiting for each."""

    def __init__(self) -> None:
        self.pending: dict[int, Pending] = {}
        self.count = 0

    def expect(self, chat: int, keyboard: bool) -> Pending:
        loop = asyncio.get_running_loop()
        p = Pending(loop.create_future(), loop.create_future() if keyboard else None)
        self.pending[chat] = p
        return p

    async def run(self, session, url: str) -> None:
        async with session.get(url + "/_receipts", timeout=None) as resp:
            async for line in resp.content:
                r = json.loads(line)
                self.count += 1
                p = self.pending.get(r["c"])
                if p is None:
                    continue
                if not p.first.done():
                    p.first.set_result(r["t"])
                if p.keyboard is not None and "k" in r and not p.keyboard.done():
                    p.keyboard.set_result(r)


@dataclass
class Level:
    name: str
    offered: float | None = None
    latencies: list[float] = field(default_factory=list)
    done_steps: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    elapsed: float = 0.0
    window_end: float = float("inf")     # saturation: only steps done before this count
    in_window: int = 0
    cpu_s: float | None = None           # CPU seconds the bot's process spent during the level
    api_calls: dict[str, int] = field(default_factory=dict)   # Bot API calls during the level
    commits: int | None = None           # PostgreSQL transactions committed during the level
    sessions: int | None = None          # PostgreSQL connections opened during the level

    def error(self, what: str) -> None:
        self.errors[what] = self.errors.get(what, 0) + 1

    @property
    def throughput(self) -> float:
        return self.in_window / self.elapsed if self.elapsed else 0.0


class Generator:
    def __init__(self, session, hook: str, receipts: Receipts, chat_base: int, think: float,
                 api_url: str, api_session):
        self.session, self.hook, self.receipts, self.think = session, hook, receipts, think
        self.api_url, self.api_session = api_url, api_session   # "Telegram" → the fake
        self.performing: set[asyncio.Task] = set()
        self.chats = itertools.count(chat_base)
        self.update_ids = itertools.count(chat_base * 10)
        self.headers = {"Content-Type": "application/json",
                        "X-Telegram-Bot-Api-Secret-Token": SECRET}

    def _message(self, chat: int, text: str) -> dict:
        message = {"message_id": next(self.update_ids) % 1_000_000_000, "date": int(time.time()),
                   "chat": {"id": chat, "type": "private", "first_name": "Léa"},
                   "from": {"id": chat, "is_bot": False, "first_name": "Léa", "language_code": "fr"},
                   "text": text}
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        return {"update_id": next(self.update_ids), "message": message}

    def _press(self, chat: int, shown: dict) -> dict:
        rows = shown["k"]["inline_keyboard"]
        datas = [b["callback_data"] for row in rows for b in row]
        data = "question" if "question" in datas else datas[0]
        bot_message = {"message_id": shown["m"], "date": int(time.time()),
                       "chat": {"id": chat, "type": "private", "first_name": "Léa"},
                       "from": {"id": int(TOKEN.split(":")[0]), "is_bot": True, "first_name": "Bot",
                                "username": "insysteme_test_bot"},
                       "text": shown["x"], "reply_markup": shown["k"]}
        return {"update_id": next(self.update_ids), "callback_query": {
            "id": str(uuid.uuid4().int % 10**18), "chat_instance": str(chat * 7),
            "from": {"id": chat, "is_bot": False, "first_name": "Léa"},
            "message": bot_message, "data": data}}

    async def _step(self, level: Level, chat: int, update: dict, keyboard: bool):
        pending = self.receipts.expect(chat, keyboard)
        body = json.dumps(update)
        t0 = time.monotonic()
        for attempt in range(5):
            try:
                async with self.session.post(self.hook, data=body, headers=self.headers) as resp:
                    answer = await resp.read()
                    status = resp.status
                    if status == 200 and resp.content_type == "application/json":
                        self._perform(answer)
            except Exception as exc:              # noqa: BLE001 - counted, reported
                level.error(type(exc).__name__)
                return None
            if status == 200:
                break
            level.error(f"http {status}")
            if status != 503:
                return None
            await asyncio.sleep(0.5)              # what Telegram does with a 503: try again
        try:
            first = await asyncio.wait_for(asyncio.shield(pending.first), STEP_TIMEOUT)
            shown = (await asyncio.wait_for(pending.keyboard, STEP_TIMEOUT)
                     if pending.keyboard is not None else None)
        except asyncio.TimeoutError:
            level.error("no reply")
            return None
        level.latencies.append(first - t0)
        level.done_steps += 1
        if time.monotonic() <= level.window_end:
            level.in_window += 1
        return shown if keyboard else True

    def _perform(self, answer: bytes) -> None:
        """A Bot API call in the webhook's answer (insysteme answers a press that way): Telegram
        performs it, so the fake is sent it, as the bot's own call would have been."""
        call = json.loads(answer)
        method = call.pop("method", None) if isinstance(call, dict) else None
        if isinstance(method, str):
            task = asyncio.ensure_future(self._post_api(method, call))
            self.performing.add(task)
            task.add_done_callback(self.performing.discard)

    async def _post_api(self, method: str, params: dict) -> None:
        with contextlib.suppress(Exception):
            async with self.api_session.post(f"{self.api_url}/bot{TOKEN}/{method}",
                                             json=params) as resp:
                await resp.read()

    async def jeune(self, level: Level) -> None:
        chat = next(self.chats)
        try:
            shown = await self._step(level, chat, self._message(chat, "/start"), keyboard=True)
            if shown is None:
                return
            await asyncio.sleep(self.think)
            if await self._step(level, chat, self._press(chat, shown), keyboard=False) is None:
                return
            await asyncio.sleep(self.think)
            await self._step(level, chat, self._message(chat, "c quoi le cej"), keyboard=False)
        finally:
            self.receipts.pending.pop(chat, None)

    async def offered(self, rate: float, seconds: float) -> Level:
        """Jeunes arrive at rate/3 per second (3 updates each) for `seconds`."""
        level = Level(f"{rate:g}/s", offered=rate)
        interval = 3.0 / rate
        tasks = []
        t0 = time.monotonic()
        n = 0
        while (now := time.monotonic()) - t0 < seconds:
            target = t0 + n * interval
            if target > now:
                await asyncio.sleep(target - now)
            tasks.append(asyncio.create_task(self.jeune(level)))
            n += 1
        await asyncio.gather(*tasks)
        level.elapsed = time.monotonic() - t0
        return level

    async def saturation(self, concurrency: int, seconds: float) -> Level:
        level = Level(f"saturation ({concurrency} jeunes at once)")
        t0 = time.monotonic()
        level.window_end = t0 + seconds

        async def loop():
            while time.monotonic() - t0 < seconds:
                await self.jeune(level)

        await asyncio.gather(*(loop() for _ in range(concurrency)))
        level.elapsed = seconds
        return level


# ============================================================== orchestration
class Processes:
    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.procs: list[subprocess.Popen] = []

    def start(self, name: str, cmd: list[str], env: dict | None = None, cwd: Path | None = None):
        log = open(self.tmp / f"{name}.log", "w")
        proc = subprocess.Popen(cmd, env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
                                cwd=cwd or ROOT, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        proc.log_path = self.tmp / f"{name}.log"
        self.procs.append(proc)
        return proc

    def stop(self, proc, sig=signal.SIGTERM) -> None:
        if proc.poll() is None:
            proc.send_signal(sig)
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if proc in self.procs:
            self.procs.remove(proc)

    def stop_all(self) -> None:
        for proc in list(self.procs):
            self.stop(proc)


async def wait_port(port: int, proc, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"process exited ({proc.returncode}); see {proc.log_path}:\n"
                               + Path(proc.log_path).read_text()[-3000:])
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return
        except OSError:
            await asyncio.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port} after {seconds}s; see {proc.log_path}")


async def pg_database(admin: str, create: bool, name: str) -> None:
    import asyncpg
    conn = await asyncpg.connect(admin)
    try:
        if create:
            await conn.execute(f'CREATE DATABASE "{name}"')
        else:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def bot_command(bot: str, port: int, api_url: str, redis_url: str, paced: bool,
                profile: str | None) -> list[str]:
    if bot in ("bare", "aiogram", "ptb"):
        script = {"bare": "bare.py", "aiogram": "aiogram_bot.py", "ptb": "ptb_bot.py"}[bot]
        return [PY, str(ROOT / "benchmarks" / "baselines" / script), "--port", str(port),
                "--api-url", api_url, "--token", TOKEN, "--secret", SECRET,
                "--redis-url", redis_url, "--prefix", f"{bot}:"]
    web = ["web", "--port", str(port)]
    if bot.endswith("-2w"):
        web += ["--workers", "2"]
    if paced and not profile:
        return [PY, "-m", "bot.app.cli", *web]
    inner = [PY, str(Path(__file__).resolve()), "insysteme-unpaced" if not paced else "insysteme", *web]
    if profile and profile.endswith(".prof"):
        return [PY, "-m", "cProfile", "-o", profile, *inner[1:]]
    if profile:
        renderer = "html" if profile.endswith(".html") else "text"
        return [PY, "-m", "pyinstrument", "-r", renderer, "-o", profile, *inner[1:]]
    return inner


async def measure(bot: str, args, procs: Processes, api_url: str, redis_url: str, index: int,
                  receipts: Receipts, session, api_session) -> list[Level]:
    port = free_port()
    env: dict[str, str] = {}
    cwd = None
    database = None
    if bot.startswith("insysteme"):
        var = procs.tmp / f"{bot}-var"
        var.mkdir(exist_ok=True)
        env = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": api_url,
               "TELEGRAM_WEBHOOK_SECRET": SECRET, "PUBLIC_URL": f"http://127.0.0.1:{port}",
               "INSYSTEME_CONFIG": str(ROOT / "config"), "INSYSTEME_VAR": str(var),
               "INSYSTEME_SECRET": uuid.uuid4().hex, "DATABASE_URL": "", "REDIS_URL": ""}
        cwd = var
        if bot.startswith("insysteme-pg"):
            database = "insysteme_load_" + uuid.uuid4().hex[:10]
            await pg_database(args.pg, True, database)
            env["DATABASE_URL"] = args.pg.rsplit("/", 1)[0] + "/" + database
            env["REDIS_URL"] = redis_url
    profile = str(Path(args.profile).resolve()) if args.profile and bot.startswith("insysteme") else None
    proc = procs.start(bot, bot_command(bot, port, api_url, redis_url, args.paced, profile), env, cwd)
    levels: list[Level] = []
    try:
        await wait_port(port, proc)
        gen = Generator(session, f"http://127.0.0.1:{port}/telegram/webhook", receipts,
                        chat_base=(index + 1) * 10_000_000, think=args.think, api_url=api_url,
                        api_session=api_session)
        warm = await gen.offered(min(args.rates), 2.0)       # imports, pools, caches
        if warm.errors:
            print(f"  warm-up errors: {warm.errors}")
        counted = Counted(api_session, api_url, args.pg, database)
        await counted()                                       # the counts after the warm-up
        for rate in args.rates:
            levels.append(await counted(await timed_cpu(proc.pid, gen.offered(rate, args.seconds))))
        levels.append(await counted(await timed_cpu(proc.pid, gen.saturation(args.concurrency,
                                                                             args.seconds))))
    finally:
        procs.stop(proc, signal.SIGINT if profile else signal.SIGTERM)
        if database:
            await pg_database(args.pg, False, database)
    return levels


class Counted:
    """What a level cost in calls, not in time (steadier than time on a shared machine): the Bot
    API calls by method (the fake counts them) and, on PostgreSQL, the transactions committed in
    the bot's database and the connections opened to it (pg_stat_database: a connection is a
    server process forked, a cost the bot's own CPU does not show). Each call gives the counts since the previous one."""

    def __init__(self, api_session, api_url: str, admin: str, database: str | None):
        self.api_session, self.api_url, self.admin, self.database = api_session, api_url, admin, database
        self.calls: dict[str, int] = {}
        self.commits: tuple[int, int] | None = None

    async def read(self) -> tuple[dict[str, int], tuple[int, int] | None]:
        async with self.api_session.get(f"{self.api_url}/_counts") as resp:
            calls = await resp.json()
        commits = None
        if self.database:
            import asyncpg
            await asyncio.sleep(1.2)     # a backend reports its counts at most once a second
            conn = await asyncpg.connect(self.admin)
            try:
                await conn.execute("SELECT pg_stat_clear_snapshot()")
                commits = tuple(await conn.fetchrow(
                    "SELECT xact_commit, sessions FROM pg_stat_database WHERE datname = $1",
                    self.database))
            finally:
                await conn.close()
        return calls, commits

    async def __call__(self, level: "Level | None" = None):
        calls, commits = await self.read()
        if level is not None:
            level.api_calls = {m: n - self.calls.get(m, 0) for m, n in calls.items()
                               if n - self.calls.get(m, 0)}
            if commits is not None and self.commits is not None:
                level.commits = commits[0] - self.commits[0]
                level.sessions = commits[1] - self.commits[1]
        self.calls, self.commits = calls, commits
        return level


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU of a process and its live children (web workers), from Linux /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return None
    own = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return own + sum(cpu_seconds(int(child)) or 0.0 for child in children)


async def timed_cpu(pid: int, level_coro) -> Level:
    before = cpu_seconds(pid)
    level = await level_coro
    after = cpu_seconds(pid)
    if before is not None and after is not None:
        level.cpu_s = after - before
    return level


def show(bot: str, levels: list[Level]) -> None:
    print(f"\n{bot}")
    print(f"  {'load':<32} {'updates/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'steps':>7} "
          f"{'CPU ms/upd':>10} {'API/upd':>8} {'commits/upd':>11} {'conns':>6}  errors")
    for lv in levels:
        cpu = f"{lv.cpu_s * 1000 / lv.done_steps:.2f}" if lv.cpu_s is not None and lv.done_steps else "-"
        calls = sum(lv.api_calls.values())
        api = f"{calls / lv.done_steps:.2f}" if lv.done_steps and lv.api_calls else "-"
        commits = f"{lv.commits / lv.done_steps:.2f}" if lv.done_steps and lv.commits is not None else "-"
        conns = str(lv.sessions) if lv.sessions is not None else "-"
        print(f"  {lv.name:<32} {lv.throughput:>10.1f} {pct(lv.latencies, .5) * 1000:>8.1f} "
              f"{pct(lv.latencies, .99) * 1000:>8.1f} {lv.done_steps:>7} {cpu:>10} {api:>8} "
              f"{commits:>11} {conns:>6}  {lv.errors or ''}")
    for lv in levels:
        if lv.api_calls and lv.done_steps:
            print(f"    {lv.name}: Bot API calls per update: " + ", ".join(
                f"{m} {n / lv.done_steps:.2f}" for m, n in sorted(lv.api_calls.items(),
                                                                  key=lambda kv: -kv[1])))


async def orchestrate(args) -> None:
    import aiohttp
    tmp = Path(tempfile.mkdtemp(prefix="webhook_load_"))
    procs = Processes(tmp)
    results: dict[str, list[Level]] = {}
    try:
        redis_port = free_port()
        redis = procs.start("redis", ["redis-server", "--port", str(redis_port), "--save", "",
                                      "--appendonly", "no", "--bind", "127.0.0.1"])
        await wait_port(redis_port, redis)
        redis_url = f"redis://127.0.0.1:{redis_port}/0"
        fake_port = free_port()
        fake = procs.start("fake-api", [PY, str(Path(__file__).resolve()), "fake-api", str(fake_port)])
        await wait_port(fake_port, fake)
        api_url = f"http://127.0.0.1:{fake_port}"
        connector = aiohttp.TCPConnector(limit=args.connections)
        async with aiohttp.ClientSession(connector=connector) as session, \
                aiohttp.ClientSession() as stream_session:
            receipts = Receipts()
            reader = asyncio.create_task(receipts.run(stream_session, api_url))
            print(f"{os.cpu_count()} cores; rates {args.rates} updates/s and saturation with "
                  f"{args.concurrency} jeunes, {args.seconds:g} s each; at most {args.connections} "
                  f"connections; Telegram pacing {'on' if args.paced else 'off'}")
            for index, bot in enumerate(args.bots):
                results[bot] = await measure(bot, args, procs, api_url, redis_url, index, receipts,
                                             session, stream_session)
                show(bot, results[bot])
            reader.cancel()
    finally:
        procs.stop_all()
        if not args.keep_logs:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print(f"logs in {tmp}")
    ratios(results)


def ratios(results: dict[str, list[Level]]) -> None:
    ours = [b for b in results if b.startswith("insysteme")]
    refs = [b for b in ("bare", "aiogram", "ptb") if b in results]
    if not ours or not refs:
        return
    print("\nratios at saturation (throughput: ours / theirs, higher is better; "
          "p99: ours / theirs, lower is better)")
    for ref in refs:
        r_sat = results[ref][-1]
        for bot in ours:
            sat = results[bot][-1]
            print(f"  {bot} vs {ref:<8} throughput {sat.throughput / r_sat.throughput:5.2f}x   "
                  f"p99 {pct(sat.latencies, .99) / pct(r_sat.latencies, .99):6.2f}x")
    for ref in refs:
        for bot in ours:
            fixed = [(a, b) for a, b in zip(results[bot][:-1], results[ref][:-1])]
            text = ", ".join(f"{a.name} {pct(a.latencies, .99) / pct(b.latencies, .99):.2f}x"
                             for a, b in fixed)
            print(f"  {bot} vs {ref:<8} p99 at offered rates: {text}")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "fake-api":
        run_fake(int(sys.argv[2]))
        return
    if len(sys.argv) > 1 and sys.argv[1] in ("insysteme-unpaced", "insysteme"):
        from bot.app.cli import main as cli_main
        sys.exit(run_insysteme_unpaced(sys.argv[2:]) if sys.argv[1] == "insysteme-unpaced"
                 else cli_main(sys.argv[2:]))
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--bots", default=",".join(BOTS), help=f"among {', '.join(BOTS)}")
    p.add_argument("--rates", default="30,90", help="offered updates/s, comma-separated")
    p.add_argument("--seconds", type=float, default=8.0, help="per load level")
    p.add_argument("--concurrency", type=int, default=200, help="jeunes at once at saturation")
    p.add_argument("--think", type=float, default=0.2,
                   help="seconds a jeune takes to read a reply and answer (a press right after the "
                        "reply would race frameworks that store the state after sending)")
    p.add_argument("--connections", type=int, default=40, help="webhook connections (Telegram: 40)")
    p.add_argument("--paced", action="store_true", help="keep insysteme's Telegram pacing on")
    p.add_argument("--profile", help="profile the insysteme process to this path: pyinstrument "
                                     "(.html or .txt) or cProfile (.prof)")
    p.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres")
    p.add_argument("--keep-logs", action="store_true")
    args = p.parse_args()
    args.bots = [b.strip() for b in args.bots.split(",") if b.strip()]
    unknown = set(args.bots) - set(BOTS)
    if unknown:
        p.error(f"unknown bots {sorted(unknown)}; choose among {', '.join(BOTS)}")
    args.rates = [float(r) for r in args.rates.split(",")]
    asyncio.run(orchestrate(args))


if __name__ == "__main__":
    main()
