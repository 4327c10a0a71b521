"""The inbox storer: a process that `askwhy serve` runs beside itself on SQLite, storing what the
webhook inbox keeps as messages and statuses as soon as it is kept.

Storing a batch of deliveries costs about as much CPU as the interviewer's turns and the outbox
together. In the server it took the interpreter from the requests (a webhook's 200 waited for it),
and as a queue task it took it from the turns; in a process of its own it uses the machine's
other core. It notices new deliveries by watching the inbox file's change counter every few
milliseconds, so the server needs to tell it nothing.

It does not store each delivery the moment it notices it: a batch costs a read and two write
transactions however few deliveries it holds, and under a stream of webhooks batches of one or two
made those fixed costs most of its CPU. A batch starts no sooner after the previous one ended than
the previous one took to store, and waits at most `LINGER_CAP_SECONDS` (`askwhy.queue.linger`):
after a quiet spell a delivery is stored at once; in a stream, the busier the machine, the larger
the batches.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from askwhy.cli.orphans import stop_when_orphaned
from askwhy.queue.linger import Linger

if TYPE_CHECKING:
    from askwhy.conversations.webhook_storing import InboxStorer

log = logging.getLogger(__name__)

WATCH_SECONDS = 0.002
"""How often the inbox file's change counter is read at first while nothing new is kept (then less
often the longer nothing is, `watch_interval`)."""
LINGER_CAP_SECONDS = 0.02
"""The longest a noticed delivery waits for others to join its batch: a small share of the time a
customer waits for a reply (hundreds of milliseconds), whatever the load."""
RETRY_CHECK_SECONDS = 1.0
"""How often the inbox is looked at all the same: for deliveries whose retry came due."""


def store_kept_forever(*, server_pid: int, title: str = "") -> None:
    """The storer process's life: store what is kept until told to stop (SIGTERM, from its server
    or as its server is gone), ending between batches, never in one."""
    from askwhy.cli.context import opened, settle_heap
    from askwhy.cli.process_names import name_process

    name_process(title)
    from askwhy.conversations.webhook_storing import InboxStorer

    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda signum, frame: stopping.set())
    threading.Thread(target=stop_when_orphaned, args=(server_pid,), daemon=True).start()
    with opened(migrate_sqlite=False) as container:  # the server migrated before starting us
        logging.basicConfig(level=container.settings.log_level)
        storer = InboxStorer(storing=container.storing, inbox=container.inbox)
        changes = container.inbox.changes()
        linger = Linger(LINGER_CAP_SECONDS)
        settle_heap()
        while not stopping.is_set():
            seen = changes()
            store_all_kept(storer, stopping, linger)
            wait_for_change(changes, seen, stopping)
            linger.wait(stopping)


def store_all_kept(storer: InboxStorer, stopping: threading.Event, linger: Linger) -> None:
    """Store batch after batch until a batch is short, or the process is told to stop; each
    batch's time is told to ``linger``, which spaces the next ones."""
    from askwhy.store.dead_letters import reason_of

    try:
        while linger.measure(storer.store_due) == storer.batch and not stopping.is_set():
            pass
    except Exception as exc:  # the database unavailable: one line, the traceback at DEBUG
        log.warning("the webhook inbox could not be stored (%s); trying again soon", reason_of(exc))
        log.debug("storing the webhook inbox failed", exc_info=exc)
        stopping.wait(RETRY_CHECK_SECONDS)


def wait_for_change(changes: Callable[[], int], seen: int, stopping: threading.Event | None = None) -> None:
    """Return once the counter moved past ``seen``, after `RETRY_CHECK_SECONDS`, or when told to stop."""
    started = time.monotonic()
    deadline = started + RETRY_CHECK_SECONDS
    while changes() == seen and (now := time.monotonic()) < deadline:
        if stopping is not None and stopping.is_set():
            return
        time.sleep(watch_interval(now - started))


def watch_interval(quiet: float) -> float:
    """Seconds between two reads of the counter after ``quiet`` seconds with nothing kept: a tenth
    of the quiet, from `WATCH_SECONDS` up to `LINGER_CAP_SECONDS`.

    Read every 2 ms, the counter cost an idle storer a few percent of a core for nothing. Within a
    stream of webhooks it is still read every 2 ms; after a quiet spell, a delivery is noticed
    within a tenth of that spell, and never later than a delivery in a stream may linger."""
    return min(LINGER_CAP_SECONDS, max(WATCH_SECONDS, quiet / 10))
