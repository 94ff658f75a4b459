"""The waiting question: its answer (typed or pressed), a retry, asking it again."""
from __future__ import annotations

import logging

from bot.contract import Validation
from bot.dialogue import textes
from bot.dialogue.flows import Step
from bot.dialogue.registry import VALIDATORS
from bot.dialogue.turn import (
    GLOBAL_PREFIXES,
    Turn,
    has_words,
)
from bot.messages import Button, Reply

log = logging.getLogger(__name__)
MENU_FLOWS = ("welcome", "suite")


class WaitingQuestion:
    """A flow's `ask` step waits for the jeune's answer; the validator decides."""

    def _waiting_step(self, t: Turn) -> Step | None:
        stack = t.state["stack"]
        if not stack or not stack[-1].get("waiting"):
            return None
        frame = stack[-1]
        flow = self.s.config.flows.get(frame["flow"])
        if flow is None or frame["pc"] >= len(flow.steps):
            stack.clear()
            return None
        step = flow.steps[frame["pc"]]
        return step if step.kind == "ask" else None

    async def _on_button(self, t: Turn, value: str) -> None:
        step = self._waiting_step(t)
        if step is not None and any(b.value == value for b in step.buttons):
            await self._answer(t, step, value, from_button=True)
            return
        options = t.state.get("options") or []
        if value in options:           # buttons an action offered (slots, communes…)
            if step is not None:
                await self._answer(t, step, value, from_button=True)
                return
        if value.startswith(GLOBAL_PREFIXES):
            await self._global(t, value)
            return
        t.replies.append(Reply(textes.EXPIRED))
        if not self._reask(t, prefix=False):
            await self._start_flow(t, "welcome")

    async def _on_text(self, t: Turn, text: str) -> None:
        step = self._waiting_step(t)
        if step is None and await self._small_talk(t, text, step):
            return
        if (step is None or step.validator != "commune") and await self._commune_said(t, text):
            return
        if step is not None:
            validation = await self._validate(t, step, text)
            if validation.ok:
                await self._apply(t, step, validation)
                await self._run(t)
                return
            if await self._small_talk(t, text, step):   # "merci", "allo ?": the question stays open
                return
            if t.soft_crisis is not None:      # no answer to the question, and it sounds low
                await self._on_crisis(t, t.soft_crisis, text)
                return
            if await self._interruption(t, text, step):
                return
            await self._retry(t, step, validation)
            return
        if not t.state["stack"] and not t.state.get("greeted"):
            match = self._match(text)
            if match is not None and match.topic and not match.ambiguous \
                    and match.topic not in ("salutation", "merci"):
                # greeting plus request ("slt c koi le cej"): a short hello, then the answer
                t.state["greeted"] = True
                t.replies.append(Reply(textes.HELLO_SHORT))
                await self._interruption(t, text, None)
                return
            await self._start_flow(t, "welcome")
            return
        if await self._interruption(t, text, None):
            return
        match = self._match(text)
        self._not_understood(t, match)

    def _ask(self, t: Turn, step: Step, text: str | None = None) -> None:
        buttons = list(step.buttons)
        options = t.state.get("options") or []
        if not buttons and options:
            buttons = [Button(o["label"], o["value"]) for o in t.state.get("option_buttons", [])]
        t.replies.append(Reply(self._fill(t, text or step.text), buttons=buttons))

    def _is_menu(self, t: Turn, step: Step) -> bool:
        """The welcome's (or the follow-up's) menu: its buttons stay in the conversation, it is
        never sent whole again after an answer or a QR reload."""
        stack = t.state["stack"]
        return bool(stack) and stack[-1]["flow"] in MENU_FLOWS and len(step.buttons) >= 3

    def _reask(self, t: Turn, prefix: bool = True) -> bool:
        """The waiting question again, once after an interruption, never a whole menu again."""
        step = self._waiting_step(t)
        if step is None:
            return False
        frame = t.state["stack"][-1]
        if self._is_menu(t, step) or frame.get("reasked"):
            return True
        frame["reasked"] = True
        text = self._fill(t, step.text)
        if prefix:
            text = f"{textes.RESUME} {text[0].lower() + text[1:] if text else text}"
        self._ask(t, step, text)
        return True

    async def _validate(self, t: Turn, step: Step, text: str) -> Validation:
        fn = VALIDATORS[step.validator]
        offered = list(step.buttons) + [Button(o["label"], o["value"])
                                        for o in t.state.get("option_buttons", [])]
        ctx = self._context(t, text, {"buttons": offered, "answers": step.answers})
        result = await fn(ctx, text)
        self._absorb(t, ctx)
        return result

    async def _answer(self, t: Turn, step: Step, value: str, from_button: bool) -> None:
        validation = await self._validate(t, step, value)
        if not validation.ok and from_button:
            validation = Validation(ok=True, value=value)
        if validation.ok:
            await self._apply(t, step, validation)
            await self._run(t)
        else:
            await self._retry(t, step, validation)

    async def _apply(self, t: Turn, step: Step, v: Validation) -> None:
        slots = t.state["slots"]
        slots[step.slot] = v.value
        slots.update(v.slots)
        t.state.pop("options", None)
        t.state.pop("option_buttons", None)
        frame = t.state["stack"][-1]
        frame["waiting"] = False
        frame["tries"] = 0
        frame["pc"] += 1

    async def _retry(self, t: Turn, step: Step, v: Validation) -> None:
        frame = t.state["stack"][-1]
        frame["tries"] = frame.get("tries", 0) + 1
        if v.buttons:   # ambiguous answer: choose among these
            t.state["options"] = [b.value for b in v.buttons]
            t.state["option_buttons"] = [{"label": b.label, "value": b.value} for b in v.buttons]
            t.replies.append(Reply(v.message or step.reprompt or step.text, buttons=v.buttons))
            return
        if frame["tries"] > step.retries:
            frame["waiting"] = False
            frame["tries"] = 0
            t.state["slots"][step.slot] = None
            if v.message:
                t.replies.append(Reply(self._fill(t, v.message)))
            flow = self._flow(frame["flow"])
            if step.on_fail == "skip":
                frame["pc"] += 1
            else:
                self._jump(t, flow, frame, "goto", step.on_fail)
            await self._run(t)
            return
        message = v.message or step.reprompt or step.text
        buttons = list(step.buttons)
        t.replies.append(Reply(self._fill(t, message), buttons=buttons))

    async def _small_talk(self, t: Turn, text: str, step) -> bool:
        """Thanks, ok, "allo ?", emoji alone: a short human answer; the question stays open."""
        kind = textes.small_talk(text)
        if kind is None:
            return False
        if kind == "hello" and not t.state["stack"] and not t.state.get("greeted"):
            return False                      # the welcome does it
        t.replies.append(Reply(textes.SMALL_TALK[kind]))
        if kind == "here" and step is not None and not self._is_menu(t, step):
            self._ask(t, step)
        return True

    async def _commune_said(self, t: Turn, text: str) -> bool:
        """ "jhabite a perigeux", "33000" when no question waits: the commune is taken (and the
        Mission Locale with it), and what was asked before it is answered (the hours)."""
        name = textes.commune_statement(text, bare=bool(t.state.get("asked_commune")))
        if not name:
            return False
        fn = VALIDATORS.get("commune")
        if fn is None:
            return False
        ctx = self._context(t, name, {})
        v = await fn(ctx, name)
        self._absorb(t, ctx)
        if not v.ok:
            return False
        t.state["slots"]["commune_insee"] = v.value
        t.state["slots"].update(v.slots)
        asked = t.state.pop("asked_commune", None)
        if v.slots.get("commune_outside"):
            t.replies.append(Reply(textes.OUTSIDE))
            return True
        ml = self._ml(t)
        if asked in ("horaires", None) and ml is not None:
            self._faq_answer(t, "horaires")
        elif asked == "rdv" and "rdv" in self.s.config.flows:
            await self._start_flow(t, "rdv", keep=True)
        return True

    async def _reply_to(self, t: Turn, text: str, cut: bool) -> None:
        """The message as an answer: a button, the waiting question's answer, or free text."""
        inc = t.incoming
        if cut:
            t.replies.append(Reply(textes.TOO_LONG))
        if inc.kind == "button":
            await self._on_button(t, inc.button_value or "")
            return
        if not text:
            t.replies.append(Reply(textes.EMPTY))
            self._reask(t)
            return
        if not has_words(text):
            if await self._small_talk(t, text, self._waiting_step(t)):
                return
            if textes.EMOJI_SAD.search(text):
                t.replies.append(Reply(textes.SAD_EMOJI))
                return
            t.replies.append(Reply(textes.NO_WORDS))
            return
        await self._on_text(t, text)
