"""The case and webhook settings: the example file loads, bad values are refused by name."""

from __future__ import annotations

from pathlib import Path

import pytest

from aftercall.config import ConfigError, load_settings
from tests.conftest import ROOT


def test_the_example_config_loads() -> None:
    settings = load_settings(ROOT / "aftercall.example.toml")
    assert settings.cases.atonement_caps["gesture"] == 25
    assert settings.cases.quiet_start == "21:00" and settings.webhooks.url == ""


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('[cases]\ncompany_timezone = "Mars/Base"\n', "unknown time zone 'Mars/Base'"),
        ('[cases]\nquiet_start = "25:00"\n', "cases.quiet_start"),
        ("[cases]\nholdout_share = 0.9\n", "cases.holdout_share"),
        ('[cases]\nrepeat_mode = "sometimes"\n', "cases.repeat_mode"),
        ("[cases]\natonement_caps = { gesture = 10 }\n", "needs apology, gesture, credit"),
        ('[webhooks]\nevents = ["case.deleted"]\n', "webhooks.events"),
        ('[webhooks]\nsecret = "inline"\n', "webhooks.secret"),
    ],
)
def test_bad_values_are_refused_by_name(tmp_path: Path, toml: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_settings(path)
