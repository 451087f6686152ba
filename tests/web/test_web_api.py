"""POST /api/events over real HTTP (uvicorn on 127.0.0.1, httpx): a signed event settles a
promise, a replay changes nothing, a stale or wrong signature is refused, an unknown
customer's event is kept unmatched, hostile bodies get a clear error."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import duckdb
import httpx
import pytest

from aftercall.cases.webhooks import sign
from aftercall.config import Settings
from aftercall.web.app import create_app
from tests.casekit import REFUND_KEPT_PROMISE, SETTINGS, T0, add_call, refresh
from tests.webkit import serve

SECRET = "events test secret"
ENV = "AFTERCALL_TEST_EVENTS_SECRET"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    folder = tmp_path_factory.mktemp("api")
    db = folder / "api.duckdb"
    add_call(db, folder, REFUND_KEPT_PROMISE, "C1", T0)
    add_call(db, folder, REFUND_KEPT_PROMISE.replace("blender", "kettle"), "C2", T0)
    refresh(db, at=T0 + timedelta(days=8))  # both refunds past due: due_unverified
    settings = Settings(db=db, cases=SETTINGS)
    settings.events.secret_env = ENV
    app = create_app(db, settings, secret="api test")
    with serve(app) as url:
        yield url, db


def _post(url: str, body: bytes, secret: str = SECRET, ts: float | None = None) -> httpx.Response:
    stamp = str(int(ts if ts is not None else time.time()))
    headers = {
        "X-Aftercall-Timestamp": stamp,
        "X-Aftercall-Signature": sign(secret.encode(), stamp, body),
        "Content-Type": "application/json",
    }
    return httpx.post(f"{url}/api/events", content=body, headers=headers, timeout=30)


def _status(db: Path, customer: str) -> str:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            "SELECT p.status FROM promises p JOIN calls c USING (call_id) WHERE c.customer_id = ?",
            [customer],
        ).fetchone()[0]


def _event(event_id: str, customer: str = "C1", kind: str = "refund_posted") -> dict:
    return {
        "event_id": event_id,
        "kind": kind,
        "happened_at": "2026-11-22T10:00:00Z",
        "customer_id": customer,
    }


def test_a_signed_event_settles_the_promise_and_a_replay_changes_nothing(
    server, monkeypatch
) -> None:
    url, db = server
    monkeypatch.setenv(ENV, SECRET)
    body = json.dumps(_event("API-1")).encode()
    first = _post(url, body)
    assert first.status_code == 200, first.text
    [answer] = first.json()["received"]
    assert answer["status"] == "matched" and answer["promise_id"].startswith("P-")
    assert _status(db, "C1") == "kept"
    again = _post(url, body)  # the same request again, inside the window
    assert again.status_code == 200 and again.json()["received"][0]["status"] == "duplicate"


def test_wrong_signature_stale_timestamp_and_no_secret_are_refused(server, monkeypatch) -> None:
    url, db = server
    body = json.dumps(_event("API-2", "C2", "refund_failed")).encode()
    monkeypatch.delenv(ENV, raising=False)
    assert _post(url, body).status_code == 503  # the endpoint is off without a secret
    monkeypatch.setenv(ENV, SECRET)
    assert _post(url, body, secret="not the secret").status_code == 401
    assert _post(url, body, ts=time.time() - 3600).status_code == 401  # an old request replayed
    stamp = str(int(time.time()))
    tampered = httpx.post(
        f"{url}/api/events",
        content=body.replace(b"C2", b"C1"),
        headers={
            "X-Aftercall-Timestamp": stamp,
            "X-Aftercall-Signature": sign(SECRET.encode(), stamp, body),
        },
    )
    assert tampered.status_code == 401
    unsigned = httpx.post(f"{url}/api/events", content=body)
    assert unsigned.status_code == 401
    assert _status(db, "C2") == "due_unverified"  # nothing refused changed anything


def test_an_unknown_customer_is_kept_unmatched_and_bad_events_rejected(server, monkeypatch) -> None:
    url, db = server
    monkeypatch.setenv(ENV, SECRET)
    body = json.dumps(
        {"events": [_event("API-3", "C-nobody"), {"event_id": "API-4", "kind": "teleported"}, 7]}
    ).encode()
    r = _post(url, body)
    assert r.status_code == 200
    statuses = [a["status"] for a in r.json()["received"]]
    assert statuses == ["unmatched", "rejected", "rejected"]
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute(
            "SELECT count(*) FROM fulfilment_events WHERE event_id = 'API-3'"
        ).fetchone() == (1,)


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"not json", 400),
        (b"[" * 100_000 + b"]" * 100_000, 400),
        (b"[]", 400),
        (json.dumps({"events": [_event(f"B-{i}") for i in range(1001)]}).encode(), 413),
        (b"x" * (1024 * 1024 + 1), 413),
    ],
)
def test_hostile_bodies_get_a_clear_error(server, monkeypatch, body: bytes, status: int) -> None:
    url, _ = server
    monkeypatch.setenv(ENV, SECRET)
    r = _post(url, body)
    assert r.status_code == status and "error" in r.json()
