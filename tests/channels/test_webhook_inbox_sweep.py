"""A storing run lost with its worker (killed after it was queued, before it took its nudge) leaves
the nudge mark set, so no later webhook queues another: the minute sweep, also run by a worker as
it starts, clears the mark as well as storing what is kept, and the next webhook is stored at once
again, not at the next minute."""

from __future__ import annotations

from fastapi.testclient import TestClient

from askwhy.bootstrap import Container
from askwhy.conversations.webhook_storing import STORE_KEPT
from askwhy.queue.jobs import Jobs
from askwhy.service.app import create_app
from askwhy.store.inbox import Inbox
from tests.channels import whatsapp_deliveries as wa
from tests.channels.test_webhook_inbox import inbox, queued, text, wait_for
from tests.channels.test_whatsapp_route import graph, invite, whatsapp_settings

__all__ = ["graph", "inbox", "queued", "whatsapp_settings"]  # fixtures


def store_runs(container: Container) -> int:
    return [task.name for task in container.jobs.huey.pending()].count(STORE_KEPT)


def test_the_sweep_clears_a_storing_nudge_whose_run_was_lost(queued: Container, inbox: Inbox) -> None:
    invite(queued, "16505550120")
    client = TestClient(create_app(queued))
    queued.jobs.huey.storage.put_data(Jobs.NUDGED + STORE_KEPT, b"1")  # its run died with a worker
    first = text("16505550120", "9", "wamid.LOST1")
    assert client.post("/webhooks/whatsapp", content=first, headers=wa.headers(first)).status_code == 200
    assert store_runs(queued) == 0, "the stale mark holds the nudge back"

    queued.jobs.enqueue("store_kept_deliveries_due")
    huey = queued.jobs.huey
    [sweep] = [task for task in huey.pending() if task.name == "store_kept_deliveries_due"]
    huey.storage.flush_queue()  # the sweep runs here, not on a consumer
    huey.execute(sweep)
    assert inbox.count() == 0, "the sweep stored what was kept"

    second = text("16505550120", "because it was fast", "wamid.LOST2")
    assert client.post("/webhooks/whatsapp", content=second, headers=wa.headers(second)).status_code == 200
    wait_for(lambda: store_runs(queued) == 1)  # nudged off the loop
