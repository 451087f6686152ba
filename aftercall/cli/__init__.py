"""The `aftercall` command line (Typer): ``app`` and its commands.

Importing this package registers every command module on ``main.app``, in the order
`aftercall --help` lists them; `pyproject.toml` points the console script here.
"""

# isort: off
from aftercall.cli import (  # noqa: F401  (each module adds its commands to app)
    run,
    evaluate,
    trust,
    cases,
    promises,
    report,
    users,
    web,
    model,
    serve,
)

# isort: on
from aftercall.cli.main import app

__all__ = ["app"]
