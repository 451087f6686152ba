"""Each role's day in the web app, walked as a person walks it, in Debian's chromium against a
real uvicorn server and a real database, at a desktop width (1280 px) and a phone's (390 px):

- reviewer: queue, open a call, reach a highlight by keyboard and play from it, decide with a
  key, land on the next call, decide it with a button, back to the queue;
- outreach agent: claim next, read the case, show the customer's number (a tel: link), copy
  the draft, open the case's call, record "reached" then "recovered" with a follow-up check;
- manager: dashboard, every CSV export, the model and calibration pages; admin: users.

axe-core runs inside every page each walk reaches (no serious or critical violation), and no
page is wider than the screen. With AFTERCALL_SCREENSHOTS=FOLDER the phone pages are saved."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from aftercall.store.db import transaction
from aftercall.web.users import add_user
from tests.browserkit import (
    DESKTOP,
    PHONE,
    assert_accessible,
    chromium,
    log_in,
    month_of_work,
    needs_chromium,
    shot,
)
from tests.webkit import PASSWORD

pytestmark = needs_chromium
WIDTHS = pytest.mark.parametrize("width", [DESKTOP, PHONE], ids=["desktop", "phone"])
# one person per role and width, so the two walks do not share a claimed case or a decision
PEOPLE = {
    "reviewer": {DESKTOP: "rita", PHONE: "lee"},
    "outreach": {DESKTOP: "Dana Cole", PHONE: "Sam Ortiz"},
    "manager": {DESKTOP: "max", PHONE: "ada"},
}
REFUSED: list[str] = []  # anything the Content-Security-Policy blocked, on any page
PHONE_SHOTS = ("call_page", "case_contact", "dashboard")  # the phone screenshots in docs/web.md


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    with month_of_work(tmp_path_factory.mktemp("walks")) as (url, db):
        with transaction(db) as con:
            add_user(con, "lee", "reviewer", PASSWORD)
        yield url, db


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


def _visit(page, what: str, width: int) -> None:
    page.wait_for_load_state()
    assert_accessible(page, what)
    if width == PHONE and what in PHONE_SHOTS:
        page.evaluate("window.scrollTo(0, 0)")
        shot(page, f"{what}_phone.png")


def _one_column(page) -> None:
    """On a phone the side panel sits under the main column, not beside it."""
    main, side = page.locator(".layout > section").first, page.locator(".layout > aside")
    top, left = main.bounding_box(), side.bounding_box()
    assert left["y"] >= top["y"] + top["height"] - 1 and left["x"] == top["x"]


def _tab_to(page, selector: str, limit: int = 200) -> None:
    """Press Tab until the focus is on an element matching `selector`, as a keyboard user."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"document.activeElement.matches({selector!r})"):
            return
    raise AssertionError(f"no {selector} reachable by Tab")


@WIDTHS
def test_a_reviewers_day(server, browser, width: int) -> None:
    url, db = server
    page = log_in(browser, url, PEOPLE["reviewer"][width], width, REFUSED)
    assert page.url.endswith("/review")
    _visit(page, "review_queue", width)
    page.click("table.queue a >> nth=0")
    page.wait_for_selector("#player")
    first = page.url.rsplit("/", 1)[1]
    _visit(page, "call_page", width)
    if width == PHONE:
        _one_column(page)
    # a highlight is reached by keyboard, and Enter plays the call from it
    page.wait_for_function("() => document.getElementById('player').readyState >= 1")
    _tab_to(page, "mark.ev[data-start]")
    start = float(page.evaluate("document.activeElement.dataset.start"))
    page.keyboard.press("Enter")
    page.wait_for_function(
        f"() => Math.abs(document.getElementById('player').currentTime - {start}) < 1"
    )
    # the legend names every highlight colour in words
    assert "may leave" in page.inner_text(".legend") and "misheard" in page.inner_text(".legend")
    page.keyboard.press("u")  # confirm unresolved: on to the next call, told what was saved
    page.wait_for_selector(".saved")
    assert "confirmed unresolved" in page.inner_text(".saved")
    second = page.url.split("?")[0].rsplit("/", 1)[1]
    assert second != first
    _visit(page, "next_call", width)
    page.click("#decision button[value=resolved]")
    page.wait_for_selector(".saved")
    assert "marked resolved" in page.inner_text(".saved")
    with transaction(db) as con:
        decided = con.execute(
            'SELECT call_id, label FROM labels WHERE reviewer = ? ORDER BY "at"',
            [PEOPLE["reviewer"][width]],
        ).fetchall()
    assert decided == [(first, "unresolved"), (second, "resolved")]
    page.goto(f"{url}/review")
    _visit(page, "review_queue_after", width)
    assert first not in page.content().split("<tbody>")[1]
    assert not REFUSED, REFUSED


