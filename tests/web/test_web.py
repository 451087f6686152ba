"""The web app through FastAPI's TestClient on a real DuckDB file: access (login, roles,
CSRF, rate limit, session fixation), escaping, audio by id, review decisions and cases."""

from __future__ import annotations

import html
import json
import re
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from aftercall.config import Settings
from aftercall.store.db import transaction
from aftercall.web.app import create_app
from tests.casekit import SETTINGS, T0, refresh
from tests.webkit import PASSWORD, WEB_SETTINGS, client, csrf, login


def _flagged(db: Path) -> list[str]:
    with transaction(db) as con:
        return [
            r[0]
            for r in con.execute(
                "SELECT call_id FROM analyses WHERE outcome <> 'resolved' ORDER BY call_id"
            ).fetchall()
        ]


def test_pages_need_a_login(db: Path) -> None:
    c = client(db)
    for path in ("/review", "/cases", "/dashboard", f"/calls/{_flagged(db)[0]}"):
        r = c.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login"), path


def test_wrong_password_and_unknown_user_are_refused_alike(db: Path) -> None:
    c = client(db)
    assert login(c, "rita", "wrong password").status_code == 401
    assert login(c, "nobody", PASSWORD).status_code == 401
    assert c.get("/review", follow_redirects=False).status_code == 303


def test_roles_are_enforced_per_route(db: Path) -> None:
    call = _flagged(db)[0]
    expect = {
        "rita": {"/review": 200, f"/calls/{call}": 200, "/cases": 403, "/dashboard": 403},
        "Dana Cole": {"/review": 403, "/cases": 200, "/dashboard": 403},
        "max": {"/review": 200, "/cases": 200, "/dashboard": 200, "/export/cases.csv": 200},
        "ada": {"/review": 200, "/cases": 200, "/dashboard": 200},
    }
    for name, pages in expect.items():
        c = client(db)
        assert login(c, name).status_code == 303
        for path, status in pages.items():
            assert c.get(path).status_code == status, (name, path)


def test_a_post_without_the_csrf_token_is_refused(db: Path) -> None:
    c = client(db)
    login(c, "rita")
    call = _flagged(db)[0]
    r = c.post(f"/calls/{call}/decision", data={"decision": "unresolved"})
    assert r.status_code == 403
    r = c.post(f"/calls/{call}/decision", data={"decision": "unresolved", "csrf_token": "forged"})
    assert r.status_code == 403
    with transaction(db) as con:
        assert con.execute("SELECT count(*) FROM labels WHERE source = 'qa'").fetchone()[0] == 0
    # a login form without the token is refused too (login CSRF)
    r = client(db).post("/login", data={"username": "rita", "password": PASSWORD})
    assert r.status_code == 403


def test_login_rotates_the_session_against_fixation(db: Path) -> None:
    c = client(db)
    planted_token = csrf(c)
    planted_cookie = c.cookies.get("aftercall_session")
    assert login(c, "rita").status_code == 303
    assert c.cookies.get("aftercall_session") != planted_cookie
    # the token from before login no longer works after it
    call = _flagged(db)[0]
    r = c.post(
        f"/calls/{call}/decision", data={"decision": "resolved", "csrf_token": planted_token}
    )
    assert r.status_code == 403


def test_five_failed_logins_a_minute_lock_that_user_from_that_address(db: Path) -> None:
    c = client(db)
    for _ in range(5):
        assert login(c, "rita", "guess").status_code == 401
    assert login(c, "rita").status_code == 429  # even the right password, for a minute
    assert login(c, "max").status_code == 303  # another user is not locked out


def test_login_redirects_only_to_local_paths(db: Path) -> None:
    c = client(db)
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        r = c.post(
            "/login",
            data={"username": "rita", "password": PASSWORD, "csrf_token": csrf(c), "next": target},
            follow_redirects=False,
        )
        assert r.headers["location"] == "/", target


def test_transcript_text_is_escaped(db: Path) -> None:
    c = client(db)
    login(c, "rita")
    pages = [c.get(f"/calls/{call}").text for call in _flagged(db)]
    hostile = [p for p in pages if "alert(" in p]
    assert hostile, "the hostile call should be flagged and shown"
    assert "<script>alert" not in hostile[0]
    assert "&lt;script&gt;alert(" in hostile[0]


def test_audio_is_served_only_by_call_id_and_only_the_redacted_copy(
    db: Path, tmp_path: Path
) -> None:
    call = _flagged(db)[0]
    clip = tmp_path / "redacted.flac"
    clip.write_bytes(b"fLaC redacted bytes")
    with transaction(db) as con:
        con.execute("UPDATE calls SET redacted_audio = ? WHERE call_id = ?", [str(clip), call])
    c = client(db)
    login(c, "rita")
    r = c.get(f"/calls/{call}/audio")
    assert r.status_code == 200 and r.content == b"fLaC redacted bytes"
    for bad in (
        "../../etc/passwd",
        "..%2F..%2Fetc%2Fpasswd",
        "%2Fetc%2Fpasswd",
        "0000000000000000",
        _flagged(db)[1],  # in the database, but without a redacted copy
    ):
        assert c.get(f"/calls/{bad}/audio").status_code == 404, bad


