"""Customers' wishes from a CSV file: a do-not-contact list and per-customer opt-outs, with
an optional time zone for quiet hours. Hostile files are expected: every row is checked,
a bad row is skipped with its line number and reason, and the good rows still land."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import duckdb

from aftercall.store.bulk import insert_rows
from aftercall.store.calls import now
from aftercall.store.keys import clear_key, clear_phone_key, keyed, secret_for

MAX_BYTES = 20 * 1024 * 1024
MAX_FIELD = 200
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
TRUE = {"", "1", "true", "yes", "y"}
FALSE = {"0", "false", "no", "n"}


class ContactsError(Exception):
    """The file as a whole cannot be read; the message says why."""


@dataclass
class ImportResult:
    imported: int = 0
    problems: list[str] = field(default_factory=list)


def _key(customer_id: str, phone: str) -> str:
    """The customer in clear, as aftercall.store.keys names them; hashed before storing."""
    if customer_id:
        return clear_key(customer_id, None, "")
    key = clear_phone_key(phone)
    if key is None:
        raise ValueError(f"phone {phone!r} has fewer than 7 digits")
    return key


def _clean(row: dict[str, str | None], name: str) -> str:
    value = (row.get(name) or "").strip()
    if len(value) > MAX_FIELD:
        raise ValueError(f"{name} is longer than {MAX_FIELD} characters")
    if CONTROL.search(value):
        raise ValueError(f"{name} contains control characters")
    return value


def read_optouts(path: Path) -> tuple[list[tuple[str, bool, str | None, str | None]], list[str]]:
    """(customer_key, do_not_contact, timezone, reason) per good row, and the problems."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ContactsError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if len(raw) > MAX_BYTES:
        raise ContactsError(f"{path} is larger than {MAX_BYTES // 2**20} MiB")
    if b"\x00" in raw:
        raise ContactsError(f"{path} is not a text CSV file (it contains NUL bytes)")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ContactsError(f"{path} is not UTF-8 text (byte {exc.start})") from exc
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = {(h or "").strip().lower() for h in reader.fieldnames or []}
    if not header & {"customer_id", "phone"}:
        raise ContactsError(f"{path} needs a header row with a customer_id or phone column")
    reader.fieldnames = [(h or "").strip().lower() for h in reader.fieldnames or []]
    good, problems = [], []
    try:
        for row in reader:
            line = reader.line_num
            try:
                if None in row:
                    raise ValueError("more values than header columns")
                flag = _clean(row, "do_not_contact").lower()
                if flag not in TRUE | FALSE:
                    raise ValueError(f"do_not_contact {flag!r} is not yes/no")
                zone = _clean(row, "timezone") or None
                if zone:
                    try:
                        ZoneInfo(zone)
                    except (ZoneInfoNotFoundError, ValueError) as exc:
                        raise ValueError(f"unknown time zone {zone!r}") from exc
                key = _key(_clean(row, "customer_id"), _clean(row, "phone"))
                good.append((key, flag in TRUE, zone, _clean(row, "reason") or None))
            except ValueError as exc:
                problems.append(f"line {line}: {exc}; row skipped")
    except csv.Error as exc:
        problems.append(f"line {reader.line_num}: {exc}; the rest of the file was not read")
    return good, problems


def import_optouts(con: duckdb.DuckDBPyConnection, path: Path) -> ImportResult:
    """Upsert the file's customers into contact_prefs; the last row for a customer wins."""
    good, problems = read_optouts(path)
    secret = secret_for(con)  # stored as the same keyed hash as the customer's calls
    con.execute(
        "CREATE OR REPLACE TEMP TABLE prefs_in (customer_key VARCHAR, do_not_contact BOOLEAN,"
        " timezone VARCHAR, reason VARCHAR, n INTEGER)"
    )
    insert_rows(
        con,
        "prefs_in",
        ["customer_key", "do_not_contact", "timezone", "reason", "n"],
        [[keyed(secret, key), *rest, n] for n, (key, *rest) in enumerate(good)],
    )
    con.execute(
        """INSERT INTO contact_prefs
           SELECT customer_key, arg_max(do_not_contact, n), arg_max(timezone, n),
                  arg_max(reason, n), ?, ? FROM prefs_in GROUP BY customer_key
           ON CONFLICT (customer_key) DO UPDATE SET do_not_contact = excluded.do_not_contact,
             timezone = coalesce(excluded.timezone, contact_prefs.timezone),
             reason = excluded.reason, source = excluded.source,
             updated_at = excluded.updated_at""",
        [f"csv:{path.name}", now()],
    )
    return ImportResult(imported=len(good), problems=problems)
