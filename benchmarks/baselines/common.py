"""What every baseline bot says and how it is started, so the three bots differ only in their stack.

The flow is the one the load generator plays, and the one insysteme's shipped flows give:
`/start` → a welcome with an inline keyboard; a press on « Poser une question » → an invitation to
write; a question → an answer.
"""
from __future__ import annotations

import argparse

WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"

WELCOME = ("Salut ! Je suis l'assistant de la Mission Locale.\n"
           "Qu'est-ce que tu veux faire ?")
BUTTONS = [("Poser une question", "question"), ("Prendre rendez-vous", "rdv"),
           ("Parler à un conseiller", "conseiller"), ("Me présenter", "reperage")]
INVITE = "Vas-y, écris ta question comme tu veux."
ANSWER = ("Le CEJ (Contrat d'Engagement Jeune), c'est un accompagnement de 6 à 12 mois "
          "avec un conseiller, et jusqu'à 528 € par mois.")


def keyboard_json() -> dict:
    return {"inline_keyboard": [[{"text": label, "callback_data": value}] for label, value in BUTTONS]}


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--api-url", required=True, help="Bot API root (the fake's URL)")
    p.add_argument("--token", required=True)
    p.add_argument("--secret", required=True)
    p.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    p.add_argument("--prefix", default="bench:")
    return p.parse_args()
