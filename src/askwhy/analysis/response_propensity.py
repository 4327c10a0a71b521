"""Weights from a model of who answers: the inverse of each responder's response propensity.

A logistic regression (scikit-learn, unpenalised, main effects of each categorical attribute)
predicts from the invitation attributes how likely each invited customer was to answer; a
responder then stands for 1 / p̂ of the invited. Unlike raking it uses the invitation records
themselves, so it needs no margins, and it extends to attributes with many values. A category with
fewer than ``min_responders`` responders gets no coefficient of its own (it is pooled with its
attribute's reference category) and is reported.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression

from askwhy.analysis.weighting import DEFAULT_MIN_RESPONDERS, FloatArray, ThinCell, Weights, build_weights

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
    columns: list[FloatArray] = []
    labels: list[str] = []
    thin: list[ThinCell] = []
    for name in names:
        values = [_value(record, name, i) for i, record in enumerate(invited)]
        everyone = Counter(values)
        heard = Counter(v for v, a in zip(values, answered, strict=True) if a)
        reference = max(everyone, key=lambda v: (heard[v], v))
        for value in sorted(everyone):
            if heard[value] < min_responders:
                thin.append(ThinCell(f"{name}={value}", heard[value], everyone[value] / len(invited)))
            elif value != reference:
                columns.append(np.array([v == value for v in values], dtype=np.float64))
                labels.append(f"{name}={value}")
    features = np.column_stack(columns) if columns else np.zeros((len(invited), 0))
    propensity = _fit(features, answered)
    rows = np.flatnonzero(answered)
    inverse = 1.0 / np.clip(propensity[rows], _MIN_PROPENSITY, 1.0)
    calibration = tuple(
        tuple(label for label, column in zip(labels, columns, strict=True) if column[i]) for i in rows
    )
    warnings: tuple[str, ...] = ()
    if thin:
        cells = ", ".join(f"{cell.cell} ({cell.responders})" for cell in thin)
        warnings = (f"not modelled on its own, fewer than {min_responders} responders: {cells}",)
    return build_weights(
        inverse,
        method="response propensity",
        attributes=names,
        population_size=float(len(invited)),
        calibration=calibration,
        thin=tuple(thin),
        warnings=warnings,
    )


def _fit(features: FloatArray, answered: np.ndarray[Any, np.dtype[np.bool_]]) -> FloatArray:
    if features.shape[1] == 0:
        return np.full(answered.size, float(answered.mean()))
    model: Any = LogisticRegression(C=np.inf, max_iter=1000)
    model.fit(features, answered.astype(np.int64))
    return np.asarray(model.predict_proba(features)[:, 1], dtype=np.float64)


def _value(record: Mapping[str, str], name: str, index: int) -> str:
    value = record.get(name)
    if value in (None, ""):
        raise ValueError(f"invitation {index} has no {name}; every invitation needs each weighting attribute")
    return str(value)
