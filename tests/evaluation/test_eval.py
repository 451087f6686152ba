"""`aftercall eval detector` on a small slice, so that a regression fails the build.

The floors sit a little below what this exact slice measured when they were set (seeded
samples, so the slice is the same on every run); the full figures are in models/README.md.
USS and CFPB come from ../shared/data beside the repository, resolved from the package, not
from the working directory; where that folder is absent those checks skip and say why (the
`shared_data` fixture; under .ci/run they fail instead)."""

from __future__ import annotations

from pathlib import Path

import pytest

from aftercall.evaluation.detector import evaluate
from aftercall.training.datasets import uss_rater_ceiling

FLOORS = {
    ("dev test: outcome", "f1"): 0.86,
    ("dev test: outcome", "roc_auc"): 0.92,
    ("dev test: category", "accuracy"): 0.67,
    ("USS all: p_unresolved", "roc_auc"): 0.52,
    # how they left, beside the outcome (nlp/leaving.py): 0.582 on this slice when committed
    ("USS all: p_dissatisfied (how they left, beside the outcome)", "roc_auc"): 0.55,
    ("CFPB: category", "accuracy"): 0.35,
    # calls written elsewhere (corpora/): the flag against their labels
    ("insurance calls: outcome", "f1_flag"): 0.85,
    ("tone-crossed: outcome", "f1_flag"): 0.85,
}


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("eval")
    return evaluate(out, uss_per_set=40, cfpb_limit=60, log=lambda _: None)


@pytest.mark.parametrize(("row", "metric"), list(FLOORS))
def test_figures_stay_above_their_floors(
    report: dict, row: str, metric: str, request: pytest.FixtureRequest
) -> None:
    if row.startswith(("USS", "CFPB")):
        request.getfixturevalue("shared_data")
    value = report["rows"][row][metric]
    assert value >= FLOORS[(row, metric)], f"{row} {metric} = {value}"


def test_completed_bank_calls_are_not_flagged(report: dict, shared_data: Path) -> None:
    """Routine requests handled on the call need no recovery (issue 16: at most 3%)."""
    row = report["rows"]["bank calls: completed, rated >= 9 or unrated"]
    assert row["n"] >= 20 and row["false_alarm_rate"] <= 0.03, row


def test_tone_crossed_quadrants_are_each_scored(report: dict) -> None:
    quadrants = [k for k in report["rows"] if k.startswith("tone-crossed: ") and "-" in k[14:]]
    assert len(quadrants) == 4
    assert all(report["rows"][q]["n"] >= 40 for q in quadrants)


def test_writes_a_pr_curve_png_and_json(report: dict) -> None:
    png = Path(report["png"])
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5000
    assert Path(report["json"]).stat().st_size > 100


def test_missing_shared_data_is_a_note_not_a_crash(tmp_path: Path) -> None:
    r = evaluate(tmp_path / "o", data=tmp_path / "nowhere", log=lambda _: None)
    assert any("shared data not found" in n for n in r["notes"])
    assert not any(k.startswith(("USS", "CFPB")) for k in r["rows"])


def test_missing_corpora_are_a_note_not_a_crash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from aftercall.evaluation import real_calls

    monkeypatch.setattr(real_calls, "CORPORA", tmp_path / "no-corpora")
    r = evaluate(tmp_path / "o", data=tmp_path / "nowhere", log=lambda _: None)
    assert sum("not found (run from a checkout)" in n for n in r["notes"]) == 2
    assert not any(k.startswith(("insurance calls", "tone-crossed")) for k in r["rows"])


def test_rater_ceiling_scores_each_rater_against_the_others(tmp_path: Path) -> None:
    folder = tmp_path / "text" / "uss_user_satisfaction"
    folder.mkdir(parents=True)
    dialogue = "USER\thi\t\t3,3\nSYSTEM\thello\t\nUSER\tOVERALL\t\t{}\n\n"
    # the first two dialogues: raters agree (2,2,2 dissatisfied; 4,4,4 satisfied); then one
    # with a single rating (no pair) and one with no OVERALL line at all (skipped, no crash)
    body = dialogue.format("2,2,2") + dialogue.format("4,4,4") + dialogue.format("1")
    body += "USER\thi\t\t3\nSYSTEM\tbye\t\n\n"
    for name in ("MWOZ", "ReDial", "CCPE"):
        (folder / f"{name}.txt").write_text(body, encoding="utf-8")
    ceiling = uss_rater_ceiling(tmp_path)
    assert ceiling["MWOZ"] == {"pairs": 6, "roc_auc": 1.0}
    assert ceiling["all"]["pairs"] == 18


def test_report_shows_the_rater_ceiling_beside_the_model(report: dict, shared_data) -> None:
    row = report["rows"]["USS all: one rater vs the others (ceiling)"]
    assert 0.55 < row["roc_auc"] < 0.8 and row["n"] > 1000
