"""`config/webchat.yml`: how the web chat looks for each Mission Locale (name, logo, colours,
privacy link), with network defaults. Validated once at start; problems as `file:line: message`.

A colour must keep white text readable (WCAG AA, contrast ≥ 4.5:1): a Mission Locale's brand
colour that is too light is refused at `insysteme check`, not discovered by a jeune.
"""
from __future__ import annotations

from pathlib import Path
from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.yamlconf import ConfigError, line_of, load_yaml, validate_file

HEX = r"^#[0-9a-fA-F]{6}$"
LOGO_SUFFIXES = {".svg": "image/svg+xml", ".png": "image/png", ".webp": "image/webp"}


def luminance(color: str) -> float:
    """WCAG relative luminance of `#rrggbb`."""
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4
    r, g, b = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _readable_on_white_text(value: str | None) -> str | None:
    if value is not None and contrast(value, "#ffffff") < 4.5:
        raise ValueError(f"{value} is too light behind white text (contrast "
                         f"{contrast(value, '#ffffff'):.1f}:1, at least 4.5:1 is needed)")
    return value


class Colors(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # header background; white text on it
    primary: str | None = Field(default=None, pattern=HEX)
    # the jeune's bubbles and the buttons; white text on it
    accent: str | None = Field(default=None, pattern=HEX)

    _check = field_validator("primary", "accent")(classmethod(lambda cls, v: _readable_on_white_text(v)))


class Brand(BaseModel):
    """One Mission Locale's look; every field left out comes from `defaults`."""
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, min_length=1, max_length=80)
    tagline: str | None = Field(default=None, min_length=1, max_length=120)
    # a file under config/webchat/ (svg, png or webp)
    logo: str | None = Field(default=None, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,80}$")
    colors: Colors = Field(default_factory=Colors)
    # https address of the Mission Locale's privacy page, or a path on this server
    privacy_url: str | None = Field(default=None, pattern=r"^(https://[^\s\"'<>]+|/[^\s\"'<>]*)$")

    @field_validator("logo")
    @classmethod
    def _logo_kind(cls, value: str | None) -> str | None:
        if value is not None and Path(value).suffix.lower() not in LOGO_SUFFIXES:
            raise ValueError("a logo is an .svg, .png or .webp file")
        return value


class Defaults(Brand):
    name: str = Field(default="Mission Locale", min_length=1, max_length=80)
    tagline: str = Field(default="Pose tes questions, même la nuit. C'est gratuit.",
                         min_length=1, max_length=120)
    privacy_url: str = Field(default="/chat/confidentialite",
                             pattern=r"^(https://[^\s\"'<>]+|/[^\s\"'<>]*)$")


class ResolvedBrand(BaseModel):
    ml_id: str | None
    name: str
    tagline: str
    logo_path: Path | None        # None: the network logo shipped in bot/static/
    primary: str
    accent: str
    privacy_url: str

    @property
    def logo_mime(self) -> str:
        return LOGO_SUFFIXES.get(self.logo_path.suffix.lower(), "image/svg+xml") \
            if self.logo_path else "image/svg+xml"


class WebchatConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    defaults: Defaults = Field(default_factory=Defaults)
    missions_locales: dict[str, Brand] = Field(default_factory=dict)
    logo_dir: Path | None = Field(default=None, exclude=True)
    # the names in missions_locales.yml: a Mission Locale without its own `name` here shows it
    ml_names: dict[str, str] = Field(default_factory=dict, exclude=True)

    def brand(self, ml_id: str | None) -> ResolvedBrand:
        """The look for `ml_id` (unknown or None → the network defaults)."""
        own = self.missions_locales.get(ml_id or "") or Brand()
        d = self.defaults
        logo = own.logo or d.logo
        return ResolvedBrand(
            ml_id=ml_id if (ml_id in self.missions_locales or ml_id in self.ml_names) else None,
            name=own.name or self.ml_names.get(ml_id or "") or d.name, tagline=own.tagline or d.tagline,
            logo_path=(self.logo_dir / logo) if logo and self.logo_dir else None,
            primary=own.colors.primary or d.colors.primary or "#0b4f6c",
            accent=own.colors.accent or d.colors.accent or "#1a5fc8",
            privacy_url=own.privacy_url or d.privacy_url)


def load_webchat_config(path: Path | str, ml_names: dict[str, str] | None = None) -> WebchatConfig:
    """config/webchat.yml (absent → network defaults). `ml_names`: the configured Mission Locales
    (id → name), to catch a look meant for a Mission Locale that does not exist. Logos live in
    config/webchat/ beside it."""
    path = Path(path)
    logo_dir = path.parent / "webchat"
    if not path.exists():
        return WebchatConfig(logo_dir=logo_dir, ml_names=dict(ml_names or {}))
    data = load_yaml(path)
    config = validate_file(WebchatConfig, path, data)
    config.logo_dir = logo_dir
    config.ml_names = dict(ml_names or {})
    problems = []
    known = set(ml_names) if ml_names is not None else None
    for ml_id, brand in config.missions_locales.items():
        if known is not None and ml_id not in known:
            problems.append(f"{path}:{line_of(data, ['missions_locales', ml_id])}: "
                            f"missions_locales: no Mission Locale {ml_id!r} in missions_locales.yml")
    for loc, brand in [(["defaults"], config.defaults)] + [
            (["missions_locales", k], b) for k, b in config.missions_locales.items()]:
        if brand.logo and not (logo_dir / brand.logo).is_file():
            problems.append(f"{path}:{line_of(data, loc + ['logo'])}: logo: no file "
                            f"{brand.logo!r} in {logo_dir}")
    if problems:
        raise ConfigError(problems)
    return config
