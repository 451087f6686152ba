"""aftercall: find the customers your phone calls failed, and get a person to fix it.

The package by concern (docs/architecture.md has the drawing and the import rule):

- ``cli``: the `aftercall` command line; ``web``: the web app; ``flows``: Prefect flows
- ``evaluation``: quality and speed measured on data no one here wrote
- ``pipeline`` (inbox to stored call), ``cases`` (recovery cases, drafts, outreach),
  ``review`` (QA decisions, disputes), ``training`` (the outcome model and its data)
- ``store`` (DuckDB) and ``config``
- ``nlp``: language and speech (Whisper, spaCy, the detector, redaction)

The names below are the public API for using aftercall from Python. They load on first use,
so ``import aftercall`` stays cheap (the detector brings spaCy, the pipeline Whisper).
"""

from __future__ import annotations

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version
from typing import Any

try:
    __version__ = version("aftercall")
except PackageNotFoundError:  # a source tree that was never installed
    __version__ = "0+unknown"

# public name -> the module that defines it
_API = {
    "Settings": "aftercall.config",
    "load_settings": "aftercall.config",
    "analyse": "aftercall.nlp.detector",
    "load_pipeline": "aftercall.nlp.detector",
    "Analysis": "aftercall.nlp.detector",
    "Transcript": "aftercall.nlp.transcript",
    "Turn": "aftercall.nlp.transcript",
    "parse_text_transcript": "aftercall.nlp.parse",
    "open_db": "aftercall.store.db",
    "refresh_cases": "aftercall.cases.refresh",
}

__all__ = ["__version__", *_API]


def __getattr__(name: str) -> Any:
    if name in _API:
        return getattr(import_module(_API[name]), name)
    raise AttributeError(f"module 'aftercall' has no attribute {name!r}")
