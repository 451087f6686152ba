"""POST /api/events: fulfilment events from the systems that do the work, signed.

The sender signs like our outgoing webhooks (aftercall.cases.webhooks): header
``X-Aftercall-Timestamp`` (Unix seconds) and ``X-Aftercall-Signature: sha256=<hex>``, the
HMAC-SHA256 of ``"<timestamp>." + body`` with the secret in the environment variable named by
``[events] secret_env``. A wrong or missing signature, or a timestamp further than
``[events] tolerance_s`` from now (a replay of an old request), is refused with 401 and
nothing is read; a replay inside the window changes nothing (each event is stored once by its
id). No login and no CSRF token: the signature is the credential, so the route takes no
cookie and answers only JSON.

Body: one event object, or ``{"events": [...]}`` with up to 1,000 (fields as the CSV import:
event_id, kind, happened_at, customer_id or phone, note). The answer lists each event's fate:
matched (the promise and its new status), unmatched (kept and listed), duplicate, rejected
(with the reason). 200 whenever the request was authentic and readable.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from aftercall.cases.fulfilment import Event, Received, record, why_invalid
from aftercall.cases.refresh import refresh_cases
from aftercall.cases.webhooks import verify
from aftercall.web.pages import state

router = APIRouter()
MAX_BODY = 1024 * 1024
MAX_EVENTS = 1000


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


async def _body(request: Request) -> bytes | None:
    """The body, or None past MAX_BODY (read in chunks: a lying Content-Length is not
    trusted, and nothing past the cap is held)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


@router.post("/api/events")
async def receive_events(request: Request) -> JSONResponse:
    web = state(request)
    config = web.settings.events
    secret = os.environ.get(config.secret_env, "")
    if not secret:
        return _error(503, f"events are off: {config.secret_env} is not set on the server")
    body = await _body(request)
    if body is None:
        return _error(413, f"the body is over {MAX_BODY:,} bytes")
    timestamp = request.headers.get("x-aftercall-timestamp", "")
    signature = request.headers.get("x-aftercall-signature", "")
    if not verify(secret.encode(), timestamp, body, signature, config.tolerance_s):
        return _error(401, "bad signature or a timestamp outside the allowed window")
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return _error(400, "the body is not JSON")
    if not isinstance(data, dict):
        return _error(400, 'send one event object or {"events": [...]}')
    items = data.get("events", [data])
    if not isinstance(items, list) or not items:
        return _error(400, 'send one event object or {"events": [...]}')
    if len(items) > MAX_EVENTS:
        return _error(413, f"more than {MAX_EVENTS} events in one request")
    now = datetime.now(UTC)
    answers: list[Received] = []
    with web.transaction() as con:
        for item in items:
            try:
                event = Event.model_validate(item if isinstance(item, dict) else {})
            except ValidationError as exc:
                answers.append(Received(None, "rejected", why_invalid(exc)))
                continue
            answers.append(record(con, event, "api", config, now))
        if any(a.status == "matched" for a in answers):
            refresh_cases(con, web.settings.cases, now)  # a broken one is a case at once
    received: list[dict[str, Any]] = [vars(a) for a in answers]
    return JSONResponse({"received": received})