def test_a_decision_is_stored_as_a_label_with_who_and_when(db: Path) -> None:
    call = _flagged(db)[0]
    c = client(db)
    login(c, "rita")
    token = csrf(c, f"/calls/{call}")
    r = c.post(
        f"/calls/{call}/decision",
        data={
            "decision": "not_a_problem",
            "category": "billing",
            "note": "=cmd|' /C calc'!A0 <b>bold</b>",
            "csrf_token": token,
        },
    )
    assert r.status_code == 200 and "not a problem" in r.text  # on the next call's page
    assert "&lt;b&gt;bold&lt;/b&gt;" in c.get(f"/calls/{call}").text
    with transaction(db) as con:
        row = con.execute(
            "SELECT label, source, reviewer, detail->>'decision', detail->>'category'"
            " FROM labels WHERE call_id = ?",
            [call],
        ).fetchone()
    assert row == ("resolved", "qa", "rita", "not_a_problem", "billing")
    # reviewed calls leave the queue unless asked for
    assert call not in c.get("/review").text
    assert call in c.get("/review?reviewed=true").text
    bad = c.post(f"/calls/{call}/decision", data={"decision": "maybe", "csrf_token": token})
    assert bad.status_code == 400


def test_review_queue_sorts_and_filters(db: Path) -> None:
    c = client(db)
    login(c, "rita")
    flagged = _flagged(db)
    listed = re.findall(r'href="/calls/([0-9a-f]{16})"', c.get("/review").text)
    assert sorted(listed) == flagged
    with transaction(db) as con:
        severity = dict(con.execute("SELECT call_id, severity FROM analyses").fetchall())
    rank = {"critical": 0, "high": 1, "normal": 2, "low": 3}
    ranks = [rank[severity[x]] for x in listed]
    assert ranks == sorted(ranks) and ranks[0] < ranks[-1], [severity[x] for x in listed]
    by_margin = re.findall(r'href="/calls/([0-9a-f]{16})"', c.get("/review?sort=uncertainty").text)
    assert sorted(by_margin) == flagged
    assert "No flagged calls match" in c.get("/review?category=no-such-category").text


def test_calls_are_titled_by_customer_and_first_problem_not_a_hash(db: Path) -> None:
    c = client(db)
    login(c, "rita")
    page = c.get("/review").text
    links = re.findall(r'href="/calls/([0-9a-f]{16})" title="call \1">([^<]+)</a>', page)
    assert sorted(x for x, _ in links) == _flagged(db)
    with transaction(db) as con:
        names = dict(
            con.execute(
                "SELECT call_id, coalesce(customer_name, customer_id, 'Unknown customer')"
                " FROM calls"
            ).fetchall()
        )
        needs = dict(con.execute("SELECT call_id, needs FROM analyses").fetchall())
    for call, title in links:
        assert title.startswith(f"{names[call]}: ") and not re.search("[0-9a-f]{16}", title)
        problems = [n["text"] for n in json.loads(needs[call] or "[]") if n["kind"] == "problem"]
        if problems:  # what the customer first raised, in their words (shortened)
            assert title.split(": ", 1)[1][:30] == html.escape(problems[0])[:30]
    call_page = c.get(f"/calls/{links[0][0]}").text
    assert f"<h1>{links[0][1]}</h1>" in call_page and f"<title>{links[0][1]} ·" in call_page
    assert c.get("/review?since=not-a-date").status_code == 400
    assert c.get("/review?page=0").status_code == 400  # an HTML page saying which value


def test_claim_next_then_record_outcome_lands_in_the_event_log(db: Path) -> None:
    c = client(db)
    login(c, "Dana Cole")
    r = c.post("/cases/claim-next", data={"csrf_token": csrf(c, "/cases")}, follow_redirects=False)
    assert r.status_code == 303
    case_id = r.headers["location"].rsplit("/", 1)[1]
    page = c.get(f"/cases/{case_id}").text
    assert "claimed" in page and "Call script" in page
    r = c.post(
        f"/cases/{case_id}/outcome",
        data={
            "outcome": "recovered",
            "note": "refund sent",
            "followup_days": "3",
            "csrf_token": csrf(c, "/cases"),
        },
    )
    assert r.status_code == 200 and "recovered" in r.text
    with transaction(db) as con:
        gap = con.execute(
            "SELECT followup_at - updated_at FROM cases WHERE case_id = ?", [case_id]
        ).fetchone()[0]
    assert gap.days == 3
    with transaction(db) as con:
        events = con.execute(
            "SELECT event, actor FROM case_events WHERE case_id = ? ORDER BY rowid", [case_id]
        ).fetchall()
    assert events[-3:] == [
        ("claimed", "Dana Cole"),
        ("contacted", "Dana Cole"),
        ("recovered", "Dana Cole"),
    ]
    # above the cap without an approver: refused in words, nothing written
    r = c.post(
        f"/cases/{case_id}/outcome",
        data={"outcome": "closed", "granted": "abc", "csrf_token": csrf(c, "/cases")},
    )
    assert r.status_code == 400 and "not an amount" in r.text
    r = c.post(
        f"/cases/{case_id}/outcome",
        data={"outcome": "closed", "followup_days": "-1", "csrf_token": csrf(c, "/cases")},
    )
    assert r.status_code == 400 and "followup_days" in r.text


