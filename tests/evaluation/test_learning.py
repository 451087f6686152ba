"""`aftercall eval learning`: the curve's arithmetic, the two orders, a real two-point curve
(one real retrain) and the command's refusals of bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from aftercall.cli import app
from aftercall.evaluation.learning import curve, order, plot, point
from aftercall.training.datasets import dev_set


def test_point_counts_f1_false_alarms_and_auc() -> None:
    y = np.array([1, 1, 0, 0])
    p = np.array([0.9, 0.2, 0.8, 0.1])
    got = point(y, p, 0.5)
    assert got == {"n": 4, "f1": 0.5, "false_alarms": 0.5, "auc": 0.75}
    assert np.isnan(point(np.array([0, 0]), np.array([0.1, 0.2]), 0.5)["auc"])


def test_uncertainty_order_puts_the_calls_nearest_the_threshold_first() -> None:
    items = dev_set("test")[:4]
    p = np.array([0.9, 0.52, 0.1, 0.45])
    assert order(items, "uncertainty", p, 0.5) == [1, 3, 0, 2]
    assert sorted(order(items, "random", p, 0.5)) == [0, 1, 2, 3]


@pytest.mark.slow
def test_a_curve_retrains_on_the_labels_given_and_scores_the_rest(tmp_path: Path) -> None:
    items = dev_set("test")[:14]
    got = curve(items, sizes=(0, 5, 20), orders=("random",), log=lambda _: None)
    points = got["random"]
    assert [p["labels"] for p in points] == [0, 5]  # 20 would leave fewer than 5 to score
    assert [p["n"] for p in points] == [14, 9]
    plot({"dev": got}, tmp_path / "c.png")
    assert (tmp_path / "c.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--sizes", "5,x"], "comma-separated"),
        (["--sizes", "-5"], ">= 0"),
        (["--set", "no such set", "--data", "/nowhere"], "no such set"),
    ],
)
def test_bad_options_are_refused_in_words(args: list[str], message: str) -> None:
    result = CliRunner().invoke(app, ["eval", "learning", *args])
    assert result.exit_code == 2
    assert message in result.output
