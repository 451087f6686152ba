"""Settings: defaults in code, overridden by a TOML file (`aftercall.toml` or `--config`).

Every policy number the playbook says is "set in config" lives here, so a company can change
its SLAs or its transcription model without touching code.
"""

from __future__ import annotations

import tomllib
from dataclasses import fields
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .nlp.redact import RedactionConfig
from .nlp.transcribe import AsrConfig

DEFAULT_CONFIG_NAME = "aftercall.toml"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


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
    # Transcription: the [asr] table takes AsrConfig's fields (model, beam_size, ...).
    asr: AsrConfig = Field(default_factory=AsrConfig)
    cases: CaseSettings = Field(default_factory=CaseSettings)
    redaction: RedactionConfig = Field(default_factory=RedactionConfig)
    # Longer recordings fail with this reason instead of being decoded (aftercall.process).
    max_audio_s: float = Field(default=2 * 3600.0, gt=0)

    @field_validator("asr", mode="before")
    @classmethod
    def _known_asr_keys(cls, value: object) -> object:
        if isinstance(value, dict):
            unknown = sorted(set(value) - {f.name for f in fields(AsrConfig)})
            if unknown:
                raise ValueError(f"unknown keys: {', '.join(unknown)}")
        return value


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
