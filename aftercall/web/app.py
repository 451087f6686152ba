"""The FastAPI application: sessions, static files, error pages and the pages' routers."""

from __future__ import annotations

import secrets
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from aftercall.config import Settings
from aftercall.store.db import StoreError
from aftercall.web import admin, api, auth, cases, dashboard, models, review
from aftercall.web.pages import HERE, Forbidden, LoginRequired, WebState, render


def create_app(
    db_path: Path, settings: Settings | None = None, secret: str | None = None
) -> FastAPI:
    """The app for one database file. `secret` signs session cookies; without one a random
    key is made, so sessions end when the server restarts."""
    app = FastAPI(title="aftercall", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.web = WebState(Path(db_path), settings or Settings(db=Path(db_path)))
    app.add_middleware(
        SessionMiddleware,
        secret_key=secret or secrets.token_urlsafe(32),
        session_cookie="aftercall_session",
        max_age=12 * 3600,
        same_site="strict",
        https_only=False,  # served on 127.0.0.1 by default; put TLS in front to expose it
    )
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    for module in (auth, review, cases, dashboard, models, admin, api):
        app.include_router(module.router)

    @app.exception_handler(LoginRequired)
    def _login(request: Request, exc: LoginRequired) -> RedirectResponse:
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)

    @app.exception_handler(Forbidden)
    def _forbidden(request: Request, exc: Forbidden) -> HTMLResponse:
        return render(request, "error.html", 403, message=str(exc))

    @app.exception_handler(StoreError)
    def _store(request: Request, exc: StoreError) -> HTMLResponse:
        return render(request, "error.html", 503, message=str(exc))

    @app.get("/")
    def home(request: Request) -> RedirectResponse:
        role = request.session.get("role")
        target = {
            "reviewer": "/review",
            "outreach": "/cases",
            "manager": "/dashboard",
            "admin": "/admin/users",
        }
        return RedirectResponse(target.get(role, "/review") if role else "/login", 303)

    return app
