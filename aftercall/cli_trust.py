"""Trust commands: `eval redaction`, `audit pii`, `backup`, `restore`.

Kept apart from cli.py so that work on other commands does not collide with this file;
cli.py registers it in two lines.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)
SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "text"

eval_app = typer.Typer(help="Measure aftercall's accuracy on marked data.", no_args_is_help=True)


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


@eval_app.command("redaction")
def eval_redaction(
    data: Annotated[
        Path | None, typer.Option(help="marked set (JSONL) [default: tests/data/redaction_set]")
    ] = None,
    shared: Annotated[Path, typer.Option(help="../shared/data/text for the real sources")] = SHARED,
    show: Annotated[bool, typer.Option(help="print every miss and false alarm")] = False,
) -> None:
    """Recall and precision of redaction per kind, on the marked set and on real text."""
    from .nlp.redact_eval import SET_PATH, score_abcd, score_cfpb, score_set

    path = data or SET_PATH
    if not path.is_file():
        err.print(f"[red]error:[/] no marked set at {path}", highlight=False)
        raise typer.Exit(1)
    score = score_set(path)
    table = Table("kind", "marked", "found", "recall", "redacted", "correct", "precision")
    for kind, ks in sorted(score.kinds.items()):
        table.add_row(
            kind,
            str(ks.gold),
            str(ks.found),
            _pct(ks.recall),
            str(ks.predicted),
            str(ks.correct),
            _pct(ks.precision),
        )
    out.print(f"[bold]{path.name}[/]: {score.utterances} utterances", highlight=False)
    out.print(table)
    misses, alarms = score.misses, score.false_alarms
    out.print(f"{len(misses)} misses, {len(alarms)} false alarms", highlight=False)
    for line in (misses + alarms) if show else (misses + alarms)[:5]:
        out.print(f"  {line}", highlight=False, markup=False)
    abcd = shared / "abcd_sample" / "abcd_sample.json"
    if abcd.is_file():
        total, found, abcd_misses = score_abcd(abcd)
        out.print(
            f"\n[bold]ABCD chats[/] (crowd-written): {found}/{total} of the e-mails, phones, "
            "addresses and zips customers typed were redacted",
            highlight=False,
        )
        for line in abcd_misses:
            out.print(f"  missed {line}", highlight=False, markup=False)
    cfpb = shared / "cfpb_complaints" / "suyodhanj6_cfpb_2023_with_narrative.csv"
    if cfpb.is_file():
        read, counts, examples = score_cfpb(cfpb, limit=1000)
        total = sum(counts.values())
        kinds = ", ".join(f"{k} {v}" for k, v in counts.most_common()) or "none"
        out.print(
            f"\n[bold]CFPB narratives[/] (already masked by the bureau, so these are mostly "
            f"false alarms): {total} spans in {read} narratives "
            f"({100 * total / max(read, 1):.1f} per 100): {kinds}",
            highlight=False,
        )
        for line in examples[:5]:
            out.print(f"  {line}", highlight=False, markup=False)
    worst = [k for k in ("CARD", "SSN") if k in score.kinds and score.kinds[k].recall != 1.0]
    if worst:
        err.print(f"[red]below target:[/] recall under 100% for {', '.join(worst)}")
        raise typer.Exit(1)
