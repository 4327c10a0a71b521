"""The overview's weighted figures: a part of its own beside the raw ones the overview gathers.

Kept apart from the overview's own figures (and their aggregate tables), in the same read
transaction: a program without a weighting section costs one lookup of the program and shows a
one-line reason. A weighted program's figures read every invitation of the program, so they are
reused (`insights.read_cache`) while the data version and the program's plan are unchanged.
"""

from __future__ import annotations

from pydantic import ValidationError
from sqlalchemy.orm import Session

from askwhy.insights.read_cache import reuse
from askwhy.insights.selection import Selection
from askwhy.insights.weighted_measures import program_plan, unplanned, weighted_by_plan
from askwhy.report.weighting_results import WeightedResult


def weighted_part(*, session: Session, program: str, selection: Selection, max_themes: int) -> WeightedResult:
    """The selection's figures raw and weighted to the program's invitations, or raw only with the reason."""
    try:
        plan = program_plan(session=session, program=program)
    except ValidationError:
        plan = None
    if plan is None:
        return WeightedResult.of(unplanned(program))

    def compute() -> WeightedResult:
        found = weighted_by_plan(session=session, selection=selection, plan=plan, max_themes=max_themes)
        return WeightedResult.of(found)

    question = ("weighted", repr(selection), plan.model_dump_json())
    return reuse(session=session, question=question, compute=compute)