@WIDTHS
def test_an_outreach_agents_day(server, browser, width: int) -> None:
    url, db = server
    me = PEOPLE["outreach"][width]
    page = log_in(browser, url, me, width, REFUSED)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=url)
    page.goto(f"{url}/cases")
    _visit(page, "my_cases", width)
    page.click("#claim-next")
    page.wait_for_selector("h1 .state")
    assert page.inner_text("h1 .state") == "claimed"
    case_id = page.url.split("?")[0].rsplit("/", 1)[1]
    _visit(page, "case_page", width)
    if width == PHONE:
        _one_column(page)
    # reach the customer: the number as a click-to-call link, the draft on the clipboard
    page.click("#show-contact button")
    page.wait_for_selector("#contact")
    tel = page.get_attribute("#call-customer", "href")
    assert tel and re.fullmatch(r"tel:\+?[0-9]+", tel), tel
    page.click("#copy-draft")
    page.wait_for_selector("#copy-draft:text('Copied')")
    assert page.evaluate("navigator.clipboard.readText()") == page.inner_text("#draft")
    _visit(page, "case_contact", width)
    # the case's call, read-only
    page.click(".layout a[href^='/calls/'] >> nth=0")
    page.wait_for_selector("#read-only")
    _visit(page, "case_call", width)
    page.goto(f"{url}/cases/{case_id}")  # back to the case (the revealed number is not kept)
    page.wait_for_selector("#outcome")
    page.select_option("select[name=outcome]", "reached")
    page.fill("textarea[name=note]", "spoke to the customer")
    page.click("#outcome button")
    page.wait_for_selector("h1 .state:text('contacted')")
    assert f"(reached) by {me}" in page.inner_text(".events")
    page.select_option("select[name=outcome]", "recovered")
    page.fill("input[name=followup_days]", "3")
    page.fill("textarea[name=note]", "credited the month")
    page.click("#outcome button")
    page.wait_for_selector("h1 .state:text('recovered')")
    assert f"recovered by {me}" in page.inner_text(".events")
    assert "follow-up" in page.inner_text(".events")
    _visit(page, "case_recovered", width)
    with transaction(db) as con:
        events = [
            r[0]
            for r in con.execute(
                'SELECT event FROM case_events WHERE case_id = ? AND actor = ? ORDER BY "at"',
                [case_id, me],
            ).fetchall()
        ]
    assert events[0] == "claimed" and "contact_revealed" in events
    assert events[-2:] == ["contacted", "recovered"]
    page.goto(f"{url}/verify")
    _visit(page, "verify", width)
    assert not REFUSED, REFUSED


@WIDTHS
def test_a_managers_day(server, browser, width: int) -> None:
    url, _ = server
    page = log_in(browser, url, PEOPLE["manager"][width], width, REFUSED)
    page.goto(f"{url}/dashboard")
    _visit(page, "dashboard", width)
    assert re.search(
        r"\d+\s+customers? (is|are) waiting past their SLA now", page.inner_text(".tiles")
    )
    assert "run-1" in page.inner_text("#runs") and "4 new, 4 analysed" in page.inner_text("#runs")
    exports = page.locator(".exports a.button")
    assert exports.count() == 6
    for i in range(exports.count()):
        with page.expect_download() as download:
            exports.nth(i).click()
        text = Path(download.value.path()).read_text("utf-8")
        rows = list(csv.reader(io.StringIO(text)))
        assert rows and len(rows[0]) > 1, download.value.suggested_filename
    for path in ("/models", "/calibration", "/review", "/cases", "/approvals"):
        page.goto(f"{url}{path}")
        _visit(page, path.strip("/"), width)
    if PEOPLE["manager"][width] == "ada":  # the admin's own page
        page.goto(f"{url}/admin/users")
        _visit(page, "users", width)
    page.goto(f"{url}/cases/C-99999")  # an error page is a page too
    _visit(page, "error", width)
    assert not REFUSED, REFUSED
