"""Keep the speech model's large buffers in the process instead of handing them back to the
kernel after every window.

CTranslate2 allocates each Whisper encoder pass's working buffers with malloc and frees them
at the end (tiny.en: four 41 MB buffers per 30 s window). glibc serves any block above its
mmap threshold (at most 32 MB) with a fresh mmap and returns it with munmap, so every window
touched ~160 MB of new pages: 40,000 page faults, each zeroed by the kernel. Measured on the
2-core machine, 40 demo calls through plain faster-whisper: 4.6 million page faults and 9 s
of system time in a 38 s run. With mmap off and a high trim threshold the same buffers are
reused: the faults drop to a few per window and the system time to 0.4 s
(benchmarks/pipeline_scale.py shows the effect as raw vs rawkeep).

The cost: memory a process has freed stays mapped (up to TRIM_THRESHOLD above what it uses),
so its resident size stays near its peak instead of falling between calls. Each malloc arena
keeps its own freed memory, and glibc makes up to 8 arenas per core, so the arenas are capped
at the core count (at least 2): without the cap a 60-minute call peaked at 1,535 MB against
1,253 MB with glibc as it comes (issue 3's limit is 1,500 MB); with it, 1,242 MB
(benchmarks/asr_memory.py), and raw faster-whisper was as fast with the cap as without. A
block larger than a thread arena's heap (64 MB) still gets its own mmap: glibc falls back to
it whatever the setting.

Process-wide and only on glibc (Linux); elsewhere nothing changes.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import logging
import os
from typing import Any

log = logging.getLogger(__name__)

# mallopt(3) parameters, from glibc's <malloc.h>
M_TRIM_THRESHOLD = -1
M_MMAP_MAX = -4
M_ARENA_MAX = -8
# Free memory at the top of a heap is given back only above this: larger than the model's
# working set per decoding thread, so the buffers of one window are there for the next.
TRIM_THRESHOLD = 1 << 30


def _mallopt() -> Any:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc.mallopt
    except (OSError, AttributeError):  # not glibc (musl, macOS): no such knob
        return None


@functools.cache  # two threads racing here set the same values twice: harmless
def keep_freed_memory() -> bool:
    """Tell glibc's malloc to reuse freed large blocks instead of unmapping them. Idempotent;
    True when the setting is in force."""
    mallopt = _mallopt()
    done = bool(
        mallopt is not None
        and mallopt(M_MMAP_MAX, 0) == 1
        and mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1
        and mallopt(M_ARENA_MAX, max(2, os.cpu_count() or 1)) == 1
    )
    log.debug("malloc keeps freed memory: %s", done)
    return done
