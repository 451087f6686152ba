"""Where the inbox lives: a local folder (the default), file://, or an fsspec URL (s3://,
gs:// / gcs://) so workers on several machines read the same inbox.

Only what reading an inbox needs is here: naming the files, reading them (with retries and
backoff, since object stores fail transiently), and a local copy for the decoders. A call's
identity stays the sha256 of its bytes wherever they live.

A URL is shown and stored only through `display_url`. Credentials inside a URL are refused
(with the secret masked in the message): a URL ends up in logs, Prefect's run parameters and
the runs table, so keys belong in the environment (AWS_ACCESS_KEY_ID, ~/.aws, GOOGLE_...).
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO
from urllib.parse import urlsplit

from tenacity import (
    retry,
    retry_if_exception,
    stop_after_attempt,
    wait_random_exponential,
)

# protocol -> the package that implements it (installed through aftercall's extras)
REMOTE_PROTOCOLS = {"s3": "s3fs", "s3a": "s3fs", "gs": "gcsfs", "gcs": "gcsfs"}
EXTRA = {"s3fs": "s3", "gcsfs": "gcs"}
LOCAL_PROTOCOLS = ("file", "local")
READ_ATTEMPTS = 4  # tries per read; waits grow ~0.5, 1, 2 s (random, capped at 10 s)
BLOCK = 1 << 20


class InboxError(Exception):
    """The inbox itself cannot be read: the run cannot happen."""


class StorageReadError(Exception):
    """One file could not be read (after the retries); the message says why."""


class NotRegularFileError(StorageReadError):
    """Not a regular file (a named pipe, socket or device): never read, since reading one can
    block forever or never end."""


class FileGoneError(StorageReadError):
    """The scanned bytes are no longer there: the file was removed or replaced during the run
    (a replacement is a new call, found by the next scan)."""


# Errors that another try cannot fix; anything else from a store (a reset connection, a
# throttled request, a 5xx turned into OSError by s3fs/gcsfs) is tried again.
PERMANENT = (
    FileNotFoundError,
    PermissionError,
    IsADirectoryError,
    NotADirectoryError,
    ValueError,
    TypeError,
    StorageReadError,
)

storage_retry = retry(
    # Only errors are tried again: a signal turned into an exception (KeyboardInterrupt, a
    # run being stopped) must reach the run at once, not wait out the retries.
    retry=retry_if_exception(
        lambda exc: isinstance(exc, Exception) and not isinstance(exc, PERMANENT)
    ),
    wait=wait_random_exponential(multiplier=0.5, max=10),
    stop=stop_after_attempt(READ_ATTEMPTS),
    reraise=True,
)


def protocol_of(inbox: str) -> str:
    """The URL scheme, lower case; "" for a plain path (a Windows drive is a path)."""
    head, sep, _ = inbox.partition("://")
    return head.lower() if sep and len(head) > 1 else ""


def display_url(inbox: str) -> str:
    """The inbox as it may be logged or stored: no user, password, query or fragment."""
    if not protocol_of(inbox):
        return inbox
    parts = urlsplit(inbox)
    host = parts.hostname or ""
    try:
        if parts.port:
            host += f":{parts.port}"
    except ValueError:  # "host:<not a number>" may well be a secret in the wrong place
        host += ":***"
    if "@" in parts.netloc:
        host = "***@" + host
    return f"{parts.scheme}://{host}{parts.path}"


def _check_url(inbox: str) -> str:
    """The protocol of a URL aftercall will read, or InboxError saying what is wrong."""
    protocol = protocol_of(inbox)
    shown = display_url(inbox)
    try:
        parts = urlsplit(inbox)
        has_credentials = "@" in parts.netloc
        _ = parts.port  # "bucket:<secret>" fails here
    except ValueError:  # a malformed port or bracket; the parser's words would echo it
        raise InboxError(f"the inbox URL {shown} is not a valid URL") from None
    if has_credentials:
        raise InboxError(
            f"the inbox URL {shown} carries credentials; URLs are logged and stored, so give "
            "them through the environment or the store's own config (AWS_ACCESS_KEY_ID / "
            "AWS_SECRET_ACCESS_KEY or ~/.aws for s3, GOOGLE_APPLICATION_CREDENTIALS for gcs)"
        )
    if protocol in LOCAL_PROTOCOLS:
        return protocol
    if protocol not in REMOTE_PROTOCOLS:
        known = ", ".join(f"{p}://" for p in ("file", "s3", "gs", "gcs"))
        raise InboxError(
            f"unknown storage protocol {protocol!r} in the inbox {shown}: use a folder or "
            f"one of {known}"
        )
    if any(part in ("..", ".") for part in parts.path.split("/")):
        raise InboxError(f"the inbox URL {shown} contains '.' or '..' segments; give its full path")
    if not parts.hostname:
        raise InboxError(f"the inbox URL {shown} names no bucket")
    package = REMOTE_PROTOCOLS[protocol]
    if importlib.util.find_spec(package) is None:
        raise InboxError(
            f"{protocol}:// inboxes need the {package} package, which is not installed: "
            f"pip install 'aftercall[{EXTRA[package]}]'"
        )
    return protocol


def local_folder(inbox: str | Path) -> Path | None:
    """The folder of a local inbox (a path or file://...); None for a remote URL."""
    text = str(inbox)
    protocol = _check_url(text) if protocol_of(text) else ""
    if not protocol:
        return Path(text)
    if protocol in LOCAL_PROTOCOLS:
        import fsspec  # lazy: slow import, needed only here

        return Path(fsspec.core.url_to_fs(text)[1])
    return None


def canonical(inbox: str | Path) -> str:
    """What a run records and a deployment is given: an absolute folder, or the URL."""
    folder = local_folder(inbox)
    return str(folder.resolve()) if folder is not None else str(inbox)


@dataclass
class RemoteInbox:
    """An inbox in an object store, listed and read through fsspec."""

    url: str
    fs: Any
    root: str  # the inbox's path inside the store, as fsspec names it (bucket/prefix)

    @classmethod
    def open(cls, url: str) -> RemoteInbox:
        _check_url(url)
        import fsspec  # lazy: slow import, needed only here

        try:
            fs, root = fsspec.core.url_to_fs(url)
        except (ImportError, ValueError) as exc:
            raise InboxError(f"cannot open the inbox {display_url(url)}: {exc}") from exc
        return cls(url=url, fs=fs, root=root.rstrip("/"))

    @property
    def shown(self) -> str:
        return display_url(self.url)

    def files(self) -> list[str]:
        """Every file under the inbox, as paths relative to it (sorted)."""
        try:
            found = storage_retry(self.fs.find)(self.root)
        except FileNotFoundError:  # s3fs: no such bucket; said in our words below
            found = []
        except Exception as exc:  # after the retries: name the inbox, never the credentials
            raise InboxError(f"cannot list the inbox {self.shown}: {_why(exc)}") from exc
        prefix = self.root + "/"
        rels = sorted(p[len(prefix) :] for p in found if p.startswith(prefix))
        if not rels:
            self._check_bucket()
        return [r for r in rels if r and ".." not in PurePosixPath(r).parts]

    def _check_bucket(self) -> None:
        """An empty listing is an empty inbox, unless the bucket itself is not there."""
        bucket = self.root.split("/", 1)[0]
        try:
            there = storage_retry(self.fs.exists)(bucket)
        except Exception as exc:
            raise InboxError(f"cannot list the inbox {self.shown}: {_why(exc)}") from exc
        if not there:
            raise InboxError(
                f"the inbox {self.shown}: bucket {bucket!r} does not exist or these "
                "credentials cannot see it"
            )

    def uri(self, rel: str) -> str:
        protocol = protocol_of(self.url)
        return f"{protocol}://{self.root}/{rel}"

    def read_bytes(self, rel: str, limit: int) -> bytes:
        """A small file (manifest, sidecar); OSError past `limit` bytes."""
        data = storage_retry(self.fs.cat_file)(f"{self.root}/{rel}", start=0, end=limit + 1)
        if len(data) > limit:
            raise OSError(f"larger than {limit:,} bytes")
        return data

    def digest(self, rel: str) -> str:
        return storage_retry(_sha256_stream)(self.fs, f"{self.root}/{rel}")


def _sha256_stream(fs: Any, path: str) -> str:
    digest = hashlib.sha256()
    with fs.open(path, "rb") as fh:
        for block in iter(lambda: fh.read(BLOCK), b""):
            digest.update(block)
    return digest.hexdigest()


def _why(exc: BaseException) -> str:
    """An error in a few plain words (no traceback; fsspec's messages name paths, not keys)."""
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return " ".join(str(text).split())[:300]


def _copy_to(url: str, target: Path) -> str:
    """Copy the object at `url` to `target`; its sha256. The whole copy is one attempt."""
    import fsspec  # lazy: slow import, needed only here

    digest = hashlib.sha256()
    with fsspec.open(url, "rb") as src, target.open("wb") as dst:
        for block in iter(lambda: src.read(BLOCK), b""):
            digest.update(block)
            dst.write(block)
    return digest.hexdigest()


@contextmanager
def local_copy(path: Path, uri: str, content_hash: str) -> Iterator[Path]:
    """The file as a local path for the decoders: itself when local; else a temporary copy
    read through fsspec (retried with backoff), checked against the scanned hash, deleted
    afterwards. StorageReadError when it cannot be read; FileGoneError when its bytes are
    no longer there."""
    if not uri:
        yield path
        return
    folder = Path(tempfile.mkdtemp(prefix="aftercall-fetch-"))
    target = folder / f"{content_hash[:16]}{path.suffix.lower()}"
    try:
        try:
            got = storage_retry(_copy_to)(uri, target)
        except FileNotFoundError as exc:
            raise FileGoneError(
                f"{display_url(uri)} is no longer in the inbox (removed during the run)"
            ) from exc
        except Exception as exc:
            raise StorageReadError(
                f"cannot read {display_url(uri)} after {READ_ATTEMPTS} tries: {_why(exc)}"
            ) from exc
        if got != content_hash:
            raise FileGoneError(
                f"{display_url(uri)} was replaced during the run (its bytes are not the ones "
                "scanned); the new content is a new call for the next run"
            )
        yield target
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def file_hash(path: Path) -> str:
    """sha256 of a local file, retried with backoff on transient read errors (a network
    mount); a missing or forbidden file fails at once."""
    return storage_retry(_sha256_local)(path)


def _sha256_local(path: Path) -> str:
    digest = hashlib.sha256()
    with open_regular(path) as fh:
        for block in iter(lambda: fh.read(BLOCK), b""):
            digest.update(block)
    return digest.hexdigest()


_KINDS = (
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISDIR, "a folder"),
)


def not_regular(mode: int) -> str | None:
    """What a file of this st_mode is when it is not a regular file; None when it is."""
    if stat.S_ISREG(mode):
        return None
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def open_regular(path: Path) -> BinaryIO:
    """Open a local file for reading only if it is a regular file; NotRegularFileError
    otherwise. Opened with O_NONBLOCK and checked on the open descriptor, so a named pipe
    put in the inbox (or swapped in after a stat) never blocks the run waiting for a writer:
    opening a FIFO that way returns at once. The flag means nothing for a regular file."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        kind = not_regular(os.fstat(fd).st_mode)
        if kind:
            raise NotRegularFileError(f"not a regular file ({kind}); not read")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_local_text(path: Path, limit: int) -> str:
    """A small local file (a manifest, a sidecar) as UTF-8 text: a regular file only, and
    OSError past `limit` bytes, so neither a pipe nor a huge file can stall the scan."""
    with open_regular(path) as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise OSError(f"larger than {limit:,} bytes")
    return data.decode("utf-8-sig")
