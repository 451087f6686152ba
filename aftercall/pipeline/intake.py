"""Intake: what is in the inbox, what each file is, and who the call was with.

A call's identity is the sha256 of its bytes, so the same recording under two names, or
dropped in twice, is one call. Metadata comes from `manifest.csv` in the inbox or a sidecar
`<file>.json`; a bad metadata value is dropped with a warning, never the call.
"""

from __future__ import annotations

import csv
import json
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from pydantic import BaseModel, TypeAdapter, ValidationError

from aftercall.nlp.redact import find_spans, redact_name, redact_text
from aftercall.pipeline.inbox import (
    InboxError,
    RemoteInbox,
    StorageReadError,
    display_url,
    file_hash,
    local_folder,
    not_regular,
    read_local_text,
)

__all__ = ["InboxError", "InboxItem", "InboxScan", "file_hash", "scan_inbox"]

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
    "company",
)
MAX_META_CHARS = 500
MAX_PRODUCT_CHARS = 80  # a label for the report, not a description
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]")
MAX_SIDE_FILE_BYTES = 10_000_000  # a sidecar
MAX_MANIFEST_BYTES = 200_000_000  # ~1M rows: a day's calls of a large centre fit

_DATETIME = TypeAdapter(datetime)


def _side_limit(rel: str) -> int:
    return MAX_MANIFEST_BYTES if rel == MANIFEST_NAME else MAX_SIDE_FILE_BYTES


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
    # the company the customer called (a centre answering for several brands): drafts and
    # scripts speak in its name; unset = [cases] company_name
    company: str | None = None


@dataclass
class InboxItem:
    path: Path
    kind: str  # audio | text | json
    content_hash: str
    meta: CallMeta = field(default_factory=CallMeta)
    warnings: list[str] = field(default_factory=list)
    # fsspec URL of a file in a remote inbox (path is then its path inside the inbox);
    # "" for a local file
    uri: str = ""

    @property
    def call_id(self) -> str:
        return self.content_hash[:16]

    @property
    def source_uri(self) -> str:
        return display_url(self.uri) if self.uri else self.path.resolve().as_uri()


@dataclass
class InboxScan:
    items: list[InboxItem]
    skipped: list[str]  # files that are not calls, each with the reason
    problems: list[str]  # manifest-level problems (missing columns, unknown files, ...)


# Kinds of personal data a customer_id may not be: numbers that must never be stored in clear.
REFUSED_AS_ID = frozenset({"SSN", "CARD"})


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
        elif key == "customer_id" and (
            secret := {s.kind for s in find_spans([text])[0]} & REFUSED_AS_ID
        ):
            # an identifier is matched on, so it is refused, not silently changed; the warning
            # names the kind, never the value
            warnings.append(
                f"{where}: customer_id ignored (it reads as {'/'.join(sorted(secret))}: personal "
                "data is not an identifier; match customers by the phone column)"
            )
        elif key == "queue":
            values[key] = redact_name(text)  # a phone or e-mail as a queue name
        elif key in ("product", "company"):
            try:
                values[key] = clean_product(text)
            except ValueError as exc:
                warnings.append(f"{where}: {key} ignored ({exc})")
        else:
            values[key] = text
    return CallMeta(**values), warnings


def clean_product(text: str) -> str:
    """A product or company name fit for a report row or a draft's signature: one line of
    visible text, not personal data.
    Raises ValueError saying why not."""

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


def _read_manifest(
    read_text: Callable[[str], str], present: bool
) -> tuple[dict[str, dict[str, str]], list[str]]:
    """Manifest rows keyed by the file path they name, relative to the inbox."""
    if not present:
        return {}, []
    problems: list[str] = []
    try:
        text = read_text(MANIFEST_NAME)
    except (OSError, UnicodeDecodeError, StorageReadError) as exc:
        return {}, [f"{MANIFEST_NAME} cannot be read ({exc}); calls processed without it"]
    reader = csv.DictReader(text.splitlines())
    try:
        columns = [c.strip() for c in reader.fieldnames or []]
    except csv.Error as exc:  # the header row itself is unreadable (a cell over the limit)
        return {}, [f"{MANIFEST_NAME} header cannot be read ({exc}); calls processed without it"]
    if "file" not in columns:
        return {}, [f"{MANIFEST_NAME} has no 'file' column; calls processed without it"]
    unknown = sorted(set(columns) - set(META_FIELDS) - {"file"})
    if unknown:
        problems.append(f"{MANIFEST_NAME}: unknown columns ignored: {', '.join(unknown)}")
    rows: dict[str, dict[str, str]] = {}
    for number, row in _rows(reader, problems):
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


def _rows(
    reader: csv.DictReader[str], problems: list[str]
) -> Iterator[tuple[int, dict[str, str | None]]]:
    """(first line number, row) for each row the csv module can read. A row it cannot (a cell
    over its field size limit, 131,072 characters) is dropped with a problem line and the
    reader goes on with the next line: the module resets its state at every row, so one bad
    row loses only itself. The limit itself stays: it is process-wide, and no metadata value
    is near it (values over MAX_META_CHARS are dropped anyway)."""
    while True:
        first = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            problems.append(f"{MANIFEST_NAME} line {first}: row ignored ({exc})")
            continue
        yield first, row


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


