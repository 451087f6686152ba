"""The pipeline flow: intake -> transcribe + analyse -> persist -> refresh cases.

Thin on purpose: each task calls one plain function from aftercall.pipeline (intake, call,
redaction), aftercall.store or aftercall.cases.refresh, all tested without Prefect. The flow
process is the only writer of the database, and holds it only for one short transaction at a
time.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import as_completed
from prefect.runtime import flow_run
from prefect.task_runners import ThreadPoolTaskRunner

from aftercall.cases.refresh import refresh_cases
from aftercall.cases.webhooks import WebhookError, deliver
from aftercall.config import Settings
from aftercall.nlp.transcribe import ModelError, TranscriptionStopped
from aftercall.pipeline.call import CallError, CallFailure, incomplete_reason, process_call
from aftercall.pipeline.inbox import FileGoneError, StorageReadError, display_url, local_copy
from aftercall.pipeline.intake import InboxItem, InboxScan, scan_inbox
from aftercall.pipeline.redaction import redacted_copy, save_redactions
from aftercall.pipeline.runlock import run_lock
from aftercall.pipeline.stop import RunInterrupted, stop_on_signals, stop_requested
from aftercall.store import calls as store
from aftercall.store.db import transaction

# Listeners for per-call progress (the CLI draws a Rich progress bar from these). Kept out of
# the flow's parameters because Prefect parameters must be serialisable.
progress_hooks: list[Callable[[str, dict[str, Any]], None]] = []


def _progress(event: str, **data: Any) -> None:
    for hook in progress_hooks:
        hook(event, data)


@task(name="scan inbox", cache_policy=NO_CACHE)
def scan(inbox: str) -> InboxScan:
    """Each read inside is retried with backoff (aftercall.pipeline.inbox); an InboxError (no such
    folder or bucket, an unknown protocol) is final."""
    return scan_inbox(inbox)


@task(name="register calls", retries=3, retry_delay_seconds=[1, 2, 5], cache_policy=NO_CACHE)
def register(db: str, items: list[InboxItem]) -> list[InboxItem]:
    """Store new calls as pending; return every call that still needs processing."""
    with transaction(db) as con:
        for item in items:
            store.register_call(con, item)
        statuses = store.call_statuses(con, [i.content_hash for i in items])
    todo, seen = [], set()
    for item in items:
        if statuses.get(item.content_hash) == "pending" and item.content_hash not in seen:
            seen.add(item.content_hash)  # the same bytes under two names: one call
            todo.append(item)
    return todo


STOPPED = CallFailure("pending", "the run was stopped before this call was stored; kept pending")


@task(name="transcribe and analyse", cache_policy=NO_CACHE)
def analyse_call(item: InboxItem, settings: Settings) -> tuple[Any, Any] | CallFailure:
    """(transcript, analysis), or why the call was not analysed (status and reason)."""
    started = time.monotonic()
    if stop_requested():  # submitted before the stop, started after it
        return STOPPED
    try:
        # a file in a remote inbox is read here, on the worker, through fsspec
        with local_copy(item.path, item.uri, item.content_hash) as path:
            result = process_call(
                path,
                item.meta.started_at,
                settings.asr,
                settings.redaction,
                settings.max_audio_s,
                settings.outcome_model_file(),
                settings.limits,
                stop_requested,  # a stopping run ends this call between two segments
            )
        # Prefect's timeout cannot interrupt a worker thread and does not always fire once the
        # work returns; the limit is enforced here too, so a call over it always fails alone.
        limit = settings.run.call_timeout_s
        if limit and time.monotonic() - started > limit:
            return CallFailure("failed", _timeout_reason(limit))
        return result
    except CallError as exc:
        return CallFailure(exc.status, str(exc))
    except TranscriptionStopped:
        return STOPPED
    except FileGoneError as exc:  # those bytes are gone: that call cannot be analysed
        return CallFailure("failed", str(exc))
    except StorageReadError as exc:  # not lost: it stays pending for the next run
        return CallFailure("pending", f"{exc}; kept pending, the next run tries it again")
    except ModelError:
        raise  # no call can be transcribed: the run stops, the calls stay pending
    except Exception as exc:  # a bug must not stop the batch; the reason says what broke
        get_run_logger().exception("unexpected error on %s", item.path.name)
        return CallFailure(
            "failed", f"internal error ({type(exc).__name__}): please report this file"
        )


def redact_audio(
    item: InboxItem, result: tuple[Any, Any] | CallFailure, db: str, settings: Settings
) -> str | None:
    """The recording's redacted copy beside the database (the only audio the web app plays);
    its path, or None."""
    if isinstance(result, CallFailure) or item.kind != "audio":
        return None
    try:
        with local_copy(item.path, item.uri, item.content_hash) as path:
            return redacted_copy(path, item.call_id, result[0], Path(db), settings.redaction)
    except StorageReadError as exc:  # the analysis is kept; the copy is simply not there
        get_run_logger().warning("redacted copy of call %s not written: %s", item.call_id, exc)
        return None


# One task per call for the copy and the rows, not two: each Prefect task run costs the flow
# process CPU that Whisper would otherwise have (a retry rewrites the same copy).
@task(name="store call", retries=3, retry_delay_seconds=[1, 2, 5], cache_policy=NO_CACHE)
def persist(
    db: str, item: InboxItem, result: tuple[Any, Any] | CallFailure, settings: Settings
) -> str:
    audio = redact_audio(item, result, db, settings)
    with transaction(db) as con:
        if isinstance(result, CallFailure):
            store.mark_failed(con, item.call_id, result.reason, result.status)
            return result.status
        store.save_result(con, item.call_id, *result)
        save_redactions(con, item.call_id, result[0], audio)
        incomplete = incomplete_reason(result[0])
        if incomplete:  # in the same transaction: never briefly `analysed`
            store.mark_incomplete(con, item.call_id, incomplete)
            return "incomplete"
    return "analysed"


@task(name="refresh cases", retries=3, retry_delay_seconds=[1, 2, 5], cache_policy=NO_CACHE)
def refresh(db: str, settings: Settings) -> dict[str, int]:
    with transaction(db) as con:
        return refresh_cases(con, settings.cases)


@task(name="deliver webhooks", cache_policy=NO_CACHE)
def send_webhooks(db: str, settings: Settings) -> dict[str, int]:
    """After the refresh has committed: post the case events waiting in the outbox. A
    receiver that is down only delays them; they stay in the outbox for the next run."""
    if not settings.webhooks.url:
        return {"delivered": 0, "failed": 0}
    try:
        result = deliver(db, settings.webhooks)
    except WebhookError as exc:
        get_run_logger().warning("webhooks not sent: %s", exc)
        return {"delivered": 0, "failed": 0}
    for line in result.errors[:20]:
        get_run_logger().warning("webhook not delivered: %s", line)
    return {"delivered": result.delivered, "failed": result.failed}


class _QuietThreadTimeoutWarning(logging.Filter):
    """Prefect warns on EVERY call that a timeout cannot interrupt a worker thread. The
    README says so once (the timeout acts between Whisper segments); a line per call in
    every run tells an operator nothing new."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Timeout of %s seconds configured for this task")


