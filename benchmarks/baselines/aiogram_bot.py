"""aiogram 3 as its documentation builds a webhook bot: Dispatcher + Router, FSM states in
RedisStorage, `SimpleRequestHandler` on aiohttp (which answers Telegram at once and handles the
update in the background, its default), AiohttpSession pointed at the Bot API server."""
from __future__ import annotations

import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent))

from aiogram import Bot, Dispatcher, F, Router  # noqa: E402
from aiogram.client.session.aiohttp import AiohttpSession  # noqa: E402
from aiogram.client.telegram import TelegramAPIServer  # noqa: E402
from aiogram.filters import CommandStart  # noqa: E402
from aiogram.fsm.context import FSMContext  # noqa: E402
from aiogram.fsm.state import State, StatesGroup  # noqa: E402
from aiogram.fsm.storage.redis import RedisStorage  # noqa: E402
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message  # noqa: E402
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application  # noqa: E402
from aiohttp import web  # noqa: E402
from redis.asyncio import Redis  # noqa: E402

from benchmarks.baselines.common import ANSWER, BUTTONS, INVITE, WEBHOOK_PATH, WELCOME, parse_args  # noqa: E402


class Conversation(StatesGroup):
    menu = State()
    question = State()


router = Router()
KEYBOARD = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text=label, callback_data=value)]
                                                 for label, value in BUTTONS])


@router.message(CommandStart())
async def start(message: Message, state: FSMContext) -> None:
    await state.set_state(Conversation.menu)
    await message.answer(WELCOME, reply_markup=KEYBOARD)


@router.callback_query(Conversation.menu, F.data == "question")
async def question(query: CallbackQuery, state: FSMContext) -> None:
    await query.answer()
    await state.set_state(Conversation.question)
    await query.message.answer(INVITE)


@router.message(Conversation.question)
async def answer(message: Message, state: FSMContext) -> None:
    await state.clear()
    await message.answer(ANSWER)


async def main() -> None:
    args = parse_args()
    session = AiohttpSession(api=TelegramAPIServer.from_base(args.api_url))
    bot = Bot(token=args.token, session=session)
    storage = RedisStorage(Redis.from_url(args.redis_url))
    dp = Dispatcher(storage=storage)
    dp.include_router(router)
    app = web.Application()
    SimpleRequestHandler(dispatcher=dp, bot=bot, secret_token=args.secret).register(app, path=WEBHOOK_PATH)
    setup_application(app, dp, bot=bot)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", args.port).start()
    await asyncio.Event().wait()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
