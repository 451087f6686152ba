"""`aftercall web`: serve the web app (uvicorn) for one database file."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from aftercall.cli import main as base


def web(
    db: base.DbOption = None,
    config: base.ConfigOption = None,
    host: Annotated[
        str, typer.Option(help="Address to bind; 127.0.0.1 keeps it on this machine")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8080,
) -> None:
    """The web app for QA reviewers, outreach agents and managers (create users with
    `aftercall users add`). Sessions are signed with $AFTERCALL_WEB_SECRET when set (else a
    random key: everyone logs in again after a restart)."""
    # lazy: `aftercall --help` and other commands start fast
    from aftercall.store.db import StoreError, open_db

    # lazy: `aftercall --help` and other commands start fast
    from aftercall.web.app import create_app, server

    settings = base.settings_for(config, db)
    try:
        with open_db(settings.db) as con:  # create/migrate the file before serving
            users = con.execute("SELECT count(*) FROM users").fetchone()[0]
    except StoreError as exc:
        raise base.fail(str(exc), 2) from exc
    if not users:
        base.err.print(
            "[yellow]note[/] no users yet: add one with `aftercall users add NAME --role admin`"
        )
    app = create_app(settings.db, settings, os.environ.get("AFTERCALL_WEB_SECRET"))
    base.err.print(f"serving {settings.db} on http://{host}:{port}", highlight=False)
    server(app, host, port).run()


base.app.command()(web)
