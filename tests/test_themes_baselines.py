"""The themes benchmark's comparison of discovery with its baselines (KMeans given k, BERTopic)."""

from __future__ import annotations

from bench.themes_baselines import comparison, margins
from bench.themes_quality import Scores, SetResult


def _result(
    name: str, ours: dict[str, float], kmeans: dict[str, float], bertopic: dict[str, float]
) -> SetResult:
    result = SetResult(name, 100, 10, 3 if "coarse" in kmeans else None, 5, 12, 0.0, 0.0)
    result.ours = {level: Scores(0.0, ami, 0.0) for level, ami in ours.items()}
    result.kmeans = {level: Scores(0.0, ami, 0.0) for level, ami in kmeans.items()}
    result.bertopic = {level: Scores(0.0, ami, 0.0) for level, ami in bertopic.items()}
    return result


RESULTS = [
    _result(
        "A",
        {"top": 0.50, "sub": 0.70, "top coarse": 0.40, "sub coarse": 0.30},
        {"fine": 0.60, "coarse": 0.45},
        {"fine": 0.72, "coarse": 0.35},
    ),
    _result("B", {"top": 0.30, "sub": 0.20}, {"fine": 0.10}, {}),
]


def test_margins_take_the_better_of_our_two_levels_per_code_level() -> None:
    assert [(round(m, 3), name) for m, name in margins(RESULTS, "kmeans")] == [
        (0.1, "A"),
        (-0.05, "A (coarse codes)"),
        (0.2, "B"),
    ]
    assert [(round(m, 3), name) for m, name in margins(RESULTS, "bertopic")] == [
        (-0.02, "A"),
        (0.05, "A (coarse codes)"),
    ]


def test_comparison_names_the_rows_below_each_baseline_with_worst_and_best() -> None:
    text = comparison(RESULTS)
    assert (
        "Against KMeans given k, our better level's AMI is at or above it on 2 of 3 rows and below it "
        "on A (coarse codes) (-0.050); worst margin -0.050 (A (coarse codes)), best +0.200 (B)."
    ) in text
    assert (
        "Against BERTopic, our better level's AMI is at or above it on 1 of 2 rows and below it on "
        "A (-0.020); worst margin -0.020 (A), best +0.050 (A (coarse codes))."
    ) in text


def test_comparison_leaves_out_a_baseline_that_did_not_run() -> None:
    assert "BERTopic" not in comparison(RESULTS[1:])
