"""Weights that make the customers who answered stand for everyone who was invited.

Three ways to make them, all returning :class:`Weights`: post-stratification on the cells of the
segments a program names (:func:`post_stratify`), raking or iterative proportional fitting when
only the margins of several segments are known (:func:`rake`), and the inverse of a modelled
response propensity (:mod:`askwhy.analysis.response_propensity`). Extreme weights are capped with
:func:`trim`. A cell or category with fewer than ``min_responders`` responders is never weighted
up: its responders keep their raw share and the cell is reported, because a handful of answers
multiplied tenfold is noise presented as a finding.

Weights are expansion weights (they sum to the invited population) when its size is known, so the
interval of a weighted metric can take the finite population into account; otherwise they have
mean 1. Weighting corrects only for what the attributes explain.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import partial
from typing import TypeVar, cast

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
Attributes = Mapping[str, str]
K = TypeVar("K")

DEFAULT_MIN_RESPONDERS = 20
"""Fewest responders a cell needs before it is weighted (the usual floor in survey practice is 20–30)."""


@dataclass(frozen=True)
class ThinCell:
    """A cell (or margin category) left unweighted: too few responders to stand for its share."""

    cell: str
    """The cell as people read it, e.g. ``plan=basic, region=eu``."""
    responders: int
    population_share: float


@dataclass(frozen=True)
class Weights:
    """One weight per responder, in the responders' order, and what they rest on."""

    values: tuple[float, ...]
    method: str
    """``post-stratification``, ``raking``, ``response propensity`` or ``none``."""
    attributes: tuple[str, ...]
    """The invitation attributes the weights correct for; nothing else is corrected."""
    population_size: float | None
    """The invited population the weights sum to; None when only shares were known (mean 1)."""
    calibration: tuple[tuple[str, ...], ...]
    """Per responder, the cells it was calibrated on (an interval's residuals are taken within them)."""
    unweighted: tuple[ThinCell, ...] = ()
    trimmed: int = 0
    iterations: int = 0
    converged: bool = True
    warnings: tuple[str, ...] = ()

    @property
    def n(self) -> int:
        return len(self.values)

    @property
    def effective_n(self) -> float:
        """Kish's effective sample size, (Σw)² / Σw²."""
        return kish_effective_n(self.values)

    @property
    def design_effect(self) -> float:
        """Kish's design effect of unequal weights, n / effective n = 1 + CV² of the weights."""
        return self.n / self.effective_n if self.n else 1.0


def kish_effective_n(weights: Sequence[float] | FloatArray) -> float:
    """Kish's effective sample size: how many equally weighted responses carry as much information."""
    w = np.asarray(weights, dtype=np.float64)
    squares = float(np.sum(w * w))
    return float(np.sum(w)) ** 2 / squares if squares > 0 else 0.0


def cell_counts(records: Sequence[Attributes], attributes: Sequence[str]) -> dict[tuple[str, ...], int]:
    """How many invited records fall in each cell of ``attributes`` (the post-stratification target)."""
    return dict(Counter(cell_key(record, attributes, index) for index, record in enumerate(records)))


def margin_counts(records: Sequence[Attributes], attributes: Sequence[str]) -> dict[str, dict[str, int]]:
    """How many invited records carry each value of each attribute (the raking targets)."""
    return {
        attribute: dict(Counter(cell_key(record, [attribute], i)[0] for i, record in enumerate(records)))
        for attribute in attributes
    }


def unweighted(n: int, *, reason: str) -> Weights:
    """Equal weights, with the reason they are equal as a warning."""
    return Weights(
        values=(1.0,) * n,
        method="none",
        attributes=(),
        population_size=None,
        calibration=((),) * n,
        warnings=(reason,),
    )


