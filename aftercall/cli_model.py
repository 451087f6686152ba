"""`aftercall train`, `aftercall eval detector`, `aftercall bench nlp`: the detector's model
commands, registered on the main app by ``register``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

out = Console(soft_wrap=True)
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
        typer.Option("--out", help="where to write the model [default: models/outcome.json]"),
    ] = None,
) -> None:
    """Train the outcome classifier on the development set and write models/outcome.json."""
    from .training import train as fit

    model = fit(out_file)
    cols = ["precision", "recall", "f1", "roc_auc", "brier", "threshold"]
    for split in ("cv", "test"):
        rows = {name: r[split] for name, r in model["comparison"].items()}
        where = "train, out-of-fold by source" if split == "cv" else "held-out test families"
        out.print(_table(f"dev set, {where} (unresolved = positive)", rows, cols))
    dest = out_file or "models/outcome.json"
    out.print(f"wrote {dest}: {model['model_version']}, threshold {model['threshold']:.3f}")


def register(app: typer.Typer) -> None:
    app.command("train")(train)
