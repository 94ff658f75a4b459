"""The practical limit: a bare aiohttp handler doing one Redis read, one Redis write and one HTTP
send (sendMessage over a kept-alive aiohttp session) per update. No framework, no parsing beyond
json, no durable record: what any bot must at least do."""
from __future__ import annotations

import asyncio
import hmac
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent))

import aiohttp  # noqa: E402
import redis.asyncio as aioredis  # noqa: E402
from aiohttp import web  # noqa: E402

from benchmarks.baselines.common import (  # noqa: E402
    ANSWER, INVITE, SECRET_HEADER, WEBHOOK_PATH, WELCOME, keyboard_json, parse_args,
)


async def main() -> None:
    args = parse_args()
    redis = aioredis.from_url(args.redis_url, decode_responses=True)
    session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=64))
    send_url = f"{args.api_url}/bot{args.token}/sendMessage"

    async def webhook(request: web.Request) -> web.Response:
        if not hmac.compare_digest(request.headers.get(SECRET_HEADER, "").encode(), args.secret.encode()):
            return web.Response(status=403)
        update = await request.json()
        message = update.get("message")
        query = update.get("callback_query")
        chat = (message or (query or {}).get("message") or {}).get("chat", {}).get("id")
        if chat is None:
            return web.Response()
        key = f"{args.prefix}{chat}"
        step = await redis.get(key)                       # one read
        if message and (message.get("text") or "").startswith("/start"):
            step, payload = "menu", {"text": WELCOME, "reply_markup": keyboard_json()}
        elif step == "menu" and query:
            step, payload = "question", {"text": INVITE}
        else:
            step, payload = "done", {"text": ANSWER}
        await redis.set(key, step, ex=86400)              # one write
        async with session.post(send_url, data=json.dumps({"chat_id": chat, **payload}),
                                headers={"Content-Type": "application/json"}) as resp:
            await resp.read()                             # one send
        return web.Response()

    app = web.Application()
    app.router.add_post(WEBHOOK_PATH, webhook)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", args.port).start()
    await asyncio.Event().wait()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
