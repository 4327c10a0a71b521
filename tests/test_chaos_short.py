"""A short chaos run (`bench.chaos`): WhatsApp customers answering while the queue workers are
SIGKILLed and started again, and while `askwhy serve` itself is killed and restarted: nothing is
lost and nothing is sent twice.

Each run starts real askwhy processes and takes a minute or more on a busy machine, so it runs
only with ASKWHY_CHAOS_TESTS=1 (on the database ASKWHY_TEST_DATABASE names)."""

from __future__ import annotations

import asyncio
import os

import pytest

from bench import chaos

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.environ.get("ASKWHY_CHAOS_TESTS") != "1", reason="set ASKWHY_CHAOS_TESTS=1"),
]
DATABASE = "postgresql" if os.environ.get("ASKWHY_TEST_DATABASE") == "postgresql" else "sqlite"


@pytest.mark.parametrize("scenario", ["worker-kill", "server-kill"])
def test_a_fault_under_load_loses_nothing_and_sends_nothing_twice(
    scenario: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(chaos, "FAULT_AT", 3.0)  # while the customers are still answering
    run = asyncio.run(chaos.run_scenario(scenario, DATABASE, customers=40))
    assert run.messages_sent == 40 * 3
    assert run.messages_stored == run.messages_sent, "every answer stored"
    assert run.stuck == 0, "every customer got every question"
    assert run.replies_delivered == run.replies_expected
    assert run.duplicates == 0
    if scenario == "worker-kill":
        assert run.start_to_first_turn, "each worker started again logs when it took its first turn"
