"""Shared by the night-shift tests (no tests here): two Missions Locales with on-call teams, a
maraude whose QR code belongs to Mission Locale A, a real SMTP server and the fake Bot API."""
from __future__ import annotations

import dataclasses

from bot.channels.telegram import TelegramChannel
from bot.console.config import ConsoleConfig
from bot.reperage.actions_config import Action, ActionsConfig
from tests.console.test_console_support import console_config, start_server

GROUP_A = -1001000000001
GROUP_REGION = -1001000000099
QR_CODE = "maraude-a"


def night_config(smtp_port: int, **on_call):
    """console_config() + the maraude of ML A + on-call teams (A: Camille then Dominique from
    18:00 to 02:00 every day; the region: Sam all day)."""
    maraude = Action.model_validate({
        "id": "maraude-a", "type": "extra-muros", "mission_locale": "ml-a",
        "title": "Maraude du jeudi soir", "description": "On vient te voir.", "code": QR_CODE,
        "kind": "maraude", "place": "Gare"})
    console = ConsoleConfig.model_validate({"on_call": {
        "crisis_minutes": 5, "waiting_minutes": 15,
        "smtp": {"host": "127.0.0.1", "port": smtp_port, "sender": "alertes@insysteme.test"},
        "teams": {"ml-a": {"telegram_chat_id": GROUP_A, "emails": ["equipe@ml-a.fr"], "rota": [
            {"who": "camille@ml-a.fr", "name": "Camille", "from": "18:00", "to": "02:00"},
            {"who": "dominique@ml-a.fr", "name": "Dominique", "from": "18:00", "to": "02:00"}]}},
        "regional": {"telegram_chat_id": GROUP_REGION, "emails": ["astreinte@arml.fr"],
                     "rota": [{"who": "sam@arml.fr", "name": "Sam"}]},
        **on_call}})
    config = console_config()
    return dataclasses.replace(config, actions=ActionsConfig([maraude]),
                               extra={**config.extra, "console": console})


async def night_server(tmp_path, clock, api, smtp, **kw):
    holder = {}

    def attach(app, services, engine):
        channel = TelegramChannel(api.token, api.url, engine, clock=clock, receive=False,
                                  retry_backoff=0.05)
        services.outbox.register(channel)
        holder["telegram"] = channel

    server = await start_server(tmp_path, clock, config=night_config(smtp.port), before_start=attach,
                                **kw)
    await holder["telegram"].start()
    for chat in (GROUP_A, GROUP_REGION):            # the bot is in both groups
        api.group_update(chat, "bonjour", chat_type="supergroup", title="Référents")
    server.telegram = holder["telegram"]
    return server