def post_stratify(
    responders: Sequence[Attributes],
    *,
    population: Mapping[tuple[str, ...], float],
    attributes: Sequence[str],
    population_size: float | None = None,
    min_responders: int = DEFAULT_MIN_RESPONDERS,
) -> Weights:
    """Weight each cell of ``attributes`` to its share of the invited population.

    ``population`` gives each cell's count or share (keys are value tuples in ``attributes`` order,
    as :func:`cell_counts` makes them). A cell with fewer than ``min_responders`` responders keeps
    its raw share; the other cells share the rest of the population in proportion to their size.
    """
    names = tuple(attributes)
    keys = [cell_key(record, names, index) for index, record in enumerate(responders)]
    shares = _shares(population, what="population cells")
    _check_known(keys, shares, lambda key: _label(names, key))
    counts = Counter(keys)
    thin = {key for key in shares if counts[key] < min_responders}
    n = len(keys)
    n_thin = sum(counts[key] for key in thin)
    weighted_share = sum(share for key, share in shares.items() if key not in thin)
    values = np.ones(n)
    if weighted_share > 0:
        for i, key in enumerate(keys):
            if key not in thin:
                values[i] = shares[key] / weighted_share * (n - n_thin) / counts[key]
    thin_cells = tuple(ThinCell(_label(names, key), counts[key], shares[key]) for key in sorted(thin))
    calibration = tuple(() if key in thin else (_label(names, key),) for key in keys)
    return build_weights(
        values,
        method="post-stratification",
        attributes=names,
        population_size=population_size,
        calibration=calibration,
        thin=thin_cells,
        warnings=_thin_warnings(thin_cells, min_responders),
    )


def rake(
    responders: Sequence[Attributes],
    *,
    margins: Mapping[str, Mapping[str, float]],
    population_size: float | None = None,
    min_responders: int = DEFAULT_MIN_RESPONDERS,
    tolerance: float = 1e-6,
    max_iterations: int = 100,
) -> Weights:
    """Rake (iterative proportional fitting) the responders to each attribute's population margin.

    Each pass scales the weights of every category of one attribute to its share, in turn, until no
    weighted share is more than ``tolerance`` from its target. A category with fewer than
    ``min_responders`` responders keeps its weight in that attribute's step and is reported.
    """
    names = tuple(margins)
    targets = {name: _shares(margins[name], what=f"the {name} margin") for name in names}
    values_of = {name: [cell_key(r, [name], i)[0] for i, r in enumerate(responders)] for name in names}
    thin_cells: list[ThinCell] = []
    steps: list[tuple[NDArray[np.int64], FloatArray, NDArray[np.bool_]]] = []
    for name in names:
        _check_known(values_of[name], targets[name], partial(_label, (name,)))
        categories = sorted(targets[name])
        index = {value: j for j, value in enumerate(categories)}
        members = np.array([index[v] for v in values_of[name]], dtype=np.int64)
        counts = np.bincount(members, minlength=len(categories))
        thin = counts < min_responders
        share = np.array([targets[name][c] for c in categories])
        thin_cells += [
            ThinCell(f"{name}={c}", int(counts[j]), float(share[j]))
            for j, c in enumerate(categories)
            if thin[j]
        ]
        steps.append((members, share, thin))
    n = len(responders)
    values = np.ones(n)
    iterations, gap = 0, 0.0
    while iterations < max_iterations:
        iterations += 1
        for members, share, thin in steps:
            values *= _rake_factors(values, members, share, thin)[members]
        gap = max(_margin_gap(values, members, share, thin) for members, share, thin in steps)
        if gap <= tolerance:
            break
    converged = gap <= tolerance
    warnings = list(_thin_warnings(tuple(thin_cells), min_responders))
    if not converged:
        warnings.append(
            f"raking did not converge in {max_iterations} iterations: a margin is still off by "
            f"{100 * gap:.2f} points; the margins may contradict each other"
        )
    thin_labels = {cell.cell for cell in thin_cells}
    calibration = tuple(
        tuple(label for name in names if (label := f"{name}={values_of[name][i]}") not in thin_labels)
        for i in range(n)
    )
    return build_weights(
        values,
        method="raking",
        attributes=names,
        population_size=population_size,
        calibration=calibration,
        thin=tuple(thin_cells),
        warnings=tuple(warnings),
        iterations=iterations,
        converged=converged,
    )


