"""Outreach agent pages: my cases, claim next, the case page and recording an outcome."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from aftercall.cases import approvals, outreach
from aftercall.cases.ledger import LedgerError, mark, verify_list
from aftercall.cases.lifecycle import (
    OUTCOMES,
    CaseError,
    claim,
    contact_fixed,
    may_take_over_now,
    possible_outcomes,
    record_outcome,
)
from aftercall.cases.refresh import refresh_cases
from aftercall.store.calls import now
from aftercall.web import csrf
from aftercall.web.auth import require, verify
from aftercall.web.pages import Forbidden, checked_id, db, is_manager, read, render, state

router = APIRouter()
Agent = Annotated[str, Depends(require("outreach", "manager"))]
# what the outcome menu says (the stored outcome keeps its code)
OUTCOME_LABELS = {
    "reached": "reached the customer",
    "recovered": "recovered",
    "declined": "declined",
    "unreachable": "unreachable",
    "wrong_number": "wrong number",
    "contacted": "contacted (left a message)",
    "closed": "closed (follow-up done or given up)",
}
assert set(OUTCOME_LABELS) == set(OUTCOMES)


PROMISE_ID = r"P-[0-9a-f]{10}"  # store.calls.promise_id's form


def _case_id(case_id: str) -> str:
    return checked_id(case_id, r"C-\d{1,12}", "case")


def _may_work(request: Request, case_id: str, me: Agent) -> None:
    """A case page and its actions follow the lists' rule: the case's owner, an agent who
    serves its queue, or a manager (issue 20 item 7: an id typed by hand opened any case)."""
    _case_id(case_id)
    if is_manager(request):
        return
    queues = outreach.my_queues(state(request).settings.cases, me)
    row = read(
        request,
        lambda con: con.execute(
            "SELECT owner, queue FROM cases WHERE case_id = ?", [case_id]
        ).fetchone(),
    )
    if row is None:
        raise HTTPException(404, "there is no such case on any list")
    owner, queue = row
    if owner != me and queues is not None and queue not in queues:
        raise Forbidden(f"case {case_id} is in a queue you do not serve")


CaseWork = Depends(_may_work)


@router.get("/cases", response_class=HTMLResponse)
def my_cases(request: Request, me: Agent, error: str | None = None) -> HTMLResponse:
    settings = state(request).settings.cases
    rows = read(request, lambda con: outreach.my_cases(con, me, settings, now()))
    return render(request, "cases.html", rows=rows, error=error)


@router.post("/cases/claim-next", dependencies=[Depends(csrf.check)])
def claim_next(request: Request, me: Agent):
    verify(request)
    web = state(request)
    try:
        case_id = outreach.claim_next(
            web.db, me, web.settings.cases, check_schema=not web.schema_checked
        )
    except CaseError as exc:
        return render(request, "cases.html", 409, rows=[], error=str(exc))
    if case_id is None:
        return RedirectResponse("/cases?error=no+open+case+in+your+queues", status_code=303)
    return RedirectResponse(f"/cases/{case_id}", status_code=303)


@router.post("/cases/{case_id}/claim", dependencies=[Depends(csrf.check), CaseWork])
def claim_one(request: Request, case_id: str, me: Agent, take_over: Annotated[str, Form()] = ""):
    """Claim this case (lifecycle.claim: only one claimer wins, the other is told who did);
    another agent's case only as a take-over with a reason (a manager, or past its SLA)."""
    settings = state(request).settings.cases
    manager = is_manager(request)
    try:
        with db(request) as con:
            if outreach.opted_out(con, _case_id(case_id)):
                raise CaseError(f"the customer of {case_id} asked not to be contacted")
            allowed = may_take_over_now(con, case_id, manager, settings.takeover_after_sla)
            claim(con, case_id, me, take_over[:500] or None, allowed)
    except CaseError as exc:
        return RedirectResponse(f"/cases/{case_id}?error={quote(str(exc))}", status_code=303)
    return RedirectResponse(f"/cases/{case_id}", status_code=303)


@router.get("/cases/{case_id}", response_class=HTMLResponse, dependencies=[CaseWork])
def case(request: Request, case_id: str, me: Agent, error: str | None = None) -> HTMLResponse:
    settings = state(request).settings.cases
    data = read(request, lambda con: outreach.case_page(con, _case_id(case_id), settings))
    if data is None:
        raise HTTPException(404, "there is no such case on any list")
    return render(request, "case.html", outcomes=_offered(data, me), error=error, **data)


def _offered(data: dict, me: str) -> dict[str, str]:
    """The outcome menu: only what can be recorded on this case now, by this person."""
    case = data["case"]
    return {o: OUTCOME_LABELS[o] for o in possible_outcomes(case["state"], case["owner"] == me)}


