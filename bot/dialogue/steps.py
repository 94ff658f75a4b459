"""Flow steps: run a flow's steps until a question waits or every flow has ended."""
from __future__ import annotations

import logging

from bot.dialogue import textes
from bot.dialogue.flows import Flow, Step, condition_holds
from bot.dialogue.registry import ACTIONS
from bot.dialogue.turn import (
    MAX_STEPS,
    Turn,
)
from bot.messages import Reply

log = logging.getLogger(__name__)


class FlowSteps:
    """say, ask, set, branch, goto/call, action, handoff, end."""

    async def _start_flow(self, t: Turn, name: str, keep: bool = False) -> None:
        if name not in self.s.config.flows:
            name = "welcome"
        stack = t.state["stack"]
        if not keep:
            stack.clear()
        elif stack and stack[-1]["flow"] == name:
            stack.pop()   # asking again for the flow we are in: start it over
        if name == "welcome":
            t.state["greeted"] = True
        stack.append({"flow": name, "pc": 0, "waiting": False, "tries": 0})
        await self._run(t)

    async def _run(self, t: Turn) -> None:
        """Run steps until a question waits for an answer or every flow has ended."""
        stack = t.state["stack"]
        for _ in range(MAX_STEPS):
            if not stack:
                return
            frame = stack[-1]
            flow = self.s.config.flows.get(frame["flow"])
            if flow is None or frame["pc"] >= len(flow.steps):
                stack.pop()
                if stack and stack[-1].get("waiting"):
                    # an interruption ended: the question it interrupted is asked again
                    stack[-1]["waiting"] = False
                    t.replies.append(Reply(textes.RESUME))
                continue
            if frame.get("waiting"):
                return
            step = flow.steps[frame["pc"]]
            await self._step(t, flow, frame, step)
        log.error("flow loop: more than %d steps for one message in %s", MAX_STEPS,
                  [f["flow"] for f in stack])
        stack.clear()

    async def _step(self, t: Turn, flow: Flow, frame: dict, step: Step) -> None:
        kind = step.kind
        if kind == "say":
            t.replies.append(Reply(self._fill(t, step.text), buttons=list(step.buttons)))
            frame["pc"] += 1
        elif kind == "ask":
            self._ask(t, step)
            frame["waiting"] = True
            frame["tries"] = 0
        elif kind == "set":
            t.state["slots"].update(step.values)
            frame["pc"] += 1
        elif kind == "branch":
            frame["pc"] += 1
            for cond, verb, target in step.cases:
                if condition_holds(cond, self._facts(t)):
                    self._jump(t, flow, frame, verb, target)
                    break
        elif kind in ("goto", "call"):
            frame["pc"] += 1
            self._jump(t, flow, frame, kind, step.target)
        elif kind == "action":
            frame["pc"] += 1
            await self._call_action(t, step.name, step.params)
        elif kind == "handoff":
            frame["pc"] += 1
            if step.text:
                t.replies.append(Reply(self._fill(t, step.text)))
            await self._call_action(t, "request_human", {})
        elif kind == "end":
            if step.text:
                t.replies.append(Reply(self._fill(t, step.text)))
            frame["pc"] = len(flow.steps)

    def _jump(self, t: Turn, flow: Flow, frame: dict, verb: str, target: str) -> None:
        stack = t.state["stack"]
        if verb == "call":
            stack.append({"flow": target.removeprefix("flow:"), "pc": 0, "waiting": False, "tries": 0})
        elif target.startswith("flow:"):
            stack[-1] = {"flow": target.removeprefix("flow:"), "pc": 0, "waiting": False, "tries": 0}
        else:
            frame["pc"] = flow.index_of(target) or 0

    async def _call_action(self, t: Turn, name: str, params: dict) -> None:
        fn = ACTIONS[name]
        ctx = self._context(t, t.incoming.text or "", params)
        await fn(ctx)
        self._absorb(t, ctx)
