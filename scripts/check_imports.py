"""Check the import rule (pyproject's [tool.importlinter]) on the package as it installs.

`nlp/` and `flows/` sit at the top of the repository but install as `aftercall.nlp` and
`aftercall.flows` (pyproject's package-dir). import-linter reads a package from one folder, so
this lays the installed tree out in a temporary folder (copies of the .py files, no build)
and runs `lint-imports` there. Exit status: lint-imports' own.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# where each installed package's files live in the repository (pyproject's package-dir)
SOURCES = {
    "aftercall": ROOT / "aftercall",
    "aftercall/nlp": ROOT / "nlp",
    "aftercall/flows": ROOT / "flows",
}


def lay_out(into: Path) -> None:
    for target, source in SOURCES.items():
        for path in source.rglob("*.py"):
            dest = into / target / path.relative_to(source)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, dest)


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="aftercall-imports-") as tmp:
        lay_out(Path(tmp))
        shutil.copyfile(ROOT / "pyproject.toml", Path(tmp) / "pyproject.toml")
        lint = Path(sys.executable).with_name("lint-imports")
        return subprocess.call(
            [str(lint), "--no-cache"], cwd=tmp, env={"PYTHONPATH": tmp, "PATH": ""}
        )


if __name__ == "__main__":
    raise SystemExit(main())