@dataclass
class _Source:
    """What scanning needs from an inbox, local or remote: its files (relative posix
    paths), small reads, hashes, and where each item lives."""

    rels: list[str]
    read_text: Callable[[str], str]  # manifest and sidecars, utf-8
    digest: Callable[[str], str]
    locate: Callable[[str], tuple[Path, str]]  # rel -> (InboxItem.path, InboxItem.uri)
    refuse: Callable[[str], str | None] = lambda rel: None  # why a file must not be read


def scan_inbox(inbox: Path | str) -> InboxScan:
    """List the calls in `inbox` (a folder, recursively, or an fsspec URL), with their
    hashes and metadata."""
    folder = local_folder(inbox)
    if folder is None:
        return _scan(_remote_source(RemoteInbox.open(str(inbox))))
    return _scan(_local_source(folder))


def _local_source(inbox: Path) -> _Source:
    if not inbox.is_dir():
        raise InboxError(f"inbox {inbox} is not a folder that exists")
    try:
        with os.scandir(inbox):  # a folder we may not list: say so before anything else
            pass
    except OSError as exc:
        raise InboxError(f"cannot read the inbox {inbox}: {exc.strerror or exc}") from exc
    root = inbox.resolve()
    try:
        paths = sorted(p for p in inbox.rglob("*") if not p.is_dir())
    except OSError as exc:
        raise InboxError(f"cannot read the inbox {inbox}: {exc}") from exc

    def refuse(rel: str) -> str | None:
        if not (inbox / rel).resolve().is_relative_to(root):
            return "links outside the inbox; not read"
        # stat never blocks, even on a named pipe; opening one would, until a writer came
        kind = not_regular((inbox / rel).stat().st_mode)
        return f"not a regular file ({kind}); not read" if kind else None

    return _Source(
        rels=[p.relative_to(inbox).as_posix() for p in paths],
        read_text=lambda rel: read_local_text(inbox / rel, _side_limit(rel)),
        digest=lambda rel: file_hash(inbox / rel),
        locate=lambda rel: (inbox / rel, ""),
        refuse=refuse,
    )


def _remote_source(src: RemoteInbox) -> _Source:
    return _Source(
        rels=src.files(),
        read_text=lambda rel: src.read_bytes(rel, _side_limit(rel)).decode("utf-8-sig"),
        digest=src.digest,
        locate=lambda rel: (Path(rel), src.uri(rel)),
    )


def _scan(src: _Source) -> InboxScan:
    names = set(src.rels)
    manifest, problems = _read_manifest(src.read_text, MANIFEST_NAME in names)
    items: list[InboxItem] = []
    skipped: list[str] = []
    used_rows: set[str] = set()
    for rel in src.rels:
        if rel == MANIFEST_NAME or any(part.startswith(".") for part in Path(rel).parts):
            continue
        if rel.lower().endswith(".json") and rel[: -len(".json")] in names:
            continue  # a sidecar: read with its file below
        suffix = PurePosixPath(rel).suffix
        kind = file_kind(Path(rel))
        if kind is None:
            skipped.append(f"{rel}: not a supported file type ({suffix or 'no extension'})")
            continue
        try:
            refused = src.refuse(rel)
            if refused:
                skipped.append(f"{rel}: {refused}")
                continue
            digest = src.digest(rel)
        except Exception as exc:  # OSError locally; whatever a store raised after retries
            reason = getattr(exc, "strerror", None) or exc
            skipped.append(f"{rel}: cannot be read ({reason})")
            continue
        path, uri = src.locate(rel)
        item = InboxItem(path=path, kind=kind, content_hash=digest, uri=uri)
        if rel in manifest:
            used_rows.add(rel)
            row = manifest[rel]
            item.meta, item.warnings = parse_meta(row, f"{MANIFEST_NAME} line {row['_line']}")
        if rel + ".json" in names:
            item.meta, item.warnings = _apply_sidecar(
                PurePosixPath(rel).name + ".json",
                lambda rel=rel: src.read_text(rel + ".json"),
                item.meta,
                item.warnings,
            )
        items.append(item)
    for rel in sorted(set(manifest) - used_rows):
        problems.append(f"{MANIFEST_NAME}: {rel} is listed but not in the inbox")
    return InboxScan(items=items, skipped=skipped, problems=problems)


def _apply_sidecar(
    name: str, read: Callable[[], str], meta: CallMeta, warnings: list[str]
) -> tuple[CallMeta, list[str]]:
    """Sidecar values win over the manifest's: they sit next to the one file they describe.

    Each source is validated once, on its own, so a bad sidecar value keeps the manifest's.
    """
    try:
        data = json.loads(read())
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
    except (OSError, UnicodeDecodeError, ValueError, StorageReadError) as exc:
        return meta, [*warnings, f"{name}: ignored ({exc})"]
    except RecursionError:  # json's decoder recurses once per nesting level
        return meta, [*warnings, f"{name}: ignored (JSON nested too deeply)"]
    own, more = parse_meta(data, name)
    return meta.model_copy(update=own.model_dump(exclude_none=True)), [*warnings, *more]
