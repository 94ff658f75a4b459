"""The text and button updates read from JSON (bot/channels/telegram_updates.py) must say exactly
what python-telegram-bot's own parser says, and leave every other shape to it."""
import copy

from hypothesis import HealthCheck, given, settings, strategies as st
from telegram import Message, Update

from bot.channels import telegram_updates
from bot.channels.telegram_updates import ButtonPress, TextMessage

USER = {"id": 4242, "is_bot": False, "first_name": "Léa", "language_code": "fr"}
BOT = {"id": 123456789, "is_bot": True, "first_name": "IN Système", "username": "insysteme_bot"}
CHAT = {"id": 4242, "type": "private", "first_name": "Léa"}

TEXT = {"update_id": 10, "message": {"message_id": 7, "from": USER, "chat": CHAT, "date": 1795000000,
                                     "text": "slt cmb on touche avec le cej"}}
START = {"update_id": 11, "message": {"message_id": 8, "from": USER, "chat": CHAT, "date": 1795000001,
                                      "text": "/start qr_bx_gare",
                                      "entities": [{"type": "bot_command", "offset": 0, "length": 6}]}}
PRESS = {"update_id": 12, "callback_query": {
    "id": "4382bfdwdsb323b2d9", "from": USER, "chat_instance": "-33587", "data": "intent:question",
    "message": {"message_id": 9, "from": BOT, "chat": CHAT, "date": 1795000002,
                "text": "Salut ! Je peux t'aider.",
                "reply_markup": {"inline_keyboard": [
                    [{"text": "Poser une question", "callback_data": "intent:question"},
                     {"text": "Un conseiller", "callback_data": "intent:conseiller"}]]}}}}
PRESS_NO_TEXT = {"update_id": 13, "callback_query": {
    "id": "99", "from": USER, "chat_instance": "-33587", "data": "x",
    "message": {"message_id": 9, "from": BOT, "chat": CHAT, "date": 1795000002}}}
SAMPLES = [TEXT, START, PRESS, PRESS_NO_TEXT]


def as_ptb(update: dict):
    """What the channel's PTB path extracts from the same update."""
    u = Update.de_json(copy.deepcopy(update), None)
    if u.callback_query is not None:
        q = u.callback_query
        m = q.message
        assert isinstance(m, Message)
        label = None
        if m.reply_markup is not None:
            label = next((b.text for row in m.reply_markup.inline_keyboard for b in row
                          if b.callback_data == q.data), None)
        return ("button", u.update_id, q.id, q.data, q.from_user.first_name, m.chat.id, m.chat.type,
                m.message_id, m.text, m.reply_markup is not None, label)
    m = u.message
    return ("text", u.update_id, m.chat.id, m.chat.type, m.text, m.date, m.from_user.first_name,
            m.forward_origin)


def as_fast(read):
    if isinstance(read, ButtonPress):
        p = read.pressed
        return ("button", read.update_id, read.query_id, read.data, read.first_name, p.chat_id,
                "private", p.message_id, p.text, p.has_keyboard, p.label)
    assert isinstance(read, TextMessage)
    return ("text", read.update_id, read.chat_id, "private", read.text, read.date, read.first_name,
            None)


def test_the_usual_updates_are_read_as_ptb_reads_them():
    for update in SAMPLES:
        read = telegram_updates.read(update)
        assert read is not None, update
        assert as_fast(read) == as_ptb(update)
    assert telegram_updates.read(PRESS).pressed.label == "Poser une question"


def test_every_other_shape_is_left_to_ptb():
    def changed(update, path, value=None, delete=False):
        u = copy.deepcopy(update)
        node = u
        for key in path[:-1]:
            node = node[key]
        if delete:
            del node[path[-1]]
        else:
            node[path[-1]] = value
        return u

    others = [
        changed(TEXT, ["message", "forward_origin"], {"type": "hidden_user", "date": 1,
                                                      "sender_user_name": "X"}),
        {"update_id": 1, "edited_message": {**TEXT["message"], "edit_date": 1795000009}},
        changed(TEXT, ["message", "chat"], {"id": -100, "type": "group", "title": "G"}),
        changed(TEXT, ["message", "text"], delete=True),
        changed(TEXT, ["message", "sticker"], {"file_id": "a"}),
        changed(TEXT, ["message", "chat", "id"], "4242"),
        changed(TEXT, ["message", "chat", "id"], True),
        changed(TEXT, ["message", "date"], "1795000000"),
        changed(TEXT, ["message", "from"], delete=True),
        changed(TEXT, ["message", "from", "first_name"], 12),
        changed(TEXT, ["message", "entities"], [{"type": "bold"}]),
        changed(TEXT, ["update_id"], "10"),
        {**TEXT, "my_chat_member": {}},
        changed(PRESS, ["callback_query", "message", "date"], 0),         # inaccessible message
        changed(PRESS, ["callback_query", "data"], delete=True),
        changed(PRESS, ["callback_query", "game_short_name"], "g"),
        changed(PRESS, ["callback_query", "message", "reply_markup", "inline_keyboard", 0, 0],
                {"text": "Lien", "url": "https://example.org"}),
        changed(PRESS, ["callback_query", "message", "reply_markup"], {"inline_keyboard": "x"}),
        changed(PRESS, ["callback_query", "message", "chat", "type"], "supergroup"),
    ]
    for update in others:
        assert telegram_updates.read(update) is None, update


def _mutations():
    """Random damage to the usual updates: a value replaced by another type, a key dropped or added."""
    leaf = st.one_of(st.none(), st.booleans(), st.integers(-2**40, 2**40), st.text(max_size=20),
                     st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=5),
                                                                          st.integers(), max_size=2))
    return st.tuples(st.sampled_from(SAMPLES), st.lists(
        st.tuples(st.integers(0, 50), st.sampled_from(["set", "drop", "add", "same type"]), leaf,
                  st.text(max_size=30), st.integers(-2**62, 2**62)), max_size=3))


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, prefix + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, prefix + (index,))


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_mutations())
def test_a_damaged_update_is_either_left_to_ptb_or_read_exactly_as_ptb_reads_it(case):
    update, damage = case
    update = copy.deepcopy(update)
    for index, op, value, text, number in damage:
        paths = [p for p in _paths(update) if p]
        if not paths:
            break
        path = paths[index % len(paths)]
        parent = update
        for key in path[:-1]:
            parent = parent[key]
        if op == "same type":          # keeps the shape: these are the cases that get read
            current = parent[path[-1]]
            if type(current) is str:
                parent[path[-1]] = text
            elif type(current) is int:
                parent[path[-1]] = number
        elif op == "set":
            parent[path[-1]] = value
        elif op == "drop":
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent["extra_" + str(index)] = value
    read = telegram_updates.read(update)
    if read is None:
        return
    assert as_fast(read) == as_ptb(update)
