"""Webhooks against a real HTTP receiver on 127.0.0.1 (the example in scripts/): signed,
retried with backoff, recorded in the outbox, and nothing lost while the receiver is down."""

from __future__ import annotations

import importlib.util
import json
import socket
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest

from aftercall.cases.lifecycle import claim, record_outcome
from aftercall.cases.webhooks import WebhookError, deliver, outbox_status, sign, verify
from aftercall.config import WebhookSettings
from aftercall.store.db import transaction
from tests.casekit import BILL_FIXED, BILL_OPEN, NOBODY_CALLED, T0, add_call, cases, refresh
from tests.conftest import ROOT

SECRET = "s3cret-for-tests-only-0123456789"
SCRIPT = ROOT / "scripts" / "webhook_receiver.py"
spec = importlib.util.spec_from_file_location("webhook_receiver", SCRIPT)
receiver = importlib.util.module_from_spec(spec)
spec.loader.exec_module(receiver)


class Receiver:
    """The example receiver, serving in a thread; `fail` answers 500 that many times."""

    def __init__(self, secret: str = SECRET, fail: int = 0) -> None:
        self.events: list[dict] = []
        self.calls = 0
        self.fail = fail

        def handle(delivery: str, event: dict) -> int:
            self.calls += 1
            if self.calls <= self.fail:
                return 500
            self.events.append({"delivery": delivery, **event})
            return 204

        self.server = ThreadingHTTPServer(
            ("127.0.0.1", 0), receiver.make_handler(secret.encode(), handle)
        )
        self.url = f"http://127.0.0.1:{self.server.server_port}/aftercall"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AFTERCALL_WEBHOOK_SECRET", SECRET)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    db = tmp_path / "hooks.duckdb"
    add_call(db, tmp_path, BILL_OPEN, "C1", T0)
    refresh(db, at=T0 + timedelta(hours=1))
    return db


def _hooks(url: str) -> WebhookSettings:
    return WebhookSettings(url=url, backoff_s=0.01, attempts=3, timeout_s=2)


@pytest.fixture
def live() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def test_opened_escalated_and_closed_arrive_signed(
    db: Path, tmp_path: Path, secret: None, live: Receiver
) -> None:
    assert deliver(db, _hooks(live.url)).delivered == 1
    add_call(db, tmp_path, NOBODY_CALLED, "C1", T0 + timedelta(days=1))  # escalates
    add_call(db, tmp_path, BILL_OPEN, "C2", T0 + timedelta(days=1, minutes=5))
    refresh(db, at=T0 + timedelta(days=1, hours=1))
    add_call(db, tmp_path, BILL_FIXED, "C2", T0 + timedelta(days=2))  # fixed on a later call
    refresh(db, at=T0 + timedelta(days=2, hours=1))
    assert deliver(db, _hooks(live.url)).delivered == 3
    events = [(e["event"], e["detail"]["change"]) for e in live.events]
    assert events == [
        ("case.opened", "opened"),
        ("case.escalated", "escalated"),
        ("case.opened", "opened"),
        ("case.closed", "resolved_on_call"),
    ]
    opened = live.events[0]
    assert opened["case_id"] == cases(db)[0]["case_id"]
    assert opened["detail"]["priority"] and opened["detail"]["owner"] == "Dana Cole"
    assert "customer_name" not in opened["detail"] and "phone" not in json.dumps(opened)
    assert deliver(db, _hooks(live.url)).delivered == 0  # each event once
    assert outbox_status(db) == {"delivered": 4, "waiting": 0, "failing": 0}


def test_a_closed_case_sends_case_closed(db: Path, secret: None, live: Receiver) -> None:
    case_id = cases(db)[0]["case_id"]
    with transaction(db) as con:
        claim(con, case_id, "Dana Cole")
        record_outcome(con, case_id, "unreachable", "Dana Cole")
        record_outcome(con, case_id, "closed", "Dana Cole", note="three tries")
    deliver(db, _hooks(live.url))
    assert [e["event"] for e in live.events] == ["case.opened", "case.closed"]
    assert live.events[1]["actor"] == "Dana Cole"


def test_retries_with_backoff_until_the_receiver_answers(db: Path, secret: None) -> None:
    flaky = Receiver(fail=2)
    try:
        assert deliver(db, _hooks(flaky.url)).delivered == 1
    finally:
        flaky.close()
    assert flaky.calls == 3 and len(flaky.events) == 1
    with transaction(db) as con:
        assert con.execute("SELECT attempts, last_error FROM webhook_outbox").fetchone() == (
            1,
            None,
        )


def test_a_receiver_that_is_down_loses_nothing(db: Path, secret: None) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    down = deliver(db, _hooks(f"http://127.0.0.1:{port}/aftercall"))
    assert down.delivered == 0 and down.failed == 1 and "ConnectError" in down.errors[0]
    assert outbox_status(db) == {"delivered": 0, "waiting": 0, "failing": 1}
    up = Receiver()
    try:
        assert deliver(db, _hooks(up.url)).delivered == 1
    finally:
        up.close()
    assert [e["event"] for e in up.events] == ["case.opened"]


def test_a_wrong_secret_is_refused_and_not_retried(db: Path, secret: None) -> None:
    other = Receiver(secret="a-different-secret-entirely")
    try:
        result = deliver(db, _hooks(other.url))
    finally:
        other.close()
    assert result.failed == 1 and "HTTP 401" in result.errors[0] and other.calls == 0


def test_no_secret_is_a_clear_error(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AFTERCALL_WEBHOOK_SECRET", raising=False)
    with pytest.raises(WebhookError, match=r"\$AFTERCALL_WEBHOOK_SECRET"):
        deliver(db, _hooks("http://127.0.0.1:9/x"))
    assert deliver(db, WebhookSettings()).delivered == 0  # no url: webhooks are off


def test_signatures() -> None:
    body, key = b'{"a": 1}', b"k" * 16
    import time

    stamp = str(int(time.time()))
    good = sign(key, stamp, body)
    assert verify(key, stamp, body, good)
    assert not verify(key, stamp, body + b" ", good)
    assert not verify(b"x" * 16, stamp, body, good)
    assert not verify(key, str(int(stamp) - 3600), body, sign(key, str(int(stamp) - 3600), body))
    assert not verify(key, "soon", body, good)
