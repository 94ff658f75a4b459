"""`insysteme chat`: talk to the bot as a jeune from a terminal (SPEC: each stdin line is a message;
bot lines start with `bot> `; buttons print as `  [1] label`; a reply may be the label or its number)."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable, TextIO

from bot.messages import Button, Incoming, Reply


class TerminalChat:
    name = "terminal"

    def __init__(self, engine, user: str, out: TextIO, clock, source: str | None = None,
                 attachments_dir: Path | None = None, step_seconds: int = 5):
        self.engine = engine
        self.user = user
        self.out = out
        self.clock = clock
        self.source = source
        self.attachments_dir = attachments_dir
        self.step_seconds = step_seconds
        self.buttons: list[Button] = []

    async def send(self, address: str, replies: list[Reply]) -> bool:
        if address != self.user:
            return False
        self.print(replies)
        return True

    def print(self, replies: Iterable[Reply]) -> None:
        for reply in replies:
            who = "" if reply.author == "bot" else f"[{reply.author.removeprefix('referent:')}] "
            for i, line in enumerate((reply.text or "").split("\n")):
                self.out.write(f"bot> {who if i == 0 else ''}{line}\n")
            if reply.attachment is not None:
                where = self._save(reply.attachment)
                self.out.write(f"bot> [pièce jointe : {reply.attachment.filename}"
                               + (f" → {where}" if where else "") + "]\n")
            if reply.buttons:
                self.buttons = list(reply.buttons)
                for n, button in enumerate(reply.buttons, 1):
                    self.out.write(f"  [{n}] {button.label}\n")
        self.out.flush()

    def _save(self, attachment) -> str | None:
        if self.attachments_dir is None:
            return None
        self.attachments_dir.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9._-]", "_", attachment.filename) or "piece-jointe"
        path = self.attachments_dir / name
        path.write_bytes(attachment.content)
        return str(path)

    def to_incoming(self, line: str) -> Incoming:
        text = line.rstrip("\r\n")
        at = self.clock.now()
        stripped = text.strip()
        if stripped.startswith("/start"):
            code = stripped[6:].strip() or None
            return Incoming("terminal", self.user, text="", kind="start", source=code, at=at)
        chosen = None
        if stripped.isdigit() and 1 <= int(stripped) <= len(self.buttons):
            chosen = self.buttons[int(stripped) - 1]
        else:
            for b in self.buttons:
                if stripped.casefold() == b.label.casefold():
                    chosen = b
        if chosen is not None:
            return Incoming("terminal", self.user, text=chosen.label, kind="button",
                            button_value=chosen.value, source=self.source, at=at)
        return Incoming("terminal", self.user, text=text, source=self.source, at=at)

    async def run(self, lines: Iterable[str]) -> None:
        if self.source:
            self.print(await self.engine.handle(Incoming(
                "terminal", self.user, kind="start", source=self.source, at=self.clock.now())))
        for line in lines:
            incoming = self.to_incoming(line)
            self.buttons = []
            self.print(await self.engine.handle(incoming))
            if hasattr(self.clock, "advance"):
                self.clock.advance(seconds=self.step_seconds)
