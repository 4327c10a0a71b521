"""New themes in one program: a proposed theme whose responses came mostly in the last few days."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from askwhy.alerts.candidates import Candidate, Days, DetectionDesign, start_of
from askwhy.alerts.evidence import affected_segments, theme_quotes
from askwhy.analysis.emerging import novel, novelty_p
from askwhy.domain.alerts import AlertKind, Evidence, Severity
from askwhy.store import alert_counts


def new_themes(
    *, session: Session, program: str, days: Days, design: DetectionDesign, cooling: frozenset[str]
) -> list[Candidate]:
    """A candidate for each proposed theme (discovered in the unassigned pool) that is new: big
    enough, mostly recent, and growing faster than the program's responses as a whole. Its evidence
    names the segment values it is most concentrated in, against the days before."""
    recent_since = start_of(days.today - timedelta(days=design.new_theme_days - 1))
    members = alert_counts.proposed_theme_members(session=session, program=program, recent_since=recent_since)
    if not members:
        return []
    total, recent = alert_counts.analysed_total_and_recent(
        session=session, program=program, recent_since=recent_since
    )
    background = recent / total if total else 1.0
    themes = alert_counts.live_themes(session=session)
    found = []
    for theme_id, (count, fresh) in sorted(members.items()):
        if theme_id in cooling or theme_id not in themes:
            continue
        if not novel(members=count, recent=fresh, background=background, min_size=design.new_theme_min_size):
            continue
        label = themes[theme_id].label
        evidence = Evidence(
            what=f"new theme “{label}”: {fresh} responses in the last {design.new_theme_days} days, "
            f"{count} in all",
            value=fresh / count,
            baseline=background,
            low=fresh / count,
            high=None,
            since=recent_since,
            n=fresh,
            baseline_n=count,
            test=f"novelty: {fresh / count:.0%} of the theme's responses are recent, against "
            f"{background:.0%} of all the program's analysed responses; at least "
            f"{design.new_theme_min_size} responses (binomial upper tail p="
            f"{novelty_p(members=count, recent=fresh, background=background):.2g})",
            p_value=novelty_p(members=count, recent=fresh, background=background),
            segments=affected_segments(
                session=session,
                program=program,
                theme_id=theme_id,
                current=(recent_since, days.span()[1]),
                baseline=(days.span()[0], recent_since),
            ),
            quotes=theme_quotes(
                session=session,
                program=program,
                theme_id=theme_id,
                since=recent_since,
                until=days.span()[1],
                near_duplicate=design.near_duplicate,
            ),
        )
        found.append(Candidate(program, AlertKind.NEW_THEME, theme_id, label, Severity.MEDIUM, evidence))
    return found
