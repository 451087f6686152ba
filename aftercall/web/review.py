"""QA reviewer pages: the review queue, the call page, its audio, and decisions."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path as FsPath
from typing import Annotated
from urllib.parse import quote

import duckdb
from fastapi import APIRouter, Depends, Form, HTTPException, Path, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse

from aftercall.review import decisions as rv
from aftercall.review import disputes as ds
from aftercall.review.labels import DECISIONS, ReviewError
from aftercall.web import csrf
from aftercall.web.auth import require
from aftercall.web.pages import Forbidden, checked_id, db, read, render

router = APIRouter()
# What a decision is called where people read it (stored as its code)
DECISION_WORDS = {
    "unresolved": "confirmed unresolved",
    "resolved": "marked resolved",
    "not_a_problem": "not a problem",
}
# The call page's highlight colours, one per group of signal kinds (nlp/signals.KINDS), with
# the words its legend and screen readers use; a colour is never the only cue.
MARK_WORDS = {
    "problem": "a problem",
    "unresolved": "left unresolved",
    "deflection": "deflected",
    "promise": "a promise",
    "churn": "may leave",
    "escalation": "escalation",
    "abuse": "abuse",
    "resolved": "resolved",
    "ownership": "ownership",
    "apology_first_person": "an apology",
    "apology_corporate": "a scripted apology",
}
LEGEND = (
    ("problem", "the customer's problem, or it left unresolved"),
    ("deflection", "the agent deflected"),
    ("promise", "a promise"),
    ("churn", "may leave, escalation or abuse"),
    ("resolved", "resolved, ownership or an apology"),
    ("apology_corporate", "a scripted apology"),
)
Reviewer = Annotated[str, Depends(require("reviewer", "manager"))]
# The call page and its recording: reviewers and managers, and an outreach agent for the
# calls of a case they own (its evidence links), read-only
CallReader = Annotated[str, Depends(require("reviewer", "manager", "outreach"))]


def _readable(con: duckdb.DuckDBPyConnection, request: Request, me: str, call_id: str) -> None:
    """Raise Forbidden unless `me` may open this call: an outreach agent only when it is on a
    case they own (the role was checked in this same transaction)."""
    if request.session.get("role") != "outreach":
        return
    owns = con.execute(
        "SELECT 1 FROM cases WHERE owner = ? AND list_contains(call_ids, ?) LIMIT 1",
        [me, call_id],
    ).fetchone()
    if owns is None:
        raise Forbidden("outreach agents open the calls of their own cases only")


def _call_id(call_id: str) -> str:
    return checked_id(call_id, r"[0-9a-f]{16}", "call")


def _date(text: str | None, name: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise HTTPException(400, f"{name} {text!r} is not a date (YYYY-MM-DD)") from exc


@router.get("/review", response_class=HTMLResponse)
def queue(
    request: Request,
    me: Reviewer,
    agent: str | None = None,
    category: str | None = None,
    outcome: str | None = None,
    since: str | None = None,
    until: str | None = None,
    sort: str = "priority",
    reviewed: bool = False,
    disputed: bool = False,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> HTMLResponse:
    f = rv.QueueFilters(
        agent=agent,
        category=category,
        outcome=outcome,
        since=_date(since, "since"),
        until=_date(until, "until"),
        sort=sort if sort in rv.SORTS else "priority",
        include_reviewed=reviewed,
        disputed=disputed,
        offset=(page - 1) * 100,
    )
    rows, facets = read(request, lambda con: (rv.review_queue(con, f), rv.facets(con)))
    return render(
        request,
        "review.html",
        rows=rows,
        facets=facets,
        f=f,
        page=page,
        threshold=rv.threshold(),
    )


@router.get("/calls/{call_id}", response_class=HTMLResponse)
def call(request: Request, call_id: str, me: CallReader) -> HTMLResponse:
    def page(con: duckdb.DuckDBPyConnection) -> dict | None:
        _readable(con, request, me, _call_id(call_id))
        return rv.call_page(con, call_id)

    data = read(request, page)
    if data is None:
        raise HTTPException(404, "there is no such call")
    prev = request.query_params.get("prev", "")
    prev = prev if re.fullmatch(r"[0-9a-f]{16}", prev) else None  # only ever a call id
    return render(
        request,
        "call.html",
        decisions=DECISIONS,
        prev=prev,
        mark_words=MARK_WORDS,
        legend=LEGEND,
        **data,
    )


@router.get("/calls/{call_id}/audio")
def audio(request: Request, call_id: str, me: CallReader) -> FileResponse:
    """The redacted recording of a call in the database, found by its id, never by a path
    from the request; the original (unredacted) recording is never served."""

    def recording(con: duckdb.DuckDBPyConnection) -> tuple | None:
        _readable(con, request, me, _call_id(call_id))
        return con.execute(
            "SELECT redacted_audio FROM calls WHERE call_id = ?", [call_id]
        ).fetchone()

    row = read(request, recording)
    if not row or not row[0] or not FsPath(row[0]).is_file():
        raise HTTPException(404, "this call has no redacted recording to play")
    return FileResponse(row[0], headers={"Cache-Control": "private, no-store"})


@router.post("/calls/{call_id}/decision", dependencies=[Depends(csrf.check)])
def decide(
    request: Request,
    call_id: str,
    me: Reviewer,
    decision: Annotated[str, Form()],
    category: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
):
    try:
        with db(request) as con:
            rv.record_decision(con, _call_id(call_id), decision, me, category or None, note or None)
            following = rv.next_to_review(con)
    except ReviewError as exc:
        raise HTTPException(400, str(exc)) from exc
    said = DECISION_WORDS.get(decision, decision)
    if following is None:  # the queue is done: back to it, saying so
        return RedirectResponse(f"/review?saved={quote(said)}", status_code=303)
    # straight on to the next call in the queue, saying what was saved on this one
    return RedirectResponse(
        f"/calls/{following}?saved={quote(said)}&prev={call_id}", status_code=303
    )


@router.post("/calls/{call_id}/dispute", dependencies=[Depends(csrf.check)])
def dispute(request: Request, call_id: str, me: Reviewer, reason: Annotated[str, Form()] = ""):
    """Say the newest decision on this call is wrong; a third reviewer settles it."""
    try:
        with db(request) as con:
            ds.dispute(con, _call_id(call_id), me, reason or None)
    except ReviewError as exc:
        raise HTTPException(400, str(exc)) from exc
    return RedirectResponse(f"/calls/{call_id}?saved=disputed", status_code=303)


@router.post("/disputes/{dispute_id}/settle", dependencies=[Depends(csrf.check)])
def settle(
    request: Request,
    dispute_id: Annotated[int, Path(ge=1, le=10**12)],
    me: Reviewer,
    decision: Annotated[str, Form()],
    category: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
):
    """Settle a dispute with the final decision (not by either side of it)."""
    try:
        with db(request) as con:
            call_id, _ = ds.settle(con, dispute_id, me, decision, category or None, note or None)
    except ReviewError as exc:
        raise HTTPException(400, str(exc)) from exc
    return RedirectResponse(f"/calls/{call_id}?saved=settled", status_code=303)


@router.get("/calibration", response_class=HTMLResponse)
def calibration(request: Request, me: Reviewer) -> HTMLResponse:
    """For QA: how often reviewers agree, QA against the model by category, disputes."""
    return render(request, "calibration.html", c=read(request, ds.calibration))
