"""`aftercall train`, `aftercall eval detector`, `aftercall bench nlp`: the detector's model
commands, registered on the main app by ``register``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from aftercall.cli.main import app, bench_app, eval_app

out = Console(soft_wrap=True)
if not out.is_terminal:  # piped or captured: keep table rows on one line
    out = Console(soft_wrap=True, width=150)
err = Console(stderr=True, soft_wrap=True)


def _table(title: str, rows: dict[str, dict], columns: list[str]) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column("")
    for col in columns:
        table.add_column(col, justify="right")
    for name, row in rows.items():
        table.add_row(name, *(_fmt(row.get(c)) for c in columns))
    return table


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.3f}"
    return "" if value is None else str(value)


def train(
    out_file: Annotated[
        Path | None,
        typer.Option("--out", help="where to write the model \\[default: models/outcome.json]"),
    ] = None,
) -> None:
    """Train the outcome classifier on the development set and write models/outcome.json."""
    # lazy: `aftercall --help` and other commands start fast
    from aftercall.training.train import train as fit

    model = fit(out_file)
    cols = ["precision", "recall", "f1", "roc_auc", "brier", "threshold"]
    for split in ("cv", "test"):
        rows = {name: r[split] for name, r in model["comparison"].items()}
        where = "train, out-of-fold by source" if split == "cv" else "held-out test families"
        out.print(_table(f"dev set, {where} (unresolved = positive)", rows, cols))
    dest = out_file or "models/outcome.json"
    out.print(f"wrote {dest}: {model['model_version']}, threshold {model['threshold']:.3f}")


def train_leaving(
    out_file: Annotated[
        Path | None,
        typer.Option("--out", help="where to write the model \\[default: models/leaving.json]"),
    ] = None,
    data: Annotated[
        Path | None, typer.Option(help="shared data folder \\[default: ../shared/data]")
    ] = None,
) -> None:
    """Train how the customer left (p_dissatisfied) on USS and write models/leaving.json."""
    # lazy: `aftercall --help` and other commands start fast
    from aftercall.training.datasets import shared_data_dir
    from aftercall.training.leaving import train as fit  # lazy: as above

    root = shared_data_dir(data)
    if root is None:
        raise typer.BadParameter(f"no shared data at {data or '../shared/data'}: USS is needed")
    model = fit(root, out_file)
    dest = out_file or "models/leaving.json"
    out.print(f"wrote {dest}: {model['model_version']}, trained on {model['trained_on']}")


def eval_detector(
    out_dir: Annotated[Path, typer.Option("--out", help="folder for the PR curve and JSON")] = Path(
        "eval"
    ),
    uss_per_set: Annotated[int, typer.Option(help="USS dialogues per set (0 = all)")] = 200,
    cfpb: Annotated[int, typer.Option(help="CFPB narratives (0 = all mapped)")] = 300,
    data: Annotated[
        Path | None, typer.Option(help="shared data folder \\[default: ../shared/data]")
    ] = None,
) -> None:
    """Score the detector: dev test split, USS satisfaction, CFPB categories; PR curve PNG."""
    # lazy: `aftercall --help` and other commands start fast
    from aftercall.evaluation.detector import evaluate

    report = evaluate(out_dir, uss_per_set=uss_per_set, cfpb_limit=cfpb, data=data, log=err.print)
    rows = report["rows"]
    real = ("bank calls", "insurance calls", "tone-crossed")
    cols = ["n", "precision", "recall", "f1", "roc_auc", "brier", "accuracy", "macro_recall"]
    ours = {k: v for k, v in rows.items() if not k.startswith(real)}
    out.print(_table("aftercall eval detector", ours, cols))
    elsewhere = {k: v for k, v in rows.items() if k.startswith(real)}
    cols = ["n", "false_alarm_rate", "f1_flag", "f1_flag_every_call", "roc_auc", "accuracy"]
    out.print(_table("calls written elsewhere (the flag: outcome unresolved)", elsewhere, cols))
    for line in _targets(rows):
        out.print(line, highlight=False)
    for note in report["notes"]:
        out.print(f"- {note}", highlight=False)
    out.print(f"wrote {report['png']} and {report['json']}")


def eval_learning(
    out_dir: Annotated[Path, typer.Option("--out", help="folder for the chart and JSON")] = Path(
        "eval"
    ),
    only: Annotated[
        list[str] | None,
        typer.Option(
            "--set", help="only this set (repeatable): bank calls, tone-crossed, USS MWOZ ..."
        ),
    ] = None,
    sizes: Annotated[str, typer.Option(help="labels given, comma-separated")] = "0,5,10,20,50",
    uss_per_set: Annotated[int, typer.Option(help="USS dialogues per set")] = 100,
    data: Annotated[
        Path | None, typer.Option(help="shared data folder \\[default: ../shared/data]")
    ] = None,
) -> None:
    """Learning curves: F1, false alarms and AUC against the number of site labels given, at
    random and in the review queue's uncertainty order; a PNG chart."""
    # lazy: `aftercall --help` and other commands start fast
    from aftercall.evaluation import learning

    # lazy: as above
    from aftercall.training.datasets import shared_data_dir

    try:
        counts = [int(s) for s in sizes.split(",") if s.strip()]
    except ValueError as exc:
        raise typer.BadParameter(f"--sizes must be numbers, comma-separated: {sizes!r}") from exc
    if not counts or any(n < 0 for n in counts):
        raise typer.BadParameter("--sizes needs at least one number >= 0")
    available = learning.sets(shared_data_dir(data), uss_per_set)
    chosen = {k: v for k, v in available.items() if not only or k in only}
    if not chosen:
        raise typer.BadParameter(f"no such set; there are: {', '.join(available)}")
    curves = {}
    for name, items in chosen.items():
        err.print(f"{name} ({len(items)} calls) ...", highlight=False, markup=False)
        curves[name] = learning.curve(items, counts, log=lambda m: err.print(m, markup=False))
    out_dir.mkdir(parents=True, exist_ok=True)
    png, js = out_dir / "learning_curve.png", out_dir / "eval_learning.json"
    learning.plot(curves, png)
    js.write_text(json.dumps(curves, indent=1) + "\n", encoding="utf-8")
    table = Table(title="aftercall eval learning", title_justify="left")
    for col in ("set", "order", "labels", "n scored", "F1", "false alarms", "AUC"):
        table.add_column(col, justify="right" if col not in ("set", "order") else "left")
    for name, by_order in curves.items():
        for how, points in by_order.items():
            for pt in points:
                table.add_row(
                    name,
                    how,
                    str(pt["labels"]),
                    str(pt["n"]),
                    *(_fmt(pt[k]) for k in ("f1", "false_alarms", "auc")),
                )
    out.print(table)
    out.print(f"wrote {png} and {js}")


