"""Results as plain JSON-ready dicts: one shape shared by the API, the JSON/CSV files and the report."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from askwhy.analysis.drivers import DriverReport
from askwhy.domain.funnel import Funnel
from askwhy.domain.grouping import GroupEstimate
from askwhy.domain.metrics import MetricEstimate
from askwhy.insights.measures import ChangeReport, MetricsReport
from askwhy.insights.theme_views import Quote, ThemeDetail, ThemeSummary


def estimate(value: MetricEstimate | None) -> dict[str, Any] | None:
    """A metric value with its interval, n and method."""
    if value is None:
        return None
    return {
        "metric": value.metric.value,
        "label": value.label,
        "value": round(value.value, 2),
        "low": None if value.low is None else round(value.low, 2),
        "high": None if value.high is None else round(value.high, 2),
        "n": value.n,
        "confidence": value.confidence,
        "method": value.method,
    }


def groups(values: list[GroupEstimate]) -> list[dict[str, Any]]:
    return [{"key": g.key, **(estimate(g.estimate) or {})} for g in values]


def funnel(value: Funnel) -> dict[str, Any]:
    return {
        "invited": value.invited,
        "started": value.started,
        "completed": value.completed,
        "start_rate": value.start_rate,
        "completion_rate": value.completion_rate,
        "response_rate": value.response_rate,
    }


def metrics(report: MetricsReport) -> dict[str, Any]:
    return {
        "metric": report.metric.value,
        "period": report.period.value,
        "overall": estimate(report.overall),
        "trend": groups(report.trend),
        "by_program": groups(report.by_program),
        "by_channel": groups(report.by_channel),
        "by_segment": {key: groups(values) for key, values in report.by_segment.items()},
        "funnel": funnel(report.funnel),
    }


def theme(summary: ThemeSummary) -> dict[str, Any]:
    shaped = asdict(summary)
    shaped["share"] = None if summary.share is None else round(summary.share, 4)
    shaped["created_at"] = summary.created_at.isoformat()
    shaped["updated_at"] = summary.updated_at.isoformat()
    return shaped


def quote(value: Quote) -> dict[str, Any]:
    shaped = asdict(value)
    shaped["responded_at"] = value.responded_at.isoformat()
    return shaped


def theme_detail(detail: ThemeDetail) -> dict[str, Any]:
    return {
        **theme(detail.theme),
        "quotes": [quote(q) for q in detail.quotes],
        "children": [theme(c) for c in detail.children],
    }


def drivers(report: DriverReport, theme_ids: dict[str, str]) -> dict[str, Any]:
    return {
        "metric": report.metric.value,
        "overall": estimate(report.overall),
        "impact_label": report.impact_label,
        "r_squared": round(report.r_squared, 4),
        "r_squared_low": round(report.r_squared_low, 4),
        "r_squared_high": round(report.r_squared_high, 4),
        "resamples": report.resamples,
        "drivers": [
            {
                "theme_id": theme_ids.get(d.theme),
                "theme": d.theme,
                "mentions": d.mentions,
                "share": round(d.share, 4),
                "mean_sentiment": None if d.mean_sentiment is None else round(d.mean_sentiment, 3),
                "with_theme": estimate(d.with_theme),
                "without_theme": estimate(d.without_theme),
                "impact": None if d.impact is None else round(d.impact, 2),
                "weight": round(d.weight, 4),
                "weight_low": round(d.weight_low, 4),
                "weight_high": round(d.weight_high, 4),
                "significant": d.significant,
            }
            for d in report.drivers
        ],
    }


def change(report: ChangeReport) -> dict[str, Any]:
    explanation, moved = report.explanation, report.explanation.change
    return {
        "metric": explanation.metric.value,
        "label": explanation.label,
        "period": report.period.value,
        "from": report.before.isoformat(),
        "to": report.after.isoformat(),
        "before": estimate(moved.before),
        "after": estimate(moved.after),
        "delta": round(moved.delta, 2),
        "low": None if moved.low is None else round(moved.low, 2),
        "high": None if moved.high is None else round(moved.high, 2),
        "p_value": moved.p_value,
        "significant": moved.significant,
        "method": moved.method,
        "baseline": round(explanation.baseline, 2),
        "effects": [
            {
                "theme_id": report.theme_ids.get(e.theme),
                "theme": e.theme,
                "volume_effect": round(e.volume_effect, 2),
                "severity_effect": round(e.severity_effect, 2),
                "total": round(e.total, 2),
                "share_before": round(e.share_before, 4),
                "share_after": round(e.share_after, 4),
            }
            for e in explanation.effects
        ],
        "narrative": report.narrative,
    }
