"""Fulfilment events: what the systems that do the work report, matched to promises.

A refund posted, a visit done, a callback made (or their failures) arrive from a CSV file
(`aftercall promises import`) or the web app's signed POST /api/events. Each event is
validated (``Event``), stored once by its id (a second delivery changes nothing), and
matched to a promise of the same customer and kind, still unsettled, made before the event
and at most ``[events] match_days`` earlier; the promise with the earliest due time wins.
A matched event makes the promise kept (done) or broken (failed), as evidence with the
event's id. An event that matches nothing is kept and listed (``unmatched``), never dropped:
a promise may be missing from a call's transcript, or the customer may be known by another
id. Customer ids are stored only as the install's keyed hash, the note only redacted.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import duckdb
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from aftercall.cases.ledger import mark
from aftercall.config import EventSettings
from aftercall.nlp.redact import redact_text
from aftercall.store.calls import rows_as_dicts
from aftercall.store.keys import clear_key, keyed, secret_for

# What a system reports -> (promise kind, done or failed)
EVENT_KINDS: dict[str, tuple[str, str]] = {
    "refund_posted": ("refund", "done"),
    "refund_failed": ("refund", "failed"),
    "visit_done": ("visit", "done"),
    "visit_missed": ("visit", "failed"),
    "delivered": ("delivery", "done"),
    "delivery_failed": ("delivery", "failed"),
    "fixed": ("fix", "done"),
    "fix_failed": ("fix", "failed"),
    "callback_made": ("callback", "done"),
    "callback_missed": ("callback", "failed"),
}
CSV_FIELDS = ("event_id", "kind", "happened_at", "customer_id", "phone", "note")
MAX_CSV_BYTES = 20 * 1024 * 1024
MAX_EVENTS = 100_000
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@/-]{0,127}")


class EventError(Exception):
    """The whole input is unusable (not a file, too large, no header); rows fail alone."""


class Event(BaseModel):
    """One fulfilment event, as a CSV row or a JSON object."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)
    event_id: str
    kind: Literal[tuple(EVENT_KINDS)]  # type: ignore[valid-type]
    happened_at: datetime
    customer_id: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=50)
    note: str | None = Field(default=None, max_length=1000)

    @field_validator("event_id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not _ID.fullmatch(value):
            raise ValueError("1-128 letters, digits or . _ : @ / -, a letter or digit first")
        return value

    @field_validator("happened_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        return value if value.tzinfo else value.replace(tzinfo=UTC)

    @field_validator("customer_id", "phone", "note", mode="before")
    @classmethod
    def _blank(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    def who(self) -> str | None:
        """The customer, in clear (never stored): id, else phone digits."""
        if self.customer_id:
            return clear_key(self.customer_id, None, "")
        return clear_key(None, self.phone, "") if self.phone else None


@dataclass
class Received:
    """What happened to one event: recorded (matched or not), a duplicate, or rejected."""

    event_id: str | None
    status: Literal["matched", "unmatched", "duplicate", "rejected"]
    why: str
    promise_id: str | None = None


@dataclass
class ImportReport:
    received: list[Received] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(r.status == status for r in self.received)


def record(
    con: duckdb.DuckDBPyConnection,
    event: Event,
    source: str,
    settings: EventSettings,
    at: datetime,
) -> Received:
    """Store one validated event and settle the promise it matches, in the caller's
    transaction."""
    seen = con.execute(
        "SELECT promise_id FROM fulfilment_events WHERE event_id = ?", [event.event_id]
    ).fetchone()
    if seen is not None:
        return Received(event.event_id, "duplicate", "already received: nothing changed", seen[0])
    clear = event.who()
    if clear is None:
        return Received(event.event_id, "rejected", "no customer: give customer_id or phone")
    if event.happened_at > at + timedelta(minutes=5):
        return Received(event.event_id, "rejected", "happened_at is in the future")
    customer = keyed(secret_for(con), clear)
    kind, outcome = EVENT_KINDS[event.kind]
    found = con.execute(
        """SELECT p.promise_id, p.text FROM promises p JOIN calls c USING (call_id)
           WHERE c.customer_key = $customer AND p.kind = $kind
             AND p.status IN ('open', 'due_unverified')
             AND coalesce(c.started_at, c.ingested_at) <= $happened
             AND coalesce(c.started_at, c.ingested_at) >= $since
           ORDER BY p.due_at NULLS LAST, coalesce(c.started_at, c.ingested_at), p.promise_id
           LIMIT 1""",
        {
            "customer": customer,
            "kind": kind,
            "happened": event.happened_at,
            "since": event.happened_at - timedelta(days=settings.match_days),
        },
    ).fetchone()
    day = event.happened_at.strftime("%Y-%m-%d %H:%M")
    if found:
        status = "kept" if outcome == "done" else "broken"
        why = f"{event.kind.replace('_', ' ')} on {day} (event {event.event_id}, {source})"
        mark(
            con,
            found[0],
            status,
            f"event:{source}",
            why,
            at,
            source="event",
            ref=event.event_id,
            evidence={"event_id": event.event_id, "kind": event.kind, "happened_at": day},
        )
        result = Received(event.event_id, "matched", f"{found[0]} {status}: {why}", found[0])
    else:
        result = Received(
            event.event_id,
            "unmatched",
            f"no unsettled {kind} promise to this customer in the {settings.match_days:g} days"
            " before it",
        )
    con.execute(
        "INSERT INTO fulfilment_events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            event.event_id,
            source,
            at,
            event.happened_at,
            kind,
            outcome,
            customer,
            result.promise_id,
            result.why,
            redact_text(event.note)[:1000] if event.note else None,
        ],
    )
    return result


def why_invalid(exc: ValidationError) -> str:
    """Pydantic's errors in one line a person can act on, without echoing the input."""
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or 'event'}: {e['msg']}" for e in exc.errors()
    )


