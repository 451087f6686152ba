"""An example webhook receiver for aftercall's case events (stdlib only: copy it freely).

    AFTERCALL_WEBHOOK_SECRET=... python scripts/webhook_receiver.py --port 8765

then set `[webhooks] url = "http://127.0.0.1:8765/aftercall"` in aftercall.toml. It checks
the HMAC-SHA256 signature and the timestamp, answers 401 to anything unsigned or stale, and
prints each event; replace `handle` with a call to your CRM or helpdesk. aftercall retries
with backoff until it gets a 2xx, so `handle` must tolerate the same event twice: use the
X-Aftercall-Delivery id to drop repeats.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOLERANCE_S = 300


def signature_ok(secret: bytes, timestamp: str, body: bytes, signature: str) -> bool:
    try:
        if abs(time.time() - float(timestamp)) > TOLERANCE_S:
            return False
    except ValueError:
        return False
    expected = hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest("sha256=" + expected, signature)


def make_handler(secret: bytes, handle) -> type[BaseHTTPRequestHandler]:  # noqa: ANN001
    """A request handler class that verifies each POST and passes its event to `handle`."""

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(min(length, 1_000_000))
            ok = signature_ok(
                secret,
                self.headers.get("X-Aftercall-Timestamp", ""),
                body,
                self.headers.get("X-Aftercall-Signature", ""),
            )
            if not ok:
                self.send_response(401)
                self.end_headers()
                return
            try:
                status = handle(self.headers.get("X-Aftercall-Delivery"), json.loads(body))
            except Exception:  # the sender will retry: answer 500, never crash the server
                status = 500
            self.send_response(status or 204)
            self.end_headers()

        def log_message(self, *args: object) -> None:  # quiet: `handle` prints what matters
            pass

    return Receiver


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    secret = os.environ["AFTERCALL_WEBHOOK_SECRET"].encode()
    seen: set[str] = set()

    def handle(delivery: str, event: dict) -> int:
        if delivery in seen:
            return 204  # a retry of something already handled
        seen.add(delivery)
        detail = event["detail"]
        print(
            f"{event['event']:<15} {event['case_id']}  {detail.get('priority', '')}  "
            f"{detail.get('reason', detail.get('change', ''))}",
            flush=True,
        )
        return 204

    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(secret, handle))
    print(f"listening on http://127.0.0.1:{args.port}/aftercall", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
