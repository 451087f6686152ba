"""Settings: defaults in code, overridden by a TOML file (`aftercall.toml` or `--config`).

Every policy number the playbook says is "set in config" lives here, so a company can change
its SLAs or its transcription model without touching code.
"""

from __future__ import annotations

import ipaddress
import os
import tomllib
from dataclasses import fields, replace
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from aftercall.nlp.redact import RedactionConfig
from aftercall.nlp.transcribe import AsrConfig

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
    # same_issue: only a call about the same category is a repeat; any_issue: any call is.
    repeat_mode: Literal["same_issue", "any_issue"] = "same_issue"
    # Earlier failures that count as strikes (PLAYBOOK rule 1), and where a failure after a
    # recovery case goes.
    strike_window_days: float = Field(default=90.0, ge=0)
    senior_queue: str = "senior"
    # Closing a case as recovered schedules a check this many days later (rule 9).
    followup_days: float = Field(default=7.0, ge=0)
    # The currency every amount is shown in (caps, gestures): an ISO code or a symbol.
    currency: str = Field(default="USD", min_length=1, max_length=8)
    # What the owner may grant without approval, per atonement tier (rule 6), in currency.
    atonement_caps: dict[str, float] = Field(
        default_factory=lambda: {"apology": 0, "gesture": 25, "credit": 100, "senior": 250}
    )
    # Share of eligible cases held out of outreach to measure its lift (0 = none).
    holdout_share: float = Field(default=0.0, ge=0, le=0.5)
    holdout_seed: str = "aftercall"
    # The lift of outreach is measured on repeat contacts (within repeat_window_days of the
    # case opening) and on churn: a churn threat on a later call within this many days.
    churn_window_days: float = Field(default=30.0, ge=0)
    # Fewer judged cases than this in either group and the report says the sample is too
    # small to trust (the interval is still shown, and is wide).
    holdout_min_cases: int = Field(default=30, ge=1)
    # No outreach list offers a customer inside these local hours (their time zone when
    # known, else the company's).
    quiet_start: str = Field(default="21:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    quiet_end: str = Field(default="08:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    company_timezone: str = "UTC"
    # An agent may take over another agent's case (with a reason, an event both see) once
    # its SLA is missed; a manager always may.
    takeover_after_sla: bool = True

    @field_validator("company_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("atonement_caps")
    @classmethod
    def _tiers(cls, value: dict[str, float]) -> dict[str, float]:
        missing = {"apology", "gesture", "credit", "senior"} - set(value)
        if missing or any(v < 0 for v in value.values()):
            raise ValueError("needs apology, gesture, credit and senior, each >= 0")
        return value


class WebhookSettings(_Section):
    # Where case events are POSTed; empty = no webhooks. The signing secret is read from the
    # environment variable named here, so it never sits in a config file.
    url: str = ""
    secret_env: str = "AFTERCALL_WEBHOOK_SECRET"
    events: list[Literal["case.opened", "case.escalated", "case.closed"]] = Field(
        default_factory=lambda: ["case.opened", "case.escalated", "case.closed"]
    )
    timeout_s: float = Field(default=5.0, gt=0)
    attempts: int = Field(default=4, ge=1, le=10)
    # First wait between attempts; it doubles each time (with jitter), up to 30 s.
    backoff_s: float = Field(default=1.0, ge=0)


class EventSettings(_Section):
    # Fulfilment events in (refund posted, visit done, callback made): `aftercall promises
    # import FILE.csv` and the web app's signed POST /api/events. The signing secret is read
    # from the environment variable named here (never a config file); unset = the endpoint
    # refuses every request. An event settles a promise of the same customer and kind made
    # at most match_days before it happened.
    secret_env: str = "AFTERCALL_EVENTS_SECRET"
    tolerance_s: float = Field(default=300.0, gt=0, le=3600)
    match_days: float = Field(default=60.0, gt=0)


class RunSettings(_Section):
    # A second run on the same database waits this long for the first, then exits saying so.
    lock_wait_s: float = Field(default=0.0, ge=0, le=24 * 3600)
    # Transcription and analysis of one file longer than this fails that file (with this
    # reason), not the run; 0 = no limit.
    call_timeout_s: float = Field(default=1800.0, ge=0)
    # Calls transcribed at once. 1 = one after the other in the flow process. "auto" = half
    # the cores (each call has two channels to decode), at least 2: on 2 cores two calls at
    # once took 215 s for 200 calls against 248 s one at a time (same benchmark run), since
    # one call's shorter channel and its analysis leave a core idle.
    workers: int | Literal["auto"] = Field(default="auto")
    # thread: Prefect's ThreadPoolTaskRunner in the flow process; dask: prefect-dask's
    # DaskTaskRunner, a local cluster of `workers` processes, or the cluster at dask_address.
    task_runner: Literal["thread", "dask"] = "thread"
    dask_address: str = ""

    @field_validator("workers")
    @classmethod
    def _workers_in_range(cls, value: int | str) -> int | str:
        if isinstance(value, int) and not 1 <= value <= 256:
            raise ValueError('workers must be 1 to 256, or "auto"')
        return value


class LimitSettings(_Section):
    # Work on one call is bounded whatever its file size: a transcript with more turns, or a
    # turn with more characters, is not analysed; the call fails with the limit as its reason
    # (a 100,000-line transcript, 600 KB, took ~8 min of CPU). Analysis costs ~1.5 ms per
    # short turn on one core; a 2-hour call (max_audio_s) has ~1,000-3,000 turns, and 20,000
    # characters is ~20 minutes of one person talking without a pause.
    max_turns: int = Field(default=5000, ge=1)
    max_turn_chars: int = Field(default=20_000, ge=100)


class ScheduleSettings(_Section):
    # `aftercall serve`: the inbox the scheduled pipeline reads, and when each flow runs.
    # pipeline_cron wins over pipeline_every_minutes when set. Cron strings are 5-field,
    # in `timezone`.
    inbox: str = "inbox"
    pipeline_every_minutes: float = Field(default=15.0, gt=0)
    pipeline_cron: str = ""
    # Promise ledger and due follow-ups (one refresh of the cases does both).
    checks_cron: str = "0 7 * * *"
    retrain_cron: str = "0 3 * * 0"
    timezone: str = "UTC"


class ModelSettings(_Section):
    # The outcome model the pipeline scores with, and the file a promoted retrain replaces;
    # "" = the shipped models/outcome.json until a retrain promotes one, which then lives
    # beside the database in <db stem>-models/. Candidates are written beside the model file
    # as <model_version>.json.
    outcome_path: str = ""
    # A retrained model replaces the current one only when its Brier score on the site's
    # newest QA labels (held out of its training) beats the current model's by more than this,
    min_gain: float = Field(default=0.0, ge=0, le=1)
    # ... and its F1(unresolved) on the development set's test split is lower by at most this
    max_dev_drop: float = Field(default=0.02, ge=0, le=1)
    # fewer QA labels than this: nothing to judge a candidate on; the model in use stays
    min_site_labels: int = Field(default=20, ge=1)
    # the newest share of the QA labels held out to judge on
    holdout_share: float = Field(default=0.3, gt=0, lt=1)


class WebSettings(_Section):
    """`aftercall web`. The client address (the login rate limit's key) is the TCP peer's;
    X-Forwarded-For is believed only from the proxies listed here, since anyone can send the
    header and a rotated one would otherwise escape the lock (issue 20, item 12)."""

    # Addresses or networks (CIDR) of reverse proxies in front of the app; none by default.
    trusted_proxies: list[str] = Field(default_factory=list)

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for item in value:
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError as exc:
                raise ValueError(f"{item!r} is not an IP address or network") from exc
        return value


class Settings(_Section):
    db: Path = Path("aftercall.duckdb")
    # Transcription: the [asr] table takes AsrConfig's fields (model, beam_size, ...).
    asr: AsrConfig = Field(default_factory=AsrConfig)
    cases: CaseSettings = Field(default_factory=CaseSettings)
    redaction: RedactionConfig = Field(default_factory=RedactionConfig)
    # Longer recordings fail with this reason instead of being decoded (aftercall.pipeline.call).
    max_audio_s: float = Field(default=2 * 3600.0, gt=0)
    limits: LimitSettings = Field(default_factory=LimitSettings)
    webhooks: WebhookSettings = Field(default_factory=WebhookSettings)
    events: EventSettings = Field(default_factory=EventSettings)
    run: RunSettings = Field(default_factory=RunSettings)
    schedule: ScheduleSettings = Field(default_factory=ScheduleSettings)
    model: ModelSettings = Field(default_factory=ModelSettings)
    web: WebSettings = Field(default_factory=WebSettings)

    def sized_for_runner(self, cores: int | None = None) -> Settings:
        """These settings for this machine (idempotent): [run] workers = "auto" resolved to
        half the cores, at least 2; and Whisper's parallel decodes ([asr] num_workers, per
        process) sized to the task runner and the cores.

        Threads: one model in the flow process serves `workers` calls at once, two channels
        each; left at 2, a 16-core machine running 8 calls would decode 2 channels at a time.
        So it rises to 2 x workers, at most the cores (never below what [asr] asks). Local
        Dask cluster: `workers` processes each load their own model and share the cores; 2
        decodes in each of 2 processes on 2 cores is 4 streams on 2 cores, so each gets at
        most cores / workers. A remote cluster (dask_address) has its own machines:
        unchanged."""
        cores = cores or os.cpu_count() or 1
        run = self.run
        if run.workers == "auto":
            run = run.model_copy(update={"workers": max(2, cores // 2)})
        asr = self.asr
        if run.task_runner == "dask":
            if not run.dask_address:
                asr = replace(asr, num_workers=min(asr.num_workers, max(1, cores // run.workers)))
        else:
            asr = replace(asr, num_workers=max(asr.num_workers, min(2 * run.workers, cores)))
        if run == self.run and asr == self.asr:
            return self
        return self.model_copy(update={"run": run, "asr": asr})

    def retrained_model_file(self) -> Path:
        """Where a retrain promotes to when [model] outcome_path is empty: beside the
        database (`<db stem>-models/outcome.json`), never inside the installed package, so a
        promoted model survives an upgrade and a read-only install can still retrain."""
        return self.db.parent / f"{self.db.stem}-models" / "outcome.json"

    def outcome_model_file(self) -> str | None:
        """The outcome model the pipeline scores with: [model] outcome_path when set, else a
        model a retrain promoted beside the database, else None (the shipped one)."""
        if self.model.outcome_path:
            return self.model.outcome_path
        local = self.retrained_model_file()
        return str(local) if local.is_file() else None

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