def trim(weights: Weights, *, cap: float = 5.0, max_passes: int = 50) -> Weights:
    """Cap every weight at ``cap`` times the mean weight, keeping the total, and count how many were cut.

    Sharing the cut among the others can lift one of them above the cap, so the cut is repeated
    until no weight is above it. Trimming trades
    a little bias (the capped cells no longer reach their share) for a smaller design effect.
    """
    if cap <= 1.0:
        raise ValueError(f"the trimming cap is a multiple of the mean weight and must exceed 1, got {cap}")
    values = np.asarray(weights.values, dtype=np.float64)
    if values.size == 0:
        return weights
    total = float(values.sum())
    capped = np.zeros(values.size, dtype=bool)
    for _ in range(max_passes):
        limit = cap * total / values.size
        over = values > limit * (1 + 1e-12)
        if not over.any():
            break
        capped |= over
        values = np.where(over, limit, values)
        free = ~capped
        values[free] *= (total - limit * capped.sum()) / values[free].sum()
    trimmed = int(capped.sum())
    warnings = weights.warnings
    if trimmed:
        warnings += (f"{trimmed} weights were capped at {cap:g}× the mean weight",)
    return replace(weights, values=tuple(float(v) for v in values), trimmed=trimmed, warnings=warnings)


def _rake_factors(
    values: FloatArray, members: NDArray[np.int64], share: FloatArray, thin: NDArray[np.bool_]
) -> FloatArray:
    totals = np.bincount(members, weights=values, minlength=share.size)
    free = float(values.sum() - totals[thin].sum())
    wanted = share / share[~thin].sum() * free if (~thin).any() else totals
    with np.errstate(divide="ignore", invalid="ignore"):
        factors = np.where(thin | (totals <= 0), 1.0, wanted / totals)
    return np.asarray(factors, dtype=np.float64)


def _margin_gap(
    values: FloatArray, members: NDArray[np.int64], share: FloatArray, thin: NDArray[np.bool_]
) -> float:
    if not (~thin).any():
        return 0.0
    totals = np.bincount(members, weights=values, minlength=share.size)[~thin]
    return float(np.max(np.abs(totals / totals.sum() - share[~thin] / share[~thin].sum())))


def build_weights(
    values: FloatArray,
    *,
    method: str,
    attributes: tuple[str, ...],
    population_size: float | None,
    calibration: tuple[tuple[str, ...], ...],
    thin: tuple[ThinCell, ...],
    warnings: tuple[str, ...],
    iterations: int = 0,
    converged: bool = True,
) -> Weights:
    """Weights scaled to sum to ``population_size`` (or to mean 1 without it), with their provenance."""
    scale = (population_size if population_size else values.size) / values.sum() if values.size else 1.0
    return Weights(
        values=tuple(float(v) for v in values * scale),
        method=method,
        attributes=attributes,
        population_size=population_size,
        calibration=calibration,
        unweighted=thin,
        iterations=iterations,
        converged=converged,
        warnings=warnings,
    )


def _thin_warnings(thin: tuple[ThinCell, ...], min_responders: int) -> tuple[str, ...]:
    if not thin:
        return ()
    cells = ", ".join(f"{cell.cell} ({cell.responders})" for cell in thin)
    unheard = sum(cell.population_share for cell in thin if cell.responders == 0)
    notes = [f"not weighted, fewer than {min_responders} responders: {cells}"]
    if unheard > 0:
        notes.append(f"{100 * unheard:.1f}% of the invited population is in cells nobody answered from")
    return tuple(notes)


def _shares(totals: Mapping[K, float], *, what: str) -> dict[K, float]:
    if any(total < 0 for total in totals.values()):
        raise ValueError(f"{what} have a negative count")
    whole = float(sum(totals.values()))
    if whole <= 0:
        raise ValueError(f"{what} are empty: weighting needs the invited population's counts or shares")
    return {key: float(total) / whole for key, total in totals.items()}


def _check_known(keys: Sequence[K], shares: Mapping[K, float], label: Callable[[K], str]) -> None:
    unknown = sorted({key for key in keys if key not in shares}, key=str)
    if unknown:
        raise ValueError(
            f"responders fall in {', '.join(label(k) for k in unknown[:5])}, "
            "which the invited population does not have"
        )


def cell_key(record: Attributes, attributes: Sequence[str], index: int) -> tuple[str, ...]:
    """The values of ``attributes`` in ``record`` (its cell), refusing a record that lacks one."""
    key = tuple(map(record.get, attributes))
    if None in key or "" in key:
        missing = ", ".join(name for name, value in zip(attributes, key, strict=True) if not value)
        raise ValueError(f"record {index} has no {missing}; every record needs each weighting attribute")
    return cast(tuple[str, ...], key)


def _label(names: Sequence[str], key: tuple[str, ...] | str) -> str:
    if isinstance(key, str):
        key = (key,)
    return ", ".join(f"{name}={value}" for name, value in zip(names, key, strict=True))
