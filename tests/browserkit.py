"""What the browser tests share: a database with a month of history served by a real uvicorn,
Debian's chromium driven by Playwright, logging in as a person does, axe-core (the PyPI package
axe-playwright-python, which bundles it) run inside every page, and the README's screenshots."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
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
needs_chromium = pytest.mark.skipif(
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
DESKTOP, PHONE = 1280, 390
# axe-core impacts that fail a page (WCAG 2.1 AA and axe's best practices it tags so)
FAILING_IMPACTS = ("serious", "critical")


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


@contextmanager
def month_of_work(folder: Path) -> Iterator[tuple[str, Path]]:
    """A real server on a database with a month of calls, cases, a recorded pipeline run and a
    playable (silent, already "beeped") redacted recording on every call: (url, db)."""
    db = build_db(folder)
    _earlier_weeks(db, folder)
    refresh(db, at=T0 + timedelta(hours=1))
    audio = folder / "redacted.wav"
    sf.write(audio, np.zeros(16000 * 30, dtype=np.float32), 16000)
    with transaction(db) as con:  # text transcripts carry no times: give each turn 5 s
        con.execute("UPDATE turns SET start_s = idx * 5.0, end_s = idx * 5.0 + 5.0")
        con.execute("UPDATE calls SET redacted_audio = ?", [str(audio)])
        # every customer reachable, as on the demo calls (555-01xx: numbers kept for fiction)
        con.execute(
            "UPDATE calls SET phone = '+1 415 555 01' || lpad((hash(call_id) % 100)::VARCHAR, 2,"
            " '0'), email = 'customer-' || call_id[:6] || '@example.com'"
        )
        start_run(con, "run-1", None, str(folder / "inbox"))  # a recorded pipeline run
        finish_run(con, "run-1", {"new": 4, "analysed": 4, "failed": 0}, "completed")
    app = create_app(db, Settings(db=db, cases=WEB_SETTINGS), secret="browser test")
    with serve(app) as url:
        yield url, db


@contextmanager
def chromium() -> Iterator[object]:
    from playwright.sync_api import sync_playwright  # lazy: only browser tests need it

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--autoplay-policy=no-user-gesture-required"],
        )
        yield browser
        browser.close()


def log_in(browser, url: str, name: str, width: int = DESKTOP, refused: list | None = None):
    """A new page at this width, logged in through the login form as `name`. Anything the
    Content-Security-Policy blocks is appended to `refused`."""
    page = browser.new_page(viewport={"width": width, "height": 800})
    if refused is not None:
        page.on(
            "console",
            lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None,
        )
    response = page.goto(f"{url}/login")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert_accessible(page, "login")
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return page


def assert_accessible(page, what: str) -> None:
    """axe-core finds no serious or critical violation on the page as it is now, and the page
    is no wider than the screen (a table may scroll inside its own box)."""
    from axe_playwright_python.sync_playwright import Axe  # lazy: only browser tests need it

    found = Axe().run(page).response["violations"]
    bad = [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes'][:3]]} {v['help']}"
        for v in found
        if v["impact"] in FAILING_IMPACTS
    ]
    assert not bad, f"{what} at {page.viewport_size['width']} px: {bad}"
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= page.viewport_size["width"], f"{what} is {wide} px wide"


def shot(page, name: str, full_page: bool = False) -> None:
    """With AFTERCALL_SCREENSHOTS=FOLDER set, save the screenshot the docs show."""
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / name), full_page=full_page)
