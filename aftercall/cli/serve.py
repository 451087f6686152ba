"""`aftercall serve` (the flows on their schedules, Prefect's own serving), `aftercall deploy`,
`aftercall runs`, and the weekly retrain run by hand: `aftercall retrain`, `aftercall trainings`.

Prefect's temporary in-process API (what `aftercall run` uses with no server) cannot hold
schedules: a schedule needs a server that stays up. So `serve` uses PREFECT_API_URL when it
is set, and otherwise starts `prefect server start` on 127.0.0.1 under aftercall's own
PREFECT_HOME for as long as it serves.
"""

from __future__ import annotations

import asyncio
import os
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

import typer

from aftercall.cli import main as base
from aftercall.config import Settings
from aftercall.pipeline.inbox import canonical
from aftercall.pipeline.prefect_server import free_port, prepare_local_run, start_local_server


def deployments(settings: Settings, config: Path | None) -> list[Any]:
    """The served deployments: pipeline, daily checks, weekly retrain."""
    from prefect.deployments.runner import EntrypointType  # lazy: slow import, needed only here

    # lazy: `aftercall --help` and other commands start fast
    from aftercall.flows.pipeline import configured_pipeline

    # lazy: `aftercall --help` and other commands start fast
    from aftercall.flows.scheduled import daily_checks, retrain

    # by module path: the flows live in the installed package, not in a script file
    mod = {"entrypoint_type": EntrypointType.MODULE_PATH}

    sched = settings.schedule
    db = str(Path(settings.db).resolve())
    params = settings.model_dump(mode="json")
    when: dict[str, Any] = (
        {"cron": sched.pipeline_cron}
        if sched.pipeline_cron
        else {"interval": timedelta(minutes=sched.pipeline_every_minutes)}
    )
    inbox = canonical(sched.inbox)  # a folder, resolved; a URL as given (checked)
    return [
        configured_pipeline(settings).to_deployment(
            name="pipeline",
            parameters={"inbox": inbox, "db": db, "settings": params},
            **when,
            **mod,
        ),
        daily_checks.to_deployment(
            name="daily-checks",
            parameters={"db": db, "settings": params},
            cron=sched.checks_cron,
            **mod,
        ),
        retrain.to_deployment(
            name="retrain",
            parameters={"db": db, "settings": params},
            cron=sched.retrain_cron,
            **mod,
        ),
    ]


async def _serve(deps: list[Any], run_now: bool, once: bool) -> None:
    from prefect.deployments import run_deployment  # lazy: slow import, needed only here
    from prefect.runner import Runner  # lazy: slow import, needed only here

    runner = Runner(name="aftercall")
    for dep in deps:
        await runner.aadd_deployment(dep)
    if run_now:
        await run_deployment("aftercall-pipeline/pipeline", timeout=0)
    await runner.start(run_once=once)


def serve(
    config: base.ConfigOption = None,
    db: base.DbOption = None,
    run_now: Annotated[bool, typer.Option(help="start one pipeline run right away")] = False,
    once: Annotated[
        bool, typer.Option(help="run what is due now, then exit (for tests and cron)")
    ] = False,
) -> None:
    """Serve the pipeline, daily checks and retrain on the schedules in \\[schedule]."""
    # lazy: `aftercall --help` and other commands start fast
    from aftercall.pipeline.inbox import InboxError

    settings = base.settings_for(config, db)
    try:
        canonical(settings.schedule.inbox)
    except InboxError as exc:
        raise base.fail(f"[schedule] inbox: {exc}") from exc
    server = None
    if not os.environ.get("PREFECT_API_URL"):
        # lazy: `aftercall --help` and other commands start fast
        from aftercall.pipeline import prefect_env

        prefect_env.configure()
        port = free_port()
        base.err.print(
            "[dim]no PREFECT_API_URL: Prefect's temporary API cannot keep schedules, so "
            f"starting `prefect server start` on 127.0.0.1:{port} (PREFECT_HOME="
            f"{os.environ['PREFECT_HOME']}) for as long as this serves...[/]",
            highlight=False,
        )
        try:
            server = start_local_server(port)
        except RuntimeError as exc:
            raise base.fail(
                f"{exc}. Start a server yourself (`prefect server start`) and set "
                "PREFECT_API_URL=http://127.0.0.1:4200/api"
            ) from exc
        os.environ["PREFECT_API_URL"] = f"http://127.0.0.1:{port}/api"
    try:
        # lazy: slow import, needed only here
        from prefect.settings import PREFECT_API_URL, temporary_settings

        with temporary_settings({PREFECT_API_URL: os.environ["PREFECT_API_URL"]}):
            deps = deployments(settings, config)
            base.err.print(
                f"serving {', '.join(d.name for d in deps)} against "
                f"{os.environ['PREFECT_API_URL']}",
                highlight=False,
            )
            asyncio.run(_serve(deps, run_now, once))
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)


