"""Intake: what is in the inbox, what each file is, and who the call was with.

A call's identity is the sha256 of its bytes, so the same recording under two names, or
dropped in twice, is one call. Metadata comes from `manifest.csv` in the inbox or a sidecar
`<file>.json`; a bad metadata value is dropped with a warning, never the call.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, TypeAdapter, ValidationError

AUDIO_EXTS = frozenset({".wav", ".flac", ".mp3", ".m4a", ".ogg", ".opus", ".aac", ".webm"})
TEXT_EXTS = frozenset({".txt"})
JSON_EXTS = frozenset({".json"})
MANIFEST_NAME = "manifest.csv"
META_FIELDS = (
    "call_id",
    "customer_id",
    "agent_id",
    "started_at",
    "customer_name",
    "phone",
    "email",
    "queue",
    "customer_value",
    "product",
)
MAX_META_CHARS = 500
MAX_PRODUCT_CHARS = 80  # a label for the report, not a description
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]")
_DATETIME = TypeAdapter(datetime)


class CallMeta(BaseModel):
    call_id: str | None = None  # the company's own id for the call
    customer_id: str | None = None
    agent_id: str | None = None
    started_at: datetime | None = None
    customer_name: str | None = None
    phone: str | None = None
    email: str | None = None
    queue: str | None = None
    customer_value: float | None = None
    product: str | None = None  # what the call was about, for the root-cause report


@dataclass
class InboxItem:
    path: Path
    kind: str  # audio | text | json
    content_hash: str
    meta: CallMeta = field(default_factory=CallMeta)
    warnings: list[str] = field(default_factory=list)

    @property
    def call_id(self) -> str:
        return self.content_hash[:16]


@dataclass
class InboxScan:
    items: list[InboxItem]
    skipped: list[str]  # files that are not calls, each with the reason
    problems: list[str]  # manifest-level problems (missing columns, unknown files, ...)


class InboxError(Exception):
    """The inbox itself cannot be read: the run cannot happen."""


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def parse_meta(raw: dict[str, object], where: str) -> tuple[CallMeta, list[str]]:
    """Validate each metadata value on its own so one bad value loses only itself."""
    values: dict[str, object] = {}
    warnings: list[str] = []
    for key in META_FIELDS:
        value = raw.get(key)
        if value is None:
            continue
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            warnings.append(f"{where}: {key} ignored (not a plain value)")
            continue
        text = " ".join(str(value).split())
        if not text:
            continue
        if len(text) > MAX_META_CHARS:
            warnings.append(f"{where}: {key} ignored (longer than {MAX_META_CHARS} characters)")
            continue
        if key == "started_at":
            try:
                when = _DATETIME.validate_python(text)
            except ValidationError:
                warnings.append(f"{where}: started_at {text!r} is not an ISO 8601 date-time")
                continue
            if when.tzinfo is None:
                warnings.append(f"{where}: started_at has no time zone; read as UTC")
                when = when.replace(tzinfo=UTC)
            values[key] = when
        elif key == "customer_value":
            try:
                number = float(text.replace(",", ""))
            except ValueError:
                warnings.append(f"{where}: customer_value {text!r} is not a number")
                continue
            if number != number or number in (float("inf"), float("-inf")) or number < 0:
                warnings.append(f"{where}: customer_value {text!r} is not a usable amount")
                continue
            values[key] = number
        elif key == "product":
            try:
                values[key] = clean_product(text)
            except ValueError as exc:
                warnings.append(f"{where}: product ignored ({exc})")
        else:
            values[key] = text
    return CallMeta(**values), warnings


def clean_product(text: str) -> str:
    """A product name fit for a report row: one line of visible text, not personal data.
    Raises ValueError saying why not."""
    from .nlp.redact import redact_text

    if CONTROL.search(text):
        raise ValueError("it contains control or invisible characters")
    text = text.strip(" \"'")
    if not text:
        raise ValueError("it is empty")
    if len(text) > MAX_PRODUCT_CHARS:
        raise ValueError(f"longer than {MAX_PRODUCT_CHARS} characters")
    if redact_text(text) != text:
        raise ValueError("it looks like personal data")
    return text


def _read_manifest(inbox: Path) -> tuple[dict[str, dict[str, str]], list[str]]:
    """Manifest rows keyed by the file path they name, relative to the inbox."""
    path = inbox / MANIFEST_NAME
    if not path.is_file():
        return {}, []
    problems: list[str] = []
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        return {}, [f"{MANIFEST_NAME} cannot be read ({exc}); calls processed without it"]
    reader = csv.DictReader(text.splitlines())
    columns = [c.strip() for c in reader.fieldnames or []]
    if "file" not in columns:
        return {}, [f"{MANIFEST_NAME} has no 'file' column; calls processed without it"]
    unknown = sorted(set(columns) - set(META_FIELDS) - {"file"})
    if unknown:
        problems.append(f"{MANIFEST_NAME}: unknown columns ignored: {', '.join(unknown)}")
    rows: dict[str, dict[str, str]] = {}
    for number, row in enumerate(reader, start=2):
        row = {(k or "").strip(): v for k, v in row.items() if isinstance(v, str)}
        name = (row.get("file") or "").strip().replace("\\", "/")
        if not name:
            problems.append(f"{MANIFEST_NAME} line {number}: empty 'file'; row ignored")
            continue
        key = name.removeprefix("./")
        if key in rows:
            problems.append(f"{MANIFEST_NAME} line {number}: {name} listed twice; first row kept")
            continue
        row["_line"] = str(number)
        rows[key] = row
    return rows, problems + _duplicate_call_ids(rows)


def _duplicate_call_ids(rows: dict[str, dict[str, str]]) -> list[str]:
    """A company call id given to two files: both stay calls (identity is the bytes), but
    the clash is reported, since one of the two ids is wrong in the company's system."""
    first: dict[str, str] = {}
    problems = []
    for row in rows.values():
        call_id = " ".join((row.get("call_id") or "").split())
        if not call_id:
            continue
        if call_id in first:
            problems.append(
                f"{MANIFEST_NAME} line {row['_line']}: call_id {call_id!r} is also on line "
                f"{first[call_id]}; both files are kept as separate calls"
            )
        else:
            first[call_id] = row["_line"]
    return problems


