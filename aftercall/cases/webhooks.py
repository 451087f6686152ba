"""Webhooks: case opened, escalated and closed, POSTed as signed JSON to a CRM or helpdesk.

Events wait in `webhook_outbox` (written in the same transaction as the change, see
aftercall.cases.events). Delivery reads them after that transaction has committed, posts each
with retries and backoff (tenacity), and records the result; the database is not held while
a receiver is slow, and a receiver that is down loses nothing: its events stay in the
outbox for the next delivery.

Signature: `X-Aftercall-Signature: sha256=<hex>` where hex is HMAC-SHA256 with the shared
secret over `<X-Aftercall-Timestamp>.<raw body>`. scripts/webhook_receiver.py verifies it.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from tenacity import (
    RetryError,
    retry,
    retry_if_exception,
    stop_after_attempt,
    wait_random_exponential,
)

from aftercall.config import WebhookSettings
from aftercall.store.calls import now
from aftercall.store.db import open_db, transaction


class WebhookError(Exception):
    """Webhooks are configured wrongly; the message says how to fix it."""


class _Retryable(Exception):
    pass


@dataclass
class Delivery:
    delivered: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def sign(secret: bytes, timestamp: str, body: bytes) -> str:
    return (
        "sha256=" + hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    )


def verify(
    secret: bytes, timestamp: str, body: bytes, signature: str, tolerance_s: float = 300
) -> bool:
    """What a receiver checks: the signature matches and the timestamp is recent."""
    try:
        fresh = abs(time.time() - float(timestamp)) <= tolerance_s
    except ValueError:
        return False
    return fresh and hmac.compare_digest(sign(secret, timestamp, body), signature)


def _secret(settings: WebhookSettings) -> bytes:
    secret = os.environ.get(settings.secret_env, "")
    if len(secret) < 16:
        raise WebhookError(
            f"webhooks need a signing secret of at least 16 characters in ${settings.secret_env}"
        )
    return secret.encode()


def _post(client: httpx.Client, settings: WebhookSettings, secret: bytes, row: tuple) -> None:
    outbox_id, event, payload = row
    body = payload.encode()

    @retry(
        retry=retry_if_exception(lambda e: isinstance(e, _Retryable)),
        wait=wait_random_exponential(multiplier=settings.backoff_s, max=30),
        stop=stop_after_attempt(settings.attempts),
    )
    def attempt() -> None:
        stamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "X-Aftercall-Event": event,
            "X-Aftercall-Delivery": str(outbox_id),
            "X-Aftercall-Timestamp": stamp,
            "X-Aftercall-Signature": sign(secret, stamp, body),
        }
        try:
            response = client.post(settings.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise _Retryable(f"{type(exc).__name__}: {exc}") from exc
        if response.status_code >= 500 or response.status_code in (408, 429):
            raise _Retryable(f"HTTP {response.status_code}")
        if response.status_code >= 300:
            raise WebhookError(f"HTTP {response.status_code}: the receiver refused it")

    try:
        attempt()
    except RetryError as exc:
        raise WebhookError(str(exc.last_attempt.exception())) from exc


def deliver(db: Path | str, settings: WebhookSettings, limit: int = 1000) -> Delivery:
    """Send what waits in the outbox, oldest first, and record each result."""
    result = Delivery()
    if not settings.url:
        return result
    secret = _secret(settings)
    with open_db(db) as con:
        rows = con.execute(
            "SELECT id, event, payload FROM webhook_outbox WHERE delivered_at IS NULL"
            " AND event IN (SELECT unnest(?)) ORDER BY id LIMIT ?",
            [list(settings.events), limit],
        ).fetchall()
    outcomes: list[tuple[int, str | None]] = []
    with httpx.Client(timeout=settings.timeout_s) as client:
        for row in rows:
            try:
                _post(client, settings, secret, row)
                outcomes.append((row[0], None))
                result.delivered += 1
            except WebhookError as exc:
                outcomes.append((row[0], str(exc)))
                result.failed += 1
                result.errors.append(f"outbox {row[0]} ({row[1]}): {exc}")
    stamp = now()
    with transaction(db) as con:
        for outbox_id, error in outcomes:
            con.execute(
                "UPDATE webhook_outbox SET attempts = attempts + 1, last_error = ?,"
                " delivered_at = CASE WHEN ? IS NULL THEN ? END WHERE id = ?",
                [error, error, stamp, outbox_id],
            )
    return result


def outbox_status(db: Path | str) -> dict[str, int]:
    with open_db(db, read_only=True) as con:
        row = con.execute(
            "SELECT count(*) FILTER (WHERE delivered_at IS NOT NULL),"
            " count(*) FILTER (WHERE delivered_at IS NULL AND attempts = 0),"
            " count(*) FILTER (WHERE delivered_at IS NULL AND attempts > 0) FROM webhook_outbox"
        ).fetchone()
    return {"delivered": row[0], "waiting": row[1], "failing": row[2]}
