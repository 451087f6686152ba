"""The web app in a real headless Chromium (Debian's chromium, driven by Playwright) against
a real uvicorn server on 127.0.0.1: log in, review a call, jump the audio, confirm a flag,
dispute it and settle the dispute as a third reviewer, claim a case, record "reached" then
"recovered", and see the dashboard change.

With AFTERCALL_SCREENSHOTS=FOLDER set, it also saves the screenshots the README shows."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from aftercall.config import Settings
from aftercall.store.calls import finish_run, start_run
from aftercall.store.db import transaction
from aftercall.web.app import create_app
from tests.casekit import BILL_NO_PROMISE, BILL_OPEN, NOBODY_CALLED, T0, add_call, refresh
from tests.webkit import PASSWORD, WEB_SETTINGS, build_db, serve

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (.ci/run installs it)"
)
SHOTS = os.environ.get("AFTERCALL_SCREENSHOTS")
DEFLECTED = (
    "Agent: Thank you for calling, how can I help?\n"
    "Customer: My internet keeps dropping every evening.\n"
    "Agent: That's not my department, you'll have to call the technical team.\n"
    "Customer: I already called them twice.\n"
)
AGENTS = ("A. Brooks", "J. Patel", "M. Chen")
# what Chromium reports as blocked by the app's Content-Security-Policy (aftercall/web/headers.py)
CSP_REFUSED: list[str] = []


def _earlier_weeks(db: Path, folder: Path) -> None:
    """Four earlier weeks of calls from three agents, so the dashboard has a history."""
    texts = (BILL_OPEN, NOBODY_CALLED, DEFLECTED, BILL_NO_PROMISE)
    for week in range(4, 0, -1):  # oldest first, each week refreshed as it ends
        for i, text in enumerate(texts[: 1 + week % 4]):
            at = T0 - timedelta(weeks=week, hours=i)
            add_call(db, folder, text, f"K{week}{i}", at, value=100.0 * (i + 1))
        refresh(db, at=T0 - timedelta(weeks=week) + timedelta(hours=1))
    with transaction(db) as con:
        con.execute(
            "UPDATE calls SET agent_id = (list_value(?, ?, ?))[1 + (hash(call_id) % 3)::BIGINT]",
            list(AGENTS),
        )


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    folder = tmp_path_factory.mktemp("browser")
    db = build_db(folder)
    _earlier_weeks(db, folder)
    refresh(db, at=T0 + timedelta(hours=1))
    audio = folder / "redacted.wav"
    sf.write(audio, np.zeros(16000 * 30, dtype=np.float32), 16000)  # 30 s, already "beeped"
    with transaction(db) as con:  # text transcripts carry no times: give each turn 5 s
        con.execute("UPDATE turns SET start_s = idx * 5.0, end_s = idx * 5.0 + 5.0")
        con.execute("UPDATE calls SET redacted_audio = ?", [str(audio)])
        start_run(con, "run-1", None, str(folder / "inbox"))  # a recorded pipeline run
        finish_run(con, "run-1", {"new": 4, "analysed": 4, "failed": 0}, "completed")
    app = create_app(db, Settings(db=db, cases=WEB_SETTINGS), secret="browser test")
    with serve(app) as url:
        yield url, db


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--autoplay-policy=no-user-gesture-required"],
        )
        yield b
        b.close()


def _login(browser, url: str, name: str):
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.on(
        "console",
        lambda m: CSP_REFUSED.append(m.text) if "Content Security Policy" in m.text else None,
    )
    response = page.goto(f"{url}/login")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return page


def _shot(page, name: str, full_page: bool = False) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / name), full_page=full_page)


def test_review_claim_outcome_dashboard_in_a_real_browser(server, browser) -> None:
    url, db = server
    manager = _login(browser, url, "max")
    manager.goto(f"{url}/dashboard")
    before = manager.inner_text("#recovery")

    # the reviewer: queue -> call -> jump the audio -> confirm with one key
    reviewer = _login(browser, url, "rita")
    assert reviewer.url.endswith("/review")
    _shot(reviewer, "review_queue.png")
    # htmx (a file of ours, no inline code) still swaps the list under the CSP
    reviewer.select_option("select[name=sort]", "uncertainty")
    reviewer.wait_for_url("**sort=uncertainty**")
    reviewer.wait_for_selector("table.queue a")
    reviewer.click("table.queue a >> nth=0")
    reviewer.wait_for_selector("#player")
    call_id = reviewer.url.rsplit("/", 1)[1]
    reviewer.wait_for_function("document.getElementById('player').readyState >= 1")
    reviewer.click("#turn-2")
    reviewer.wait_for_function("Math.abs(document.getElementById('player').currentTime - 10) < 1")
    reviewer.wait_for_selector("#turn-2.playing")
    mark = reviewer.locator("mark.ev").first
    if mark.count():
        mark.click()
        start = float(mark.get_attribute("data-start") or "nan")
        t = reviewer.evaluate("document.getElementById('player').currentTime")
        assert abs(t - start) < 1
    _shot(reviewer, "call_page.png")
    reviewer.keyboard.press("u")
    reviewer.wait_for_selector(".saved")
    assert "confirmed unresolved" in reviewer.inner_text(".saved")  # and on to the next call
    assert call_id not in reviewer.url.split("?")[0]
    with transaction(db) as con:
        label = con.execute(
            "SELECT label, reviewer FROM labels WHERE call_id = ? AND source = 'qa'", [call_id]
        ).fetchone()
    assert label == ("unresolved", "rita")

    # a second reviewer disputes rita's decision; rita cannot settle it; a third one does
    second = _login(browser, url, "max")
    second.goto(f"{url}/calls/{call_id}")
    second.fill("#dispute input[name=reason]", "the customer said it was fixed")
    second.click("#dispute button")
    second.wait_for_selector("#disputed")
    reviewer.goto(f"{url}/calls/{call_id}")  # rita is on the next call now: back to hers
    assert reviewer.locator("#not-yours").count() == 1 and reviewer.locator("#settle").count() == 0
    third = _login(browser, url, "ada")
    third.goto(f"{url}/calls/{call_id}")
    third.click("#settle button[value=resolved]")
    third.wait_for_selector(".disputes")
    assert "settled resolved by ada" in third.inner_text(".disputes")
    assert third.locator("#disputed").count() == 0
    with transaction(db) as con:
        settled = con.execute(
            "SELECT decided_by, disputed_label, opened_by, settled_by, final_label FROM disputes"
        ).fetchone()
    assert settled == ("rita", "unresolved", "max", "ada", "resolved")

    # the outreach agent: claim next -> reached the customer -> recovered
    agent = _login(browser, url, "Dana Cole")
    agent.click("#claim-next")
    agent.wait_for_selector("h1 .state")
    assert agent.inner_text("h1 .state") == "claimed"
    agent.select_option("select[name=outcome]", "reached")
    agent.fill("textarea[name=note]", "spoke to the customer")
    agent.click("#outcome button")
    agent.wait_for_selector("h1 .state:text('contacted')")
    assert "(reached) by Dana Cole" in agent.inner_text(".events")
    agent.select_option("select[name=outcome]", "recovered")
    agent.fill("textarea[name=note]", "refunded, <b>customer</b> happy")
    agent.click("#outcome button")
    agent.wait_for_selector("h1 .state:text('recovered')")
    assert "refunded, <b>customer</b> happy" in agent.inner_text(".events")
    _shot(agent, "case_page.png")

    # the manager sees it, with the recorded run
    manager.reload()
    assert manager.inner_text("#recovery") != before
    assert "run-1" in manager.inner_text("#runs")
    assert manager.locator("figure.chart svg").count() == 7
    _shot(manager, "dashboard.png", full_page=True)
    assert not CSP_REFUSED, CSP_REFUSED  # every page above ran with nothing blocked
