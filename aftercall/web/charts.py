"""Chart geometry for server-rendered SVG (templates/charts.html draws it; Jinja escapes every
label). No JavaScript and no build step: a chart is a few rects and a line."""

from __future__ import annotations

import math
from typing import Any

WIDTH = 560
LABEL_W = 180  # room for the bar labels on a horizontal chart
COL_H = 140  # plot height of a column chart


def _num(value: Any) -> float:
    return float(value or 0)


def _fmt(value: Any, unit: str) -> str:
    if value is None:
        return "–"
    return f"{value:.1f}{unit}" if isinstance(value, float) else f"{value}{unit}"


def bars(
    rows: list[dict],
    label: str,
    value: str,
    marks: dict[str, float] | None = None,
    unit: str = "",
) -> dict[str, Any]:
    """A horizontal bar per row. `marks` (label -> value) draws a target tick on a row's bar,
    e.g. the SLA hours beside the median time to first contact."""
    marks = marks or {}
    top = max([_num(r[value]) for r in rows] + list(marks.values()) + [1e-9])
    scale = (WIDTH - LABEL_W - 60) / top
    out = []
    for i, r in enumerate(rows):
        mark = marks.get(str(r[label]))
        out.append(
            {
                "label": str(r[label]),
                "value": _fmt(r[value], unit),
                "y": 4 + 24 * i,
                "w": round(scale * _num(r[value]), 1),
                "mark": None if mark is None else round(scale * mark, 1),
                "over": mark is not None and _num(r[value]) > mark,
            }
        )
    height = max(24 * len(rows) + 8, 30)  # room for "no data yet"
    return {"kind": "bars", "height": height, "bars": out, "label_w": LABEL_W}


def columns(rows: list[dict], label: str, value: str, unit: str = "") -> dict[str, Any]:
    """A vertical column per row (a time series: weeks left to right), labels under every
    few columns so they never overlap."""
    top = max([_num(r[value]) for r in rows] + [1e-9])
    step = min((WIDTH - 40) / max(len(rows), 1), 48)  # a lone week is not a wall
    every = max(1, math.ceil(64 / step))  # a label is about 60 px wide
    cols = []
    for i, r in enumerate(rows):
        h = round(COL_H * _num(r[value]) / top, 1)
        cols.append(
            {
                "x": round(30 + i * step, 1),
                "w": round(max(step - 2, 1), 1),
                "y": round(14 + COL_H - h, 1),  # 14 px above for the value
                "h": h,
                "label": str(r[label]) if i % every == 0 else "",
                "value": _fmt(r[value], unit),
            }
        )
    return {
        "kind": "columns",
        "height": COL_H + 44,
        "cols": cols,
    }
