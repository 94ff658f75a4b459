"""`insysteme referent add/list/disable`: console accounts, from the command line of whoever
deploys the service (there is no sign-up page).

    insysteme referent add --email camille@ml-exemple.fr --name Camille --ml ml-angouleme
    insysteme referent add --email arml@example.fr --name Sam --role admin --password-stdin < pw.txt
    insysteme referent list
    insysteme referent disable --email camille@ml-exemple.fr
"""
from __future__ import annotations

import argparse
import asyncio
import getpass
import sys

from bot.clock import SystemClock, to_paris
from bot.console.accounts import AccountError, AccountStore
from bot.console.tables import ROLES
from bot.stores.db import default_database_url, make_engine
from bot.yamlconf import ConfigError


def add_commands(subparsers, wiring) -> None:
    """`wiring` (bot/app/cli.py) loads the config and migrates the database: the console never
    imports what sits above it."""
    p = subparsers.add_parser("referent", help="console accounts (référents, admins, communication)")
    p.set_defaults(wiring=wiring)
    sub = p.add_subparsers(dest="referent_command", required=True)
    a = sub.add_parser("add", help="create an account")
    a.add_argument("--email", required=True)
    a.add_argument("--name", required=True, help="first name, shown to jeunes in replies")
    a.add_argument("--ml", help="the Mission Locale id of a référent (see config/missions_locales.yml)")
    a.add_argument("--role", choices=ROLES, default=None,
                   help="referent (default with --ml), admin (ARML: every Mission Locale), "
                        "communication (weekly posts and figures)")
    a.add_argument("--password-stdin", action="store_true",
                   help="read the password from the first line of stdin (else it is asked)")
    a.set_defaults(handler=cmd_add)
    ls = sub.add_parser("list", help="list accounts")
    ls.set_defaults(handler=cmd_list)
    d = sub.add_parser("disable", help="disable an account and end its sessions")
    d.add_argument("--email", required=True)
    d.set_defaults(handler=cmd_disable)
    e = sub.add_parser("enable", help="enable a disabled account again (same password)")
    e.add_argument("--email", required=True)
    e.set_defaults(handler=cmd_enable)
    pw = sub.add_parser("passwd", help="set a new password (read from stdin, or asked); "
                                       "the account's sessions are ended")
    pw.add_argument("--email", required=True)
    pw.add_argument("--password-stdin", action="store_true",
                    help="read the password from the first line of stdin (the default when "
                         "stdin is not a terminal)")
    pw.set_defaults(handler=cmd_passwd)


async def _with_db(args, env, fn):
    engine = make_engine(env.database_url or default_database_url())
    try:
        await args.wiring.migrate(engine)
        return await fn(engine)
    finally:
        await engine.dispose()


def _read_password(args) -> str | None:
    if args.password_stdin:
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    if not sys.stdin.isatty():
        print("no terminal to ask the password: use --password-stdin", file=sys.stderr)
        return None
    first = getpass.getpass("Mot de passe : ")
    if getpass.getpass("Encore une fois : ") != first:
        print("the two passwords differ", file=sys.stderr)
        return None
    return first


def _known_mls(env, load_config) -> set[str] | None:
    try:
        config = load_config(env.config_dir)
    except ConfigError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"{len(exc.problems)} problem(s) in the configuration: cannot check --ml",
              file=sys.stderr)
        return None
    return {ml.id for ml in config.missions_locales}


def cmd_add(args: argparse.Namespace, env) -> int:
    role = args.role or ("referent" if args.ml else None)
    if role is None:
        print("say --ml ID for a référent (or --role dpo --ml ID), or --role admin / --role communication", file=sys.stderr)
        return 2
    known = None
    if args.ml:
        known = _known_mls(env, args.wiring.load_config)
        if known is None:
            return 1
    password = _read_password(args)
    if password is None:
        return 2

    async def run(engine):
        store = AccountStore(engine)
        before = await store.by_email(args.email)
        account = await store.add(args.email, args.name, role, args.ml, password,
                                  SystemClock().now(), known_mls=known)
        return before, account
    try:
        before, account = asyncio.run(_with_db(args, env, run))
    except AccountError as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 1
    where = f" of {account.mission_locale}" if account.mission_locale else ""
    done = "re-enabled (it was disabled)" if before is not None else "created"
    print(f"{done} {account.role}{where}: {account.email} ({account.name})")
    return 0


def cmd_list(args: argparse.Namespace, env) -> int:

    async def run(engine):
        return await AccountStore(engine).list()
    rows = asyncio.run(_with_db(args, env, run))
    if not rows:
        print("no account yet: insysteme referent add --email … --name … --ml …")
        return 0
    for r in rows:
        state = "active" if r["active"] else f"disabled {to_paris(r['disabled_at']):%Y-%m-%d}"
        print(f"{r['email']}\t{r['name']}\t{r['role']}\t{r['mission_locale'] or '-'}\t{state}")
    return 0


def cmd_disable(args: argparse.Namespace, env) -> int:

    async def run(engine):
        return await AccountStore(engine).disable(args.email, SystemClock().now())
    account = asyncio.run(_with_db(args, env, run))
    if account is None:
        print(f"no account {args.email!r}", file=sys.stderr)
        return 1
    print(f"disabled {account.email}; its sessions are ended")
    return 0


def cmd_enable(args: argparse.Namespace, env) -> int:
    async def run(engine):
        return await AccountStore(engine).enable(args.email)
    account = asyncio.run(_with_db(args, env, run))
    if account is None:
        print(f"no account {args.email!r}", file=sys.stderr)
        return 1
    print(f"enabled {account.email}")
    return 0


def cmd_passwd(args: argparse.Namespace, env) -> int:
    if not args.password_stdin and not sys.stdin.isatty():
        args.password_stdin = True     # a password piped in
    password = _read_password(args)
    if password is None:
        return 2

    async def run(engine):
        return await AccountStore(engine).set_password(args.email, password)
    try:
        account = asyncio.run(_with_db(args, env, run))
    except AccountError as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 1
    if account is None:
        print(f"no account {args.email!r}", file=sys.stderr)
        return 1
    print(f"new password for {account.email}; its sessions are ended")
    return 0
