"""Discovery on its own: new themes are proposed once the unassigned pool has grown enough.

Clustering the pool costs seconds, so it runs as a task, never in a request, and only when the
pool holds ``every`` more sentences than after the last run (a mark kept in the store).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from askwhy.insights import propose_themes
from askwhy.insights.code_responses import AssignmentRule
from askwhy.insights.propose_themes import DiscoveryResult
from askwhy.store import alert_counts, alerts, theme_coding

POOL_MARK = "discovery_pool"


def pool_grown(*, session: Session, every: int) -> bool:
    """True when the pool holds at least ``every`` more sentences than after the last discovery."""
    last = alerts.mark(session=session, name=POOL_MARK) or 0
    return alert_counts.pool_size(session=session) >= last + every


def discover_if_grown(
    *,
    sessions: sessionmaker[Session],
    rule: AssignmentRule,
    now: datetime,
    every: int,
    min_theme_size: int | None,
    brand_terms: Collection[str],
) -> DiscoveryResult | None:
    """Discover themes in the pool if it has grown by ``every``; None when it has not. A run that
    waited for another (two workers nudged at once) finds the pool that one left, and its mark."""
    with sessions.begin() as session:
        theme_coding.one_discovery_at_a_time(session=session)
        if not pool_grown(session=session, every=every):
            return None
        result = propose_themes.discover(
            session=session, rule=rule, now=now, min_theme_size=min_theme_size, brand_terms=brand_terms
        )
        session.flush()
        alerts.set_mark(
            session=session, name=POOL_MARK, value=alert_counts.pool_size(session=session), now=now
        )
    return result
