"""Read srsly's msgpack hook registries once instead of on every (un)pack.

``nlp.pipe(n_process=2)`` sends every Doc between processes as msgpack, and srsly looks its
encoder/decoder hooks up through ``catalogue`` with ``entry_points=True`` on *every* call:
a scan of all installed distributions' metadata, ~9 ms each in this environment. With a
Doc unpacked in several pieces, that scan was 75% of the main process's time and made two
processes four times slower than one; the next cost is ``get_all`` walking catalogue's global
registry (every spaCy and thinc function, ~450 entries) on each call. Here the hooks packages
declare as entry points are loaded and registered once, and each registry answers from a
snapshot taken once spaCy is imported (srsly and thinc register their hooks at import): the
same hooks, found once.
"""

from __future__ import annotations

import importlib.metadata

import spacy  # noqa: F401  (its import registers the hooks the snapshot must hold)
import srsly.msgpack as _msgpack


def freeze() -> None:
    for registry, group in (
        (_msgpack.msgpack_encoders, "srsly_msgpack_encoders"),
        (_msgpack.msgpack_decoders, "srsly_msgpack_decoders"),
    ):
        if not registry.entry_points:
            continue
        for entry in importlib.metadata.entry_points(group=group):
            registry.register(entry.name, func=entry.load())
        registry.entry_points = False
        snapshot = registry.get_all()
        registry.get_all = lambda snapshot=snapshot: dict(snapshot)


freeze()
