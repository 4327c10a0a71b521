"""`askwhy serve`: the API, web chat and dashboard, with the queue worked beside it (SQLite queue)."""

from __future__ import annotations

import signal
from types import FrameType
from typing import TYPE_CHECKING, Annotated

import typer

from askwhy.bootstrap import Container
from askwhy.cli.context import console, fail, opened, settle_heap
from askwhy.queue.jobs import Queue
from askwhy.store.database import is_sqlite

if TYPE_CHECKING:
    from huey.consumer import Consumer


def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on (default: ASKWHY_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on (default: ASKWHY_PORT).")] = None,
) -> None:
    """Run askwhy: the web chat, the API and background work, on the embedded database by default."""
    import uvicorn

    from askwhy.cli.worker_pool import WorkerPool
    from askwhy.service.access_log import mask_access_log
    from askwhy.service.app import create_app

    with opened() as container:
        settings = container.settings
        _prepare(container)
        # Without Redis the queue is a SQLite file that this server works: in worker processes
        # beside it, or on threads of its own. With processes, on a SQLite database, one more
        # stores the webhook deliveries the server keeps (`askwhy.cli.inbox_storer`).
        local_queue = settings.redis_url is None
        processes = local_queue and settings.worker_processes > 0
        inbox_storer = processes and is_sqlite(container.engine)
        app = create_app(container, inbox_storer=inbox_storer)
        bind_host, bind_port = host or settings.host, port or settings.port
        base = f"http://{bind_host}:{bind_port}"
        _announce(container, base)
        pool = WorkerPool(
            count=settings.worker_processes,
            threads=settings.worker_threads,
            inbox_storer=inbox_storer,
            niceness=settings.worker_niceness,
        )
        consumers: list[Consumer] = []
        if processes:
            pool.start()
            console.print(
                f"  queue: {settings.worker_processes} conversation worker process(es) and one analysis "
                "worker process beside the server"
            )
        elif local_queue:
            consumers = [
                container.jobs.consumer(workers=settings.worker_threads, queue=queue) for queue in Queue
            ]
            for consumer in consumers:
                consumer.start()
        settle_heap()
        signal.signal(signal.SIGTERM, _stop_on_sigterm)
        try:
            mask_access_log()
            uvicorn.run(app, host=bind_host, port=bind_port, log_level=settings.log_level.lower())
        except StopServing:
            pass
        finally:
            for consumer in consumers:
                consumer.stop(graceful=True)
            pool.stop()


class StopServing(Exception):
    """SIGTERM: the server has stopped taking requests; stop its workers, then exit 0."""


def _stop_on_sigterm(signum: int, frame: FrameType | None) -> None:
    # uvicorn takes SIGTERM while it serves, shuts down, then raises it again for the handler it
    # found, this one: without it the default handler killed the process before the workers
    # were stopped.
    raise StopServing


def _prepare(container: Container) -> None:
    """Sync the programs folder, and seed demo data where the settings ask for it."""
    from askwhy.programs.loading import ProgramError
    from askwhy.programs.startup import sync_from_folder
    from askwhy.simulation.demo import seed_demo_if_empty

    settings = container.settings
    try:
        sync_from_folder(
            sessions=container.sessions,
            guides=container.guides,
            folder=settings.programs_dir,
            now=container.clock.now(),
        )
    except ProgramError as exc:
        raise fail(f"programs not synced:\n{exc}") from None
    if settings.seed_demo:
        seeded = seed_demo_if_empty(
            sessions=container.sessions, guides=container.guides, settings=settings, now=container.clock.now()
        )
        if seeded:
            console.print(f"stored {seeded} simulated conversations as demo data")


def _announce(container: Container, base: str) -> None:
    """Print where everything is: the workspace (with a first sign-in link), the chats, the docs."""
    console.print(f"askwhy is running at [bold]{base}[/]")
    first_link = _first_owner_link(container)
    if first_link:
        console.print(  # on one line, to be copied whole
            f"  workspace: sign in once as the owner: {base}/sign-in/link/{first_link}",
            highlight=False,
            soft_wrap=True,
        )
    else:
        console.print(f"  workspace: {base}/")
    for guide_id in container.guides:
        console.print(f"  web chat: {base}/chat/{guide_id}")
    console.print(f"  API docs: {base}/docs")


def _first_owner_link(container: Container) -> str | None:
    """In development, a one-time sign-in link for the first owner of an empty workspace."""
    from datetime import timedelta

    from askwhy.people.accounts import first_owner_link
    from askwhy.settings import Environment

    if container.settings.environment is not Environment.DEVELOPMENT:
        return None
    valid = timedelta(minutes=container.settings.sign_in_link_minutes)
    with container.sessions.begin() as session:
        return first_owner_link(session=session, now=container.clock.now(), valid=valid)
