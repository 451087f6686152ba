"""The FastAPI application: sessions, static files, error pages and the pages' routers."""

from __future__ import annotations

import secrets
from pathlib import Path
from urllib.parse import urlsplit

import uvicorn
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from aftercall.config import Settings
from aftercall.store.db import StoreError
from aftercall.web import admin, api, approvals, auth, cases, dashboard, models, review, sessions
from aftercall.web.headers import SecurityHeaders
from aftercall.web.limits import BodyLimit
from aftercall.web.pages import HERE, Forbidden, LoginRequired, WebState, render


def _error_page(request: Request, status: int, message: str) -> HTMLResponse:
    """An error as a page with a way back: to the page the person came from when it is one
    of ours (the Referer's path, never another site), else the start page."""
    referer = urlsplit(request.headers.get("referer", ""))
    same_site = referer.netloc == request.url.netloc and referer.path.startswith("/")
    back = referer.path if same_site and referer.path != request.url.path else "/"
    return render(request, "error.html", status, message=message, status=status, back=back)


def create_app(
    db_path: Path, settings: Settings | None = None, secret: str | None = None
) -> FastAPI:
    """The app for one database file. `secret` signs session cookies; without one a random
    key is made, so sessions end when the server restarts. The sessions themselves live in
    the database (web/sessions.py): processes that share `secret` share them."""
    app = FastAPI(title="aftercall", docs_url=None, redoc_url=None, openapi_url=None)
    settings = settings or Settings(db=Path(db_path))
    app.state.web = WebState(Path(db_path), settings)
    app.add_middleware(
        SessionMiddleware,
        secret_key=secret or secrets.token_urlsafe(32),
        session_cookie="aftercall_session",
        max_age=sessions.SESSION_S,  # the server ends it then too
        same_site="strict",
        https_only=False,  # served on 127.0.0.1 by default; put TLS in front to expose it
    )
    if settings.web.trusted_proxies:
        # only these peers may say who the client is (X-Forwarded-For); see WebSettings
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.web.trusted_proxies)
    app.add_middleware(BodyLimit)  # no request body past 2 MB is read (web/limits.py)
    # added last, so it is outermost: error pages and redirects get the headers too
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    for module in (auth, review, cases, approvals, dashboard, models, admin, api):
        app.include_router(module.router)

    @app.exception_handler(LoginRequired)
    def _login(request: Request, exc: LoginRequired) -> RedirectResponse:
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)

    @app.exception_handler(Forbidden)
    def _forbidden(request: Request, exc: Forbidden) -> HTMLResponse:
        return render(request, "error.html", 403, message=str(exc))

    @app.exception_handler(StarletteHTTPException)
    def _http(request: Request, exc: StarletteHTTPException) -> Response:
        """A page for people (with a way back), JSON for machines (/api/...)."""
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": exc.detail}, exc.status_code, headers=exc.headers)
        message = (
            exc.detail
            if exc.status_code != 404 or exc.detail != "Not Found"
            else ("there is no page at this address")
        )
        return _error_page(request, exc.status_code, message)

    @app.exception_handler(RequestValidationError)
    def _invalid(request: Request, exc: RequestValidationError) -> Response:
        """A bad value in a form or a query string (a date filter that is not a date): say
        which, without echoing what was sent."""
        fields = ", ".join(
            str(e["loc"][-1]) for e in exc.errors() if e.get("loc") and e["loc"][0] != "body"
        ) or ", ".join(str(e["loc"][-1]) for e in exc.errors() if e.get("loc"))
        message = f"this value is not valid: {fields or 'the request'}"
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": message}, 400)
        return _error_page(request, 400, message)

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


def server(app: FastAPI, host: str = "127.0.0.1", port: int = 8080, **kw: object) -> uvicorn.Server:
    """The uvicorn server for `app`. uvicorn's own proxy handling is off: by default it
    believes X-Forwarded-For from 127.0.0.1, so anyone on this machine (or a proxy passing
    the header through) could rotate it past the login limit; create_app trusts the header
    only from [web] trusted_proxies."""
    config = uvicorn.Config(
        app, host=host, port=port, log_level="warning", proxy_headers=False, **kw
    )
    return uvicorn.Server(config)
