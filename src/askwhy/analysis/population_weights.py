"""Weights for a program's plan: the method it names, on the population it has, trimmed.

The population is what is known of everyone the responders should stand for: the invited records
themselves (from the store, or an ``invited`` file), with which of them answered, or only each
segment's shares (a margins file). Post-stratification and the response model need the records;
raking works from either. A value a record lacks counts as its own value, ``(unknown)``, so a
customer the event said nothing about is still counted where it belongs: among the invited.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from askwhy.analysis.response_propensity import propensity_weights
from askwhy.analysis.weighting import Weights, cell_counts, margin_counts, post_stratify, rake, trim
from askwhy.domain.weighting_plan import WeightingMethod, WeightingPlan

UNKNOWN = "(unknown)"


@dataclass(frozen=True)
class Population:
    """Everyone invited, as records (``responded`` says who answered, in the same order), or margins."""

    invited: Sequence[Mapping[str, str]] | None = None
    responded: Sequence[bool] | None = None
    margins: Mapping[str, Mapping[str, float]] | None = None
    """Segment → value → share (or count) of the invited."""

    def __post_init__(self) -> None:
        if (self.invited is None) == (self.margins is None):
            raise ValueError("a population is given either as invited records or as margins")
        if (
            self.responded is not None
            and self.invited is not None
            and len(self.responded) != len(self.invited)
        ):
            raise ValueError(f"{len(self.invited)} invited records but {len(self.responded)} response flags")


def filled(record: Mapping[str, object], names: Sequence[str]) -> dict[str, str]:
    """The record's values of ``names`` as text, ``(unknown)`` where it has none."""
    return {name: str(record.get(name) or "") or UNKNOWN for name in names}


def weights_for(
    responders: Sequence[Mapping[str, object]], *, plan: WeightingPlan, population: Population
) -> Weights:
    """The responders' weights under ``plan``, trimmed at ``plan.trim_at`` times the mean weight.

    For the response model the responders must be the records flagged in ``population.responded``,
    in their order. Raises ValueError, saying what is missing, when the population cannot support
    the method (margins for a crossed post-stratification, no records for the response model)."""
    names = list(plan.segments)
    people = [filled(record, names) for record in responders]
    if plan.method is WeightingMethod.PROPENSITY:
        weights = _propensity(people, names=names, plan=plan, population=population)
    elif population.invited is not None:
        invited = [filled(record, names) for record in population.invited]
        size = float(len(invited))
        if plan.method is WeightingMethod.POST_STRATIFICATION:
            weights = post_stratify(
                people,
                population=cell_counts(invited, names),
                attributes=names,
                population_size=size,
                min_responders=plan.min_responders,
            )
        else:
            margins = margin_counts(invited, names)
            weights = rake(people, margins=margins, population_size=size, min_responders=plan.min_responders)
    else:
        weights = _from_margins(people, names=names, plan=plan, margins=population.margins or {})
    return trim(weights, cap=plan.trim_at)


def _propensity(
    people: list[dict[str, str]], *, names: list[str], plan: WeightingPlan, population: Population
) -> Weights:
    if population.invited is None or population.responded is None:
        raise ValueError(
            "propensity weighting needs every invited customer and whether they answered; "
            "margins give only shares: use raking"
        )
    invited = [filled(record, names) for record in population.invited]
    answered = [record for record, flag in zip(invited, population.responded, strict=True) if flag]
    if answered != people:
        raise ValueError("the responders are not the invited customers flagged as answering, in order")
    return propensity_weights(
        invited, list(population.responded), attributes=names, min_responders=plan.min_responders
    )


def _from_margins(
    people: list[dict[str, str]],
    *,
    names: list[str],
    plan: WeightingPlan,
    margins: Mapping[str, Mapping[str, float]],
) -> Weights:
    missing = [name for name in names if name not in margins]
    if missing:
        raise ValueError(f"the margins give no shares for {', '.join(missing)}")
    chosen = {name: margins[name] for name in names}
    if plan.method is WeightingMethod.POST_STRATIFICATION and len(names) > 1:
        raise ValueError(
            "post-stratification on several segments needs the invited count of every cell; "
            "margins give each segment's shares only: use raking"
        )
    if plan.method is WeightingMethod.POST_STRATIFICATION:
        name = names[0]
        cells: dict[tuple[str, ...], float] = {
            (value,): float(share) for value, share in chosen[name].items()
        }
        return post_stratify(people, population=cells, attributes=names, min_responders=plan.min_responders)
    return rake(people, margins=chosen, min_responders=plan.min_responders)
