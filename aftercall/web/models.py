"""The model page (managers): every retrain with its verdict and scores, the model in use, and
a hand on it: promote a candidate the retrain kept back, or roll back to an earlier model, each
with a reason stored as an event (training/retrain.py change_by_hand)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from aftercall.training.retrain import (
    RetrainError,
    change_by_hand,
    kept_versions,
    list_trainings,
    model_events,
    read_current,
    retrain_target,
)
from aftercall.web import csrf
from aftercall.web.auth import require
from aftercall.web.pages import db, read, render, state

router = APIRouter()
Manager = Annotated[str, Depends(require("manager"))]


@router.get("/models", response_class=HTMLResponse)
def models(
    request: Request, me: Manager, error: str | None = None, saved: str | None = None
) -> HTMLResponse:
    settings = state(request).settings
    trainings, events = read(request, lambda con: (list_trainings(con), model_events(con)))
    try:
        target = retrain_target(settings)
        in_use, kept = read_current(target)["model_version"], kept_versions(target)
    except RetrainError as exc:
        in_use, kept, error = "unknown", [], error or str(exc)
    for row in trainings:
        row["site"] = row["held_out"].get("site", {})
        row["dev"] = {k: row["held_out"].get(k, {}).get("f1") for k in ("current", "candidate")}
    return render(
        request,
        "models.html",
        trainings=trainings,
        events=events,
        in_use=in_use,
        kept=kept,
        error=error,
        saved=saved,
    )


@router.post("/models/change", dependencies=[Depends(csrf.check)])
def change(
    request: Request,
    me: Manager,
    action: Annotated[str, Form(max_length=16)] = "",
    version: Annotated[str, Form(max_length=64)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> RedirectResponse:
    settings = state(request).settings
    try:
        with db(request) as con:
            before = change_by_hand(con, settings, action, version, me, reason)
    except RetrainError as exc:
        return RedirectResponse(f"/models?error={quote(str(exc))}", status_code=303)
    saved = f"{version} is the model in use (was {before}); {action} recorded"
    return RedirectResponse(f"/models?saved={quote(saved)}", status_code=303)
