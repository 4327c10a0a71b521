"""`askwhy serve`: the API, web chat and dashboard, with the queue worked beside it (SQLite queue)."""

from __future__ import annotations

from typing import Annotated

import typer

from askwhy.cli.context import console, fail, opened, settle_heap
from askwhy.store.database import is_sqlite


def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on (default: ASKWHY_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on (default: ASKWHY_PORT).")] = None,
) -> None:
    """Run askwhy: the web chat, the API and background work, on the embedded database by default."""
    import uvicorn

    from askwhy.cli.worker import warm_up_analysis
    from askwhy.cli.worker_pool import WorkerPool
    from askwhy.programs.loading import ProgramError
    from askwhy.programs.startup import sync_from_folder
    from askwhy.service.app import create_app
    from askwhy.simulation.demo import seed_demo_if_empty

    with opened() as container:
        settings = container.settings
        try:
            sync_from_folder(
                sessions=container.sessions,
                guides=container.guides,
                folder=container.settings.programs_dir,
                now=container.clock.now(),
            )
        except ProgramError as exc:
            raise fail(f"programs not synced:\n{exc}") from None
        if settings.seed_demo:
            seeded = seed_demo_if_empty(
                sessions=container.sessions,
                guides=container.guides,
                settings=settings,
                now=container.clock.now(),
            )
            if seeded:
                console.print(f"stored {seeded} simulated conversations as demo data")
        # Without Redis the queue is a SQLite file that this server works: in worker processes
        # beside it, or on threads of its own. With processes, on a SQLite database, one more
        # stores the webhook deliveries the server keeps (`askwhy.cli.inbox_storer`).
        local_queue = settings.redis_url is None
        processes = local_queue and settings.worker_processes > 0
        inbox_storer = processes and is_sqlite(container.engine)
        app = create_app(container, inbox_storer=inbox_storer)
        bind_host, bind_port = host or settings.host, port or settings.port
        base = f"http://{bind_host}:{bind_port}"
        console.print(f"askwhy is running at [bold]{base}[/]")
        for guide_id in container.guides:
            console.print(f"  web chat: {base}/chat/{guide_id}")
        console.print(f"  API docs: {base}/docs")
        pool = WorkerPool(
            count=settings.worker_processes,
            threads=settings.worker_threads,
            inbox_storer=inbox_storer,
            niceness=settings.worker_niceness,
        )
        consumer = None
        if processes:
            pool.start()
            console.print(f"  queue: {settings.worker_processes} worker process(es) beside the server")
        elif local_queue:
            warm_up_analysis(container)
            consumer = container.jobs.consumer(workers=settings.worker_threads)
            consumer.start()
        settle_heap()
        try:
            uvicorn.run(app, host=bind_host, port=bind_port, log_level=settings.log_level.lower())
        finally:
            if consumer is not None:
                consumer.stop(graceful=True)
            pool.stop()
