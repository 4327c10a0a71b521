"""Demo data: on a first start in development with an empty database, a small simulated set.

Sixty conversations per example guide over the last eight weeks, held by synthetic customers
through the real interviewer and flagged as simulated, so that with ``include_simulated`` the
insights have metrics, themes and a trend to explain from the first minute. Never in production,
and a database with any customer, conversation or response at all is left alone: demo data must
never mix with real data.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from askwhy.programs.guides import GuideLibrary
from askwhy.settings import Environment, Settings
from askwhy.simulation import Casting, PersonaError, personas_for, simulate
from askwhy.store.conversations import holds_customer_data

CONVERSATIONS_PER_GUIDE = 60
DAYS = 56
SEED = 2024
"""Fixed, so every fresh demo shows the same customers."""

log = logging.getLogger(__name__)


def seed_demo_if_empty(
    *, sessions: sessionmaker[Session], guides: GuideLibrary, settings: Settings, now: datetime
) -> int:
    """Store simulated conversations for each guide that has personas, in development, if the
    database holds no customer, conversation or response yet.

    Returns how many conversations were stored (0 in production, or when the database had data).
    """
    if settings.environment is not Environment.DEVELOPMENT:
        return 0
    with sessions() as session:
        if holds_customer_data(session=session):
            return 0
    stored = 0
    for guide in guides.values():
        try:
            _, personas = personas_for(settings.personas_dir, guide)
        except PersonaError as exc:
            log.warning("no demo data for guide %s: %s", guide.id, exc)
            continue
        summary = simulate(
            sessions=sessions,
            guides=guides,
            casting=Casting(guide=guide, personas=personas),
            count=CONVERSATIONS_PER_GUIDE,
            seed=SEED,
            days=DAYS,
            end=now,
        )
        stored += summary.stored
    return stored