def deploy(
    pool: Annotated[
        str,
        typer.Option("--pool", help="work pool (made with `prefect work-pool create NAME`)"),
    ],
    config: base.ConfigOption = None,
    db: base.DbOption = None,
) -> None:
    """Register the pipeline, daily checks and retrain, with their \\[schedule], as deployments
    in a Prefect work pool: `prefect worker start --pool NAME` on any machine runs them."""
    # lazy: `aftercall --help` and other commands start fast
    from aftercall.pipeline.inbox import InboxError

    if not os.environ.get("PREFECT_API_URL"):
        raise base.fail(
            "set PREFECT_API_URL to your Prefect server (e.g. http://SERVER:4200/api): a work "
            "pool lives on a server that stays up (`prefect server start`)"
        )
    settings = base.settings_for(config, db)
    try:
        canonical(settings.schedule.inbox)
    except InboxError as exc:
        raise base.fail(f"[schedule] inbox: {exc}") from exc
    # lazy: slow import, needed only here
    from prefect.deployments.runner import DeploymentApplyError

    for dep in deployments(settings, config):
        try:
            dep.apply(work_pool_name=pool)
        except DeploymentApplyError as exc:
            if "not found" not in str(exc).lower():
                raise base.fail(f"cannot deploy {dep.flow_name}/{dep.name}: {exc}") from exc
            raise base.fail(
                f"no work pool {pool!r} on {os.environ['PREFECT_API_URL']}: create it with "
                f"`prefect work-pool create {pool} --type process`"
            ) from exc
        base.out.print(f"deployed {dep.flow_name}/{dep.name} to work pool {pool}", highlight=False)


def runs(
    db: base.DbOption = None,
    config: base.ConfigOption = None,
    limit: Annotated[int, typer.Option(help="newest N runs")] = 20,
    fmt: Annotated[base.Fmt, typer.Option("--format", help="table or json")] = base.Fmt.table,
) -> None:
    """Pipeline runs recorded in the database: when, status, counts."""
    from rich.table import Table  # lazy: slow import, needed only here
    from rich.text import Text  # lazy: with Table

    # lazy: `aftercall --help` and other commands start fast
    from aftercall.store.calls import list_runs

    settings = base.settings_for(config, db)
    rows = base.read_db(settings, lambda con: list_runs(con, limit))
    if fmt == base.Fmt.json:
        print(base.dumps(rows))
        return
    table = Table("run", "started", "finished", "status", "new", "analysed", "failed", "inbox")
    for r in rows:
        c = r["counts"]
        table.add_row(
            Text(base.visible(r["run_id"])),
            f"{r['started_at']:%Y-%m-%d %H:%M:%S}",
            f"{r['finished_at']:%H:%M:%S}" if r["finished_at"] else "",
            r["status"],
            *(str(c.get(k, "")) for k in ("new", "analysed", "failed")),
            Text(base.visible(r["inbox"])),
        )
    base.out.print(table)


def retrain(
    db: base.DbOption = None,
    config: base.ConfigOption = None,
    fmt: Annotated[base.Fmt, typer.Option("--format", help="table or json")] = base.Fmt.table,
) -> None:
    """Retrain the outcome model now (what `serve` does weekly): QA labels, repeat-contact
    labels and the development set; promoted only if better on the held-out set."""
    # lazy: `aftercall --help` and other commands start fast
    from aftercall.store.db import StoreError

    # lazy: `aftercall --help` and other commands start fast
    from aftercall.training.retrain import RetrainError

    settings = base.settings_for(config, db)
    if not Path(settings.db).is_file():
        raise base.fail(f"no database at {settings.db}: run the pipeline first")
    prepare_local_run()
    # lazy: `aftercall --help` and other commands start fast
    from aftercall.flows.scheduled import retrain as retrain_flow

    base.err.print("[dim]training a candidate (about 30 s)...[/]", highlight=False)
    try:
        verdict = retrain_flow(str(settings.db), settings)
    except (RetrainError, StoreError) as exc:
        raise base.fail(str(exc)) from exc
    if fmt == base.Fmt.json:
        base.out.print(base.dumps(verdict), highlight=False, soft_wrap=True)
        return
    word = "[green]promoted[/]" if verdict["promoted"] else "[yellow]kept the old model[/]"
    base.out.print(f"{verdict['candidate_version']}: {word}; {verdict['reason']}", highlight=False)
    labels = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in verdict["labels"].items())
    base.out.print(f"labels from the database: {labels}", highlight=False)
    base.out.print(f"model in use: {verdict['model_path']}", highlight=False)


def trainings(
    db: base.DbOption = None,
    config: base.ConfigOption = None,
    limit: Annotated[int, typer.Option(help="newest N retrains")] = 20,
    fmt: Annotated[base.Fmt, typer.Option("--format", help="table or json")] = base.Fmt.table,
) -> None:
    """Retrains recorded in the database: candidate, score against the model in use, verdict."""
    # lazy: `aftercall --help` and other commands start fast
    from aftercall.training.retrain import list_trainings

    settings = base.settings_for(config, db)
    rows = base.read_db(settings, lambda con: list_trainings(con, limit))
    if fmt == base.Fmt.json:
        base.out.print(base.dumps(rows), highlight=False, soft_wrap=True)
        return
    base.out.print(f"{len(rows)} retrains, newest first", highlight=False)
    # One block per retrain, like `cases`: the reason is a sentence and would be squeezed to
    # a sliver in a table column on an 80-column terminal.
    for r in rows:
        verdict = "[green]promoted[/]" if r["promoted"] else "[yellow]kept the old model[/]"
        base.out.print(
            f"{r['at']:%Y-%m-%d %H:%M}  {r['candidate_version']} Brier "
            f"{r['candidate_score']:.4f} vs {r['current_version']} {r['current_score']:.4f} "
            f"(site's newest labels, lower is better)  {verdict}"
            f"  (labels: QA {r['labels'].get('qa', 0)},"
            f" repeat contact {r['labels'].get('repeat_contact', 0)})",
            highlight=False,
            soft_wrap=True,
        )
        base.out.print(f"  {r['reason']}", highlight=False, soft_wrap=True)


for _command in (serve, deploy, runs, retrain, trainings):
    base.app.command()(_command)
