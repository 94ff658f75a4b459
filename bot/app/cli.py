"""The `insysteme` command line (SPEC: Command line).

Each command imports what it needs when it runs, so `insysteme faq` or `chat` start in about a
second without loading the web stack, Telegram or rasa-sdk (bot.app is the top: no cycle can hide
in these deferred imports; tests/app/test_architecture.py allows them here only)."""
from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import os
import signal
import sys
import time
from datetime import date
from pathlib import Path

from bot.clock import FixedClock, SystemClock, parse_at, to_paris
from bot.settings import Env
from bot.yamlconf import ConfigError


def _config(env: Env):
    from bot.app.config import load_config
    return load_config(env.config_dir)


def _fail_config(exc: ConfigError) -> int:
    for problem in exc.problems:
        print(problem, file=sys.stderr)
    print(f"{len(exc.problems)} problem(s) in the configuration.", file=sys.stderr)
    return 1


async def _services(env: Env, clock, config=None, snapshot: str | None = None):
    from bot.app.services import build_services
    return await build_services(env, clock, config=config, state_snapshot=snapshot)


def _prepare_understanding(env: Env) -> None:
    from bot.app.services import prepare_understanding
    prepare_understanding(env)


# run / web ---------------------------------------------------------------------------------------
async def _serve(env: Env, host: str, port: int, with_scheduler: bool, *, reuse_port: bool = False,
                 children: list[int] | None = None) -> None:
    from aiohttp import web

    from bot.app.web import make_app
    from bot.dialogue.engine import Engine
    config = _config(env)
    clock = SystemClock()
    await asyncio.to_thread(_prepare_understanding, env)
    services = await _services(env, clock, config)
    engine = Engine(services)
    app = make_app(services, engine)
    telegram = None
    if env.telegram_bot_token:
        from bot.channels.telegram import TelegramChannel
        telegram = TelegramChannel.from_env(env, engine, clock=clock)
        services.outbox.register(telegram)
        telegram.add_routes(app)
    scheduler = None
    if with_scheduler:
        scheduler = _make_scheduler(services, engine)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port, reuse_port=reuse_port or None)
    await site.start()
    if telegram is not None:
        await telegram.start()
    if scheduler is not None:
        await scheduler.start()
    logging.getLogger("insysteme").warning(
        "insysteme on http://%s:%d/chat (console: /console)%s%s", host, port,
        "; Telegram " + ("webhook" if env.public_url else "long polling") if telegram else "",
        "; scheduler in-process" if scheduler else "")
    # What start-up built (config, commune index, the understanding's models and patterns: some
    # 280,000 objects) lives as long as the process: out of the collector's sight, it is not
    # walked again by each full collection. The collector took 0.45 ms per update at saturation,
    # 0.13 ms frozen (benchmarks/webhook_load.py, insysteme-pg).
    gc.freeze()
    try:
        await _until_signalled(children or [])
    finally:
        if scheduler is not None:
            await scheduler.shutdown()
        if telegram is not None:
            await telegram.stop()
        await runner.cleanup()
        await services.close()


async def _until_signalled(children: list[int]) -> None:
    """Run until SIGTERM or SIGINT, so the caller's `finally` stops cleanly (queued replies sent).

    A supervisor (with --workers) also stops when one of its workers died: the service then
    exits with an error and its process manager (docker, systemd) restarts it whole, rather than
    run on with part of its capacity gone unnoticed."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    if not children:
        await stop.wait()
        return
    while not stop.is_set():
        try:
            await asyncio.wait_for(stop.wait(), timeout=1.0)
        except asyncio.TimeoutError:
            pass
        for pid in list(children):
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                children.remove(pid)
                raise WorkerDied(f"web worker {pid} exited ({_exit_reason(status)}); stopping")


class WorkerDied(RuntimeError):
    pass


def _exit_reason(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"signal {os.WTERMSIG(status)}"
    return f"code {os.WEXITSTATUS(status)}"


def _workers_problem(env: Env, workers: int) -> str | None:
    """Why several workers cannot run on this configuration, if they cannot."""
    if workers < 1:
        return "--workers must be 1 or more"
    if workers == 1:
        return None
    if not env.redis_url:
        return ("--workers needs REDIS_URL: the conversation state and its per-jeune lock must be "
                "shared by the workers (the embedded store lives in one process)")
    if env.telegram_bot_token and not env.public_url:
        return ("--workers needs PUBLIC_URL with a Telegram token: only one process may long-poll "
                "Telegram (set PUBLIC_URL for the webhook, or run one worker)")
    return None


def _fork_workers(count: int) -> tuple[list[int], bool]:
    """Pre-fork `count - 1` web workers sharing the port (SO_REUSEPORT: the kernel spreads the
    connections). Called before any event loop or thread exists, so each child starts clean.
    Returns the children's pids (in the parent) and whether this process is a child."""
    children: list[int] = []
    for _ in range(count - 1):
        pid = os.fork()
        if pid == 0:
            return [], True
        children.append(pid)
    return children, False


