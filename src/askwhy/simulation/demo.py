"""Demo data: on a first start in development with an empty database, a small simulated set.

Sixty conversations per example guide over the last eight weeks, held by synthetic customers
through the real interviewer and flagged as simulated, so that with ``include_simulated`` the
insights have metrics, themes and a trend to explain from the first minute. Never in production,
and a database with any customer, conversation or response at all is left alone: demo data must
never mix with real data.
"""

from __future__ import annotations

import logging

from sqlalchemy import select

from askwhy.bootstrap import Container
from askwhy.settings import Environment
from askwhy.simulation import Casting, PersonaError, personas_for, simulate
from askwhy.store.tables import Contact, Conversation, Response

CONVERSATIONS_PER_GUIDE = 60
DAYS = 56
SEED = 2024
"""Fixed, so every fresh demo shows the same customers."""

log = logging.getLogger(__name__)


def seed_demo_if_empty(container: Container) -> int:
    """Store simulated conversations for each guide that has personas, in development, if the
    database holds no customer, conversation or response yet.

    Returns how many conversations were stored (0 in production, or when the database had data).
    """
    if container.settings.environment is not Environment.DEVELOPMENT or _has_data(container):
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


def _has_data(container: Container) -> bool:
    with container.sessions() as session:
        return any(
            session.scalar(select(column).limit(1)) is not None
            for column in (Response.id, Conversation.id, Contact.id)
        )
