"""The few sampling distributions the metric statistics need: normal and Student's t."""

from __future__ import annotations

import functools
import importlib
import math
from statistics import NormalDist
from typing import Any

_NORMAL = NormalDist()


@functools.cache
def _stats() -> Any:
    """SciPy's statistics, imported at their first use: the import takes about a second of CPU,
    which a worker or server starting up would otherwise spend before its first task or request.
    SciPy ships no type information; keep the untyped surface to this module, return plain floats."""
    return importlib.import_module("scipy.stats")


def _check_confidence(confidence: float) -> None:
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be between 0 and 1 (exclusive), got {confidence}")


def z_critical(confidence: float) -> float:
    """The two-sided normal critical value, e.g. 1.96 for 95% confidence."""
    _check_confidence(confidence)
    return _NORMAL.inv_cdf(0.5 + confidence / 2.0)


def t_critical(confidence: float, df: float) -> float:
    """The two-sided Student's t critical value with ``df`` degrees of freedom."""
    _check_confidence(confidence)
    if df <= 0:
        raise ValueError(f"degrees of freedom must be positive, got {df}")
    return float(_stats().t.ppf(0.5 + confidence / 2.0, df))


def normal_p_value(z: float) -> float:
    """The two-sided p-value of a standard normal statistic."""
    return 2.0 * _NORMAL.cdf(-abs(z)) if math.isfinite(z) else 0.0


def t_p_value(t: float, df: float) -> float:
    """The two-sided p-value of a Student's t statistic."""
    return float(2.0 * _stats().t.sf(abs(t), df))
