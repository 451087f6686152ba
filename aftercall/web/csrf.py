"""CSRF protection: a random token per session, required on every form post (synchroniser
token pattern). The session cookie is also SameSite=Strict; the token covers old browsers."""

from __future__ import annotations

import hmac
import secrets

from fastapi import Form, HTTPException, Request


def token(request: Request) -> str:
    if "csrf" not in request.session:
        request.session["csrf"] = secrets.token_urlsafe(32)
    return request.session["csrf"]


def new_token(request: Request) -> str:
    request.session["csrf"] = secrets.token_urlsafe(32)
    return request.session["csrf"]


def check(request: Request, csrf_token: str = Form("")) -> None:
    """A FastAPI dependency for POST routes: 403 unless the form carries this session's token."""
    expected = request.session.get("csrf")
    if not expected or not hmac.compare_digest(expected.encode(), csrf_token.encode()):
        raise HTTPException(403, "the form was stale or not sent from this site: reload the page")
