"""Case deadlines in business hours, in the team's time zone, across weekends, holidays and DST."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from askwhy.domain.cases import (
    CaseStatus,
    InvalidTransition,
    OpenReason,
    Priority,
    business_time,
    check_transition,
    due_at,
    priority_for,
    recovered,
)
from askwhy.domain.scales import Band

LISBON = "Europe/Lisbon"
WEEKDAYS_9_TO_6 = {day: (time(9), time(18)) for day in range(5)}


def local(zone: str, *args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(zone))  # type: ignore[misc]


def test_friday_evening_case_with_8_hours_is_due_monday_afternoon_in_lisbon() -> None:
    opened = local(LISBON, 2026, 12, 4, 17, 30)  # a Friday; half an hour left that day
    due = due_at(opened, timedelta(hours=8), WEEKDAYS_9_TO_6, LISBON)
    assert due.astimezone(ZoneInfo(LISBON)) == local(LISBON, 2026, 12, 7, 16, 30)
    assert due.utcoffset() == timedelta(0)


def test_opening_outside_hours_starts_counting_at_the_next_opening() -> None:
    saturday = local(LISBON, 2026, 12, 5, 11, 0)
    assert due_at(saturday, timedelta(hours=2), WEEKDAYS_9_TO_6, LISBON) == local(LISBON, 2026, 12, 7, 11, 0)
    early = local(LISBON, 2026, 12, 8, 6, 0)  # Tuesday before opening
    assert due_at(early, timedelta(hours=1), WEEKDAYS_9_TO_6, LISBON) == local(LISBON, 2026, 12, 8, 10, 0)


def test_a_deadline_that_fills_the_day_falls_at_closing_time() -> None:
    monday = local(LISBON, 2026, 12, 7, 9, 0)
    assert due_at(monday, timedelta(hours=9), WEEKDAYS_9_TO_6, LISBON) == local(LISBON, 2026, 12, 7, 18, 0)


def test_holidays_are_skipped() -> None:
    friday = local(LISBON, 2026, 12, 4, 17, 0)
    due = due_at(friday, timedelta(hours=2), WEEKDAYS_9_TO_6, LISBON, holidays={date(2026, 12, 7)})
    assert due == local(LISBON, 2026, 12, 8, 10, 0)


def test_hours_are_counted_in_the_teams_zone_not_utc() -> None:
    opened = datetime(2026, 12, 7, 16, 0, tzinfo=UTC)  # 11:00 in New York
    due = due_at(opened, timedelta(hours=8), WEEKDAYS_9_TO_6, "America/New_York")
    assert due.astimezone(ZoneInfo("America/New_York")) == local("America/New_York", 2026, 12, 8, 10, 0)


def test_across_the_spring_dst_change_local_opening_hours_hold() -> None:
    # Lisbon moves from UTC+0 to UTC+1 on Sunday 29 March 2026: Monday 09:00 is 08:00 UTC.
    friday = local(LISBON, 2026, 3, 27, 17, 0)
    due = due_at(friday, timedelta(hours=3), WEEKDAYS_9_TO_6, LISBON)
    # One hour on Friday (UTC+0), two on Monday from 09:00 summer time (08:00 UTC).
    assert due == datetime(2026, 3, 30, 10, 0, tzinfo=UTC)
    assert due.astimezone(ZoneInfo(LISBON)).hour == 11


def test_a_window_across_the_night_of_a_dst_change_counts_real_hours() -> None:
    every_day = {day: (time(0), time(23, 59)) for day in range(7)}
    opened = local(LISBON, 2026, 10, 25, 0, 0)  # autumn: 01:00-02:00 happens twice
    due = due_at(opened, timedelta(hours=4), every_day, LISBON)
    assert due - opened.astimezone(UTC) == timedelta(hours=4)
    assert due.astimezone(ZoneInfo(LISBON)).hour == 3


def test_business_time_between_two_instants_leaves_out_nights_and_weekends() -> None:
    start = local(LISBON, 2026, 12, 4, 17, 30)
    end = local(LISBON, 2026, 12, 7, 10, 0)
    assert business_time(start, end, WEEKDAYS_9_TO_6, LISBON) == timedelta(hours=1, minutes=30)
    assert business_time(end, start, WEEKDAYS_9_TO_6, LISBON) == timedelta(0)


def test_hours_with_no_open_day_are_refused() -> None:
    with pytest.raises(ValueError, match="business_hours"):
        due_at(local(LISBON, 2026, 12, 7, 9), timedelta(hours=1), {}, LISBON)


def test_status_transitions_allow_the_lifecycle_and_refuse_the_rest() -> None:
    check_transition(CaseStatus.OPEN, CaseStatus.IN_PROGRESS)
    check_transition(CaseStatus.IN_PROGRESS, CaseStatus.WAITING_CUSTOMER)
    check_transition(CaseStatus.RESOLVED, CaseStatus.IN_PROGRESS)  # reopened
    with pytest.raises(InvalidTransition, match="closed case cannot become open"):
        check_transition(CaseStatus.CLOSED, CaseStatus.OPEN)
    with pytest.raises(InvalidTransition, match="in_progress case cannot become in_progress"):
        check_transition(CaseStatus.IN_PROGRESS, CaseStatus.IN_PROGRESS)


def test_priority_follows_the_reason_and_a_rule_may_raise_it() -> None:
    assert priority_for(OpenReason.HELP_REQUEST, Band.PASSIVE) is Priority.HIGH
    assert priority_for(OpenReason.ACCEPTED_CONTACT, Band.DETRACTOR) is Priority.NORMAL
    assert priority_for(OpenReason.RULE, Band.DETRACTOR, Priority.URGENT) is Priority.URGENT
    assert priority_for(OpenReason.HELP_REQUEST, Band.DETRACTOR, Priority.LOW) is Priority.HIGH


def test_recovered_means_a_detractor_now_passive_or_promoter() -> None:
    assert recovered(Band.DETRACTOR, Band.PASSIVE)
    assert recovered(Band.DETRACTOR, Band.PROMOTER)
    assert not recovered(Band.DETRACTOR, Band.DETRACTOR)
    assert not recovered(Band.PASSIVE, Band.PROMOTER)
