"""What a case export holds, and how its cells are made safe for a spreadsheet."""

from __future__ import annotations

from typing import Any

CASE_CSV_FIELDS = [
    "case_id",
    "customer_id",
    "call_ids",
    "priority",
    "due_at",
    "category",
    "queue",
    "owner",
    "state",
    "strikes",
    "reason",
    "evidence",
    "draft",
]


def safe_cell(value: Any) -> Any:
    """Neutralise spreadsheet formulas: a cell starting =, +, -, @ opens as text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
