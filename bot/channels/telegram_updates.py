"""The two updates a conversation is made of, read straight from Telegram's JSON.

Almost every update is a text message or a button press in a private chat. Turning each into
python-telegram-bot's objects (`Update.de_json`: Message, Chat, User, keyboards…) was 6 to 8 % of
the web process's CPU under load (docs/performance.md), for five fields. These two shapes are read
here, strictly: a field of an unexpected type, a key we do not know, anything else (media, edits,
forwards, groups, membership changes) returns None and goes through PTB as before, so odd or
hostile input is judged by PTB's parser alone.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

# keys of a plain text message / of the message a keyboard is attached to
_TEXT_KEYS = frozenset({"message_id", "from", "chat", "date", "text", "entities",
                        "link_preview_options"})
_KEYBOARD_KEYS = frozenset({"message_id", "from", "chat", "date", "text", "entities",
                            "reply_markup", "edit_date", "link_preview_options"})
_QUERY_KEYS = frozenset({"id", "from", "message", "chat_instance", "data"})
_USER_KEYS = frozenset({"id", "is_bot", "first_name", "last_name", "username", "language_code",
                        "is_premium"})
_CHAT_KEYS = frozenset({"id", "type", "first_name", "last_name", "username"})


@dataclass(frozen=True, slots=True)
class TextMessage:
    update_id: int
    chat_id: int
    text: str
    date: datetime
    first_name: str


@dataclass(frozen=True, slots=True)
class Pressed:
    """The message whose button was pressed: what closing its keyboard needs."""
    chat_id: int
    message_id: int
    text: str | None
    has_keyboard: bool
    label: str | None


@dataclass(frozen=True, slots=True)
class ButtonPress:
    update_id: int
    query_id: str
    data: str
    first_name: str
    pressed: Pressed


def read(update: dict) -> TextMessage | ButtonPress | None:
    """The update when it is one of the two common shapes, else None (PTB reads it)."""
    if len(update) != 2 or type(update.get("update_id")) is not int:
        return None
    if "message" in update:
        return _text_message(update["update_id"], update["message"])
    if "callback_query" in update:
        return _button_press(update["update_id"], update["callback_query"])
    return None


def _text_message(update_id: int, m) -> TextMessage | None:
    if type(m) is not dict or not m.keys() <= _TEXT_KEYS:
        return None
    chat_id, first_name = _private_chat(m.get("chat")), _first_name(m.get("from"))
    text, date = m.get("text"), _date(m.get("date"))
    if (chat_id is None or first_name is None or type(text) is not str or date is None
            or type(m.get("message_id")) is not int or not _entities(m.get("entities"))
            or not _optional_dict(m.get("link_preview_options"))):
        return None
    return TextMessage(update_id, chat_id, text, date, first_name)


def _button_press(update_id: int, q) -> ButtonPress | None:
    if type(q) is not dict or not q.keys() <= _QUERY_KEYS:
        return None
    query_id, data, first_name = q.get("id"), q.get("data"), _first_name(q.get("from"))
    m = q.get("message")
    if (type(query_id) is not str or type(data) is not str or first_name is None
            or type(q.get("chat_instance")) is not str or type(m) is not dict
            or not m.keys() <= _KEYBOARD_KEYS):
        return None
    chat_id, message_id, text = _private_chat(m.get("chat")), m.get("message_id"), m.get("text")
    if (chat_id is None or type(message_id) is not int or _date(m.get("date")) is None
            or not (text is None or type(text) is str) or not _entities(m.get("entities"))
            or not _optional_dict(m.get("link_preview_options"))
            or ("from" in m and _first_name(m["from"]) is None)
            or ("edit_date" in m and _date(m["edit_date"]) is None)):
        return None
    markup = m.get("reply_markup")
    label = None
    if markup is not None:
        rows = markup.get("inline_keyboard") if type(markup) is dict and len(markup) == 1 else None
        if type(rows) is not list:
            return None
        for row in rows:
            if type(row) is not list:
                return None
            for button in row:
                if (type(button) is not dict or set(button) != {"text", "callback_data"}
                        or type(button["text"]) is not str or type(button["callback_data"]) is not str):
                    return None
                if label is None and button["callback_data"] == data:
                    label = button["text"]
    return ButtonPress(update_id, query_id, data, first_name,
                       Pressed(chat_id, message_id, text, markup is not None, label))


def _private_chat(chat) -> int | None:
    if type(chat) is not dict or not chat.keys() <= _CHAT_KEYS or chat.get("type") != "private":
        return None
    chat_id = chat.get("id")
    return chat_id if type(chat_id) is int else None


def _first_name(user) -> str | None:
    if (type(user) is not dict or not user.keys() <= _USER_KEYS or type(user.get("id")) is not int
            or type(user.get("is_bot")) is not bool):
        return None
    name = user.get("first_name")
    if type(name) is not str:
        return None
    for key in ("last_name", "username", "language_code"):
        if key in user and type(user[key]) is not str:
            return None
    if "is_premium" in user and type(user["is_premium"]) is not bool:
        return None
    return name


def _date(value) -> datetime | None:
    # 0 is Telegram's mark of an inaccessible message: PTB reads that case
    if type(value) is not int or value <= 0 or value > 32503680000:   # year 3000
        return None
    return datetime.fromtimestamp(value, tz=timezone.utc)


def _entities(value) -> bool:
    if value is None:
        return True
    if type(value) is not list:
        return False
    return all(type(e) is dict and type(e.get("type")) is str and type(e.get("offset")) is int
               and type(e.get("length")) is int and e.keys() <= {"type", "offset", "length"}
               for e in value)


def _optional_dict(value) -> bool:
    return value is None or type(value) is dict
