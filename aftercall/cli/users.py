"""`aftercall users add NAME --role R`: people who may log in to the web app."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from aftercall.cli import main as base
from aftercall.web.users import ROLES, UserError, add_user

users_app = typer.Typer(help="People who may log in to the web app.", no_args_is_help=True)


@users_app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="The user's name (shown on cases and labels)")],
    role: Annotated[str, typer.Option("--role", help=" | ".join(ROLES))],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input")
    ] = False,
    db: base.DbOption = None,
    config: base.ConfigOption = None,
) -> None:
    """Create a user, or set a new password and role for an existing one (which logs them
    out everywhere)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    settings = base.settings_for(config, db)
    # lazy: `aftercall --help` and other commands start fast
    from aftercall.store.db import StoreError, transaction

    try:
        with transaction(settings.db) as con:
            add_user(con, name, role, password)
    except (UserError, StoreError) as exc:
        raise base.fail(str(exc), 2) from exc
    base.out.print(f"user {name} ({role}) saved", highlight=False, markup=False)


base.app.add_typer(users_app, name="users")
