"""Building real services for tests: real stores, an injected clock, a config of choice."""
from __future__ import annotations

from pathlib import Path

from bot.dialogue.registry import ACTIONS, VALIDATORS, load_registry
from bot.app.config import Config, load_config
from bot.dialogue.engine import Engine
from bot.dialogue.flows import load_flows
from bot.app.services import build_services
from bot.settings import Env, Settings
from bot.stores.state import MemoryStateStore, RedisStateStore

ROOT = Path(__file__).resolve().parent.parent
ENGINE_FLOWS = ROOT / "tests" / "data" / "flows_engine"


def small_config(flows_dir: Path = ENGINE_FLOWS, **kw) -> Config:
    """The engine alone: the given flows, the real crisis answers, no territory nor FAQ."""
    from bot.understanding.crisis import load_crisis
    load_registry()
    return Config(dir=ROOT / "config", settings=kw.pop("settings", Settings()),
                  missions_locales=[], flows=load_flows(flows_dir, set(ACTIONS), set(VALIDATORS)),
                  crisis=load_crisis(ROOT / "config" / "crisis.yml"), **kw)


_FULL = {}


def full_config() -> Config:
    """The shipped config/ and flows/ (parsed once per test process)."""
    if "c" not in _FULL:
        _FULL["c"] = load_config(ROOT / "config", ROOT / "flows")
    return _FULL["c"]


async def make_engine(tmp_path: Path, clock, config: Config | None = None, database_url: str | None = None,
                      redis_url: str | None = None, redis_prefix: str = "t:"):
    env = Env(database_url=database_url or f"sqlite:///{tmp_path / 'records.db'}",
              var_dir=tmp_path, secret="test-secret", config_dir=ROOT / "config")
    state = (RedisStateStore(redis_url, prefix=redis_prefix) if redis_url
             else MemoryStateStore())
    services = await build_services(env, clock, config=config or small_config(), state=state)
    return Engine(services), services
