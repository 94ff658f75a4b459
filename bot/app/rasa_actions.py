"""`insysteme actions [--port 5055]`: the domain actions as a Rasa action server (docs/rasa.md).

Same config, stores and pseudonymous ids as the other processes (build_services), so a repérage
made through a Rasa assistant counts in `insysteme report` like one made with the built-in bot.
"""
from __future__ import annotations

import asyncio
import logging
import sys

from bot.settings import Env
from bot.yamlconf import ConfigError

DEFAULT_PORT = 5055     # rasa-sdk's own default, what endpoints.yml examples use


def add_commands(subparsers) -> None:
    p = subparsers.add_parser("actions", help="the domain actions as a Rasa action server")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (0.0.0.0 in a container)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT)
    p.set_defaults(handler=cmd_actions)


async def serve(env: Env, host: str, port: int, config, clock=None, ready: asyncio.Event | None = None,
                stop: asyncio.Event | None = None) -> None:
    from aiohttp import web

    from bot.clock import SystemClock
    from bot.rasa.server import make_action_app
    from bot.app.services import build_services, prepare_understanding

    await asyncio.to_thread(prepare_understanding, env)
    services = await build_services(env, clock or SystemClock(), config=config)
    runner = web.AppRunner(make_action_app(services), access_log=None)
    try:
        await runner.setup()
        await web.TCPSite(runner, host, port).start()
        logging.getLogger("insysteme").warning("Rasa action server on http://%s:%d/webhook", host, port)
        if ready is not None:
            ready.set()
        await (stop or asyncio.Event()).wait()
    finally:
        await runner.cleanup()
        await services.close()


def cmd_actions(args, env: Env) -> int:
    from bot.app.config import load_config
    try:
        config = load_config(env.config_dir)
    except ConfigError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"{len(exc.problems)} problem(s) in the configuration.", file=sys.stderr)
        return 1
    if not 0 < args.port < 65536:
        print(f"--port {args.port}: expected a port number from 1 to 65535", file=sys.stderr)
        return 2
    try:
        asyncio.run(serve(env, args.host, args.port, config))
    except KeyboardInterrupt:
        pass
    except OSError as exc:
        print(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    return 0
