"""Per-term lookup tables named in the term config: the school table and the open-text themes.

Both default to the packaged files (``resources/schools.yml``, one university's schools, and
``resources/report/themes.yml``); a term of another university or language names its own with
``schools_file:`` / ``themes_file:`` (relative to the config file). :func:`check_lookup_files`
loads them when the config is loaded, so a missing or malformed table is a ConfigError naming the
key (exit 2) before any stage runs.
"""
from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from mentoring_lib.errors import ConfigError, WorkbookError

THEMES_RESOURCE = ("resources", "report", "themes.yml")
#: A theme id names a column of the tables (the config loads this module, so it does not import the config).
THEME_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


class Theme(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    label: str
    #: A comment mentions the theme when a keyword starts one of its words (case-insensitive).
    keywords: list[str] = Field(min_length=1)

    @field_validator("id")
    @classmethod
    def _id(cls, v: str) -> str:
        if not THEME_ID.match(v):
            raise ValueError("use lower-case letters, digits, '-' and '_' only")
        return v

    @field_validator("keywords")
    @classmethod
    def _keywords(cls, v: list[str]) -> list[str]:
        if any(not str(k).strip() for k in v):
            raise ValueError("a blank keyword would match every comment: remove it")
        return v


class ThemesFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: Literal[1] = 1
    themes: list[Theme] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> "ThemesFile":
        ids = [t.id for t in self.themes]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"theme ids must be unique; repeated: {', '.join(repeated)}")
        return self


def load_themes(path: str | Path | None = None) -> list[dict]:
    """The themes (``id``, ``label``, ``keywords``) of ``path``, or the packaged themes.yml."""
    where = Path(path) if path else Path("mentoring_lib", *THEMES_RESOURCE)
    hint = "see mentoring_lib/resources/report/themes.yml for the shape (themes: - id, label, keywords)"
    try:
        text = (Path(path).read_text(encoding="utf-8-sig") if path
                else resources.files("mentoring_lib").joinpath(*THEMES_RESOURCE).read_text(encoding="utf-8"))
        data = yaml.safe_load(text)
    except (OSError, UnicodeDecodeError):
        raise ConfigError("themes file not found or unreadable (it must be UTF-8 text)", file=where) from None
    except yaml.YAMLError:
        raise ConfigError("themes file is not valid YAML", file=where, hint=hint) from None
    try:
        themes = ThemesFile.model_validate(data if isinstance(data, dict) else {"themes": data})
    except ValidationError as e:
        first = e.errors()[0]
        loc = ".".join(str(p) for p in first["loc"]) or "(top level)"
        raise ConfigError(f"themes file, at '{loc}': {first['msg'].removeprefix('Value error, ')}", file=where,
                          hint=hint) from None
    return [t.model_dump() for t in themes.themes]


def check_lookup_files(cfg) -> None:
    """Load every lookup table a term config names; ConfigError naming the key on any problem."""
    from mentoring_lib.io.normalise import school_table

    loaders = {"schools_file": school_table, "themes_file": load_themes}
    for key, load in loaders.items():
        value = getattr(cfg, key)
        if value is None:
            continue
        path = cfg.resolve(value)
        if not path.is_file():
            raise ConfigError(f"file not found: {path}", file=cfg.source, key=key,
                              hint="give the path relative to the config file's folder, or leave the key "
                                   "out to use the packaged table")
        try:
            load(path)
        except WorkbookError as e:
            raise ConfigError(e.message, file=cfg.source, key=key, hint=e.hint or "fix the file and run again"
                              ) from None