logging.getLogger("prefect.task_runs").addFilter(_QuietThreadTimeoutWarning())


def call_outcome(future: Any, timeout_s: float) -> tuple[Any, Any] | CallFailure:
    """The result of one analyse_call future; a timed-out call fails alone, with a reason.
    A ModelError (no call can be transcribed) is raised: the run stops."""
    try:
        return future.result()
    except TimeoutError:
        return CallFailure("failed", _timeout_reason(timeout_s))


def _timeout_reason(timeout_s: float) -> str:
    return (
        f"transcription and analysis took longer than {timeout_s:.0f} s; stopped "
        "(run.call_timeout_s in the config)"
    )


def task_runner_for(settings: Settings) -> Any:
    """The Prefect task runner [run] asks for: threads in the flow process, or Dask."""
    cfg = settings.run
    if cfg.task_runner == "dask":
        try:
            from prefect_dask import DaskTaskRunner  # lazy: slow import, needed only here
        except ImportError as exc:  # an optional extra
            raise RuntimeError(
                "[run] task_runner = 'dask' needs prefect-dask: pip install 'aftercall[dask]'"
            ) from exc
        if cfg.dask_address:
            return DaskTaskRunner(address=cfg.dask_address)
        return DaskTaskRunner(
            cluster_kwargs={"n_workers": cfg.workers, "threads_per_worker": 1, "processes": True}
        )
    return ThreadPoolTaskRunner(max_workers=cfg.workers)


@flow(name="aftercall-pipeline", log_prints=False)
def pipeline(inbox: str, db: str, settings: Settings | None = None) -> dict[str, Any]:
    """Process every new call in `inbox` into `db` and bring the cases up to date.

    One run per database at a time (aftercall.pipeline.runlock). Transcription and analysis fan out
    through the flow's task runner; every database write happens here, in the flow process,
    one short transaction per call, so DuckDB's single-writer rule holds whatever runs them.
    """
    settings = (settings or Settings()).sized_for_runner()
    db = str(Path(db))
    with stop_on_signals(), run_lock(db, settings.run.lock_wait_s):
        return _run(inbox, db, settings)


def _persist_as_completed(
    futures: dict[Any, InboxItem],
    db: str,
    settings: Settings,
    timeout_s: float,
    outcomes: dict[str, str],
    failures: list[dict[str, str]],
) -> None:
    """Store each call as soon as its analysis is done, in this (the flow's) process."""
    for future in as_completed(list(futures)):
        item = futures[future]
        _progress("call", file=item.path.name)
        result = call_outcome(future, timeout_s)
        status = persist(db, item, result, settings)
        outcomes[item.call_id] = status
        if isinstance(result, CallFailure):
            failures.append({"file": item.path.name, "status": status, "reason": result.reason})
        elif status == "incomplete":
            reason = incomplete_reason(result[0]) or ""
            get_run_logger().warning("%s: %s", item.path.name, reason)
            failures.append({"file": item.path.name, "status": status, "reason": reason})
        _progress("done", file=item.path.name, status=status)


