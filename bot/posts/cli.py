"""`insysteme posts …`: the weekly posts from a terminal (calendar, preview, set, approve, publish).

Approval checks the console account given with `--by`: only an active `communication` or `admin`
account approves (`insysteme referent add … --role communication`).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any

from bot.clock import FixedClock, SystemClock, parse_at, to_paris
from bot.posts.config import PostError
from bot.posts.qr import write_qr
from bot.settings import Env
from bot.yamlconf import ConfigError


def add_commands(subparsers: Any, wiring: Any) -> None:
    """`wiring` (bot/app/cli.py) loads the config, builds the services and looks an account's role
    up: the posts never import what sits above them."""
    p = subparsers.add_parser("posts", help="weekly '1 action 1 Mission Locale' posts")
    p.set_defaults(wiring=wiring)
    p.add_argument("--at", help=argparse.SUPPRESS)     # the clock, for tests and catching up
    sub = p.add_subparsers(dest="posts_command", required=True)

    cal = sub.add_parser("calendar", help="the coming weeks: Mission Locale, action, status")
    cal.add_argument("--weeks", type=int, default=None)
    cal.add_argument("--json", action="store_true")
    cal.set_defaults(handler=lambda a, e: _run(a, e, _calendar))

    pre = sub.add_parser("preview", help="the week's text on each network, with lengths")
    pre.add_argument("--week", required=True, help="ISO week, e.g. 2026-W49")
    pre.add_argument("--json", action="store_true")
    pre.add_argument("--qr", metavar="FILE", help="also write the deep link's QR code (.svg or .png)")
    pre.add_argument("--qr-link", choices=("telegram", "web"), default=None,
                     help="which deep link the QR code carries (default: Telegram, else web chat)")
    pre.set_defaults(handler=lambda a, e: _run(a, e, _preview))

    st = sub.add_parser("set", help="choose the Mission Locale and action of a week (wins over the rotation)")
    st.add_argument("--week", required=True)
    st.add_argument("--ml", help="Mission Locale id")
    st.add_argument("--action", help="action id (config/actions.yml)")
    st.add_argument("--auto", action="store_true", help="give the week back to the rotation")
    st.add_argument("--by", default="cli")
    st.set_defaults(handler=lambda a, e: _run(a, e, _set))

    ap = sub.add_parser("approve", help="approve a week's post (communication or admin account)")
    ap.add_argument("--week", required=True)
    ap.add_argument("--by", required=True, help="e-mail of a console account")
    ap.set_defaults(handler=lambda a, e: _run(a, e, _approve))

    pd = sub.add_parser("publish-due", help="one run of the posts job (what the scheduler does)")
    pd.set_defaults(handler=lambda a, e: _run(a, e, _publish_due))

    rt = sub.add_parser("retry", help="send again a failed or uncertain publication")
    rt.add_argument("--week", required=True)
    rt.add_argument("--network", choices=("telegram", "mastodon", "facebook"))
    rt.add_argument("--by", required=True)
    rt.set_defaults(handler=lambda a, e: _run(a, e, _retry))


def _run(args, env: Env, command) -> int:
    wiring = args.wiring
    try:
        config = wiring.load_config(env.config_dir)
    except ConfigError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 1
    try:
        clock = FixedClock(parse_at(args.at)) if args.at else SystemClock()
    except ValueError:
        print(f"--at {args.at!r}: not a date like 2026-12-01T10:00", file=sys.stderr)
        return 2

    async def main() -> int:
        services = await wiring.build_services(env, clock, config=config)
        posts = None
        try:
            posts = wiring.posts(services)
            return await command(args, posts, services)
        except PostError as exc:
            print(str(exc), file=sys.stderr)
            return 1
        except ConfigError as exc:
            for problem in exc.problems:
                print(problem, file=sys.stderr)
            return 1
        finally:
            if posts is not None:
                await posts.close()
            await services.close()
    return asyncio.run(main())


def _when(iso: str) -> str:
    from datetime import datetime
    return to_paris(datetime.fromisoformat(iso)).strftime("%a %d/%m %H:%M")


async def _calendar(args, posts, services) -> int:
    view = await posts.calendar_view(args.weeks)
    if args.json:
        print(json.dumps(view, ensure_ascii=False, default=str, indent=2))
        return 0
    for w in view["weeks"]:
        pubs = " ".join(f"{p['network']}:{p['status']}" for p in w["publications"])
        mark = "*" if w["manual"] else " "
        print(f"{w['week']} {_when(w['publish_at'])} {w['status']:<9}{mark} "
              f"{w['mission_locale_name']} — {w['action_title'] or w['action_id']}"
              + (f"  [{pubs}]" if pubs else "") + (f"  ! {w['error']}" if w["error"] else ""))
    if not view["weeks"]:
        print("Aucune semaine : aucune Mission Locale n'a d'action à venir.")
    return 0


async def _preview(args, posts, services) -> int:
    view = await posts.preview(args.week)
    if args.qr and not _write_qr(args, view):
        return 1
    if args.json:
        print(json.dumps(view, ensure_ascii=False, default=str, indent=2))
        return 0
    print(f"{view['week']} — {view['mission_locale_name']} — {view['action_title']} ({view['status']})")
    bad = 0
    for network, t in view["networks"].items():
        state = "ok" if t["ok"] else f"PROBLÈME : {t['problem']}"
        print(f"\n--- {network} ({t['length']}/{t['limit']} caractères, {state})\n{t['text']}")
        bad += not t["ok"]
    return 1 if bad else 0


def _write_qr(args, view: dict) -> bool:
    links = view["links"]
    url = links.get(args.qr_link) if args.qr_link else next(iter(links.values()), None)
    if not url:
        print("pas de lien pour le QR code : donner telegram_bot_username (posts.yml) ou "
              "PUBLIC_URL" + (f" (lien {args.qr_link})" if args.qr_link else ""), file=sys.stderr)
        return False
    try:
        path = write_qr(url, args.qr)
    except (ValueError, OSError) as exc:
        print(f"--qr {args.qr} : {exc}", file=sys.stderr)
        return False
    print(f"QR code de {url} écrit dans {path}", file=sys.stderr)
    return True


async def _set(args, posts, services) -> int:
    if args.auto:
        row = await posts.clear_override(args.week, by=args.by)
    else:
        if not args.ml or not args.action:
            print("donner --ml et --action (ou --auto)", file=sys.stderr)
            return 2
        row = await posts.set_week(args.week, args.ml, args.action, by=args.by)
    print(f"{row.week} : {posts.names.get(row.mission_locale, row.mission_locale)} — {row.action_id}"
          f" ({'choisi' if row.manual else 'rotation'}, {row.status})")
    return 0


async def _approve(args, posts, services) -> int:
    role = await args.wiring.account_role(services, args.by)
    if role is None:
        print(f"{args.by} : pas de compte actif dans la console", file=sys.stderr)
        return 1
    row = await posts.approve(args.week, by=args.by.strip().lower(), role=role)
    print(f"{row.week} approuvé par {row.approved_by} ; publication {_when(row.publish_at.isoformat())}"
          f" sur {', '.join(row.texts)}")
    return 0


async def _publish_due(args, posts, services) -> int:
    summary = await posts.publish_due()
    print(json.dumps(summary, sort_keys=True))
    return 1 if summary.get("failed") or summary.get("uncertain") else 0


async def _retry(args, posts, services) -> int:
    role = await args.wiring.account_role(services, args.by)
    if role not in ("communication", "admin"):
        print(f"{args.by} : il faut un compte communication ou admin actif", file=sys.stderr)
        return 1
    count = await posts.retry(args.week, by=args.by, network=args.network)
    print(f"{count} publication(s) relancée(s) ; elles partent au prochain passage du job")
    return 0
