"""Security headers (issue 20, item 15) on real requests through the whole app: a strict CSP,
no framing, no sniffing, a same-origin referrer, and no caching of anything with personal
data. The browser test (test_web_browser.py) proves the pages still work under the CSP."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from aftercall.store.db import transaction
from aftercall.web.pages import HERE
from tests.webkit import build_db, client, login


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_db(tmp_path_factory.mktemp("headers"))


def _check(r, cached_ok: bool = False) -> None:
    h = r.headers
    csp = h["content-security-policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp, csp
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp
    assert h["x-frame-options"] == "DENY"
    assert h["x-content-type-options"] == "nosniff"
    assert h["referrer-policy"] in ("same-origin", "no-referrer", "strict-origin")
    if not cached_ok:
        assert "no-store" in h["cache-control"], (r.url, h.get("cache-control"))


def test_every_kind_of_response_carries_the_headers(db: Path, tmp_path: Path) -> None:
    with transaction(db) as con:
        call = con.execute("SELECT min(call_id) FROM calls").fetchone()[0]
        case = con.execute("SELECT min(case_id) FROM cases").fetchone()[0]
        clip = tmp_path / "redacted.flac"
        clip.write_bytes(b"fLaC redacted bytes")
        con.execute("UPDATE calls SET redacted_audio = ? WHERE call_id = ?", [str(clip), call])
    c = client(db)
    _check(c.get("/login"))
    _check(c.get("/review", follow_redirects=False))  # the redirect to the login page
    _check(c.get("/no/such/page"))
    static = c.get("/static/app.css")
    _check(static, cached_ok=True)  # the app's own files may be cached: nothing personal
    login(c, "max")
    for path in (
        "/review",
        f"/calls/{call}",
        f"/calls/{call}/audio",
        "/cases",
        f"/cases/{case}",
        "/dashboard",
        "/export/cases.csv",
    ):
        r = c.get(path)
        assert r.status_code == 200, path
        _check(r)


def test_templates_have_no_inline_script_style_or_handler() -> None:
    """What a strict CSP would block: an inline <script>, a style= attribute or <style>
    element, an on...= handler, a javascript: URL, or htmx code in attributes."""
    inline = re.compile(
        r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=|\son[a-z]+=|javascript:|hx-on|hx-vars",
        re.I,
    )
    for template in sorted((HERE / "templates").glob("*.html")):
        found = inline.findall(template.read_text())
        assert not found, f"{template.name}: {found}"
