"""What crosses the channel/engine boundary: plain data, no channel specifics."""
from __future__ import annotations

import base64

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

# Kinds of incoming message a channel may report. Non-text kinds get a polite answer.
MessageKind = Literal[
    "text", "button", "start", "sticker", "photo", "voice", "audio", "video", "video_note",
    "document", "location", "contact", "poll", "other", "edited",
]


@dataclass(frozen=True)
class Button:
    label: str
    value: str


@dataclass(frozen=True)
class Attachment:
    filename: str
    mime: str
    content: bytes


@dataclass
class Reply:
    text: str
    buttons: list[Button] = field(default_factory=list)
    attachment: Attachment | None = None
    # who speaks: "bot", or "referent:<first name>" when a person answers
    author: str = "bot"
    priority: str = "normal"  # "crisis" replies are sent before anything else
    # set by the engine when the reply was written to the durable outbox with the turn (its row,
    # or True when an earlier run of the same message wrote it): the outbox delivers it, the
    # channel must not send it a second time
    queued: Any = field(default=None, compare=False, repr=False)

    def to_payload(self) -> dict:
        """Everything needed to send it later, from another process (the outbox row)."""
        data = self.to_dict()
        if self.attachment is not None:
            data["attachment"]["content"] = base64.b64encode(self.attachment.content).decode()
        return data

    @classmethod
    def from_payload(cls, data: dict) -> "Reply":
        att = data.get("attachment")
        return cls(text=data.get("text", ""),
                   buttons=[Button(b["label"], b["value"]) for b in data.get("buttons") or []],
                   attachment=Attachment(att["filename"], att["mime"],
                                         base64.b64decode(att.get("content", ""))) if att else None,
                   author=data.get("author", "bot"), priority=data.get("priority", "normal"))

    def to_dict(self) -> dict:
        return {
            "text": self.text,
            "buttons": [{"label": b.label, "value": b.value} for b in self.buttons],
            "attachment": (
                {"filename": self.attachment.filename, "mime": self.attachment.mime}
                if self.attachment else None
            ),
            "author": self.author,
            "priority": self.priority,
        }


@dataclass
class Incoming:
    """One message from a jeune, already stripped of its channel's shape.

    `address` is the channel's own id for the jeune (a Telegram chat id, a web-chat session):
    personal data, never written to events; the engine derives a pseudonymous jeune id from it.
    """

    channel: str
    address: str
    text: str = ""
    kind: MessageKind = "text"
    button_value: str | None = None   # set when a button was pressed
    source: str | None = None         # deep-link / QR code (`/start CODE`)
    at: datetime | None = None        # when the jeune wrote; None → the engine's clock
    message_id: str | None = None     # channel-unique id, for exactly-once handling
    first_name: str | None = None
