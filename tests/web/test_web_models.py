"""The model page on a real DuckDB file and real model files: managers see the retrains and
put a kept model in use with a reason (an event), others are refused, bad input is refused in
words and changes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aftercall.nlp.outcome import model_path
from aftercall.store.db import transaction
from tests.webkit import client, csrf, login

SHIPPED = json.loads(model_path("outcome.json").read_text(encoding="utf-8"))


@pytest.fixture
def db(base_db: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "web.duckdb"
    copy.write_bytes(base_db.read_bytes())
    # a retrain kept a candidate back: it lies beside the model in use (beside the database)
    folder = tmp_path / "web-models"
    folder.mkdir()
    (folder / "outcome.json").write_text(json.dumps(SHIPPED), encoding="utf-8")
    candidate = SHIPPED | {"model_version": "outcome-lr-7"}
    (folder / "outcome-lr-7.json").write_text(json.dumps(candidate), encoding="utf-8")
    return copy


def _in_use(db: Path) -> str:
    return json.loads((db.parent / "web-models" / "outcome.json").read_text())["model_version"]


def _post(c, data: dict) -> str:
    r = c.post(
        "/models/change", data={**data, "csrf_token": csrf(c, "/models")}, follow_redirects=False
    )
    assert r.status_code == 303, r.text
    return r.headers["location"]


def test_a_manager_promotes_by_hand_then_rolls_back_each_with_a_reason(db: Path) -> None:
    c = client(db)
    login(c, "max")
    page = c.get("/models")
    assert page.status_code == 200 and "outcome-lr-7" in page.text
    assert f'id="in-use">{SHIPPED["model_version"]}<' in page.text
    where = _post(c, {"action": "promote", "version": "outcome-lr-7", "reason": "QA agrees"})
    assert "saved=" in where and _in_use(db) == "outcome-lr-7"
    # the model it replaced was kept beside it, so it can come back
    where = _post(
        c,
        {"action": "rollback", "version": SHIPPED["model_version"], "reason": "too many flags"},
    )
    assert "saved=" in where and _in_use(db) == SHIPPED["model_version"]
    with transaction(db) as con:
        rows = con.execute(
            'SELECT actor, action, from_version, to_version, reason FROM model_events ORDER BY "at"'
        ).fetchall()
    assert rows == [
        ("max", "promote", SHIPPED["model_version"], "outcome-lr-7", "QA agrees"),
        ("max", "rollback", "outcome-lr-7", SHIPPED["model_version"], "too many flags"),
    ]
    assert "too many flags" in c.get("/models").text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"action": "promote", "version": "outcome-lr-7", "reason": "  "}, "say why"),
        ({"action": "promote", "version": "../../etc/passwd", "reason": "x"}, "not a model"),
        ({"action": "promote", "version": "outcome-lr-99", "reason": "x"}, "no kept model"),
        ({"action": "delete", "version": "outcome-lr-7", "reason": "x"}, "unknown action"),
        ({"action": "promote", "version": SHIPPED["model_version"], "reason": "x"}, "already"),
    ],
)
def test_bad_changes_are_refused_in_words_and_change_nothing(
    db: Path, data: dict, message: str
) -> None:
    c = client(db)
    login(c, "max")
    where = _post(c, data)
    assert "error=" in where
    assert message in c.get(where).text
    assert _in_use(db) == SHIPPED["model_version"]
    with transaction(db) as con:
        assert con.execute("SELECT count(*) FROM model_events").fetchone()[0] == 0


def test_only_managers_and_admins_see_or_change_the_model(db: Path) -> None:
    for name in ("rita", "Dana Cole"):
        c = client(db)
        login(c, name)
        token = csrf(c, "/login")
        assert c.get("/models").status_code == 403, name
        r = c.post(
            "/models/change",
            data={
                "action": "promote",
                "version": "outcome-lr-7",
                "reason": "x",
                "csrf_token": token,
            },
            follow_redirects=False,
        )
        assert r.status_code == 403, name
    c = client(db)
    login(c, "max")
    r = c.post(
        "/models/change",
        data={"action": "promote", "version": "outcome-lr-7", "reason": "no token"},
        follow_redirects=False,
    )
    assert r.status_code == 403 and _in_use(db) == SHIPPED["model_version"]
