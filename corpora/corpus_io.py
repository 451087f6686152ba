"""Small helpers shared by the build_*.py scripts.

A "mirror" is either a bare git directory (as produced by the search tool's `fetch`, e.g.
/work/.mirror/owner+name/repo) or an ordinary checkout / extracted directory.  Files are read
from the given revision (default HEAD) for git dirs, or from disk otherwise.
"""

import json
import os
import subprocess


def is_git_dir(path):
    return os.path.isfile(os.path.join(path, "HEAD")) and os.path.isdir(
        os.path.join(path, "objects")
    )


class Source:
    def __init__(self, path, rev="HEAD"):
        if (
            os.path.isdir(os.path.join(path, ".git"))
            and not os.path.isdir(os.path.join(path, "data"))
            and is_git_dir(os.path.join(path, ".git"))
        ):
            path = os.path.join(path, ".git")
        self.path = path
        self.rev = rev
        self.git = is_git_dir(path)
        self._batch = None

    def commit(self):
        if not self.git:
            return None
        return subprocess.check_output(
            ["git", "--git-dir", self.path, "rev-parse", self.rev], text=True
        ).strip()

    def list(self, prefix):
        """Paths (relative, '/'-separated) of files under prefix."""
        prefix = prefix.rstrip("/")
        if self.git:
            out = subprocess.check_output(
                [
                    "git",
                    "--git-dir",
                    self.path,
                    "ls-tree",
                    "-r",
                    "--name-only",
                    self.rev,
                    "--",
                    prefix,
                ],
                text=True,
            )
            return [p for p in out.splitlines() if p]
        root = os.path.join(self.path, prefix)
        res = []
        for d, _, files in os.walk(root):
            for f in files:
                res.append(os.path.relpath(os.path.join(d, f), self.path).replace(os.sep, "/"))
        return sorted(res)

    def read(self, relpath):
        """Bytes of the file, or None when it is absent (e.g. a blob left out of a partial snapshot)."""
        if self.git:
            if self._batch is None:
                self._batch = subprocess.Popen(
                    ["git", "--git-dir", self.path, "cat-file", "--batch"],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                )
            self._batch.stdin.write(f"{self.rev}:{relpath}\n".encode())
            self._batch.stdin.flush()
            header = self._batch.stdout.readline().decode().strip()
            if header.endswith("missing") or not header:
                return None
            size = int(header.split()[2])
            data = self._batch.stdout.read(size)
            self._batch.stdout.read(1)
            return data
        p = os.path.join(self.path, relpath)
        if not os.path.exists(p):
            return None
        with open(p, "rb") as f:
            return f.read()

    def read_json(self, relpath):
        b = self.read(relpath)
        return None if b is None else json.loads(b)


def write_jsonl(path, rows):
    n = 0
    with open(path, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
            n += 1
    return n
