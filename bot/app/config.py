"""All of `config/` and `flows/`, validated once at start into typed objects, problems all at once.

`insysteme check` prints `ConfigError.problems` (`file:line: message`) and exits 1; the service
refuses to start on the same problems.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
from bot.understanding.faq import load_faq
from bot.yamlconf import ConfigError, validate_file

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
    flows = _collect(problems, load_flows, flows_dir, set(ACTIONS), set(VALIDATORS))
    if problems:
        raise ConfigError(problems)
    return Config(
        dir=config_dir, settings=settings or Settings(), missions_locales=mls, flows=flows,
        communes=index, territory=TerritoryMap.build(mls, index), actions=actions, faq=faq,
        crisis=crisis, rdv=rdv,
        extra={k: v for k, v in (("posts", posts), ("console", console), ("report", report))
               if v is not None},
    )
