"""Gestures above the cap in the web app (issue 20 item 8), through TestClient on a real
DuckDB file: an agent's typed approver is ignored and the gesture waits on /approvals; only
a manager sees that page and decides, with the CSRF token, as their own event on the case; a
manager's own over-cap gesture approves itself."""

from __future__ import annotations

import json
import re
from pathlib import Path

from aftercall.store.db import transaction
from tests.webkit import client, csrf, login


def _dana_case(db: Path) -> str:
    with transaction(db) as con:
        return con.execute(
            "SELECT min(case_id) FROM cases WHERE state = 'open' AND owner = 'Dana Cole'"
        ).fetchone()[0]


def _gestures(db: Path, case_id: str) -> list[tuple[str, str, dict]]:
    with transaction(db) as con:
        rows = con.execute(
            "SELECT event, actor, detail FROM case_events WHERE case_id = ? ORDER BY rowid",
            [case_id],
        ).fetchall()
    events = [(e, a, json.loads(d or "{}")) for e, a, d in rows]
    # the outcomes that carried a gesture, and the managers' decisions
    return [(e, a, d) for e, a, d in events if e.startswith("gesture_") or "cap" in d]


def test_an_agent_cannot_approve_by_typing_a_managers_name(db: Path) -> None:
    case_id, page = _dana_case(db), f"/cases/{_dana_case(db)}"
    dana = client(db)
    login(dana, "Dana Cole")
    r = dana.post(
        f"{page}/outcome",
        data={
            "outcome": "recovered",
            "granted": "100000",
            "approved_by": "max",  # the form no longer has the field; a forged one is ignored
            "csrf_token": csrf(dana, page),
        },
    )
    assert r.status_code == 200 and "waits for a manager&#39;s approval (A-00001)" in r.text
    assert 'id="approvals"' in r.text and "<b>pending</b>" in r.text
    assert 'name="approved_by"' not in r.text
    ((event, actor, detail),) = _gestures(db, case_id)
    assert (event, actor) == ("recovered", "Dana Cole")
    assert "granted" not in detail and "approved_by" not in detail
    assert detail["gesture_requested"] == 100000 and detail["approval"] == "A-00001"
    assert dana.get("/approvals").status_code == 403  # agents do not decide

    boss = client(db)
    login(boss, "max")
    listed = boss.get("/approvals")
    assert listed.status_code == 200 and 'id="A-00001"' in listed.text
    assert 'href="/approvals"' in listed.text  # in the managers' menu
    refused = boss.post("/approvals/A-00001", data={"decision": "grant"})
    assert refused.status_code == 403  # no CSRF token: nothing decided
    assert len(_gestures(db, case_id)) == 1
    r = boss.post(
        "/approvals/A-00001",
        data={
            "decision": "grant",
            "why": "a loyal customer",
            "csrf_token": csrf(boss, "/approvals"),
        },
    )
    assert r.status_code == 200 and "Saved: A-00001 on " in r.text and "granted" in r.text
    assert 'id="none-pending"' in r.text
    event, actor, detail = _gestures(db, case_id)[-1]
    assert (event, actor, detail["granted"], detail["requested_by"]) == (
        "gesture_approved",
        "max",
        100000,
        "Dana Cole",
    )
    again = boss.post(
        "/approvals/A-00001",
        data={"decision": "refuse", "why": "x", "csrf_token": csrf(boss, "/approvals")},
    )
    assert "already granted by max" in again.text
    shown = dana.get(page).text
    assert re.search(r"A-00001: USD 100,000 \(cap USD \d+\) asked by Dana Cole", shown)
    assert "<b>granted</b> by max: a loyal customer" in shown


def test_a_refusal_needs_a_reason_and_the_agent_sees_it(db: Path) -> None:
    case_id = _dana_case(db)
    dana, boss = client(db), client(db)
    login(dana, "Dana Cole")
    login(boss, "max")
    page = f"/cases/{case_id}"
    dana.post(
        f"{page}/outcome",
        data={"outcome": "reached", "granted": "5000", "csrf_token": csrf(dana, page)},
    )
    token = csrf(boss, "/approvals")
    r = boss.post("/approvals/A-00001", data={"decision": "refuse", "csrf_token": token})
    assert "say why the gesture is refused" in r.text
    r = boss.post(
        "/approvals/A-00001",
        data={"decision": "refuse", "why": "offer 25 instead", "csrf_token": token},
    )
    assert "refused" in r.text
    assert _gestures(db, case_id)[-1][:2] == ("gesture_refused", "max")
    assert "<b>refused</b> by max: offer 25 instead" in dana.get(page).text
    assert boss.post("/approvals/B-1", data={"csrf_token": token}).status_code == 404


def test_a_managers_own_gesture_over_the_cap_approves_itself(db: Path) -> None:
    case_id = _dana_case(db)
    boss = client(db)
    login(boss, "max")
    page = f"/cases/{case_id}"
    token = csrf(boss, page)
    boss.post(f"{page}/claim", data={"take_over": "Dana is away", "csrf_token": token})
    r = boss.post(
        f"{page}/outcome",
        data={"outcome": "reached", "granted": "5000", "csrf_token": csrf(boss, page)},
    )
    assert r.status_code == 200 and "waits for" not in r.text
    ((_, actor, detail),) = _gestures(db, case_id)
    assert (actor, detail["granted"], detail["approved_by"]) == ("max", 5000, "max")
    assert 'id="none-pending"' in boss.get("/approvals").text
