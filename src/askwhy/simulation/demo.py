"""Demo data: on a first start with an empty database, a small simulated set to look at.

Sixty conversations per example guide over the last eight weeks, held by synthetic customers
through the real interviewer and flagged as simulated, so the dashboard has metrics, themes and
a trend to explain from the first minute. A database with any response at all is left alone.
"""

from __future__ import annotations

import logging

from sqlalchemy import select

from askwhy.bootstrap import Container
from askwhy.simulation import Casting, PersonaError, personas_for, simulate
from askwhy.store.tables import Response

CONVERSATIONS_PER_GUIDE = 60
DAYS = 56
SEED = 2024
"""Fixed, so every fresh demo shows the same customers."""

log = logging.getLogger(__name__)


def seed_demo_if_empty(container: Container) -> int:
    """Store simulated conversations for each guide that has personas, if there are no responses yet.

    Returns how many conversations were stored (0 when the database already had responses).
    """
    if _has_responses(container):
        return 0
    stored = 0
    for guide in container.guides.values():
        try:
            _, personas = personas_for(container.settings.personas_dir, guide)
        except PersonaError as exc:
            log.warning("no demo data for guide %s: %s", guide.id, exc)
            continue
        summary = simulate(
            sessions=container.sessions,
            guides=container.guides,
            casting=Casting(guide=guide, personas=personas),
            count=CONVERSATIONS_PER_GUIDE,
            seed=SEED,
            days=DAYS,
            end=container.clock.now(),
        )
        stored += summary.stored
    return stored


def _has_responses(container: Container) -> bool:
    with container.sessions() as session:
        return session.scalar(select(Response.id).limit(1)) is not None
