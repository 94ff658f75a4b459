"""python-telegram-bot 22 as its documentation builds it: an `Application` with
`concurrent_updates(True)` and no Updater, a `ConversationHandler` (in-memory states, the default),
and the "custom webhook" pattern: our own aiohttp route puts each update on
`application.update_queue` and answers 200 (examples/customwebhookbot)."""
from __future__ import annotations

import asyncio
import hmac
import sys
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent))

from aiohttp import web  # noqa: E402
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update  # noqa: E402
from telegram.ext import (  # noqa: E402
    Application, CallbackQueryHandler, CommandHandler, ContextTypes, ConversationHandler,
    MessageHandler, filters,
)
from telegram.warnings import PTBUserWarning  # noqa: E402

from benchmarks.baselines.common import (  # noqa: E402
    ANSWER, BUTTONS, INVITE, SECRET_HEADER, WEBHOOK_PATH, WELCOME, parse_args,
)

MENU, QUESTION = range(2)
KEYBOARD = InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=value)]
                                 for label, value in BUTTONS])


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    await update.message.reply_text(WELCOME, reply_markup=KEYBOARD)
    return MENU


async def question(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    await update.callback_query.answer()
    await update.callback_query.message.reply_text(INVITE)
    return QUESTION


async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    await update.message.reply_text(ANSWER)
    return ConversationHandler.END


async def main() -> None:
    args = parse_args()
    application = (Application.builder().token(args.token).base_url(f"{args.api_url}/bot")
                   .updater(None).concurrent_updates(True).build())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBUserWarning)   # per_message=False with a CallbackQueryHandler
        conversation = ConversationHandler(
            entry_points=[CommandHandler("start", start)],
            states={MENU: [CallbackQueryHandler(question, pattern="^question$")],
                    QUESTION: [MessageHandler(filters.TEXT & ~filters.COMMAND, answer)]},
            fallbacks=[CommandHandler("start", start)],
        )
    application.add_handler(conversation)

    async def webhook(request: web.Request) -> web.Response:
        if not hmac.compare_digest(request.headers.get(SECRET_HEADER, "").encode(), args.secret.encode()):
            return web.Response(status=403)
        await application.update_queue.put(Update.de_json(await request.json(), application.bot))
        return web.Response()

    app = web.Application()
    app.router.add_post(WEBHOOK_PATH, webhook)
    runner = web.AppRunner(app, access_log=None)
    async with application:
        await application.start()
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", args.port).start()
        await asyncio.Event().wait()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
