"""nlp/memory.py: with the allocator told to keep freed memory, Whisper's next 30 s window
reuses the last one's buffers instead of faulting in ~160 MB of fresh pages. Counted in page
faults (deterministic), not timed; each case in its own process, since the setting is
process-wide. Real model, real audio."""

from __future__ import annotations

import json
import platform
import subprocess
import sys

import pytest

from tests.conftest import DATA

# Transcribe jfk.flac three times; print the page faults of the last pass.
SCRIPT = """
import json, resource, sys
from dataclasses import replace
from pathlib import Path
from aftercall.nlp.memory import keep_freed_memory
from aftercall.nlp.transcribe import AsrConfig, transcribe_file
from tests.conftest import DATA
cfg = replace(AsrConfig(), keep_freed_memory=sys.argv[2] == "keep", num_workers=1)
for _ in range(3):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    turns = transcribe_file(Path(sys.argv[1]), cfg).turns
    text = " ".join(t.text for t in turns)
faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
print(json.dumps({"faults": faults, "text": text, "kept": keep_freed_memory()
                  if sys.argv[2] == "keep" else False}))
"""


def _last_pass(mode: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(DATA / "jfk.flac"), mode],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc's mallopt")
def test_kept_memory_saves_the_page_faults_of_every_window() -> None:
    plain, kept = _last_pass("plain"), _last_pass("keep")
    assert kept["kept"] is True
    # plain glibc maps and unmaps the encoder's 41 MB buffers every window: ~40,000 faults
    assert plain["faults"] > 20_000
    assert kept["faults"] < plain["faults"] / 10
    assert kept["text"] == plain["text"]  # the same transcription, word for word


def test_keep_freed_memory_is_idempotent() -> None:
    from aftercall.nlp.memory import keep_freed_memory

    first = keep_freed_memory()
    assert keep_freed_memory() is first
    assert first is (platform.libc_ver()[0] == "glibc")
