"""The life of an alert: acknowledge, snooze until a time (then open again), resolve (then over)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from askwhy.alerts import lifecycle
from askwhy.bootstrap import Container
from askwhy.clock import FakeClock
from askwhy.domain.alerts import AlertState
from askwhy.store import alerts
from askwhy.store.alert_tables import AlertRow
from askwhy.store.alerts import EpisodeKey, NewAlert

KEY = EpisodeKey("post-checkout", "rising_theme", "late", "")


def open_one(container: Container, key: EpisodeKey = KEY) -> str:
    with container.sessions.begin() as session:
        row = alerts.open_alert(
            session=session,
            alert=NewAlert(key, "late delivery", {}, "high", {}),
            now=container.clock.now(),
        )
        assert row is not None
        session.flush()
        return row.id


def state_of(container: Container, alert_id: str) -> AlertState:
    with container.reads() as session:
        return lifecycle.get_alert(session=session, alert_id=alert_id, now=container.clock.now()).state


def test_one_episode_in_progress_per_subject(container: Container) -> None:
    first = open_one(container)
    with container.sessions.begin() as session:
        again = alerts.open_alert(
            session=session, alert=NewAlert(KEY, "late delivery", {}, "high", {}), now=container.clock.now()
        )
    assert again is None, "the partial unique index refuses a second episode in progress"
    other_segment = open_one(container, EpisodeKey("post-checkout", "rising_theme", "late", "region=north"))
    assert other_segment != first
    with container.sessions.begin() as session:
        lifecycle.resolve(session=session, alert_id=first, by="ana", now=container.clock.now())
    assert open_one(container) != first, "resolved: a new episode may start"


def test_acknowledge_records_who_and_keeps_the_episode(container: Container) -> None:
    alert_id = open_one(container)
    with container.sessions.begin() as session:
        alert = lifecycle.acknowledge(session=session, alert_id=alert_id, by="ana", now=container.clock.now())
    assert alert.state is AlertState.ACKNOWLEDGED
    assert alert.acknowledged_by == "ana"
    assert alert.acknowledged_at == container.clock.now()
    with container.reads() as session:
        assert set(alerts.episodes_in_progress(session=session, program="post-checkout")) == {KEY}


def test_a_snooze_ends_by_itself(container: Container, clock: FakeClock) -> None:
    alert_id = open_one(container)
    with container.sessions.begin() as session:
        lifecycle.snooze(
            session=session,
            alert_id=alert_id,
            until=clock.now() + timedelta(hours=4),
            by="ana",
            now=clock.now(),
        )
    assert state_of(container, alert_id) is AlertState.SNOOZED
    clock.advance(hours=4, seconds=1)
    assert state_of(container, alert_id) is AlertState.OPEN
    with container.reads() as session:
        listed = lifecycle.list_alerts(session=session, now=clock.now(), state=AlertState.OPEN)
    assert [a.id for a in listed] == [alert_id]


def test_a_snooze_must_end_in_the_future_with_a_zone(container: Container, clock: FakeClock) -> None:
    alert_id = open_one(container)
    with container.sessions.begin() as session, pytest.raises(lifecycle.BadSnooze, match="future") as caught:
        lifecycle.snooze(session=session, alert_id=alert_id, until=clock.now(), by="ana", now=clock.now())
    assert caught.value.field == "until"
    naive = clock.now().replace(tzinfo=None) + timedelta(hours=1)
    with container.sessions.begin() as session, pytest.raises(lifecycle.BadSnooze, match="zone"):
        lifecycle.snooze(session=session, alert_id=alert_id, until=naive, by="ana", now=clock.now())


def test_resolving_ends_the_episode_for_good(container: Container) -> None:
    alert_id = open_one(container)
    with container.sessions.begin() as session:
        _routed(session, alert_id, container)
        alert = lifecycle.resolve(
            session=session, alert_id=alert_id, by="ana", now=container.clock.now(), note="fixed"
        )
    assert alert.state is AlertState.RESOLVED
    assert alert.resolved_by == "ana"
    with container.reads() as session:
        row = session.get(AlertRow, alert_id)
        assert row is not None
        # Routing is told: emptied by resolving, then set by routing once it has sent the news on.
        assert row.resolved_notified_at is None or row.resolved_notified_at >= row.resolved_at
        assert row.note == "fixed"
    for change in (
        lambda s: lifecycle.acknowledge(session=s, alert_id=alert_id, by="bo", now=container.clock.now()),
        lambda s: lifecycle.resolve(session=s, alert_id=alert_id, by="bo", now=container.clock.now()),
    ):
        with container.sessions.begin() as session, pytest.raises(lifecycle.AlertClosed):
            change(session)


def test_unknown_alerts_are_named(container: Container) -> None:
    with container.sessions.begin() as session, pytest.raises(lifecycle.AlertNotFound, match="nope"):
        lifecycle.acknowledge(session=session, alert_id="nope", by="ana", now=container.clock.now())


def _routed(session: Session, alert_id: str, container: Container) -> None:
    row = session.get(AlertRow, alert_id)
    assert row is not None
    row.routed_at = container.clock.now()
    row.resolved_notified_at = container.clock.now() - timedelta(days=1)  # stale: resolving must empty it