def _finish_unfinished(db: str, run_id: str, counts: dict[str, int], status: str) -> None:
    """Record how a run ended early (interrupted, failed) without hiding why it ended: a
    database that cannot take this last write is logged, and the run is marked crashed by
    the next one."""
    try:
        with transaction(db) as con:
            store.finish_run(con, run_id, counts, status)
    except Exception as exc:
        get_run_logger().warning("run %s not marked %s: %s", run_id, status, exc)


def _run(inbox: str, db: str, settings: Settings) -> dict[str, Any]:
    run_id = uuid.uuid4().hex[:12]
    with transaction(db) as con:
        crashed = store.mark_crashed_runs(con)
        store.start_run(con, run_id, str(flow_run.id or ""), display_url(inbox))
    if crashed:
        get_run_logger().warning("earlier runs marked crashed: %s", ", ".join(crashed))
    outcomes: dict[str, str] = {}
    try:
        return _work(run_id, inbox, db, settings, crashed, outcomes)
    except RunInterrupted as exc:
        # already marked when the stop came while calls were in flight; otherwise here
        if not exc.run_id:
            exc.run_id, exc.counts = run_id, _stored_counts(outcomes)
            _finish_unfinished(db, run_id, exc.counts, "interrupted")
        raise
    except BaseException:  # InboxError, ModelError, a bug: never leave the run `running`
        _finish_unfinished(db, run_id, _stored_counts(outcomes), "failed")
        raise


def _stored_counts(outcomes: dict[str, str]) -> dict[str, int]:
    """What a run that ended early had stored, by status."""
    return dict(Counter(outcomes.values()))


def _work(
    run_id: str,
    inbox: str,
    db: str,
    settings: Settings,
    crashed: list[str],
    outcomes: dict[str, str],
) -> dict[str, Any]:
    found = scan(inbox)
    todo = register(db, found.items)
    _progress("start", total=len(todo))
    failures: list[dict[str, str]] = []
    timeout_s = settings.run.call_timeout_s
    analyse = analyse_call.with_options(timeout_seconds=timeout_s or None)
    with task_runner_for(settings) as runner:
        futures = {
            runner.submit(analyse, {"item": item, "settings": settings}): item for item in todo
        }
        try:
            _persist_as_completed(futures, db, settings, timeout_s, outcomes, failures)
        except RunInterrupted as exc:
            # marked now, before the task runner waits for the calls in flight to stop
            exc.run_id, exc.counts = run_id, _stored_counts(outcomes)
            _finish_unfinished(db, run_id, exc.counts, "interrupted")
            raise

    case_counts = refresh(db, settings)
    hooks = send_webhooks(db, settings)
    counts = {
        "files": len(found.items),
        "new": len(todo),
        "already_done": len({i.content_hash for i in found.items}) - len(todo),
        "analysed": sum(1 for s in outcomes.values() if s == "analysed"),
        "failed": sum(1 for s in outcomes.values() if s == "failed"),
        "not_english": sum(1 for s in outcomes.values() if s == "not_english"),
        "incomplete": sum(1 for s in outcomes.values() if s == "incomplete"),
        "left_pending": sum(1 for s in outcomes.values() if s == "pending"),
        "skipped": len(found.skipped),
        "crashed_runs_marked": len(crashed),
        **{f"cases_{k}": v for k, v in case_counts.items()},
        **{f"webhooks_{k}": v for k, v in hooks.items()},
    }
    with transaction(db) as con:
        store.finish_run(con, run_id, counts, "completed")
    return {
        "run_id": run_id,
        "counts": counts,
        "files": file_statuses(found, outcomes, failures),
        "failures": failures,
        "skipped": found.skipped,
        "problems": found.problems,
    }


def file_statuses(
    found: InboxScan, outcomes: dict[str, str], failures: list[dict[str, str]]
) -> list[dict[str, str]]:
    """Every file the scan saw with its final status in this run: analysed, failed,
    not_english, pending (storage unreadable: the next run tries again), already_done (stored
    by an earlier run) or skipped; a reason wherever it is not analysed."""
    reasons = {f["file"]: f["reason"] for f in failures}
    rows = []
    for item in found.items:
        status = outcomes.get(item.call_id, "already_done")
        row = {"file": str(item.path), "call_id": item.call_id, "status": status}
        if item.path.name in reasons and status != "analysed":
            row["reason"] = reasons[item.path.name]
        rows.append(row)
    for line in found.skipped:
        name, _, reason = line.partition(": ")
        rows.append({"file": name, "call_id": "", "status": "skipped", "reason": reason})
    return rows


def configured_pipeline(settings: Settings) -> Any:
    """The pipeline flow. It starts the task runner [run] asks for itself, from its settings
    parameter, so a served or deployed run fans out the same way as `aftercall run`."""
    return pipeline
