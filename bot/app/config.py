"""All of `config/` and `flows/`, validated once at start into typed objects, problems all at once.

`insysteme check` prints `ConfigError.problems` (`file:line: message`) and exits 1; the service
refuses to start on the same problems.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from datetime import date
from typing import Any

from bot.channels.web_branding import WebchatConfig, load_webchat_config
from bot.console.config import load_console_config
from bot.dialogue.flows import FlowSet, load_flows
from bot.dialogue.registry import ACTIONS, VALIDATORS, load_registry
from bot.posts.config import load_posts_config
from bot.rdv.slots import load_rdv
from bot.reperage.actions_config import load_actions
from bot.report.targets import load_report_config
from bot.settings import Settings
from bot.territoire.communes import CommuneIndex
from bot.territoire.missions_locales import MissionLocale
from bot.territoire.territories import TerritoryMap, load_missions_locales
from bot.understanding.crisis import load_crisis
from bot.understanding.facts import crisis_line_warnings, fact_warnings, fill_facts
from bot.understanding.faq import load_faq
from bot.yamlconf import ConfigError, LineDict, load_yaml, validate_file

ROOT = Path(__file__).resolve().parents[2]
DATA_CSV = ROOT / "data" / "communes-nouvelle-aquitaine.csv"


@dataclass
class Config:
    dir: Path
    settings: Settings
    missions_locales: list[MissionLocale]
    flows: FlowSet
    communes: Any = None       # bot.communes.CommuneIndex
    territory: Any = None      # bot.territoire.TerritoryMap
    actions: Any = None        # bot.actions_config.ActionsConfig
    faq: Any = None            # bot.understanding.faq.FaqConfig
    crisis: Any = None         # bot.understanding.crisis.CrisisConfig
    rdv: Any = None            # bot.rdv.RdvConfig
    webchat: WebchatConfig = field(default_factory=WebchatConfig)   # config/webchat.yml
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ml_by_id(self) -> dict[str, MissionLocale]:
        return {ml.id: ml for ml in self.missions_locales}


def _collect(problems: list[str], fn, *args):
    try:
        return fn(*args)
    except ConfigError as exc:
        problems.extend(exc.problems)
        return None


def load_config(config_dir: Path | str, flows_dir: Path | str | None = None,
                communes_csv: Path | str = DATA_CSV) -> Config:
    config_dir = Path(config_dir)
    flows_dir = Path(flows_dir) if flows_dir else ROOT / "flows" if not (
        config_dir.parent / "flows").is_dir() else config_dir.parent / "flows"
    problems: list[str] = []
    load_registry()

    settings_path = config_dir / "settings.yml"
    settings = (_collect(problems, validate_file, Settings, settings_path)
                if settings_path.exists() else Settings())
    index = CommuneIndex.from_csv(communes_csv)
    mls = _collect(problems, load_missions_locales, config_dir / "missions_locales.yml", index) or []
    ml_ids = [ml.id for ml in mls]
    actions = _collect(problems, load_actions, config_dir / "actions.yml", ml_ids)
    faq = _collect(problems, load_faq, config_dir / "faq.yml")
    crisis = _collect(problems, load_crisis, config_dir / "crisis.yml")
    rdv = _collect(problems, load_rdv, config_dir / "rdv.yml", ml_ids)
    posts_path = config_dir / "posts.yml"
    posts = _collect(problems, load_posts_config, posts_path) if posts_path.exists() else None
    report_path = config_dir / "report.yml"   # the targets the report measures progress against
    report = (_collect(problems, load_report_config, report_path, ml_ids)
              if report_path.exists() else None)
    console_path = config_dir / "console.yml"
    console = (_collect(problems, load_console_config, console_path, ml_ids)
               if console_path.exists() else None)
    webchat = _collect(problems, load_webchat_config, config_dir / "webchat.yml",
                       {ml.id: ml.name for ml in mls})
    flows = _collect(problems, load_flows, flows_dir, set(ACTIONS), set(VALIDATORS))
    if faq is not None:
        if flows is not None:
            _put_facts_in_flows(flows, faq.values)
        problems += _retention_said_right(config_dir / "faq.yml", faq, settings)
    if problems:
        raise ConfigError(problems)
    return Config(
        dir=config_dir, settings=settings or Settings(), missions_locales=mls, flows=flows,
        communes=index, territory=TerritoryMap.build(mls, index), actions=actions, faq=faq,
        crisis=crisis, rdv=rdv, webchat=webchat or WebchatConfig(),
        extra={k: v for k, v in (("posts", posts), ("console", console), ("report", report))
               if v is not None},
    )


def _put_facts_in_flows(flows: FlowSet, values: dict[str, Any]) -> None:
    """Flow texts say `{age_min}`, `{france_travail}`…: the facts of faq.yml, filled once here
    (slots and `{ml_*}` are left for the engine)."""
    for flow in flows.values():
        for step in flow.steps:
            step.text = fill_facts(step.text, values)
            step.reprompt = fill_facts(step.reprompt, values)
            step.buttons = [type(b)(fill_facts(b.label, values), b.value) for b in step.buttons]


def _retention_said_right(path: Path, faq: Any, settings: Settings | None) -> list[str]:
    """The `conservation` fact is what the jeune is told; the purge uses retention_days."""
    fact = faq.facts.get("conservation")
    if fact is None or settings is None:
        return []
    said = f"{settings.retention_days} jours"
    if fact.value.strip() == said:
        return []
    data = load_yaml(path)
    facts = data.get("facts") if isinstance(data, LineDict) else None
    line = facts.line_of("conservation") if isinstance(facts, LineDict) else 1
    return [f"{path}:{line}: facts.conservation: says {fact.value!r} but settings.yml "
            f"retention_days purges after {said}: write {said!r}"]


def config_warnings(config: Config, today: date) -> list[str]:
    """What `insysteme check` warns about without failing: facts and answers unsourced, checked
    more than 12 months before `today`, past their end date or to check again; crisis lines too."""
    out: list[str] = []
    faq_path = config.dir / "faq.yml"
    if config.faq is not None and faq_path.exists():
        data = load_yaml(faq_path)
        facts_node = data.get("facts") if isinstance(data, LineDict) else None
        out += fact_warnings(faq_path, facts_node, config.faq.facts, today)
        topics_node = data.get("topics") if isinstance(data, LineDict) else None
        answers = {tid: {"source": ", ".join(t.sources), "checked": t.checked}
                   for tid, t in config.faq.topics.items() if t.kind == "faq"}
        out += fact_warnings(faq_path, topics_node, answers, today, what="answer")
    crisis_path = config.dir / "crisis.yml"
    if crisis_path.exists():
        out += crisis_line_warnings(crisis_path, load_yaml(crisis_path), today)
    return out
