"""Intake: identity by content, manifest and sidecar metadata, and hostile inbox contents."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from aftercall.pipeline.call import CallError, read_transcript
from aftercall.pipeline.intake import InboxError, parse_meta, scan_inbox


def write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return path


def test_same_bytes_under_two_names_share_one_identity(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", "Agent: hello\nCustomer: hi")
    write(tmp_path / "sub" / "b.txt", "Agent: hello\nCustomer: hi")
    write(tmp_path / "c.txt", "Agent: hello\nCustomer: bye")
    scan = scan_inbox(tmp_path)
    ids = [item.call_id for item in scan.items]
    assert len(ids) == 3 and len(set(ids)) == 2
    assert all(len(i) == 16 for i in ids)


def test_manifest_metadata_is_attached_and_validated(tmp_path: Path) -> None:
    write(tmp_path / "one.txt", "Agent: hi")
    write(tmp_path / "two.txt", "Agent: hello")
    write(
        tmp_path / "manifest.csv",
        "file,call_id,customer_id,agent_id,started_at,customer_value,colour\n"
        "one.txt,X1,C9,A1,2026-11-16T09:12:00-05:00,1200,red\n"
        "two.txt,X2,C8,A1,next tuesday,lots,blue\n"
        "missing.txt,X3,C7,A1,,,\n",
    )
    scan = scan_inbox(tmp_path)
    by_name = {i.path.name: i for i in scan.items}
    one = by_name["one.txt"].meta
    assert one.call_id == "X1" and one.customer_id == "C9" and one.customer_value == 1200
    assert one.started_at == datetime(2026, 11, 16, 9, 12, tzinfo=timezone(timedelta(hours=-5)))
    two = by_name["two.txt"]
    # A bad value loses only itself: the call keeps its other metadata.
    assert two.meta.customer_id == "C8" and two.meta.started_at is None
    assert two.meta.customer_value is None
    assert any("started_at" in w for w in two.warnings)
    assert any("customer_value" in w for w in two.warnings)
    assert any("colour" in p for p in scan.problems)
    assert any("missing.txt" in p for p in scan.problems)


def test_manifest_without_file_column_is_reported_not_fatal(tmp_path: Path) -> None:
    write(tmp_path / "one.txt", "Agent: hi")
    write(tmp_path / "manifest.csv", "name,customer_id\none.txt,C1\n")
    scan = scan_inbox(tmp_path)
    assert [i.path.name for i in scan.items] == ["one.txt"]
    assert scan.items[0].meta.customer_id is None
    assert any("no 'file' column" in p for p in scan.problems)


def test_sidecar_wins_over_manifest_and_bad_sidecar_is_a_warning(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", "Agent: hi")
    write(tmp_path / "b.txt", "Agent: yo")
    write(tmp_path / "manifest.csv", "file,customer_id,queue\na.txt,C1,billing\n")
    write(tmp_path / "a.txt.json", '{"customer_id": "C2", "started_at": "2026-11-16T10:00:00"}')
    write(tmp_path / "b.txt.json", "[1, 2")
    scan = scan_inbox(tmp_path)
    by_name = {i.path.name: i for i in scan.items}
    assert by_name["a.txt"].meta.customer_id == "C2"
    assert by_name["a.txt"].meta.queue == "billing"
    assert by_name["a.txt"].meta.started_at == datetime(2026, 11, 16, 10, tzinfo=UTC)
    assert any("no time zone" in w for w in by_name["a.txt"].warnings)
    assert any("b.txt.json" in w for w in by_name["b.txt"].warnings)
    assert len(scan.items) == 2  # sidecars are not calls


def test_unsupported_hidden_and_escaping_files(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    write(inbox / "notes.docx", b"PK")
    write(inbox / ".DS_Store", b"junk")
    write(tmp_path / "secret.txt", "Agent: outside the inbox")
    os.symlink(tmp_path / "secret.txt", inbox / "link.txt")
    scan = scan_inbox(inbox)
    assert scan.items == []
    assert any("notes.docx" in s and "not a supported" in s for s in scan.skipped)
    assert any("link.txt" in s and "outside" in s for s in scan.skipped)


def test_manifest_path_traversal_names_nothing_outside(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    write(inbox / "a.txt", "Agent: hi")
    write(tmp_path / "x.txt", "Agent: outside")
    write(inbox / "manifest.csv", "file,customer_id\n../x.txt,EVIL\na.txt,C1\n")
    scan = scan_inbox(inbox)
    assert [(i.path.name, i.meta.customer_id) for i in scan.items] == [("a.txt", "C1")]
    assert any("../x.txt" in p for p in scan.problems)


def test_missing_inbox_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(InboxError, match="not a folder"):
        scan_inbox(tmp_path / "nope")


@pytest.mark.parametrize(
    ("raw", "field", "expected"),
    [
        ({"customer_value": "-5"}, "customer_value", None),
        ({"customer_value": "nan"}, "customer_value", None),
        ({"customer_value": "1,250.50"}, "customer_value", 1250.5),
        ({"customer_id": "  C\t1  "}, "customer_id", "C 1"),
        ({"customer_id": "x" * 600}, "customer_id", None),
        ({"customer_id": ["a"]}, "customer_id", None),
        ({"started_at": "2026-13-45T99:00:00Z"}, "started_at", None),
    ],
)
def test_parse_meta_rejects_only_the_bad_value(raw: dict, field: str, expected: object) -> None:
    meta, _ = parse_meta({**raw, "agent_id": "A1"}, "test")
    assert getattr(meta, field) == expected
    assert meta.agent_id == "A1"


@pytest.mark.parametrize(
    ("value", "expected", "why"),
    [
        ("Fibre 500", "Fibre 500", None),
        ('  "Mobile  Plus"  ', "Mobile Plus", None),
        ("Fibre\x00500", None, "control or invisible"),
        ("Fibre\u202e005", None, "control or invisible"),
        ("\x1b[31mRed\x1b[0m", None, "control or invisible"),
        ("x" * 81, None, "longer than 80"),
        ('""', None, "empty"),
        ("call me on 202 555 0101", None, "personal data"),
        ("4111 1111 1111 1111", None, "personal data"),
        (["Fibre"], None, "not a plain value"),
    ],
)
def test_product_is_cleaned_or_refused_with_a_reason(
    value: object, expected: str | None, why: str | None
) -> None:
    meta, warnings = parse_meta({"product": value, "agent_id": "A1"}, "manifest.csv line 2")
    assert meta.product == expected and meta.agent_id == "A1"
    if why:
        assert len(warnings) == 1 and why in warnings[0] and "product" in warnings[0]
        assert "4111" not in warnings[0] and "0101" not in warnings[0]  # never quoted back
    else:
        assert warnings == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [("North Wind Energy", "North Wind Energy"), ("4111 1111 1111 1111", None), ("x" * 81, None)],
)
def test_company_is_read_like_a_product(value: str, expected: str | None) -> None:
    meta, warnings = parse_meta({"company": value}, "manifest.csv line 2")
    assert meta.company == expected
    assert bool(warnings) == (expected is None) and "4111" not in " ".join(warnings)


def test_product_from_manifest_and_sidecar(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Agent: hi\nCustomer: hi\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text("Agent: hello\nCustomer: hello\n", encoding="utf-8")
    (tmp_path / "manifest.csv").write_text(
        "file,product\na.txt,Fibre 500\nb.txt,Fibre 500\n", encoding="utf-8"
    )
    (tmp_path / "b.txt.json").write_text('{"product": "Mobile Plus"}', encoding="utf-8")
    scan = scan_inbox(tmp_path)
    assert {i.path.name: i.meta.product for i in scan.items} == {
        "a.txt": "Fibre 500",
        "b.txt": "Mobile Plus",
    }
    assert scan.problems == []


# --- issue 20: cells over the csv limit, files that are not files, deep JSON -----------------

BIG = "x" * 200_000  # over the csv module's field limit (131,072 characters)


def test_oversized_manifest_cell_drops_only_its_row(tmp_path: Path) -> None:
    for name in ("one.txt", "two.txt", "three.txt", "four.txt"):
        write(tmp_path / name, f"Agent: hi from {name}")
    write(
        tmp_path / "manifest.csv",
        "file,customer_id\n"
        "one.txt,C1\n"
        f"two.txt,{BIG}\n"
        "three.txt,C3\n"
        f'four.txt,"{BIG}\nstill the same cell"\n',
    )
    scan = scan_inbox(tmp_path)
    by_name = {i.path.name: i.meta.customer_id for i in scan.items}
    assert by_name == {"one.txt": "C1", "two.txt": None, "three.txt": "C3", "four.txt": None}
    dropped = [p for p in scan.problems if "row ignored" in p]
    assert len(dropped) == 2 and "line 3" in dropped[0] and "field larger" in dropped[0]
    assert all(BIG not in p for p in scan.problems)


def test_oversized_manifest_header_is_a_note_not_a_crash(tmp_path: Path) -> None:
    write(tmp_path / "one.txt", "Agent: hi")
    write(tmp_path / "manifest.csv", f"file,{BIG}\none.txt,C1\n")
    scan = scan_inbox(tmp_path)
    assert [i.path.name for i in scan.items] == ["one.txt"]
    assert any("header cannot be read" in p for p in scan.problems)


_SCAN = """
import sys, json
from aftercall.pipeline.intake import scan_inbox
scan = scan_inbox(sys.argv[1])
print(json.dumps({"items": sorted(i.path.name for i in scan.items), "skipped": scan.skipped,
                  "problems": scan.problems,
                  "warnings": {i.path.name: i.warnings for i in scan.items}}))
