"""Figures weighted to everyone invited, beside the raw ones, for a program or an imported file.

For a program the population is its invitations in the store: each invited customer's attributes
(its moment's event, channel, language and moment) and whether a scored response answers it; the
segments and method are the program's ``weighting`` section. For imported comments the population
is a file (`askwhy analyze --margins` or ``--invited``) and the responders' attributes are their
segment values. Whatever cannot be weighted is measured raw, and the report says why.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pydantic import ValidationError
from sqlalchemy.orm import Session

from askwhy.analysis.population_weights import Population, filled, weights_for
from askwhy.analysis.weighted_figures import WeightedFigures, weighted_figures
from askwhy.domain.scales import Metric
from askwhy.domain.weighting_plan import WeightingPlan
from askwhy.insights.invitation_funnel import invitation_attributes
from askwhy.insights.measures import NothingToMeasure, load
from askwhy.insights.scored import Scored, theme_names, themed_scores
from askwhy.insights.selection import Selection, start_of
from askwhy.store.invitation_outcomes import (
    InvitationRow,
    OutcomeCount,
    invitation_outcome_counts,
    invitation_outcomes,
    program_definition,
)
from askwhy.store.sentiments import analysed_in_selection

INVITATIONS = "the program's invitations"
NOT_ONE_PROGRAM = "raw only: weighting is per program (its YAML names the segments); choose one program"


@dataclass(frozen=True)
class WeightedReport:
    source: str
    """Who the responders are weighted to stand for."""
    plan: WeightingPlan | None
    figures: WeightedFigures | None
    reason: str | None = None
    """Why the figures are raw only (None when weighted)."""
    left_out: int = 0
    """Scored responses the weights could not place (no invitation behind them)."""


@dataclass(frozen=True)
class GivenPopulation:
    """A population from outside the store (`askwhy analyze --margins` or ``--invited``) and the plan."""

    plan: WeightingPlan
    population: Population
    source: str


def program_plan(*, session: Session, program: str) -> WeightingPlan | None:
    """The program's weighting section, None when it has none (or was never synced)."""
    definition = program_definition(session=session, program=program) or {}
    section = definition.get("weighting")
    return None if section is None else WeightingPlan.model_validate(section)


def weighted_for_program(
    *,
    session: Session,
    selection: Selection,
    metric: Metric | None = None,
    max_themes: int = 25,
    theme: tuple[str, str] | None = None,
) -> WeightedReport:
    """The selection's figures weighted to its program's invitations, as the program's YAML says, or
    the reason they are raw only (no single program, no weighting section, nothing scored).
    ``theme`` (its id and label) gives that theme's share and impact instead of the most mentioned."""
    if not selection.program:
        return WeightedReport(source=INVITATIONS, plan=None, figures=None, reason=NOT_ONE_PROGRAM)
    try:
        plan = program_plan(session=session, program=selection.program)
    except ValidationError as exc:
        return WeightedReport(INVITATIONS, None, None, f"raw only: the weighting section is invalid: {exc}")
    if plan is None:
        return unplanned(selection.program)
    return weighted_by_plan(
        session=session, selection=selection, plan=plan, metric=metric, max_themes=max_themes, theme=theme
    )


def unplanned(program: str) -> WeightedReport:
    """Raw only: the program names no weighting segments."""
    reason = (
        f"raw only: program {program!r} names no weighting segments (add a weighting section to its YAML)"
    )
    return WeightedReport(source=INVITATIONS, plan=None, figures=None, reason=reason)


def weighted_by_plan(
    *,
    session: Session,
    selection: Selection,
    plan: WeightingPlan,
    metric: Metric | None = None,
    max_themes: int = 25,
    theme: tuple[str, str] | None = None,
) -> WeightedReport:
    """`weighted_for_program` once the program's plan is known (``selection.program`` must be set)."""
    try:
        scored = load(session=session, selection=selection, metric=metric, segments=False)
    except NothingToMeasure as exc:
        return WeightedReport(source=INVITATIONS, plan=plan, figures=None, reason=f"raw only: {exc}")
    scored_ids = set(scored.ids)
    groups = [g for g in _counted(session=session, selection=selection) if _selected(g, selection)]
    answers = [
        row
        for row in _invitations(session=session, selection=selection, answered_only=True)
        if _selected(row, selection) and row.response_id in scored_ids
    ]
    left_out = len(scored.ids) - len(answers)
    if not answers:
        reason = (
            f"raw only: none of the {len(scored.ids)} scored responses answers an invitation of the "
            "program (imported, or started by the customer), so nobody can be weighted"
        )
        return WeightedReport(INVITATIONS, plan, None, reason, left_out)
    population, responders, ids = _population(groups, answers, names=list(plan.segments))
    return _weighted(
        session=session, selection=selection, scored=scored, ids=ids, responders=responders,
        plan=plan, population=population, source=INVITATIONS, left_out=left_out, max_themes=max_themes,
        theme=theme,
    )  # fmt: skip