def test_two_agents_claiming_at_once_get_different_cases(db: Path) -> None:
    with transaction(db) as con:
        open_cases = con.execute("SELECT count(*) FROM cases WHERE state = 'open'").fetchone()[0]
    assert open_cases >= 2
    agents = {name: client(db) for name in ("Dana Cole", "Sam Ortiz")}
    tokens = {}
    for name, c in agents.items():
        login(c, name)
        tokens[name] = csrf(c, "/cases")
    barrier = threading.Barrier(2)
    got: dict[str, str] = {}

    def go(name: str) -> None:
        barrier.wait()
        r = agents[name].post(
            "/cases/claim-next", data={"csrf_token": tokens[name]}, follow_redirects=False
        )
        got[name] = r.headers.get("location", str(r.status_code))

    threads = [threading.Thread(target=go, args=(n,)) for n in agents]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(v.startswith("/cases/C-") for v in got.values()), got
    assert len(set(got.values())) == 2, got
    with transaction(db) as con:
        owners = dict(
            con.execute(
                "SELECT case_id, owner FROM cases WHERE case_id IN (SELECT unnest(?))",
                [[v.rsplit("/", 1)[1] for v in got.values()]],
            ).fetchall()
        )
        claims = con.execute("SELECT count(*) FROM case_events WHERE event = 'claimed'")
        assert claims.fetchone()[0] == 2
    assert sorted(owners.values()) == ["Dana Cole", "Sam Ortiz"]


def test_dashboard_and_csv_export_neutralise_formulas(db: Path) -> None:
    with transaction(db) as con:
        con.execute("UPDATE cases SET reason = '=HYPERLINK(\"http://x\")'")
    c = client(db)
    login(c, "max")
    page = c.get("/dashboard")
    assert page.status_code == 200 and "<svg" in page.text and "recovery rate" in page.text
    csv_text = c.get("/export/cases.csv").text
    assert "'=HYPERLINK" in csv_text and "\n=HYPERLINK" not in csv_text
    assert c.get("/export/flagged.csv").status_code == 200
    assert c.get("/export/nothing.csv").status_code == 404


def test_dashboard_draws_every_chart_the_issue_names_and_lists_the_runs(db: Path) -> None:
    from aftercall.store.calls import finish_run, start_run

    with transaction(db) as con:
        start_run(con, "run-1", "flow-<1>", "/inbox/<script>")
        finish_run(con, "run-1", {"new": 4, "analysed": 3, "failed": 1}, "completed")
        con.execute(
            "UPDATE calls SET agent_id = 'agent <7>'"
            " WHERE call_id IN (SELECT call_id FROM promises LIMIT 1)"
        )
        con.execute("UPDATE promises SET status = 'broken'")
    c = client(db)
    login(c, "max")
    page = c.get("/dashboard").text
    for chart in (
        "flagged",
        "cases",
        "recovery",
        "first-contact",
        "root-causes",
        "deflections",
        "broken-promises",
    ):
        assert f'id="chart-{chart}"' in page, chart
    assert page.count("<svg") == 7 and "<script>" not in page.split("</header>")[1]
    runs = page.split('id="runs"')[1].split("</table>")[0]
    # in words a manager reads, not the counts' raw keys (those stay in the CSV export)
    assert "run-1" in runs and "completed" in runs and "<th>analysed</th>" not in runs
    assert "<td>4 new, 3 analysed</td><td>1 failed</td><td>none</td>" in runs
    chart = page.split('id="chart-broken-promises"')[1].split("</figure>")[0]
    assert "agent &lt;7&gt;" in chart
    sla = page.split('id="sla"')[1].split("</table>")[0]  # cases opened days ago, no contact
    assert re.search(
        r"<td>critical</td><td>2 h</td><td>0</td><td>–</td><td>–</td>"
        r"<td>1 \(longest \d+ days\)</td>",
        sla,
    )
    tile = page.split('id="waiting">')[1].split("</div>")[0]  # how many wait, and how long
    assert re.match(
        r"\d+</b> customers are waiting past their SLA now; the longest for \d+ days", tile
    )
    for what in ("cases", "flagged", "root_causes", "agents", "first_contact", "runs"):
        r = c.get(f"/export/{what}.csv")
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv"), what
        assert f'href="/export/{what}.csv"' in page
    runs_csv = c.get("/export/runs.csv").text.splitlines()
    assert runs_csv[0].startswith("run_id,started_at,finished_at,status,new,analysed,failed")
    assert runs_csv[1].startswith("run-1,") and ",completed,4,3,1," in runs_csv[1]