"""


def test_named_pipes_and_sockets_are_skipped_never_opened(tmp_path: Path) -> None:
    """A FIFO has no writer: opening it blocks until one comes, so a scan that opened it hung
    for ever (issue 20). In a real process, with a limit: each is skipped with a reason,
    also where it stands in for the manifest or a sidecar."""
    inbox = tmp_path / "inbox"
    write(inbox / "a.txt", "Agent: hi\nCustomer: my bill is wrong")
    os.mkfifo(inbox / "call.wav")
    os.mkfifo(inbox / "typed.txt")
    os.mkfifo(inbox / "manifest.csv")
    os.mkfifo(inbox / "a.txt.json")  # a sidecar that is a pipe
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(inbox / "live.json"))
    try:
        done = subprocess.run(
            [sys.executable, "-c", _SCAN, str(inbox)], capture_output=True, text=True, timeout=60
        )
    finally:
        sock.close()
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout)
    assert result["items"] == ["a.txt"]
    skipped = "\n".join(result["skipped"])
    assert "call.wav: not a regular file (a named pipe); not read" in skipped
    assert "typed.txt: not a regular file (a named pipe)" in skipped
    assert "live.json: not a regular file (a socket)" in skipped
    assert any("manifest.csv cannot be read" in p for p in result["problems"])
    assert any("a.txt.json: ignored (not a regular file" in w for w in result["warnings"]["a.txt"])


def test_a_pipe_swapped_in_after_the_scan_fails_that_call_alone(tmp_path: Path) -> None:
    for name in ("late.txt", "late.wav"):
        os.mkfifo(tmp_path / name)
        with pytest.raises(CallError, match="not a regular file"):
            read_transcript(tmp_path / name)


def test_deeply_nested_sidecar_is_a_warning(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", "Agent: hi")
    write(tmp_path / "a.txt.json", '{"customer_id": ' + "[" * 100_000 + "]" * 100_000 + "}")
    scan = scan_inbox(tmp_path)
    assert [i.path.name for i in scan.items] == ["a.txt"]
    assert any("nested too deeply" in w for w in scan.items[0].warnings)