def _population(
    groups: list[OutcomeCount], answers: list[InvitationRow], *, names: list[str]
) -> tuple[Population, list[dict[str, str]], list[str]]:
    """Everyone invited as records of the weighting segments only (one per invitation, built from the
    counted invitations) with who answered, and the responders with their response ids in that order."""
    sizes: Counter[tuple[str, ...]] = Counter()
    for group in groups:
        sizes[_key(group, names)] += group.invitations
    heard: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for row in answers:
        heard[_key(row, names)].append(str(row.response_id))
    invited: list[dict[str, str]] = []
    responded: list[bool] = []
    responders: list[dict[str, str]] = []
    ids: list[str] = []
    for key, size in sizes.items():
        record, answered = dict(zip(names, key, strict=True)), heard.get(key, [])
        invited += [record] * size
        responded += [True] * len(answered) + [False] * (size - len(answered))
        responders += [record] * len(answered)
        ids += answered
    return Population(invited=invited, responded=responded), responders, ids


def _key(row: InvitationRow | OutcomeCount, names: list[str]) -> tuple[str, ...]:
    return tuple(filled(invitation_attributes(row), names).values())


def weighted_for_population(
    *,
    session: Session,
    selection: Selection,
    plan: WeightingPlan,
    population: Population,
    source: str,
    metric: Metric | None = None,
    max_themes: int = 25,
) -> WeightedReport:
    """The selection's figures weighted to a population given from outside (margins or invited records),
    the responders placed by their segment values and channel (raw only, saying why, when it cannot)."""
    try:
        scored = load(session=session, selection=selection, metric=metric, segments=True)
    except NothingToMeasure as exc:
        return WeightedReport(source=source, plan=plan, figures=None, reason=f"raw only: {exc}")
    responders = [{**r.segment, "channel": r.channel} for r in scored.responses]
    return _weighted(
        session=session, selection=selection, scored=scored, ids=scored.ids, responders=responders,
        plan=plan, population=population, source=source, left_out=0, max_themes=max_themes,
    )  # fmt: skip


def _weighted(
    *,
    session: Session,
    selection: Selection,
    scored: Scored,
    ids: Sequence[str],
    responders: Sequence[Mapping[str, object]],
    plan: WeightingPlan,
    population: Population,
    source: str,
    left_out: int,
    max_themes: int,
    theme: tuple[str, str] | None = None,
) -> WeightedReport:
    try:
        weights = weights_for(responders, plan=plan, population=population)
    except ValueError as exc:
        return WeightedReport(source, plan, None, f"raw only: {exc}", left_out)
    position = {response_id: i for i, response_id in enumerate(scored.ids)}
    rows = [position[i] for i in ids]
    figures = weighted_figures(
        [scored.responses[i].score for i in rows],
        weights,
        metric=scored.metric,
        negative=_negative(session=session, selection=selection, ids=ids),
        mentions=_mentions(
            session=session, selection=selection, scored=scored, rows=rows, limit=max_themes, theme=theme
        ),
    )
    return WeightedReport(source=source, plan=plan, figures=figures, left_out=left_out)


def _invitations(*, session: Session, selection: Selection, answered_only: bool) -> list[InvitationRow]:
    assert selection.program
    return invitation_outcomes(
        session=session,
        program=selection.program,
        since=start_of(selection.since) if selection.since else None,
        until=start_of(selection.until) if selection.until else None,
        include_simulated=selection.include_simulated,
        answered_only=answered_only,
    )


def _counted(*, session: Session, selection: Selection) -> list[OutcomeCount]:
    assert selection.program
    return invitation_outcome_counts(
        session=session,
        program=selection.program,
        since=start_of(selection.since) if selection.since else None,
        until=start_of(selection.until) if selection.until else None,
        include_simulated=selection.include_simulated,
    )


def _selected(row: InvitationRow | OutcomeCount, selection: Selection) -> bool:
    """The invitation belongs to the selection's channel, language and segment values."""
    values = invitation_attributes(row)
    wanted = {"channel": selection.channel, "language": selection.language, **selection.segment}
    return all(values.get(name) == value for name, value in wanted.items() if value)


def _negative(*, session: Session, selection: Selection, ids: Sequence[str]) -> list[bool] | None:
    """Whether each responder's response felt negative; None unless every one of them was analysed."""
    felt = {row.id: row.sentiment for row in analysed_in_selection(session=session, restrict=selection.apply)}
    if any(i not in felt for i in ids):
        return None
    return [felt[i] == "negative" for i in ids]


def _mentions(
    *,
    session: Session,
    selection: Selection,
    scored: Scored,
    rows: list[int],
    limit: int,
    theme: tuple[str, str] | None = None,
) -> dict[str, list[bool]]:
    """Theme label → whether each responder mentions it, for the most mentioned themes (or ``theme``)."""
    names = dict([theme]) if theme else theme_names(session=session, max_themes=limit, selection=selection)
    if not names:
        return {}
    themed = themed_scores(session=session, scored=scored, names=names, subset=rows)
    return {label: [bool(v) for v in themed.column(label)] for label in themed.themes}
