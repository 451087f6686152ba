"""Inboxes at fsspec URLs: file://, hostile URLs refused with clear words (credentials never
echoed), retries on transient reads, and an s3:// inbox against moto's S3 server on loopback
(moto stands in for the network service; s3fs and the pipeline are real)."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from tenacity import wait_none
from typer.testing import CliRunner

from aftercall.cli import app
from aftercall.config import Settings
from aftercall.pipeline.inbox import (
    FileGoneError,
    StorageReadError,
    display_url,
    local_copy,
    storage_retry,
)
from aftercall.pipeline.intake import InboxError, scan_inbox
from aftercall.pipeline.prefect_server import free_port
from tests.casekit import BILL_FIXED, BILL_OPEN
from tests.conftest import DEMO

SECRET = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY"


def _inbox(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "open.txt").write_text(BILL_OPEN, encoding="utf-8")
    (folder / "sub").mkdir(exist_ok=True)
    (folder / "sub" / "fixed.txt").write_text(BILL_FIXED, encoding="utf-8")
    (folder / "sub" / "fixed.txt.json").write_text('{"customer_id": "C7"}', encoding="utf-8")
    (folder / "manifest.csv").write_text("file,customer_id\nopen.txt,C1\n", encoding="utf-8")
    (folder / "notes.docx").write_bytes(b"not a call")
    return folder


def _summary(scan) -> list[tuple[str, str, str | None]]:
    return sorted((i.path.name, i.content_hash, i.meta.customer_id) for i in scan.items)


def test_a_file_url_reads_the_same_calls_as_the_folder(tmp_path: Path) -> None:
    inbox = _inbox(tmp_path / "in")
    by_url = scan_inbox(inbox.as_uri())
    assert _summary(by_url) == _summary(scan_inbox(inbox))
    assert {i.path.name: i.meta.customer_id for i in by_url.items} == {
        "open.txt": "C1",
        "fixed.txt": "C7",
    }
    assert by_url.skipped == ["notes.docx: not a supported file type (.docx)"]


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("ftp://files.example.com/inbox", "unknown storage protocol 'ftp'"),
        ("javascript://alert(1)", "unknown storage protocol 'javascript'"),
        ("http://169.254.169.254/latest/meta-data", "unknown storage protocol 'http'"),
        ("memory://inbox", "unknown storage protocol 'memory'"),
        ("s3://bucket/inbox/../../other-team", "'..' segments"),
        ("s3://bucket/./inbox", "'..' segments"),
        ("s3:///inbox", "names no bucket"),
        (f"s3://AKIAEXAMPLE:{SECRET}@bucket/inbox", "carries credentials"),
        (f"gs://user:{SECRET}@bucket/inbox", "carries credentials"),
        (f"s3://bucket:{SECRET}/inbox", "not a valid URL"),
    ],
)
def test_hostile_urls_are_refused_in_plain_words(url: str, words: str) -> None:
    with pytest.raises(InboxError, match=words.replace(".", r"\.")) as info:
        scan_inbox(url)
    assert SECRET not in str(info.value)


def test_a_missing_store_package_is_named_with_the_install_command() -> None:
    if importlib.util.find_spec("gcsfs") is not None:
        pytest.skip("gcsfs is installed here")
    with pytest.raises(InboxError, match=r"gcsfs package.*pip install 'aftercall\[gcs\]'"):
        scan_inbox("gs://bucket/inbox")


def test_display_url_drops_credentials_query_and_fragment() -> None:
    assert display_url(f"s3://AKIA:{SECRET}@bucket/in?token={SECRET}#x") == "s3://***@bucket/in"
    assert display_url("inbox/sub") == "inbox/sub"


def test_cli_refuses_bad_urls_without_echoing_secrets(tmp_path: Path) -> None:
    runner = CliRunner()
    db = str(tmp_path / "x.duckdb")
    result = runner.invoke(app, ["run", "--inbox", f"s3://AK:{SECRET}@b/in", "--db", db])
    assert result.exit_code == 1 and "carries credentials" in result.stderr
    assert SECRET not in result.output + result.stderr
    result = runner.invoke(app, ["run", "--inbox", "sftp://host/in", "--db", db])
    assert result.exit_code == 1 and "unknown storage protocol 'sftp'" in result.stderr
    assert not Path(db).exists()  # refused before anything was written


def test_transient_read_errors_are_retried_and_permanent_ones_are_not() -> None:
    calls: list[str] = []

    def flaky() -> str:
        calls.append("x")
        if len(calls) < 3:
            raise ConnectionResetError("connection reset by peer")
        return "ok"

    assert storage_retry(flaky).retry_with(wait=wait_none())() == "ok"
    assert len(calls) == 3

    def missing() -> str:
        calls.append("missing")
        raise FileNotFoundError("gone")

    with pytest.raises(FileNotFoundError):
        storage_retry(missing).retry_with(wait=wait_none())()
    assert calls.count("missing") == 1

    def down() -> str:
        calls.append("down")
        raise TimeoutError("read timed out")

    with pytest.raises(TimeoutError):
        storage_retry(down).retry_with(wait=wait_none())()
    assert calls.count("down") == 4  # READ_ATTEMPTS, then the error surfaces


# ---------------------------------------------------------------- s3:// against moto


@pytest.fixture(scope="module")
def s3() -> Iterator[object]:
    """moto's S3 server on a free loopback port; s3fs pointed at it through the environment
    (what a worker machine would have for a real bucket)."""
    pytest.importorskip("s3fs")
    server_mod = pytest.importorskip("moto.server")
    import s3fs

    port = free_port()
    server = server_mod.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    env = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}",
    }
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    s3fs.S3FileSystem.clear_instance_cache()
    try:
        fs = s3fs.S3FileSystem()
        fs.mkdir("calls")
        yield fs
    finally:
        server.stop()
        s3fs.S3FileSystem.clear_instance_cache()
        for key, value in old.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _upload(fs, folder: Path, prefix: str) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            fs.pipe(f"{prefix}/{path.relative_to(folder).as_posix()}", path.read_bytes())


def test_an_s3_inbox_gives_the_same_calls_and_hashes_as_a_folder(s3, tmp_path: Path) -> None:
    local = _inbox(tmp_path / "in")
    _upload(s3, local, "calls/scan")
    remote = scan_inbox("s3://calls/scan")
    assert _summary(remote) == _summary(scan_inbox(local))
    uris = sorted(i.uri for i in remote.items)
    assert uris == ["s3://calls/scan/open.txt", "s3://calls/scan/sub/fixed.txt"]
    assert remote.skipped == ["notes.docx: not a supported file type (.docx)"]
    assert scan_inbox("s3://calls/empty-prefix").items == []


def test_a_missing_bucket_is_named(s3) -> None:
    with pytest.raises(InboxError, match="bucket 'no-such-bucket' does not exist"):
        scan_inbox("s3://no-such-bucket/inbox")


def test_a_file_removed_or_replaced_after_the_scan_is_gone_not_misread(s3, tmp_path) -> None:
    _upload(s3, _inbox(tmp_path / "in"), "calls/gone")
    items = {i.path.name: i for i in scan_inbox("s3://calls/gone").items}
    first = items["open.txt"]
    with local_copy(first.path, first.uri, first.content_hash) as path:
        assert path.read_text(encoding="utf-8") == BILL_OPEN
        copy = path
    assert not copy.exists()  # the temporary copy is removed afterwards
    s3.pipe(first.uri, b"Agent: other bytes now\n")
    with (
        pytest.raises(FileGoneError, match="replaced during the run"),
        local_copy(first.path, first.uri, first.content_hash),
    ):
        pass
    s3.rm(first.uri)
    with (
        pytest.raises(FileGoneError, match="no longer in the inbox"),
        local_copy(first.path, first.uri, first.content_hash),
    ):
        pass
    assert issubclass(FileGoneError, StorageReadError)


@pytest.mark.slow
def test_the_pipeline_reads_an_s3_inbox(s3, prefect_server, tmp_path: Path) -> None:
    """Workers read the bytes through fsspec (audio too); a second run finds nothing new."""
    from aftercall.flows.pipeline import configured_pipeline

    local = _inbox(tmp_path / "in")
    audio = sorted(DEMO.glob("*.flac"))[0]
    shutil.copy(audio, local / audio.name)
    _upload(s3, local, "calls/pipeline")
    db = tmp_path / "calls.duckdb"
    settings = Settings(db=db)
    flow = configured_pipeline(settings)
    first = flow("s3://calls/pipeline", str(db), settings)
    assert first["counts"]["analysed"] == 3 and first["counts"]["failed"] == 0, first
    statuses = {r["file"]: r["status"] for r in first["files"]}
    assert statuses == {
        audio.name: "analysed",
        "open.txt": "analysed",
        "sub/fixed.txt": "analysed",
        "notes.docx": "skipped",
    }
    second = flow("s3://calls/pipeline", str(db), settings)
    assert second["counts"]["new"] == 0 and second["counts"]["already_done"] == 3
    assert {r["status"] for r in second["files"]} == {"already_done", "skipped"}
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute("SELECT source_uri, status FROM calls ORDER BY 1").fetchall()
        inboxes = con.execute("SELECT DISTINCT inbox FROM runs").fetchall()
    assert rows == [
        (f"s3://calls/pipeline/{audio.name}", "analysed"),
        ("s3://calls/pipeline/open.txt", "analysed"),
        ("s3://calls/pipeline/sub/fixed.txt", "analysed"),
    ]
    assert inboxes == [("s3://calls/pipeline",)]
    assert not json.dumps(first).count(SECRET)