def import_csv(
    con: duckdb.DuckDBPyConnection, path: Path, settings: EventSettings, at: datetime
) -> ImportReport:
    """Every row of a CSV file of events: each stored, a duplicate or rejected with the line
    and the reason; a bad row never stops the file."""
    if not path.is_file():
        raise EventError(f"{path} is not a file")
    size = path.stat().st_size
    if size > MAX_CSV_BYTES:
        raise EventError(f"{path.name} is {size:,} bytes; the limit is {MAX_CSV_BYTES:,}")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise EventError(
            f"{path.name} is not UTF-8 text ({exc.reason} at byte {exc.start})"
        ) from exc
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    missing = [f for f in ("event_id", "kind", "happened_at") if f not in header]
    if missing:
        raise EventError(
            f"{path.name} has no {', '.join(missing)} column: the header must name "
            f"{', '.join(CSV_FIELDS)} (customer_id or phone)"
        )
    reader.fieldnames = header
    report = ImportReport()
    line = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:  # one oversized or broken cell: this row only
            line = reader.line_num
            report.received.append(Received(None, "rejected", f"line {line}: {exc}"))
            continue
        line = reader.line_num
        if len(report.received) >= MAX_EVENTS:
            report.received.append(
                Received(None, "rejected", f"line {line}: more than {MAX_EVENTS:,} events")
            )
            break
        cells = {k: v for k, v in row.items() if k in CSV_FIELDS and isinstance(v, str)}
        try:
            event = Event.model_validate(cells)
        except ValidationError as exc:
            report.received.append(Received(None, "rejected", f"line {line}: {why_invalid(exc)}"))
            continue
        got = record(con, event, "csv", settings, at)
        if got.status == "rejected":
            got.why = f"line {line}: {got.why}"
        report.received.append(got)
    return report


def unmatched(con: duckdb.DuckDBPyConnection, limit: int = 200) -> list[dict[str, Any]]:
    return rows_as_dicts(
        con.execute(
            "SELECT event_id, source, received_at, happened_at, kind, outcome, why, note"
            " FROM fulfilment_events WHERE promise_id IS NULL ORDER BY happened_at DESC LIMIT ?",
            [limit],
        )
    )