# issue 16's targets, printed beside the figures: (row, metric, at least / at most, value)
TARGETS = (
    ("bank calls: completed, rated >= 9 or unrated", "false_alarm_rate", "<=", 0.03),
    ("tone-crossed: outcome", "f1_flag", ">=", 0.90),
    ("tone-crossed: angry-resolved", "accuracy", ">=", 0.85),
    ("tone-crossed: angry-unresolved", "accuracy", ">=", 0.85),
    ("tone-crossed: warm-resolved", "accuracy", ">=", 0.85),
    ("tone-crossed: warm-unresolved", "accuracy", ">=", 0.85),
    ("USS all: p_unresolved", "roc_auc", ">=", 0.62),
    ("dev test: outcome", "f1", ">=", 0.90),
)


def _targets(rows: dict[str, dict]) -> list[str]:
    lines = []
    for row, metric, how, target in TARGETS:
        value = rows.get(row, {}).get(metric)
        if value is None:
            lines.append(f"target {row} {metric} {how} {target}: not measured (no data)")
            continue
        met = value <= target if how == "<=" else value >= target
        verdict = "met" if met else "NOT met"
        lines.append(f"target {row} {metric} {how} {target}: {value:.3f} {verdict}")
    return lines


def bench_nlp(
    calls: Annotated[int, typer.Option(help="generated transcripts")] = 1000,
    words: Annotated[int, typer.Option(help="words per transcript, about")] = 900,
    n_process: Annotated[int, typer.Option(help="spaCy processes (0 = one per CPU)")] = 0,
) -> None:
    """Calls per second through the detector vs bare nlp.pipe of the same model, one run."""
    # lazy: `aftercall --help` and other commands start fast
    from aftercall.evaluation.bench_nlp import run

    result = run(calls=calls, words=words, n_process=n_process, log=err.print)
    table = Table(
        title=f"aftercall bench nlp: {calls} calls of ~{words} words", title_justify="left"
    )
    for col in ("", "seconds", "calls/s", "words/s"):
        table.add_column(col, justify="right")
    for name in ("bare_stock", "bare_same", "aftercall"):
        r = result[name]
        table.add_row(
            name, f"{r['seconds']:.1f}", f"{r['calls_per_s']:.1f}", f"{r['words_per_s']:,.0f}"
        )
    out.print(table)
    for name in ("bare_stock", "bare_same", "aftercall"):
        out.print(f"{name}: {result[name]['pipes']}", highlight=False)
    out.print(
        f"ratio aftercall / bare stock model: {result['ratio_stock']:.2f}; "
        f"/ bare with the same components: {result['ratio_same']:.2f} "
        f"(n_process={result['n_process']}, batch_size={result['batch_size']})"
    )


app.command("train")(train)
app.command("train-leaving")(train_leaving)
eval_app.command("detector")(eval_detector)
eval_app.command("learning")(eval_learning)
bench_app.command("nlp")(bench_nlp)
