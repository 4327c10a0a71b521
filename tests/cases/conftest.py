"""A program with a team behind its promises, synced the way `askwhy programs sync` does it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from askwhy.analysis.embeddings import HashingEmbedder
from askwhy.bootstrap import Container, bootstrap
from askwhy.clock import FakeClock
from askwhy.programs.startup import sync_from_folder
from askwhy.settings import Settings

TEAM = {
    "name": "care",
    "members": ["ana@example.com", "bruno@example.com"],
    "lead": "carla@example.com",
    "time_zone": "Europe/Lisbon",
    "business_hours": dict.fromkeys(("mon", "tue", "wed", "thu", "fri"), "09:00-18:00"),
    "sla": {"first_response_hours": 4, "resolution_hours": 8},
}
PROGRAM: dict[str, Any] = {
    "id": "post-checkout",
    "name": "After checkout",
    "guide": "post-checkout",
    "moments": ["order_delivered"],
    "channels": [{"channel": "email"}],
    "teams": [TEAM, {**TEAM, "name": "vip", "members": ["vera@example.com"], "lead": "vic@example.com"}],
    "case_rules": [
        {"team": "vip", "segment": {"tier": ["gold"]}, "opens_case": False},
        {"team": "care", "score_at_most": 1, "priority": "urgent"},
    ],
}


def write_program(folder: Path, program: dict[str, Any]) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / f"{program['id']}.yaml"
    path.write_text(yaml.safe_dump(program), encoding="utf-8")
    return path


@pytest.fixture
def container(settings: Settings, clock: FakeClock, tmp_path: Path) -> Iterator[Container]:
    folder = tmp_path / "programs"
    write_program(folder, PROGRAM)
    built = bootstrap(
        settings.model_copy(update={"programs_dir": folder, "rate_limit_conversation_starts": "1000/minute"}),
        clock=clock,
        embedder=HashingEmbedder(),  # analysis runs inline; the real model adds nothing to cases
    )
    sync_from_folder(sessions=built.sessions, guides=built.guides, folder=folder, now=clock.now())
    yield built
    built.close()


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    from askwhy.service.app import create_app

    with TestClient(create_app(container)) as test_client:
        yield test_client