@router.post("/cases/{case_id}/outcome", dependencies=[Depends(csrf.check), CaseWork])
def outcome(
    request: Request,
    case_id: str,
    me: Agent,
    outcome: Annotated[str, Form()],
    note: Annotated[str, Form()] = "",
    granted: Annotated[str, Form()] = "",
    followup_days: Annotated[float, Form(ge=0, le=365)] = 7.0,
):
    """Record an outcome. A gesture above the cap is approved by a manager recording it
    themselves; an agent's becomes a request for a manager (/approvals). No typed approver
    name is read: an agent could type anyone's (issue 20 item 8)."""
    _case_id(case_id)
    manager = is_manager(request)
    at, asked = now(), None
    try:
        amount = float(granted) if granted.strip() else None
    except ValueError:
        amount = None
        error = f"granted {granted!r} is not an amount"
    else:
        error = None
    if error is None:
        try:
            with db(request) as con:
                owner = con.execute(
                    "SELECT owner FROM cases WHERE case_id = ?", [case_id]
                ).fetchone()
                if owner and owner[0] != me and not manager:
                    raise CaseError(f"case {case_id} is owned by {owner[0]}: claim it first")
                record_outcome(
                    con,
                    case_id,
                    outcome,
                    me,
                    note=note[:2000] or None,
                    granted=amount,
                    approved_by=me if manager else None,
                    followup_days=followup_days,
                    at=at,
                )
                asked = approvals.requested_at(con, case_id, at)
        except CaseError as exc:
            error = str(exc)
    if error:
        data = read(
            request, lambda con: outreach.case_page(con, case_id, state(request).settings.cases)
        )
        if data is None:
            raise HTTPException(404, "there is no such case on any list")
        typed = {"outcome": outcome, "note": note, "granted": granted}
        return render(
            request, "case.html", 400, outcomes=_offered(data, me), error=error, form=typed, **data
        )
    said = OUTCOME_LABELS.get(outcome, outcome)
    if asked:
        said += f"; the gesture above the cap waits for a manager's approval ({asked})"
    return RedirectResponse(f"/cases/{case_id}?saved={quote(said)}", status_code=303)


@router.post("/cases/{case_id}/contact", dependencies=[Depends(csrf.check), CaseWork])
def contact(request: Request, case_id: str, me: Agent) -> HTMLResponse:
    """Show the customer's phone and e-mail to the case's owner (or a manager), logged as an
    event; the page that shows them is never cached and no list or export carries them."""
    settings = state(request).settings.cases
    manager = is_manager(request)
    with db(request) as con:
        data = outreach.case_page(con, _case_id(case_id), settings)
        if data is None:
            raise HTTPException(404, "there is no such case on any list")
        if data["case"]["owner"] != me and not manager:
            raise HTTPException(
                403, f"only {data['case']['owner'] or 'its owner'} sees the contact details"
            )
        details = outreach.reveal_contact(con, case_id, me)
        data = outreach.case_page(con, case_id, settings)  # with the reveal in its history
    response = render(request, "case.html", outcomes=_offered(data, me), contact=details, **data)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/cases/{case_id}/promises/{promise_id}", dependencies=[Depends(csrf.check), CaseWork])
def mark_promise(
    request: Request,
    case_id: str,
    promise_id: str,
    me: Agent,
    status: Annotated[str, Form()],
    why: Annotated[str, Form()] = "",
):
    """The owner (or a manager) found out: kept, broken or withdrawn, with what they saw. A
    broken promise raises the case at once (a refresh in the same transaction)."""
    _case_id(case_id)
    checked_id(promise_id, PROMISE_ID, "promise")
    try:
        with db(request) as con:
            row = con.execute(
                "SELECT owner FROM cases WHERE case_id = ? AND list_contains(call_ids,"
                " (SELECT call_id FROM promises WHERE promise_id = ?))",
                [case_id, promise_id],
            ).fetchone()
            if row is None:
                raise LedgerError(f"promise {promise_id} is not on case {case_id}")
            manager = is_manager(request)
            if row[0] != me and not manager:
                raise LedgerError(f"case {case_id} is owned by {row[0] or 'nobody'}: claim it")
            mark(con, promise_id, status, me, why[:2000], now())
            refresh_cases(con, state(request).settings.cases)
    except LedgerError as exc:
        return RedirectResponse(f"/cases/{case_id}?error={quote(str(exc))}", status_code=303)
    return RedirectResponse(f"/cases/{case_id}", status_code=303)


def _verify_rows(request: Request, me: str) -> list[dict]:
    """The verify queue as `me` may work it: a manager every task, an agent those in the
    queues they serve."""
    web = state(request)
    rows = read(request, lambda con: verify_list(con, web.settings.cases.company_name))
    if is_manager(request):
        return rows
    queues = outreach.my_queues(web.settings.cases, me)
    return [r for r in rows if queues is None or r["queue"] in queues]


@router.get("/verify", response_class=HTMLResponse)
def verify_queue(request: Request, me: Agent, error: str | None = None) -> HTMLResponse:
    """Promises past due that nobody knows to be kept or broken: check before apologising."""
    return render(request, "verify.html", rows=_verify_rows(request, me), error=error)


@router.post("/verify/{promise_id}", dependencies=[Depends(csrf.check)])
def verify_one(
    request: Request,
    promise_id: str,
    me: Agent,
    status: Annotated[str, Form()],
    why: Annotated[str, Form()] = "",
):
    """What the check found: kept closes it, broken opens (or raises) a case at once."""
    checked_id(promise_id, PROMISE_ID, "promise")
    if promise_id not in {r["promise_id"] for r in _verify_rows(request, me)}:
        raise HTTPException(404, "there is no such promise in your verify queue")
    try:
        with db(request) as con:
            mark(con, promise_id, status, me, why[:2000], now())
            refresh_cases(con, state(request).settings.cases)
    except LedgerError as exc:
        return RedirectResponse(f"/verify?error={quote(str(exc))}", status_code=303)
    return RedirectResponse("/verify", status_code=303)


@router.post("/cases/{case_id}/contact-fixed", dependencies=[Depends(csrf.check), CaseWork])
def fixed(request: Request, case_id: str, me: Agent, note: Annotated[str, Form()] = ""):
    """The wrong number's contact details were corrected: clear the flag (an event)."""
    try:
        with db(request) as con:
            contact_fixed(con, _case_id(case_id), me, note[:2000] or None)
    except CaseError as exc:
        return RedirectResponse(f"/cases/{case_id}?error={quote(str(exc))}", status_code=303)
    return RedirectResponse(f"/cases/{case_id}", status_code=303)
