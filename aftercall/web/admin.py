"""The admin page: list users, add one, change a role, disable or enable one (admin only).
Every form carries the CSRF token; the users module refuses to leave nobody as admin."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from aftercall.web import csrf
from aftercall.web.auth import require
from aftercall.web.pages import db, read, render
from aftercall.web.users import ROLES, UserError, add_user, list_users, set_disabled, set_role

router = APIRouter()
Admin = Annotated[str, Depends(require("admin"))]


@router.get("/admin/users", response_class=HTMLResponse)
def users(
    request: Request, me: Admin, error: str | None = None, saved: str | None = None
) -> HTMLResponse:
    rows = read(request, list_users)
    return render(request, "admin.html", users=rows, roles=ROLES, error=error, saved=saved)


def _done(work, saved: str) -> RedirectResponse:
    try:
        work()
    except UserError as exc:
        return RedirectResponse(f"/admin/users?error={quote(str(exc))}", status_code=303)
    return RedirectResponse(f"/admin/users?saved={quote(saved)}", status_code=303)


@router.post("/admin/users/add", dependencies=[Depends(csrf.check)])
def add(
    request: Request,
    me: Admin,
    name: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
) -> RedirectResponse:
    def work() -> None:
        with db(request) as con:
            if con.execute("SELECT 1 FROM users WHERE name = ?", [name]).fetchone():
                raise UserError(f"there is already a user {name!r}")
            add_user(con, name, role, password)

    return _done(work, f"added {name} ({role})")


@router.post("/admin/users/role", dependencies=[Depends(csrf.check)])
def change_role(
    request: Request,
    me: Admin,
    name: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "",
) -> RedirectResponse:
    def work() -> None:
        with db(request) as con:
            set_role(con, name, role)

    return _done(work, f"{name} is now {role}")


@router.post("/admin/users/disable", dependencies=[Depends(csrf.check)])
def disable(
    request: Request,
    me: Admin,
    name: Annotated[str, Form()] = "",
    disabled: Annotated[str, Form()] = "true",
) -> RedirectResponse:
    off = disabled != "false"  # the form says "false" to enable; anything else disables

    def work() -> None:
        with db(request) as con:
            set_disabled(con, name, off)

    return _done(work, f"{name} {'disabled' if off else 'enabled'}")
