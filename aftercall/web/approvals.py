"""Managers decide gestures above a case's cap (issue 20 item 8): the list of requests and a
CSRF-protected grant or refuse, recorded as the logged-in manager's event on the case."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from aftercall.cases import approvals
from aftercall.web import csrf
from aftercall.web.auth import require
from aftercall.web.pages import checked_id, db, read, render, state

router = APIRouter()
Manager = Annotated[str, Depends(require("manager"))]
DECIDED_SHOWN = 20


@router.get("/approvals", response_class=HTMLResponse)
def approvals_page(request: Request, me: Manager, error: str | None = None) -> HTMLResponse:
    currency = state(request).settings.cases.currency

    pending, decided = read(
        request,
        lambda con: (
            approvals.listed(con, currency, pending=True, limit=500),
            approvals.listed(con, currency, pending=False, limit=DECIDED_SHOWN),
        ),
    )
    return render(request, "approvals.html", pending=pending, decided=decided, error=error)


@router.post("/approvals/{approval_id}", dependencies=[Depends(csrf.check)])
def decide(
    request: Request,
    approval_id: str,
    me: Manager,
    decision: Annotated[str, Form()] = "",
    why: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Grant or refuse as the logged-in manager; who decides comes from the session only."""
    checked_id(approval_id, r"A-\d{1,12}", "approval request")
    if decision not in ("grant", "refuse"):
        return RedirectResponse("/approvals?error=choose+grant+or+refuse", status_code=303)
    try:
        with db(request) as con:
            done = approvals.decide(con, approval_id, me, decision == "grant", why)
    except approvals.ApprovalError as exc:
        return RedirectResponse(f"/approvals?error={quote(str(exc))}", status_code=303)
    said = f"{approval_id} on {done['case_id']} {done['status']}"
    return RedirectResponse(f"/approvals?saved={quote(said)}", status_code=303)
