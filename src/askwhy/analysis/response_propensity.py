"""Weights from a model of who answers: the inverse of each responder's response propensity.

A logistic regression (scikit-learn, unpenalised, Newton–Cholesky, main effects of each attribute)
predicts from the invitation attributes how likely each invited customer was to answer; a
responder then stands for 1 / p̂ of the invited. Unlike raking it uses the invitation records
themselves, so it needs no margins, and it extends to attributes with many values. A category with
fewer than ``min_responders`` responders gets no coefficient of its own (it is pooled with its
attribute's reference category) and is reported.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from askwhy.analysis.weighting import (
    DEFAULT_MIN_RESPONDERS,
    FloatArray,
    ThinCell,
    Weights,
    build_weights,
    cell_key,
)

_MIN_PROPENSITY = 1e-3


def propensity_weights(
    invited: Sequence[Mapping[str, str]],
    responded: Sequence[bool],
    *,
    attributes: Sequence[str],
    min_responders: int = DEFAULT_MIN_RESPONDERS,
) -> Weights:
    """Inverse response-propensity weights for the responders, in their order among ``invited``.

    The weights sum to the number invited, so an interval can use the finite-population correction.
    """
    if len(invited) != len(responded):
        raise ValueError(f"{len(invited)} invitations but {len(responded)} response flags")
    answered = np.asarray(responded, dtype=bool)
    if answered.sum() == 0 or answered.all():
        raise ValueError("a response model needs both invited customers who answered and who did not")
    names = tuple(attributes)
    keys = [cell_key(record, names, i) for i, record in enumerate(invited)]
    cells = sorted(set(keys))
    position = {key: j for j, key in enumerate(cells)}
    member = np.array([position[key] for key in keys], dtype=np.int64)
    everyone = np.bincount(member, minlength=len(cells))
    heard = np.bincount(member[answered], minlength=len(cells))
    columns, labels, thin = _indicators(cells, names, everyone, heard, min_responders=min_responders)
    # The likelihood depends on the invitations only through their cell, so the model is fitted on
    # the cells with their counts as weights: the same fit, at the cost of a handful of rows.
    propensity = _fit(columns, heard, everyone - heard)
    responders = member[answered]
    inverse = 1.0 / np.clip(propensity[responders], _MIN_PROPENSITY, 1.0)
    calibration_of = [
        tuple(label for label, column in zip(labels, columns.T, strict=True) if column[j])
        for j in range(len(cells))
    ]
    warnings: tuple[str, ...] = ()
    if thin:
        listed = ", ".join(f"{cell.cell} ({cell.responders})" for cell in thin)
        warnings = (f"not modelled on its own, fewer than {min_responders} responders: {listed}",)
    return build_weights(
        inverse,
        method="response propensity",
        attributes=names,
        population_size=float(len(invited)),
        calibration=tuple(calibration_of[j] for j in responders),
        thin=tuple(thin),
        warnings=warnings,
    )


def _indicators(
    cells: Sequence[tuple[str, ...]],
    names: tuple[str, ...],
    everyone: NDArray[np.int64],
    heard: NDArray[np.int64],
    *,
    min_responders: int,
) -> tuple[FloatArray, list[str], list[ThinCell]]:
    """One indicator column per category with enough responders, except each attribute's reference."""
    columns: list[FloatArray] = []
    labels: list[str] = []
    thin: list[ThinCell] = []
    total = float(everyone.sum())
    for a, name in enumerate(names):
        values = np.array([cell[a] for cell in cells])
        invited_by = {v: int(everyone[values == v].sum()) for v in sorted(set(values.tolist()))}
        heard_by = {v: int(heard[values == v].sum()) for v in invited_by}
        reference = max(invited_by, key=lambda v: (heard_by[v], v))
        for value, count in invited_by.items():
            if heard_by[value] < min_responders:
                thin.append(ThinCell(f"{name}={value}", heard_by[value], count / total))
            elif value != reference:
                columns.append((values == value).astype(np.float64))
                labels.append(f"{name}={value}")
    matrix = np.column_stack(columns) if columns else np.zeros((len(cells), 0))
    return matrix, labels, thin


def _fit(features: FloatArray, heard: NDArray[np.int64], silent: NDArray[np.int64]) -> FloatArray:
    if features.shape[1] == 0:
        return np.full(heard.size, float(heard.sum() / (heard.sum() + silent.sum())))
    # Imported here: the workspace's figures import this module, and a server or worker starting
    # up should not pay for scikit-learn's import (about a second of CPU) before it is used.
    from sklearn.linear_model import LogisticRegression

    rows = np.vstack([features, features])
    outcome = np.concatenate([np.ones(heard.size), np.zeros(silent.size)]).astype(np.int64)
    counts = np.concatenate([heard, silent]).astype(np.float64)
    keep = counts > 0
    model: Any = LogisticRegression(C=np.inf, solver="newton-cholesky", tol=1e-10, max_iter=200)
    model.fit(rows[keep], outcome[keep], sample_weight=counts[keep])
    return np.asarray(model.predict_proba(features)[:, 1], dtype=np.float64)