def _stop_children(children: list[int], timeout: float = 30.0) -> None:
    for pid in children:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + timeout
    for pid in children:
        while True:
            try:
                done, _ = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                break
            if done:
                break
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                break
            time.sleep(0.05)


def _make_scheduler(services, engine):
    from bot.posts.workflow import Posts
    from scheduler.posts_job import posts_jobs, reminder_notifier
    from scheduler.runner import Scheduler
    scheduler = Scheduler(services, services.clock)
    cfg = services.config.extra.get("posts")
    if cfg is not None:
        posts = Posts.from_services(services, cfg=cfg,
                                    notify=reminder_notifier(services, cfg.reminder_chat_id))
        services.closers.append(posts.close)
        for job_id, fn, trigger in posts_jobs(services, posts):
            scheduler.add_job(job_id, fn, trigger)
    return scheduler


async def _heartbeat(path: Path) -> None:
    """docker-compose's health check reads the age of this file (leader or standby alike)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        path.touch()
        await asyncio.sleep(30)


def cmd_run(args, env: Env, with_scheduler: bool = True) -> int:
    try:
        _config(env)
    except ConfigError as exc:
        return _fail_config(exc)
    from bot.channels.telegram import TelegramStartError
    port = args.port if args.port is not None else (env.port or 8080)
    workers = getattr(args, "workers", 1)
    problem = _workers_problem(env, workers)
    if problem:
        print(f"insysteme: {problem}", file=sys.stderr)
        return 2
    children, is_child = _fork_workers(workers) if workers > 1 else ([], False)
    if is_child:                        # a worker: web only; the scheduler runs in the supervisor
        code = 0
        try:
            asyncio.run(_serve(env, args.host, port, False, reuse_port=True))
        except KeyboardInterrupt:
            pass
        except Exception as exc:
            print(f"insysteme worker {os.getpid()}: {exc}", file=sys.stderr)
            code = 1
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)                  # not the parent's atexit handlers
    try:
        asyncio.run(_serve(env, args.host, port, with_scheduler, reuse_port=workers > 1,
                           children=children))
    except KeyboardInterrupt:
        pass
    except (TelegramStartError, RuntimeError) as exc:
        print(f"insysteme: {exc}", file=sys.stderr)
        return 1
    finally:
        _stop_children(children)
    return 0


def cmd_scheduler(args, env: Env) -> int:
    try:
        config = _config(env)
    except ConfigError as exc:
        return _fail_config(exc)

    async def main():
        from bot.dialogue.engine import Engine
        services = await _services(env, SystemClock(), config)
        engine = Engine(services)
        if env.telegram_bot_token:
            from bot.channels.telegram import TelegramChannel
            telegram = TelegramChannel.from_env(env, engine, receive=False, clock=services.clock)
            services.outbox.register(telegram)
            await telegram.start()
        scheduler = _make_scheduler(services, engine)
        await scheduler.start()
        await services.outbox.start()     # it delivers the reminders it hands over
        beating = asyncio.create_task(_heartbeat(env.var_dir / "scheduler.heartbeat"))
        try:
            await _until_signalled([])
        finally:
            beating.cancel()
            await scheduler.shutdown()
            await services.close()
    try:
        return asyncio.run(main()) or 0
    except KeyboardInterrupt:
        return 0


# chat ------------------------------------------------------------------------------------------
def cmd_chat(args, env: Env) -> int:
    from bot.channels.terminal import TerminalChat
    from bot.dialogue.engine import Engine
    try:
        config = _config(env)
    except ConfigError as exc:
        return _fail_config(exc)
    try:
        clock = FixedClock(parse_at(args.at)) if args.at else SystemClock()
    except ValueError:
        print(f"--at {args.at!r}: expected ISO-8601, e.g. 2026-11-24T22:30", file=sys.stderr)
        return 2

    async def main():
        env.var_dir.mkdir(parents=True, exist_ok=True)
        _prepare_understanding(env)
        services = await _services(env, clock, config,
                                   snapshot=str(env.var_dir / "chat-state.json"))
        try:
            engine = Engine(services)
            chat = TerminalChat(engine, args.user, sys.stdout, clock, source=args.source,
                                attachments_dir=env.var_dir / "attachments")
            services.outbox.register(chat)
            await chat.run(sys.stdin)
        finally:
            await services.close()
    asyncio.run(main())
    return 0


# faq -------------------------------------------------------------------------------------------
def cmd_faq(args, env: Env) -> int:
    from bot.understanding.crisis import load_crisis
    from bot.understanding.faq import FaqMatcher, faq_json, load_faq
    try:
        faq = load_faq(env.config_dir / "faq.yml")
        crisis = load_crisis(env.config_dir / "crisis.yml")
    except ConfigError as exc:
        return _fail_config(exc)
    matcher = FaqMatcher(faq)
    if not args.json:
        print("use --json", file=sys.stderr)
        return 2
    _prepare_understanding(env)
    if args.text:
        print(json.dumps(faq_json(matcher, " ".join(args.text), crisis=crisis), ensure_ascii=False))
        return 0
    out = sys.stdout
    for line in sys.stdin:
        out.write(json.dumps(faq_json(matcher, line.rstrip("\n"), crisis=crisis), ensure_ascii=False) + "\n")
    out.flush()
    return 0


# check -----------------------------------------------------------------------------------------
def cmd_check(args, env: Env) -> int:
    try:
        config = _config(env)
    except ConfigError as exc:
        return _fail_config(exc)
    from bot.app.config import config_warnings
    clock = FixedClock(parse_at(args.at)) if getattr(args, "at", None) else SystemClock()
    warnings = config_warnings(config, to_paris(clock.now()).date())
    for warning in warnings:
        print(warning, file=sys.stderr)
    print(f"ok: {len(config.missions_locales)} Missions Locales, {len(config.flows)} flows, "
          f"{len(config.actions.actions) if config.actions else 0} actions"
          + (f", {len(warnings)} warning(s) about facts to check" if warnings else ""))
    return 0


# report ----------------------------------------------------------------------------------------
def _day(text: str) -> date:
    return date.fromisoformat(text)


def cmd_report(args, env: Env) -> int:
    from bot.report import figures as rep
    try:
        config = _config(env)
    except ConfigError as exc:
        return _fail_config(exc)
    try:
        start, end = _day(args.from_), _day(args.to)
    except ValueError:
        print("--from and --to take dates like 2026-01-31", file=sys.stderr)
        return 2
    if end < start:
        print("--to is before --from", file=sys.stderr)
        return 2
    if args.ml and args.ml not in config.ml_by_id and args.ml != rep.NON_ATTRIBUE:
        print(f"--ml {args.ml!r}: no such Mission Locale (see config/missions_locales.yml)",
              file=sys.stderr)
        return 2

    async def main():
        from bot.app.schema import migrate
        from bot.stores.db import default_database_url, make_engine
        from bot.stores.records import RecordStore
        engine = make_engine(env.database_url or default_database_url())
        await migrate(engine)
        records = RecordStore(engine)
        names = {ml.id: ml.name for ml in config.missions_locales}
        targets = config.extra.get("report")
        try:
            if args.format == "html":
                return await rep.build_html_report(records, start, end, args.ml, config.actions,
                                                   missions_locales=names, targets=targets)
            report = await rep.build_report(records, start, end, args.ml, config.actions,
                                            names, targets)
            if args.format == "xlsx":
                return rep.render_xlsx(report)
            return rep.render_json(report) if args.format == "json" else rep.render_csv(report)
        finally:
            await engine.dispose()
    if args.format == "xlsx" and not args.out:
        print("--format xlsx needs --out FILE (a spreadsheet is not text)", file=sys.stderr)
        return 2
    out = asyncio.run(main())
    if args.out:
        Path(args.out).write_bytes(out if isinstance(out, bytes) else out.encode("utf-8"))
        return 0
    if args.format == "csv":   # the BOM and CRLF as they are: French Excel opens the file
        sys.stdout.buffer.write(out.encode("utf-8"))
        return 0
    sys.stdout.write(out if out.endswith("\n") else out + "\n")
    return 0


# forget ----------------------------------------------------------------------------------------
def cmd_forget(args, env: Env) -> int:
    from bot.dialogue.engine import Engine
    try:
        config = _config(env)
    except ConfigError as exc:
        return _fail_config(exc)

    async def main():
        services = await _services(env, SystemClock(), config,
                                   snapshot=str(env.var_dir / "chat-state.json"))
        try:
            engine = Engine(services)
            user = args.user
            jeune_id = user if user.startswith("j_") else engine.jeune_id(args.channel, user)
            if await services.records.get_profile(jeune_id) is None and not await services.records.addresses(jeune_id):
                print(f"no jeune {user!r} on channel {args.channel}", file=sys.stderr)
                return 1
            anon = await engine.forget(jeune_id)
            print(f"erased {jeune_id}; its events now count as {anon}")
            return 0
        finally:
            await services.close()
    return asyncio.run(main())


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="insysteme", description="Outreach bots for the Missions Locales")
    sub = p.add_subparsers(dest="command", required=True)
    for name, helptext in (("run", "everything in one process"), ("web", "the web process only")):
        r = sub.add_parser(name, help=helptext)
        r.add_argument("--host", default="127.0.0.1")
        r.add_argument("--port", type=int, default=None)
        r.add_argument("--workers", type=int, default=1,
                       help="web processes sharing the port (needs REDIS_URL; one per core)")
    sub.add_parser("scheduler", help="reminders and recurring jobs")
    c = sub.add_parser("chat", help="talk to the bot from a terminal as a jeune")
    c.add_argument("--user", default="terminal")
    c.add_argument("--at", help="ISO-8601 time of the contact (Paris time without offset)")
    c.add_argument("--source", help="deep-link code, as /start CODE")
    f = sub.add_parser("faq", help="match one message (or stdin lines) to a FAQ topic")
    f.add_argument("--json", action="store_true")
    f.add_argument("text", nargs="*")
    rp = sub.add_parser("report", help="the programme's figures")
    rp.add_argument("--from", dest="from_", required=True)
    rp.add_argument("--to", required=True)
    rp.add_argument("--ml")
    rp.add_argument("--format", choices=("json", "csv", "html", "xlsx"), default="json")
    rp.add_argument("--out", help="write to this file (needed for xlsx)")
    ck = sub.add_parser("check", help="validate config/ and flows/; warn about facts to check")
    ck.add_argument("--at", help="the day to check facts against (ISO-8601, default: today)")
    fg = sub.add_parser("forget", help="erase one jeune's personal data")
    fg.add_argument("--user", required=True, help="a jeune id (j_…) or a channel address")
    fg.add_argument("--channel", default="terminal", help="channel of --user when it is an address")
    for extra in _extra_commands():
        extra(sub)
    return p


class Wiring:
    """What the commands of the console and the posts need from the top, handed down to them
    (they never import bot.app). Each piece is imported when a command uses it."""

    @staticmethod
    def load_config(config_dir):
        from bot.app.config import load_config
        return load_config(config_dir)

    @staticmethod
    async def build_services(env: Env, clock, config=None):
        from bot.app.services import build_services
        return await build_services(env, clock, config=config)

    @staticmethod
    async def migrate(engine):
        from bot.app.schema import migrate
        return await migrate(engine)

    @staticmethod
    def posts(services):
        from bot.posts.workflow import Posts
        return Posts.from_services(services)

    @staticmethod
    async def account_role(services, email: str) -> str | None:
        """The role of an active console account (posts approval), None otherwise."""
        from bot.console.accounts import AccountStore
        account = await AccountStore(services.records.engine).by_email(email)
        return account.role if account is not None and account.active else None


def _extra_commands():
    """Commands of other modules (referent accounts, posts, the Rasa action server)."""
    from bot.app import rasa_actions
    from bot.console import cli as console_cli
    from bot.posts import cli as posts_cli
    return [lambda sub: console_cli.add_commands(sub, Wiring),
            lambda sub: posts_cli.add_commands(sub, Wiring),
            rasa_actions.add_commands]


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    env = Env.from_environ()
    handlers = {
        "run": lambda: cmd_run(args, env, with_scheduler=True),
        "web": lambda: cmd_run(args, env, with_scheduler=False),
        "scheduler": lambda: cmd_scheduler(args, env),
        "chat": lambda: cmd_chat(args, env),
        "faq": lambda: cmd_faq(args, env),
        "check": lambda: cmd_check(args, env),
        "report": lambda: cmd_report(args, env),
        "forget": lambda: cmd_forget(args, env),
    }
    if args.command in handlers:
        return handlers[args.command]()
    return args.handler(args, env)


if __name__ == "__main__":
    sys.exit(main())
