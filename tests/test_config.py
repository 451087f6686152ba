"""Settings that depend on the machine: Whisper's parallel decodes sized to the runner."""

from __future__ import annotations

import pytest

from aftercall.config import RunSettings, Settings


def _streams(cores: int, asr_workers: int = 2, **run: object) -> int:
    settings = Settings(run=RunSettings(**run))
    if asr_workers != 2:
        settings = settings.model_copy(
            update={"asr": settings.asr.__class__(num_workers=asr_workers)}
        )
    sized = settings.sized_for_runner(cores)
    assert sized.sized_for_runner(cores) == sized  # applying it twice changes nothing
    return sized.asr.num_workers


@pytest.mark.parametrize(
    ("cores", "run", "asr_workers", "expected"),
    [
        (2, {}, 2, 2),  # the default on 2 cores: two calls at once, two decodes
        (16, {}, 2, 16),  # the default on 16 cores: 8 calls at once
        (16, {"workers": 1}, 2, 2),  # one call at a time has two channels to decode
        (16, {"workers": 8}, 2, 16),  # 8 calls x 2 channels on 16 cores
        (16, {"workers": 4}, 2, 8),
        (4, {"workers": 8}, 2, 4),  # never more decodes than cores
        (16, {"workers": 2}, 12, 12),  # never fewer than [asr] asks
        (2, {"workers": 2, "task_runner": "dask"}, 2, 1),  # 2 processes share 2 cores
        (16, {"workers": 4, "task_runner": "dask"}, 2, 2),  # 4 each would exceed [asr]
        (1, {"workers": 4, "task_runner": "dask"}, 2, 1),  # at least one
        (2, {"workers": 2, "task_runner": "dask", "dask_address": "tcp://h:8786"}, 2, 2),
    ],
)
def test_decodes_per_process_follow_the_runner_and_the_cores(
    cores: int, run: dict, asr_workers: int, expected: int
) -> None:
    assert _streams(cores, asr_workers, **run) == expected


@pytest.mark.parametrize(("cores", "workers"), [(1, 2), (2, 2), (3, 2), (16, 8), (64, 32)])
def test_auto_workers_is_half_the_cores_and_at_least_two(cores: int, workers: int) -> None:
    assert Settings().run.workers == "auto"
    assert Settings().sized_for_runner(cores).run.workers == workers
    assert Settings(run=RunSettings(workers=3)).sized_for_runner(cores).run.workers == 3


@pytest.mark.parametrize("bad", [0, -1, 257, "many", 2.5])
def test_workers_out_of_range_is_refused(bad: object) -> None:
    with pytest.raises(ValueError, match="workers"):
        RunSettings(workers=bad)


def test_other_settings_are_left_alone() -> None:
    settings = Settings(run=RunSettings(workers=8))
    sized = settings.sized_for_runner(16)
    assert sized.asr.num_workers == 16 and settings.asr.num_workers == 2
    assert sized.model_dump(exclude={"asr"}) == settings.model_dump(exclude={"asr"})
    assert {k: v for k, v in vars(sized.asr).items() if k != "num_workers"} == {
        k: v for k, v in vars(settings.asr).items() if k != "num_workers"
    }
