"""The web app in a real headless Chromium (Debian's chromium, driven by Playwright) against
a real uvicorn server on 127.0.0.1: log in, review a call, jump the audio, confirm a flag,
dispute it and settle the dispute as a third reviewer, claim a case, record "reached" then
"recovered", and see the dashboard change.

With AFTERCALL_SCREENSHOTS=FOLDER set, it also saves the screenshots the README shows."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from aftercall.store.db import transaction
from tests.browserkit import chromium, log_in, month_of_work, needs_chromium, shot

pytestmark = needs_chromium
# what Chromium reports as blocked by the app's Content-Security-Policy (aftercall/web/headers.py)
CSP_REFUSED: list[str] = []


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    with month_of_work(tmp_path_factory.mktemp("browser")) as served:
        yield served


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


def _login(browser, url: str, name: str):
    return log_in(browser, url, name, refused=CSP_REFUSED)


def test_review_claim_outcome_dashboard_in_a_real_browser(server, browser) -> None:
    url, db = server
    manager = _login(browser, url, "max")
    manager.goto(f"{url}/dashboard")
    before = manager.inner_text("#recovery")

    # the reviewer: queue -> call -> jump the audio -> confirm with one key
    reviewer = _login(browser, url, "rita")
    assert reviewer.url.endswith("/review")
    shot(reviewer, "review_queue.png")
    # htmx (a file of ours, no inline code) still swaps the list under the CSP
    reviewer.select_option("select[name=sort]", "uncertainty")
    reviewer.wait_for_url("**sort=uncertainty**")
    reviewer.wait_for_selector("table.queue a")
    reviewer.click("table.queue a >> nth=0")
    reviewer.wait_for_selector("#player")
    call_id = reviewer.url.rsplit("/", 1)[1]
    reviewer.wait_for_function("() => document.getElementById('player').readyState >= 1")
    reviewer.click("#turn-2")
    reviewer.wait_for_function(
        "() => Math.abs(document.getElementById('player').currentTime - 10) < 1"
    )
    reviewer.wait_for_selector("#turn-2.playing")
    mark = reviewer.locator(".turn mark.ev").first
    if mark.count():
        mark.click()
        start = float(mark.get_attribute("data-start") or "nan")
        t = reviewer.evaluate("document.getElementById('player').currentTime")
        assert abs(t - start) < 1
    shot(reviewer, "call_page.png")
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
    shot(agent, "case_page.png")

    # the manager sees it, with the recorded run
    manager.reload()
    assert manager.inner_text("#recovery") != before
    assert "run-1" in manager.inner_text("#runs")
    assert manager.locator("figure.chart svg").count() == 7
    shot(manager, "dashboard.png", full_page=True)
    assert not CSP_REFUSED, CSP_REFUSED  # every page above ran with nothing blocked