def file_kind(path: Path) -> str | None:
    """audio, text or json by the file's extension; None for anything else."""
    suffix = path.suffix.lower()
    if suffix in AUDIO_EXTS:
        return "audio"
    if suffix in TEXT_EXTS:
        return "text"
    if suffix in JSON_EXTS:
        return "json"
    return None


def scan_inbox(inbox: Path | str) -> InboxScan:
    """List the calls in `inbox` (recursively), with their hashes and metadata."""
    inbox = Path(inbox)
    if not inbox.is_dir():
        raise InboxError(f"inbox {inbox} is not a folder that exists")
    try:
        with os.scandir(inbox):  # a folder we may not list: say so before anything else
            pass
    except OSError as exc:
        raise InboxError(f"cannot read the inbox {inbox}: {exc.strerror or exc}") from exc
    root = inbox.resolve()
    manifest, problems = _read_manifest(inbox)
    try:
        paths = sorted(p for p in inbox.rglob("*") if not p.is_dir())
    except OSError as exc:
        raise InboxError(f"cannot read the inbox {inbox}: {exc}") from exc
    names = {p.relative_to(inbox).as_posix() for p in paths}
    items: list[InboxItem] = []
    skipped: list[str] = []
    used_rows: set[str] = set()
    for path in paths:
        rel = path.relative_to(inbox).as_posix()
        if rel == MANIFEST_NAME or any(part.startswith(".") for part in Path(rel).parts):
            continue
        if rel.lower().endswith(".json") and rel[: -len(".json")] in names:
            continue  # a sidecar: read with its file below
        kind = file_kind(path)
        if kind is None:
            skipped.append(f"{rel}: not a supported file type ({path.suffix or 'no extension'})")
            continue
        try:
            if not path.resolve().is_relative_to(root):
                skipped.append(f"{rel}: links outside the inbox; not read")
                continue
            digest = file_hash(path)
        except OSError as exc:
            skipped.append(f"{rel}: cannot be read ({exc.strerror or exc})")
            continue
        item = InboxItem(path=path, kind=kind, content_hash=digest)
        if rel in manifest:
            used_rows.add(rel)
            row = manifest[rel]
            item.meta, item.warnings = parse_meta(row, f"{MANIFEST_NAME} line {row['_line']}")
        sidecar = path.with_name(path.name + ".json")
        if sidecar.is_file():
            item.meta, item.warnings = _apply_sidecar(sidecar, item.meta, item.warnings)
        items.append(item)
    for rel in sorted(set(manifest) - used_rows):
        problems.append(f"{MANIFEST_NAME}: {rel} is listed but not in the inbox")
    return InboxScan(items=items, skipped=skipped, problems=problems)


def _apply_sidecar(
    sidecar: Path, meta: CallMeta, warnings: list[str]
) -> tuple[CallMeta, list[str]]:
    """Sidecar values win over the manifest's: they sit next to the one file they describe.

    Each source is validated once, on its own, so a bad sidecar value keeps the manifest's.
    """
    try:
        data = json.loads(sidecar.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        return meta, [*warnings, f"{sidecar.name}: ignored ({exc})"]
    own, more = parse_meta(data, sidecar.name)
    return meta.model_copy(update=own.model_dump(exclude_none=True)), [*warnings, *more]
