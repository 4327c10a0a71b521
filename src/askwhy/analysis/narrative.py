"""A change explained in one paragraph a person can read, never calling noise a change."""

from __future__ import annotations

from askwhy.analysis.change import ChangeExplanation, ThemeEffect
from askwhy.domain.metrics import Statistic

MINUS = "\u2212"


def describe_change(explanation: ChangeExplanation, *, top: int = 3, smallest: float | None = None) -> str:
    """One paragraph: the change with its significance, interval and sample sizes, then (only when
    the change is significant) the ``top`` themes behind it with their volume and severity parts.

    Themes whose part is smaller than ``smallest`` (default: half of the last shown digit) are left out.
    """
    change = explanation.change
    digits = 2 if explanation.statistic == Statistic.MEAN else 1
    floor = smallest if smallest is not None else 0.5 * 10**-digits
    interval = _interval(explanation, digits)
    sizes = f"n={change.after.n} now vs {change.before.n} before"
    headline = f"{explanation.label} {_signed(change.delta, digits)}"
    if not change.significant:
        return f"{headline}, within noise (not significant, {interval}; {sizes})."
    sentences = [f"{headline} (significant, {interval}; {sizes})."]
    shown = [e for e in explanation.effects if abs(e.total) >= floor][:top]
    sentences += [_theme_sentence(e, digits) for e in shown]
    rest = sum(e.total for e in explanation.effects if e not in shown)
    if shown and abs(rest) >= floor:
        sentences.append(f"{_signed(rest, digits)} from other themes together.")
    if abs(explanation.baseline) >= floor:
        sentences.append(
            f"{_signed(explanation.baseline, digits)} is a shift in scores not tied to any theme."
        )
    return " ".join(sentences)


def _theme_sentence(effect: ThemeEffect, digits: int) -> str:
    return (
        f"{_signed(effect.total, digits)} from *{effect.theme}*: mentioned by "
        f"{_percent(effect.share_after)} now vs {_percent(effect.share_before)} before "
        f"(volume {_signed(effect.volume_effect, digits)}, "
        f"severity {_signed(effect.severity_effect, digits)})."
    )


def _interval(explanation: ChangeExplanation, digits: int) -> str:
    change = explanation.change
    level = f"{round(100 * (1 - change.alpha))}% CI"
    if change.low is None or change.high is None:
        return f"no {level}: too few responses"
    return f"{level} {_number(change.low, digits)} to {_number(change.high, digits)}"


def _signed(value: float, digits: int) -> str:
    text = f"{value:+.{digits}f}"
    if float(text) == 0:
        return f"{0:.{digits}f}"
    return text.replace("-", MINUS)


def _number(value: float, digits: int) -> str:
    text = f"{value:.{digits}f}"
    return f"{0:.{digits}f}" if float(text) == 0 else text.replace("-", MINUS)


def _percent(share: float) -> str:
    return f"{100 * share:.0f}%"
