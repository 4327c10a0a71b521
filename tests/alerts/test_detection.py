"""Detection over the store: a spike opens exactly one alert with its evidence; a flat day opens none;
an episode in progress does not alert again; once resolved, the subject can alert again after the
cooldown."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from askwhy.alerts import lifecycle
from askwhy.alerts.detection import design_from, detect
from askwhy.analysis.embeddings import HashingEmbedder
from askwhy.bootstrap import Container, bootstrap
from askwhy.clock import FakeClock
from askwhy.domain.alerts import AlertKind, AlertState, Severity
from askwhy.settings import Settings
from askwhy.store.alert_tables import AlertRow
from askwhy.store.analysis_tables import Sentence, Theme, ThemeMention
from tests.alerts.streams import LATE, PROGRAM, add_late_theme, import_today, seed_history

pytest_plugins = ("tests.insights.fixtures",)


@pytest.fixture
def stream(insights_container: Container) -> Container:
    """Nine weeks of days with 40 responses, 1–3 of them about late delivery (about 5%)."""
    add_late_theme(insights_container)
    seed_history(insights_container)
    return insights_container


def run(container: Container) -> list:  # type: ignore[type-arg]
    return detect(
        sessions=container.sessions,
        reads=container.reads,
        clock=container.clock,
        design=design_from(container.settings),
    )


def stored(container: Container) -> list[AlertRow]:
    with container.reads() as session:
        return list(session.scalars(select(AlertRow).order_by(AlertRow.opened_at)))


def test_a_spike_opens_one_alert_with_its_evidence_and_redacted_quotes(
    stream: Container, tmp_path: Path
) -> None:
    import_today(stream, tmp_path, late=14, others=26)

    opened = run(stream)

    assert [(a.kind, a.subject, a.program) for a in opened] == [(AlertKind.RISING_THEME, LATE, PROGRAM)]
    alert = opened[0]
    assert alert.state is AlertState.OPEN
    assert alert.severity is Severity.HIGH  # 35% against about 5%: more than 2× even at the lower bound
    evidence = alert.evidence
    assert evidence is not None
    assert evidence.what.startswith("late delivery: 35.0% of responses today (14 of 40)")
    assert evidence.value == pytest.approx(14 / 40)
    assert 0.03 < evidence.baseline < 0.07
    assert evidence.low > 2.0
    assert (evidence.n, evidence.baseline_n) == (40, 56 * 40)
    assert evidence.since.date() == stream.clock.now().date()
    assert evidence.p_value < 1e-6
    assert "beta-binomial" in evidence.test
    assert evidence.segments[0].name == "region"
    assert evidence.segments[0].value == "south"
    assert evidence.segments[0].share == 1.0
    quotes = [q.text for q in evidence.quotes]
    assert 3 <= len(quotes) <= 5
    assert len(set(quotes)) == len(quotes)
    assert all("late" in q.lower() for q in quotes)
    everything = " ".join(q.text for q in evidence.quotes)
    with stream.reads() as session:
        rows = stored(stream)
    assert len(rows) == 1
    assert "jane.doe@example.com" not in str(rows[0].evidence)
    assert "jane.doe" not in everything
    with stream.reads() as session:
        shown = lifecycle.get_alert(session=session, alert_id=rows[0].id, now=stream.clock.now())
    assert shown.evidence == evidence


def test_the_quote_with_an_email_address_is_shown_redacted(stream: Container, tmp_path: Path) -> None:
    import_today(stream, tmp_path, late=2, others=0)  # only the plain one and the one with an address
    import_today(stream, tmp_path, late=12, others=26)
    [alert] = run(stream)
    assert alert.evidence is not None
    texts = [q.text for q in alert.evidence.quotes]
    with_address = [t for t in texts if "write to me at" in t]
    assert with_address, texts
    assert "@example.com" not in with_address[0]


def test_a_flat_day_opens_no_alert(stream: Container, tmp_path: Path) -> None:
    import_today(stream, tmp_path, late=2, others=38)
    assert run(stream) == []
    assert stored(stream) == []


def test_an_episode_in_progress_does_not_alert_twice_and_a_resolved_one_can_alert_after_the_cooldown(
    stream: Container, tmp_path: Path
) -> None:
    import_today(stream, tmp_path, late=14, others=26)
    [first] = run(stream)
    stream.clock.advance(minutes=5)  # type: ignore[attr-defined]
    import_today(stream, tmp_path, late=5, others=5)
    assert run(stream) == [], "the same episode, still open"
    with stream.sessions.begin() as session:
        lifecycle.acknowledge(session=session, alert_id=first.id, by="ana", now=stream.clock.now())
    assert run(stream) == [], "acknowledged: the same episode"
    with stream.sessions.begin() as session:
        lifecycle.resolve(session=session, alert_id=first.id, by="ana", now=stream.clock.now())
    assert run(stream) == [], (
        "resolved, but alarmed within the 7-day cooldown: today's rise is that episode's"
    )
    stream.clock.advance(days=6)  # type: ignore[attr-defined]
    import_today(stream, tmp_path, late=14, others=26)
    assert run(stream) == [], "six days after it opened: still cooling"
    stream.clock.advance(days=2)  # type: ignore[attr-defined]
    import_today(stream, tmp_path, late=20, others=20)
    [again] = run(stream)
    assert (again.kind, again.subject) == (first.kind, first.subject)
    assert again.id != first.id
    assert [r.state for r in stored(stream)] == ["resolved", "open"]


def test_a_snoozed_episode_alerts_again_once_its_snooze_ends(stream: Container, tmp_path: Path) -> None:
    import_today(stream, tmp_path, late=14, others=26)
    [first] = run(stream)
    now = stream.clock.now()
    with stream.sessions.begin() as session:
        lifecycle.snooze(
            session=session, alert_id=first.id, until=now + timedelta(hours=1), by="ana", now=now
        )
        session.get(AlertRow, first.id).routed_at = now  # type: ignore[union-attr]
    assert run(stream) == [], "still asleep"
    stream.clock.advance(hours=2)  # type: ignore[attr-defined]
    [woken] = run(stream)
    assert woken.id == first.id
    assert woken.state is AlertState.OPEN
    [row] = stored(stream)
    assert row.routed_at != now, "routing sends it on again (routed_at emptied, or set anew by routing)"


def test_a_metric_drop_opens_an_alert(insights_container: Container, tmp_path: Path) -> None:
    add_late_theme(insights_container)
    seed_history(insights_container, score=5)
    import_today(insights_container, tmp_path, late=0, others=30, score=1)
    opened = run(insights_container)
    assert [(a.kind, a.subject) for a in opened] == [
        (AlertKind.METRIC_DROP, "csat"),
        (AlertKind.METRIC_DROP, "csat-week"),
    ], "today, and the seven days to today"
    evidence = opened[0].evidence
    assert evidence is not None
    assert evidence.value == 0.0
    assert evidence.baseline > 90
    assert evidence.low > 0
    assert opened[0].severity is Severity.HIGH


def test_a_proposed_theme_made_of_recent_responses_is_new_not_rising(
    stream: Container, tmp_path: Path
) -> None:
    import_today(stream, tmp_path, late=2, others=24)
    now = stream.clock.now()
    with stream.sessions.begin() as session:
        session.add(
            Theme(id="quick", label="quick checkout", status="proposed", created_at=now, updated_at=now)
        )
        session.flush()
        for sentence_id, response_id in session.execute(
            select(Sentence.id, Sentence.response_id).where(Sentence.text.like("%Checkout was quick%"))
        ):
            session.add(ThemeMention(sentence_id=sentence_id, theme_id="quick", response_id=response_id,
                                     similarity=0.9, polarity=1))  # fmt: skip

    opened = run(stream)

    assert [(a.kind, a.subject) for a in opened] == [(AlertKind.NEW_THEME, "quick")]
    evidence = opened[0].evidence
    assert evidence is not None
    assert evidence.what.startswith("new theme “quick checkout”: 24 responses in the last 7 days, 24 in all")
    assert evidence.p_value < 1e-6
    assert (evidence.segments[0].name, evidence.segments[0].value) == ("region", "north"), (
        "all 24 came from the north"
    )
    assert evidence.segments[0].baseline_share < 0.01
    assert 3 <= len(evidence.quotes) <= 5
    assert run(stream) == [], "an episode in progress: neither new nor rising again"


def test_a_theme_rising_in_one_segment_value_alerts_for_that_value(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    watching = settings.model_copy(update={"alert_segments": ["region"]})
    container = bootstrap(watching, clock=clock, embedder=HashingEmbedder())
    try:
        add_late_theme(container)
        seed_history(container)
        # South: 6 late of 20 (30% against about 5%); the program as a whole: 6 of 60, 10%.
        import_today(container, tmp_path, late=6, others=54, south=14)

        opened = run(container)

        assert [(a.kind, a.subject, a.segment) for a in opened] == [
            (AlertKind.RISING_THEME, LATE, {"region": "south"})
        ]
        evidence = opened[0].evidence
        assert evidence is not None
        assert evidence.what.startswith(
            "late delivery in region south: 30.0% of its responses today (6 of 20)"
        )
        assert evidence.quotes
        assert run(container) == [], "that segment's episode is in progress"
    finally:
        container.close()


def test_a_slide_too_gentle_for_any_day_alarms_over_the_week(
    insights_container: Container, tmp_path: Path
) -> None:
    container = insights_container
    add_late_theme(container)
    # CSAT 80 (8 of 40 scored 1) for weeks, then 65 (14 of 40) for the last six days and today.
    seed_history(container, detractors=lambda back: 14 if back < 7 else 8)
    import_today(container, tmp_path, late=2, others=24)
    import_today(container, tmp_path, late=0, others=14, score=1)

    opened = run(container)

    assert [(a.kind, a.subject, a.label) for a in opened] == [
        (AlertKind.METRIC_DROP, "csat-week", "CSAT, last 7 days")
    ]
    evidence = opened[0].evidence
    assert evidence is not None
    assert evidence.n == 6 * 40 + 40
    assert 60 < evidence.value < 70
    assert 78 < evidence.baseline < 82
    assert evidence.since.date() == (container.clock.now() - timedelta(days=6)).date()


def test_since_is_the_first_day_of_the_rise(insights_container: Container, tmp_path: Path) -> None:
    container = insights_container
    add_late_theme(container)
    seed_history(container, late=lambda back: 12 if back <= 3 else 1 + back % 3)  # 30% for three days
    import_today(container, tmp_path, late=12, others=28)

    [alert] = run(container)

    assert alert.evidence is not None
    assert alert.evidence.since.date() == (container.clock.now() - timedelta(days=3)).date()


def test_a_theme_added_today_has_no_history_to_rise_against(
    insights_container: Container, tmp_path: Path
) -> None:
    """A guide that names a new theme today was never looked for in older responses: the empty days
    before it are no history, not a history of zero mentions, so its first day cannot alarm."""
    add_late_theme(insights_container)
    seed_history(insights_container, late=lambda back: 0)
    import_today(insights_container, tmp_path, late=14, others=26)

    assert [a for a in run(insights_container) if a.kind is AlertKind.RISING_THEME] == []


def test_a_theme_added_today_has_no_history_to_rise_against_in_a_segment_either(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    container = bootstrap(
        settings.model_copy(update={"alert_segments": ["region"]}), clock=clock, embedder=HashingEmbedder()
    )
    try:
        add_late_theme(container)
        seed_history(container, late=lambda back: 0)
        import_today(container, tmp_path, late=14, others=26)
        assert [a for a in run(container) if a.kind is AlertKind.RISING_THEME] == []
    finally:
        container.close()