def test_users_add_from_the_command_line(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from aftercall.cli import app

    db = tmp_path / "u.duckdb"
    runner = CliRunner()
    ok = runner.invoke(
        app,
        ["users", "add", "lee", "--role", "reviewer", "--password-stdin", "--db", str(db)],
        input="a long password\n",
    )
    assert ok.exit_code == 0, ok.output
    with transaction(db) as con:
        row = con.execute("SELECT role, password_hash FROM users WHERE name = 'lee'").fetchone()
    assert row[0] == "reviewer" and row[1].startswith("$argon2id$") and "long" not in row[1]
    for args, text in (
        (["--role", "boss"], "unknown role"),
        (["--role", "reviewer"], "at least 8"),
    ):
        bad = runner.invoke(
            app,
            ["users", "add", "lee", *args, "--password-stdin", "--db", str(db)],
            input="short\n",
        )
        assert bad.exit_code == 2 and text in bad.output, bad.output


def test_a_role_is_checked_on_every_request_not_only_at_login(db: Path) -> None:
    c = client(db)
    login(c, "rita")
    token = csrf(c, "/review")
    assert c.post("/cases/claim-next", data={"csrf_token": token}).status_code == 403
    with transaction(db) as con:
        con.execute("UPDATE users SET disabled = true WHERE name = 'rita'")
    r = c.get("/review", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    assert c.get("/review", follow_redirects=False).status_code == 303  # logged out for good


def test_claiming_a_case_someone_else_claimed_says_who(db: Path) -> None:
    with transaction(db) as con:
        case_id = con.execute("SELECT min(case_id) FROM cases WHERE state = 'open'").fetchone()[0]
    dana, sam = client(db), client(db)
    login(dana, "Dana Cole")
    login(sam, "Sam Ortiz")
    r = dana.post(f"/cases/{case_id}/claim", data={"csrf_token": csrf(dana, "/cases")})
    assert r.status_code == 200 and "claimed" in r.text
    r = sam.post(f"/cases/{case_id}/claim", data={"csrf_token": csrf(sam, "/cases")})
    assert "is Dana Cole&#39;s: take it over on purpose" in r.text
    assert sam.get("/cases/C-99999999").status_code == 404
    assert sam.get("/cases/..%2Fetc").status_code == 404


def test_reviewers_who_disagree_make_a_dispute_that_a_second_look_finds(db: Path) -> None:
    call = _flagged(db)[0]
    for name, decision in (("rita", "unresolved"), ("max", "not_a_problem")):
        c = client(db)
        login(c, name)
        token = csrf(c, f"/calls/{call}")
        c.post(f"/calls/{call}/decision", data={"decision": decision, "csrf_token": token})
    assert 'id="disputed"' in c.get(f"/calls/{call}").text
    listed = re.findall(r'href="/calls/([0-9a-f]{16})"', c.get("/review?disputed=true").text)
    assert listed == [call]
    others = [x for x in _flagged(db) if x != call]
    assert 'id="disputed"' not in c.get(f"/calls/{others[0]}").text


def test_a_dispute_is_settled_only_by_a_reviewer_who_is_neither_side(db: Path) -> None:
    call = _flagged(db)[0]
    sessions = {}
    for name in ("rita", "max", "ada"):
        sessions[name] = c = client(db)
        login(c, name)
    token = {n: csrf(c, f"/calls/{call}") for n, c in sessions.items()}
    rita, mx, ada = sessions["rita"], sessions["max"], sessions["ada"]
    rita.post(
        f"/calls/{call}/decision", data={"decision": "unresolved", "csrf_token": token["rita"]}
    )
    # disputing your own decision is refused; a second reviewer may
    r = rita.post(f"/calls/{call}/dispute", data={"reason": "x", "csrf_token": token["rita"]})
    assert r.status_code == 400 and "your own decision" in r.text
    assert mx.post(f"/calls/{call}/dispute", data={"reason": "no"}).status_code == 403  # CSRF
    r = mx.post(
        f"/calls/{call}/dispute",
        data={"reason": "<b>she</b> misheard", "csrf_token": token["max"]},
        follow_redirects=False,
    )
    assert r.status_code == 303
    page = rita.get(f"/calls/{call}").text
    assert 'id="not-yours"' in page and "&lt;b&gt;she&lt;/b&gt; misheard" in page
    assert 'id="decision"' not in page  # a side of the dispute gets no decision form...
    r = rita.post(  # ...and a decision posted anyway is refused, saying why
        f"/calls/{call}/decision", data={"decision": "resolved", "csrf_token": token["rita"]}
    )
    assert r.status_code == 400 and "one side of this call" in r.text
    third = ada.get(f"/calls/{call}").text
    assert 'id="settle"' in third and 'id="decision"' not in third  # settling is deciding
    with transaction(db) as con:
        (dispute_id,) = con.execute("SELECT dispute_id FROM disputes").fetchone()
    # neither the decider nor the disputer may settle it
    for name in ("rita", "max"):
        r = sessions[name].post(
            f"/disputes/{dispute_id}/settle",
            data={"decision": "resolved", "csrf_token": token[name]},
        )
        assert r.status_code == 400 and "a second reviewer must settle it" in r.text, name
    r = ada.post(f"/disputes/{dispute_id}/settle", data={"decision": "resolved"})
    assert r.status_code == 403  # CSRF
    r = ada.post(
        f"/disputes/{dispute_id}/settle",
        data={
            "decision": "not_a_problem",
            "note": "customer said fine",
            "csrf_token": token["ada"],
        },
    )
    assert r.status_code == 200 and "settled <b>resolved</b> by ada" in r.text
    r = ada.post(
        f"/disputes/{dispute_id}/settle", data={"decision": "resolved", "csrf_token": token["ada"]}
    )
    assert r.status_code == 400 and "already settled by ada" in r.text
    with transaction(db) as con:
        row = con.execute(
            "SELECT decided_by, disputed_label, opened_by, settled_by, final_label FROM disputes"
        ).fetchone()
        newest = con.execute(
            'SELECT label, reviewer FROM labels WHERE call_id = ? ORDER BY "at" DESC LIMIT 1',
            [call],
        ).fetchone()
    assert row == ("rita", "unresolved", "max", "ada", "resolved")  # both labels kept
    assert newest == ("resolved", "ada")  # the final label is what retraining sees
    assert "/calls/" not in rita.get("/review?disputed=true").text.split("<tbody>")[1]
    page = rita.get("/calibration").text
    assert re.search(r'id="flag-upheld">0%<', page) and re.search(r'id="disputes-open">0<', page)
    assert re.search(r'id="decision-upheld">0%<', page)
    assert client(db).get("/calibration", follow_redirects=False).status_code == 303
    outreach = client(db)
    login(outreach, "Dana Cole")
    assert outreach.get("/calibration").status_code == 403


def test_the_case_page_records_every_outcome_the_issue_names(db: Path) -> None:
    c = client(db)
    login(c, "Dana Cole")
    r = c.post("/cases/claim-next", data={"csrf_token": csrf(c, "/cases")}, follow_redirects=False)
    case_id = r.headers["location"].rsplit("/", 1)[1]
    page = c.get(f"/cases/{case_id}").text
    for text in ("reached the customer", "recovered", "declined", "unreachable", "wrong number"):
        assert text in page
    token = csrf(c, "/cases")
    r = c.post(f"/cases/{case_id}/outcome", data={"outcome": "reached", "csrf_token": token})
    assert r.status_code == 200 and '<span class="state">contacted</span>' in r.text
    assert "(reached)" in r.text
    r = c.post(f"/cases/{case_id}/outcome", data={"outcome": "wrong_number", "csrf_token": token})
    assert 'id="fix-contact"' in r.text and "(wrong number)" in r.text
    r = c.post(f"/cases/{case_id}/contact-fixed", data={"note": "<i>x</i>", "csrf_token": token})
    assert 'id="fix-contact"' not in r.text and "&lt;i&gt;x&lt;/i&gt;" in r.text
    assert c.post(f"/cases/{case_id}/contact-fixed", data={"note": "x"}).status_code == 403
    with transaction(db) as con:
        events = con.execute(
            "SELECT event, actor FROM case_events WHERE case_id = ? ORDER BY rowid", [case_id]
        ).fetchall()
    assert events[-3:] == [
        ("contacted", "Dana Cole"),
        ("unreachable", "Dana Cole"),
        ("contact_fixed", "Dana Cole"),
    ]


def test_the_schema_is_checked_at_the_first_request_only(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from aftercall.store import db as store_db

    calls = []
    real = store_db.migrate
    monkeypatch.setattr(store_db, "migrate", lambda con: calls.append(1) or real(con))
    c = client(db)
    login(c, "rita")
    for _ in range(3):
        assert c.get("/review").status_code == 200
    assert len(calls) == 1


def test_an_opted_out_customers_case_is_shown_but_cannot_be_claimed(db: Path) -> None:
    with transaction(db) as con:
        case_id, key = con.execute(
            "SELECT case_id, customer_key FROM cases WHERE state = 'open' ORDER BY case_id"
        ).fetchone()
        con.execute(
            "INSERT INTO contact_prefs VALUES (?, true, NULL, 'asked us to stop', 'test', now())",
            [key],
        )
    c = client(db)
    login(c, "Dana Cole")
    page = c.get(f"/cases/{case_id}").text
    assert 'id="opted-out"' in page and 'id="claim"' not in page
    r = c.post(f"/cases/{case_id}/claim", data={"csrf_token": csrf(c, "/cases")})
    assert "asked not to be contacted" in r.text
    with transaction(db) as con:
        state = con.execute("SELECT state FROM cases WHERE case_id = ?", [case_id]).fetchone()
    assert state == ("open",)


def test_the_case_owner_settles_a_promise_on_the_case_page(db: Path) -> None:
    """Issue 18: kept or broken by a person, with the reason; only the owner or a manager;
    a broken one raises the case at once."""
    with transaction(db) as con:
        case_id, owner, pid, _priority = con.execute(
            """SELECT k.case_id, k.owner, p.promise_id, k.priority FROM cases k
               JOIN promises p ON list_contains(k.call_ids, p.call_id)
               WHERE p.status = 'open' ORDER BY k.case_id LIMIT 1"""
        ).fetchone()
    other = "Sam Ortiz" if owner == "Dana Cole" else "Dana Cole"
    c = client(db)
    login(c, other)
    page = f"/cases/{case_id}"
    refused = c.post(
        f"{page}/promises/{pid}",
        data={"status": "broken", "why": "not mine", "csrf_token": csrf(c, page)},
    )
    assert f"owned by {owner}" in refused.text
    c = client(db)
    login(c, owner)
    assert f'action="{page}/promises/{pid}"' in c.get(page).text
    for bad in ("P-../../etc", "P-0000000000"):  # not an id / not on this case
        r = c.post(
            f"{page}/promises/{bad}",
            data={"status": "kept", "why": "x", "csrf_token": csrf(c, page)},
        )
        assert r.status_code == 404 or "is not on case" in r.text
    empty = c.post(
        f"{page}/promises/{pid}", data={"status": "kept", "why": " ", "csrf_token": csrf(c, page)}
    )
    assert "say why" in empty.text
    done = c.post(
        f"{page}/promises/{pid}",
        data={"status": "broken", "why": "no call came", "csrf_token": csrf(c, page)},
    )
    assert done.status_code == 200 and f"marked broken by {owner}: no call came" in done.text
    with transaction(db) as con:
        after = con.execute(
            "SELECT k.priority, p.status, p.status_by FROM cases k, promises p"
            " WHERE k.case_id = ? AND p.promise_id = ?",
            [case_id, pid],
        ).fetchone()
    assert after == ("critical", "broken", owner)  # a broken promise raises it at once


def test_the_verify_queue_checks_before_it_apologises(db: Path) -> None:
    """Issue 18: a promise past due with no evidence waits on /verify with its script; what
    the agent finds settles it; reviewers have no verify queue."""
    refresh(db, at=T0 + timedelta(days=3))  # C1's callback is past due, nobody knows
    with transaction(db) as con:
        [(pid,)] = con.execute(
            "SELECT promise_id FROM promises JOIN calls USING (call_id)"
            " WHERE promises.status = 'due_unverified' AND customer_id = 'C1'"
        ).fetchall()
    c = client(db)
    login(c, "rita")
    assert c.get("/verify", follow_redirects=False).status_code in (303, 403)
    c = client(db)
    login(c, "Dana Cole")
    page = c.get("/verify").text
    assert pid in page and "make sure we got back to you" in page
    r = c.post(
        f"/verify/{pid}",
        data={
            "status": "kept",
            "why": "she says he rang on Friday",
            "csrf_token": csrf(c, "/verify"),
        },
    )
    assert r.status_code == 200 and pid not in r.text
    gone = c.post(
        f"/verify/{pid}",
        data={"status": "broken", "why": "x", "csrf_token": csrf(c, "/verify")},
    )
    assert gone.status_code == 404  # settled: no longer in anyone's verify queue
    with transaction(db) as con:
        assert con.execute(
            "SELECT status, status_by FROM promises WHERE promise_id = ?", [pid]
        ).fetchone() == ("kept", "Dana Cole")


def test_errors_are_pages_with_a_way_back_and_json_only_for_the_api(db: Path) -> None:
    """Issue 19 item 7: an unknown case, an unknown address and a bad filter value answer
    with an HTML page that says what went wrong and links back, never raw JSON."""
    c = client(db)
    login(c, "max")
    for path, status, words in [
        ("/cases/C-99999", 404, "there is no such case"),
        ("/no/such/page", 404, "there is no page at this address"),
        ("/cases/C-1/outcome", 405, "Method Not Allowed"),
    ]:
        r = c.get(path, headers={"referer": "http://127.0.0.1/dashboard"})
        assert r.status_code == status, path
        assert r.headers["content-type"].startswith("text/html"), path
        assert words in r.text and 'href="/dashboard" id="back"' in r.text, path
    elsewhere = c.get("/no/such/page", headers={"referer": "https://evil.example/x"})
    assert 'href="/" id="back"' in elsewhere.text  # never a link to another site
    bad_page = c.get("/review?page=lots")
    assert bad_page.status_code == 400 and "not valid: page" in bad_page.text
    assert "lots" not in bad_page.text.split("<main")[-1]  # what was sent is not echoed
    bad_date = c.get("/review?since=yesterday-ish")
    assert bad_date.status_code == 400 and bad_date.headers["content-type"].startswith("text/html")
    api = c.post("/api/nothing")
    assert api.headers["content-type"].startswith("application/json")


def test_an_outreach_agent_opens_the_calls_of_their_own_cases_only(db: Path) -> None:
    """Issue 19 item 4: the owner of a case may read and hear its calls (the redacted
    recording), read-only; another agent's case's calls stay closed to them."""
    with transaction(db) as con:
        rows = con.execute(
            "SELECT owner, unnest(call_ids) FROM cases WHERE owner IS NOT NULL"
        ).fetchall()
    owned = {}
    for owner, call_id in rows:
        owned.setdefault(owner, []).append(call_id)
    dana, sam = owned["Dana Cole"][0], owned["Sam Ortiz"][0]
    c = client(db)
    login(c, "Dana Cole")
    page = c.get(f"/calls/{dana}")
    assert page.status_code == 200 and 'id="read-only"' in page.text
    assert 'id="decision"' not in page.text  # QA decisions stay with reviewers
    assert c.get(f"/calls/{dana}/audio").status_code == 404  # allowed; this one has no audio
    assert c.get(f"/calls/{sam}").status_code == 403
    assert c.get(f"/calls/{sam}/audio").status_code == 403
    r = c.post(f"/calls/{dana}/decision", data={"decision": "resolved", "csrf_token": csrf(c)})
    assert r.status_code == 403


def test_claim_next_takes_my_cases_then_unowned_never_another_agents(db: Path) -> None:
    """Issue 19 item 2: Claim next prefers the cases assigned to me, then nobody's, and never
    silently takes another agent's."""
    with transaction(db) as con:
        con.execute(
            "UPDATE cases SET owner = NULL WHERE case_id = (SELECT max(case_id) FROM"
            " cases WHERE state = 'open')"
        )
        before = dict(
            con.execute("SELECT case_id, owner FROM cases WHERE state = 'open'").fetchall()
        )
    c = client(db)
    login(c, "Dana Cole")
    taken = []
    while True:
        r = c.post(
            "/cases/claim-next", data={"csrf_token": csrf(c, "/cases")}, follow_redirects=False
        )
        target = r.headers["location"]
        if not target.startswith("/cases/C-"):
            break
        taken.append(target.rsplit("/", 1)[1])
    mine = [k for k, v in before.items() if v == "Dana Cole"]
    free = [k for k, v in before.items() if v is None]
    assert mine and free and set(taken) == set(mine + free)
    assert set(taken[: len(mine)]) == set(mine)  # my own first
    assert not set(taken) & {k for k, v in before.items() if v == "Sam Ortiz"}


def test_the_owner_reaches_the_customer_and_the_reveal_is_recorded(db: Path) -> None:
    """Issue 19 item 1: the case's owner (or a manager) sees the phone as a tel: link and the
    e-mail, once they ask; each reveal is an event; another agent is refused; the lists and
    exports never carry them; the draft has a copy button."""
    with transaction(db) as con:
        case_id, owner, call_id = con.execute(
            "SELECT case_id, owner, call_ids[1] FROM cases WHERE owner IS NOT NULL"
            " ORDER BY case_id LIMIT 1"
        ).fetchone()
        con.execute(
            "UPDATE calls SET phone = '+1 (202) 555-0147', email = 'kim@example.com'"
            " WHERE call_id = ?",
            [call_id],
        )
    other = "Sam Ortiz" if owner == "Dana Cole" else "Dana Cole"
    c = client(db)
    login(c, other)
    page = f"/cases/{case_id}"
    assert c.post(f"{page}/contact", data={"csrf_token": csrf(c, page)}).status_code == 403
    c = client(db)
    login(c, owner)
    before = c.get(page).text
    assert "555-0147" not in before and 'id="show-contact"' in before
    assert 'id="copy-draft"' in before and "/static/case.js" in before
    shown = c.post(f"{page}/contact", data={"csrf_token": csrf(c, page)})
    assert shown.status_code == 200 and shown.headers["cache-control"] == "no-store"
    assert 'href="tel:+12025550147"' in shown.text and "kim@example.com" in shown.text
    assert "contact revealed" in shown.text  # in the history, with who
    with transaction(db) as con:
        [(actor, detail)] = con.execute(
            "SELECT actor, detail FROM case_events WHERE event = 'contact_revealed'"
        ).fetchall()
    assert actor == owner and "555" not in detail  # the event says that, not what
    assert "555-0147" not in c.get("/cases").text
    m = client(db)
    login(m, "max")
    assert "555-0147" not in m.get("/export/cases.csv").text


def test_quiet_hours_are_one_rule_for_lists_exports_and_claims(db: Path) -> None:
    """Issue 19 item 3: at a moment inside quiet hours the web app hands out no case, the
    export lists none of them, and my own cases say when I may call, as the CLI does."""
    clock = datetime.now(UTC)
    quiet = SETTINGS.model_copy(
        update={
            "quiet_start": (clock - timedelta(hours=1)).strftime("%H:%M"),
            "quiet_end": (clock + timedelta(hours=1)).strftime("%H:%M"),
        }
    )
    app = create_app(db, Settings(db=db, cases=quiet), secret="quiet test")
    c = TestClient(app, base_url="http://127.0.0.1")
    login(c, "Dana Cole")
    r = c.post("/cases/claim-next", data={"csrf_token": csrf(c, "/cases")}, follow_redirects=False)
    assert "no+open+case" in r.headers["location"]  # nobody handed out inside quiet hours
    assert (
        "quiet hours: call after" in c.get("/cases").text
        or "No cases are yours" in c.get("/cases").text
    )
    m = TestClient(app, base_url="http://127.0.0.1")
    login(m, "max")
    exported = m.get("/export/cases.csv").text.strip().splitlines()
    assert len(exported) == 1  # the header alone: the CLI's list at this moment is empty too


def test_a_decision_goes_on_to_the_next_call_and_a_double_click_saves_once(db: Path) -> None:
    """Issue 19 item 9: after a decision the reviewer lands on the next call of the queue with
    what was saved said in words; a second click on the same decision is not a second label;
    labels read as people say them, not as internal source names."""
    c = client(db)
    login(c, "rita")
    queue = re.findall(r'href="/calls/([0-9a-f]{16})"', c.get("/review").text)
    first = queue[0]
    data = {"decision": "not_a_problem", "csrf_token": csrf(c, "/review")}
    r = c.post(f"/calls/{first}/decision", data=data, follow_redirects=False)
    assert r.status_code == 303
    target = r.headers["location"]
    assert target.startswith("/calls/") and f"prev={first}" in target
    assert not target.startswith(f"/calls/{first}")
    page = c.get(target).text
    assert "Saved on the last call" in page and "not a problem" in page
    c.post(f"/calls/{first}/decision", data=data)  # the double click
    with transaction(db) as con:
        assert con.execute(
            "SELECT count(*) FROM labels WHERE call_id = ? AND source = 'qa'", [first]
        ).fetchone() == (1,)
    mine = c.get(f"/calls/{first}").text
    assert "not a problem by rita" in mine and "repeat_contact" not in mine
    hostile = c.get(f"/calls/{queue[1]}?saved=x&prev=javascript:alert(1)").text
    assert "javascript:" not in hostile


def test_the_outcome_form_offers_what_is_possible_says_what_saved_keeps_what_was_typed(
    db: Path,
) -> None:
    """Issue 19 item 5: on my own assigned (open) case "reached" works at once; the menu
    offers only what is possible; a save says so; an error keeps what was typed."""
    with transaction(db) as con:
        case_id, owner = con.execute(
            "SELECT case_id, owner FROM cases WHERE state = 'open' AND owner IS NOT NULL"
            " ORDER BY case_id LIMIT 1"
        ).fetchone()
    c = client(db)
    login(c, owner)
    page = f"/cases/{case_id}"
    r = c.post(
        f"{page}/outcome",
        data={"outcome": "reached", "note": "spoke to her", "csrf_token": csrf(c, page)},
    )
    assert r.status_code == 200 and "Saved: reached the customer." in r.text
    assert '<option value="closed"' not in r.text  # contacted: closing is not possible now
    typed = {
        "outcome": "recovered",
        "granted": "100 thousand",
        "note": "she wants a refund of the fee",
        "csrf_token": csrf(c, page),
    }
    bad = c.post(f"{page}/outcome", data=typed)
    assert bad.status_code == 400 and "is not an amount" in bad.text
    assert 'value="100 thousand"' in bad.text and "she wants a refund of the fee" in bad.text
    assert '<option value="recovered" selected>' in bad.text


def test_a_case_of_a_queue_i_do_not_serve_stays_closed_by_id(db: Path) -> None:
    """Issue 20 item 7: an outreach agent opens, claims or works a case only when they own it
    or serve its queue, as on the lists; a manager may open any."""
    with transaction(db) as con:
        case_id = con.execute(
            "SELECT min(case_id) FROM cases WHERE owner = 'Sam Ortiz'"
        ).fetchone()[0]
    queues = WEB_SETTINGS.model_copy(
        update={"agents": {"billing": ["Dana Cole"], "technical": ["Sam Ortiz"]}}
    )
    app = create_app(db, Settings(db=db, cases=queues), secret="queues test")
    dana = TestClient(app, base_url="http://127.0.0.1")
    login(dana, "Dana Cole")
    page = f"/cases/{case_id}"
    assert dana.get(page).status_code == 403
    token = csrf(dana, "/cases")
    for action, data in [
        ("claim", {"take_over": "just because"}),
        ("outcome", {"outcome": "closed"}),
        ("contact", {}),
    ]:
        r = dana.post(f"{page}/{action}", data={**data, "csrf_token": token})
        assert r.status_code == 403, action
    sam = TestClient(app, base_url="http://127.0.0.1")
    login(sam, "Sam Ortiz")
    assert sam.get(page).status_code == 200  # his own case
    boss = TestClient(app, base_url="http://127.0.0.1")
    login(boss, "max")
    assert boss.get(page).status_code == 200


def test_a_run_reads_as_words_with_nothing_raw() -> None:
    from datetime import datetime, timedelta

    from aftercall.web.dashboard import run_summary

    started = datetime(2026, 12, 1, 9, 0)
    counts = {"files": 7, "new": 5, "analysed": 4, "failed": 1, "skipped": 0, "not_english": 0}
    counts |= {"cases_opened": 2, "customers_looked_at": -1, "webhooks_delivered": 3}
    row = run_summary(
        {"counts": counts, "started_at": started, "finished_at": started + timedelta(minutes=3)}
    )
    assert row == {
        "calls": "5 new, 4 analysed",
        "problems": "1 failed",
        "cases": "2 opened",
        "took": "3 minutes",
    }
    quiet = run_summary({"counts": {}, "started_at": started, "finished_at": None})
    assert quiet == {"calls": "none", "problems": "none", "cases": "none", "took": "still running"}


def test_an_incomplete_call_says_so_to_its_reviewer(db: Path) -> None:
    call = _flagged(db)[-1]
    with transaction(db) as con:
        con.execute(
            "UPDATE calls SET status = 'incomplete', error = 'truncated: 0.5 s of 27.2 s'"
            " WHERE call_id = ?",
            [call],
        )
    c = client(db)
    login(c, "rita")
    page = c.get(f"/calls/{call}").text
    assert 'id="incomplete"' in page and "truncated: 0.5 s of 27.2 s" in page
    others = [x for x in _flagged(db) if x != call]
    assert 'id="incomplete"' not in c.get(f"/calls/{others[0]}").text


def test_the_call_page_shows_how_the_customer_left_beside_the_outcome(db: Path) -> None:
    call = _flagged(db)[0]
    with transaction(db) as con:
        (p,) = con.execute(
            "SELECT p_dissatisfied FROM analyses WHERE call_id = ?", [call]
        ).fetchone()
    assert p is not None  # stored by the pipeline for every analysed call
    c = client(db)
    login(c, "rita")
    left = c.get(f"/calls/{call}").text.split('id="left">')[1].split("</p>")[0]
    assert f"{100 * p:.0f}% likely dissatisfied" in left and "does not decide it" in left
