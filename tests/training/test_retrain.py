"""The retrain flow: QA labels and weak labels from the database plus the development set,
judged on the site's newest labels (and guarded on the development split), promoted only if
better; analyses keep the model version that produced them. Real calls through the real
detector, a real DuckDB file, real flow runs."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from aftercall.config import ModelSettings, Settings
from aftercall.nlp.detector import analyse
from aftercall.nlp.outcome import features_version, model_path
from aftercall.review.decisions import record_decision
from aftercall.store.db import transaction
from aftercall.training.datasets import dev_set
from aftercall.training.retrain import (
    RetrainError,
    decide,
    labelled_calls,
    next_version,
    read_current,
)
from aftercall.training.site import bootstrap_interval, score, time_split
from tests.casekit import ABUSIVE, BILL_FIXED, BILL_OPEN, NOBODY_CALLED

SHIPPED = json.loads(model_path("outcome.json").read_text(encoding="utf-8"))


def test_versions_count_past_the_model_in_use_and_earlier_candidates() -> None:
    assert next_version("outcome-lr-1", []) == "outcome-lr-2"
    assert next_version("outcome-lr-2", ["outcome-lr-3", "outcome-lr-2"]) == "outcome-lr-4"
    assert next_version("outcome-lr-9", ["other-12"]) == "outcome-lr-10"
    assert next_version("custom", []) == "custom-2"


def _analysed_calls(tmp_path: Path, texts: dict[str, str], settings: Settings) -> Path:
    """Run the real pipeline flow over typed transcripts; the database file."""
    from aftercall.flows.pipeline import configured_pipeline

    inbox = tmp_path / "inbox"
    inbox.mkdir(exist_ok=True)
    for name, text in texts.items():
        (inbox / name).write_text(text, encoding="utf-8")
    summary = configured_pipeline(settings)(str(inbox), str(settings.db), settings)
    assert summary["counts"]["failed"] == 0, summary["failures"]
    return settings.db


def _ids(db: Path) -> dict[str, str]:
    with duckdb.connect(str(db), read_only=True) as con:
        return dict(con.execute("SELECT file_name, call_id FROM calls").fetchall())


def test_labels_qa_wins_disputes_wait_weak_labels_fill_in(prefect_server, tmp_path) -> None:
    db = tmp_path / "calls.duckdb"
    texts = {"a.txt": BILL_OPEN, "b.txt": BILL_FIXED, "c.txt": NOBODY_CALLED, "d.txt": ABUSIVE}
    _analysed_calls(tmp_path, texts, Settings(db=db))
    ids = _ids(db)
    with transaction(db) as con:
        record_decision(con, ids["a.txt"], "resolved", "ann")
        record_decision(con, ids["a.txt"], "unresolved", "ann")  # her latest word counts
        record_decision(con, ids["b.txt"], "resolved", "ann")
        record_decision(con, ids["c.txt"], "resolved", "ann")
        record_decision(con, ids["c.txt"], "unresolved", "bob")  # disputed: left out
        for call in ("a.txt", "d.txt"):  # a weak label: the customer called again
            con.execute(
                "INSERT INTO labels VALUES (?, 'unresolved', 'repeat_contact', NULL, now(), NULL)",
                [ids[call]],
            )
        items, counts = labelled_calls(con)
    got = {i.id.removeprefix("db-"): (i.unresolved, i.meta["label_source"]) for i in items}
    assert got == {
        ids["a.txt"]: (True, "qa"),
        ids["b.txt"]: (False, "qa"),
        ids["d.txt"]: (True, "repeat_contact"),
    }
    assert counts == {"qa": 2, "repeat_contact": 1, "disputed_left_out": 1, "no_turns": 0}
    first = next(i for i in items if i.id == f"db-{ids['b.txt']}")
    assert [t.speaker for t in first.transcript.turns][:2] == ["agent", "customer"]
    # the pipeline's features come along, so a retrain need not analyse the call again
    assert first.features_version == features_version()
    assert first.features == pytest.approx(analyse(first.transcript).features)


def test_too_few_site_labels_keep_the_model_in_use_and_say_so(tmp_path: Path) -> None:
    items = dev_set("test")[:3]
    for k, item in enumerate(items):
        item.meta.update(label_source="qa", labelled_at=f"2026-12-0{k + 1}")
    promoted, reason, scores, path = decide(
        SHIPPED, items, ModelSettings(min_site_labels=20), "outcome-lr-9", tmp_path
    )
    assert not promoted and path.is_file()  # the candidate stays for a look
    assert reason.startswith("too few site labels to judge on: 3 QA decisions")
    assert "kept the model in use" in reason and scores["site"]["labels"] == 3


def test_the_newest_labels_are_held_out() -> None:
    items = dev_set("test")[:10]
    for k, item in enumerate(items):
        item.meta["labelled_at"] = f"2026-12-{10 + (k * 7) % 10:02d}"
    older, newest = time_split(items, 0.3)
    assert len(newest) == 3 and len(older) == 7
    assert min(i.meta["labelled_at"] for i in newest) > max(i.meta["labelled_at"] for i in older)


def test_site_scores_are_defined_when_every_label_is_the_same() -> None:
    """22 calls marked "not a problem": F1(unresolved) has no positives, Brier still ranks."""
    items = [i for i in dev_set("test") if not i.unresolved][:6]
    scores = score(SHIPPED, items)
    assert scores.f1 is None and 0 <= scores.brier <= 1 and scores.n == 6
    worse = SHIPPED | {"intercept": SHIPPED["intercept"] + 5}  # flags more
    assert score(worse, items).brier > scores.brier
    low, high = bootstrap_interval(scores, score(worse, items), [0] * 6)
    assert 0 < low <= high


def test_a_missing_or_broken_model_in_use_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(RetrainError, match="no outcome model at"):
        read_current(tmp_path / "none.json")
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(SHIPPED | {"threshold": 2}), encoding="utf-8")
    with pytest.raises(RetrainError, match="cannot be read: outcome model: threshold"):
        read_current(broken)


@pytest.mark.slow
def test_retrain_promotes_only_a_better_model_and_analyses_keep_their_version(
    prefect_server, tmp_path: Path
) -> None:
    from aftercall.flows.scheduled import retrain

    # the model in use: the shipped one with its weights reversed, so a retrain beats it
    models = tmp_path / "models"
    models.mkdir()
    in_use = models / "outcome.json"
    worse = SHIPPED | {
        "coef": [-c for c in SHIPPED["coef"]],
        "intercept": -SHIPPED["intercept"],
        "model_version": "outcome-lr-1",  # an older model than the shipped one
    }
    in_use.write_text(json.dumps(worse), encoding="utf-8")
    settings = Settings(db=tmp_path / "calls.duckdb")
    settings.model.outcome_path = str(in_use)
    settings.model.min_site_labels = 2  # a two-call site: judged on its newest label

    db = _analysed_calls(tmp_path, {"a.txt": BILL_OPEN, "b.txt": BILL_FIXED}, settings)
    ids = _ids(db)
    with transaction(db) as con:
        record_decision(con, ids["a.txt"], "unresolved", "ann")
        record_decision(con, ids["b.txt"], "resolved", "ann")

    first = retrain(str(db), settings)
    assert first["promoted"], first["reason"]
    assert (first["current_version"], first["candidate_version"]) == (
        "outcome-lr-1",
        "outcome-lr-2",
    )
    assert first["candidate_score"] < first["current_score"]  # Brier: lower is better
    assert first["labels"]["qa"] == 2
    assert json.loads(in_use.read_text())["model_version"] == "outcome-lr-2"
    assert json.loads((models / "outcome-lr-1.json").read_text()) == worse  # kept for rollback
    assert json.loads(in_use.read_text())["trained_on"]["labels"] == {
        "calls": 2,
        "by_source": {"qa": 2},
    }

    _analysed_calls(tmp_path, {"c.txt": NOBODY_CALLED}, settings)  # after the promotion
    with duckdb.connect(str(db), read_only=True) as con:
        versions = dict(
            con.execute(
                "SELECT c.file_name, a.model_version FROM analyses a JOIN calls c USING (call_id)"
            ).fetchall()
        )
    from aftercall.nlp.detector import load_config

    rules = load_config().model_version  # the patterns' version, bumped when they change
    assert versions == {
        "a.txt": f"{rules}+outcome-lr-1",
        "b.txt": f"{rules}+outcome-lr-1",
        "c.txt": f"{rules}+outcome-lr-2",
    }

    second = retrain(str(db), settings)  # the same data again: not better, not promoted
    assert not second["promoted"] and second["candidate_version"] == "outcome-lr-3"
    assert "kept the old model" in second["reason"]
    assert json.loads(in_use.read_text())["model_version"] == "outcome-lr-2"
    assert (models / "outcome-lr-3.json").exists()  # the candidate stays, for a look
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            "SELECT candidate_version, promoted, reason, flow_run_id FROM model_trainings"
            ' ORDER BY "at"'
        ).fetchall()
    assert [(r[0], r[1]) for r in rows] == [("outcome-lr-2", True), ("outcome-lr-3", False)]
    assert rows[1][2] == second["reason"] and all(r[3] for r in rows)


def test_first_retrain_without_outcome_path_seeds_a_file_beside_the_database(
    tmp_path: Path,
) -> None:
    from aftercall.training.retrain import retrain_target

    settings = Settings(db=tmp_path / "calls.duckdb")
    assert settings.outcome_model_file() is None  # nothing promoted yet: the shipped model
    target = retrain_target(settings)
    assert target == tmp_path / "calls-models" / "outcome.json"
    assert json.loads(target.read_text(encoding="utf-8")) == SHIPPED
    assert settings.outcome_model_file() == str(target)  # what the pipeline now scores with


def test_retrain_target_that_cannot_be_made_is_a_clear_error(tmp_path: Path) -> None:
    from aftercall.training.retrain import retrain_target

    (tmp_path / "calls-models").write_text("a file where the folder should be")
    with pytest.raises(RetrainError, match="cannot create .*set \\[model\\] outcome_path"):
        retrain_target(Settings(db=tmp_path / "calls.duckdb"))


@pytest.mark.slow
def test_cli_retrain_promotes_beside_the_database_and_trainings_lists_it(
    prefect_server, tmp_path: Path
) -> None:
    """With no [model] outcome_path a promotion lands in <db stem>-models/, the shipped model
    is never written, and the pipeline then scores with the promoted file."""
    from typer.testing import CliRunner

    from aftercall.cli import app

    runner = CliRunner()
    shipped_bytes = model_path("outcome.json").read_bytes()
    settings = Settings(db=tmp_path / "calls.duckdb")
    db = _analysed_calls(tmp_path, {"a.txt": BILL_OPEN, "b.txt": BILL_FIXED}, settings)
    ids = _ids(db)
    with transaction(db) as con:
        record_decision(con, ids["a.txt"], "unresolved", "ann")
        record_decision(con, ids["b.txt"], "resolved", "ann")
    # as if an earlier retrain had promoted a poor model beside the database
    local = tmp_path / "calls-models" / "outcome.json"
    local.parent.mkdir()
    worse = SHIPPED | {
        "coef": [-c for c in SHIPPED["coef"]],
        "intercept": -SHIPPED["intercept"],
        "model_version": "outcome-lr-1",  # an older model than the shipped one
    }
    local.write_text(json.dumps(worse), encoding="utf-8")

    config = tmp_path / "aftercall.toml"  # a two-call site: judged on its newest label
    config.write_text("[model]\nmin_site_labels = 2\n", encoding="utf-8")
    args = ["retrain", "--db", str(db), "--config", str(config), "--format", "json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    verdict = json.loads(result.stdout.strip().splitlines()[-1])
    assert verdict["promoted"] and verdict["model_path"] == str(local), verdict
    assert json.loads(local.read_text())["model_version"] == "outcome-lr-2"
    assert model_path("outcome.json").read_bytes() == shipped_bytes

    listed = runner.invoke(app, ["trainings", "--db", str(db), "--format", "json"])
    assert listed.exit_code == 0, listed.output
    (row,) = json.loads(listed.stdout)
    assert (row["candidate_version"], row["promoted"]) == ("outcome-lr-2", True)
    assert row["labels"]["qa"] == 2
    table = runner.invoke(app, ["trainings", "--db", str(db)])
    assert table.exit_code == 0, table.output
    assert "outcome-lr-2 Brier" in table.output and "promoted" in table.output, table.output
    assert row["reason"] in table.output

    _analysed_calls(tmp_path, {"c.txt": NOBODY_CALLED}, settings)
    with duckdb.connect(str(db), read_only=True) as con:
        (version,) = con.execute(
            "SELECT a.model_version FROM analyses a JOIN calls c USING (call_id)"
            " WHERE c.file_name = 'c.txt'"
        ).fetchone()
    assert version.endswith("+outcome-lr-2")


def test_cli_retrain_without_a_database_says_so(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from aftercall.cli import app

    result = CliRunner().invoke(app, ["retrain", "--db", str(tmp_path / "none.duckdb")])
    assert result.exit_code == 1 and "no database at" in result.output
    assert not (tmp_path / "none-models").exists()
