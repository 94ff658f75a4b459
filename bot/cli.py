"""The `insysteme` command line (SPEC: Command line)."""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from datetime import date
from pathlib import Path

from bot.clock import FixedClock, SystemClock, parse_at
from bot.settings import Env
from bot.yamlconf import ConfigError


def _config(env: Env):
    from bot.config import load_config
    return load_config(env.config_dir)


def _fail_config(exc: ConfigError) -> int:
    for problem in exc.problems:
        print(problem, file=sys.stderr)
    print(f"{len(exc.problems)} problem(s) in the configuration.", file=sys.stderr)
    return 1


async def _services(env: Env, clock, config=None, snapshot: str | None = None):
    from bot.services import build_services
    return await build_services(env, clock, config=config, state_snapshot=snapshot)


# run / web ---------------------------------------------------------------------------------------
async def _serve(env: Env, host: str, port: int, with_scheduler: bool) -> None:
    from aiohttp import web

    from bot.app import make_app
    from bot.engine import Engine
    config = _config(env)
    clock = SystemClock()
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
    site = web.TCPSite(runner, host, port)
    await site.start()
    if telegram is not None:
        await telegram.start()
    if scheduler is not None:
        await scheduler.start()
    logging.getLogger("insysteme").warning(
        "insysteme on http://%s:%d/chat (console: /console)%s%s", host, port,
        "; Telegram " + ("webhook" if env.public_url else "long polling") if telegram else "",
        "; scheduler in-process" if scheduler else "")
    try:
        await _until_signalled()
    finally:
        if scheduler is not None:
            await scheduler.shutdown()
        if telegram is not None:
            await telegram.stop()
        await runner.cleanup()
        await services.close()


async def _until_signalled() -> None:
    """Run until SIGTERM or SIGINT, so the caller's `finally` stops cleanly (queued replies sent)."""
    import signal
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()


def _make_scheduler(services, engine):
    from bot.posts import Posts
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
    try:
        asyncio.run(_serve(env, args.host, port, with_scheduler))
    except KeyboardInterrupt:
        pass
    except (TelegramStartError, RuntimeError) as exc:
        print(f"insysteme: {exc}", file=sys.stderr)
        return 1
    return 0


def cmd_scheduler(args, env: Env) -> int:
    try:
        config = _config(env)
    except ConfigError as exc:
        return _fail_config(exc)

    async def main():
        from bot.engine import Engine
        services = await _services(env, SystemClock(), config)
        engine = Engine(services)
        if env.telegram_bot_token:
            from bot.channels.telegram import TelegramChannel
            telegram = TelegramChannel.from_env(env, engine, receive=False, clock=services.clock)
            services.outbox.register(telegram)
            await telegram.start()
        scheduler = _make_scheduler(services, engine)
        await scheduler.start()
        beating = asyncio.create_task(_heartbeat(env.var_dir / "scheduler.heartbeat"))
        try:
            await _until_signalled()
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
    from bot.engine import Engine
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
    print(f"ok: {len(config.missions_locales)} Missions Locales, {len(config.flows)} flows, "
          f"{len(config.actions.actions) if config.actions else 0} actions")
    return 0


# report ----------------------------------------------------------------------------------------
def _day(text: str) -> date:
    return date.fromisoformat(text)


def cmd_report(args, env: Env) -> int:
    from bot import report as rep
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
    if args.ml and args.ml not in config.ml_by_id:
        print(f"--ml {args.ml!r}: no such Mission Locale (see config/missions_locales.yml)",
              file=sys.stderr)
        return 2

    async def main():
        from bot.stores.db import default_database_url, make_engine, migrate
        from bot.stores.records import RecordStore
        engine = make_engine(env.database_url or default_database_url())
        await migrate(engine)
        records = RecordStore(engine)
        try:
            if args.format == "html":
                return await rep.build_html_report(records, start, end, args.ml, config.actions)
            report = await rep.build_report(records, start, end, args.ml, config.actions)
            return rep.render_json(report) if args.format == "json" else rep.render_csv(report)
        finally:
            await engine.dispose()
    text = asyncio.run(main())
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0


# forget ----------------------------------------------------------------------------------------
def cmd_forget(args, env: Env) -> int:
    from bot.engine import Engine
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
    rp.add_argument("--format", choices=("json", "csv", "html"), default="json")
    sub.add_parser("check", help="validate config/ and flows/")
    fg = sub.add_parser("forget", help="erase one jeune's personal data")
    fg.add_argument("--user", required=True, help="a jeune id (j_…) or a channel address")
    fg.add_argument("--channel", default="terminal", help="channel of --user when it is an address")
    for extra in _extra_commands():
        extra(sub)
    return p


def _extra_commands():
    """Commands of other modules (referent accounts, posts, the Rasa action server)."""
    import importlib
    return [importlib.import_module(module).add_commands
            for module in ("bot.console.cli", "bot.posts_cli", "bot.rasa_actions")]


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
