"""Security headers on every response (issue 20, item 15).

A pure ASGI middleware rather than Starlette's BaseHTTPMiddleware: it only adds headers as the
response starts, so streamed bodies (audio, CSV) pass through untouched."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# The app's own files only: no inline script, style or event handler runs (templates keep all
# script in aftercall/web/static/), nothing from another site loads, no page may frame this one.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "media-src 'self'; connect-src 'self'; font-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
ALWAYS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers that predate CSP 2
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",  # call and case ids in URLs never leave the site
}
# Everything but the static files carries personal data (calls, cases, exports, audio) or a
# form with a CSRF token: no browser or proxy cache may keep a copy.
NO_STORE = "no-store"


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope.get("path", "").startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in ALWAYS.items():
                    headers[name] = value
                if not static and NO_STORE not in headers.get("Cache-Control", ""):
                    headers["Cache-Control"] = NO_STORE
            await send(message)

        await self.app(scope, receive, send_with_headers)
