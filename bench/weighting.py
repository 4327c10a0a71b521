"""Non-response weighting against a known truth: bias and interval coverage, raw and weighted.

Two populations of invited customers, each fixed, with replicated response draws:

1. A simulation: 20,000 invited customers with a plan and a region and a 0–10 score whose bands
   depend on both. The chance to answer depends on plan and region (polarised segments answer
   more, enterprise answers less), so on the score only through the segments; a second scenario
   adds a dependence on the score itself (detractors and promoters answer more in every segment),
   which no weighting on the segments can undo.
2. The clothing reviews (shared data, read in place): every review is an invited customer,
   departments and age bands are the segments, CSAT is the share of ratings 4–5; a biased sample
   is drawn from departments and ages (and, in the second scenario, from the rating itself).

For each method the table gives the mean estimate minus the truth of everyone invited (bias), the
root mean square error, the share of 95% intervals that hold the truth (coverage), the mean
interval width and the mean design effect. Run: `python -m bench.weighting [--replications N]`.
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from askwhy.analysis.response_propensity import propensity_weights
from askwhy.analysis.weighted_metrics import weighted_estimate
from askwhy.analysis.weighting import Weights, cell_counts, margin_counts, post_stratify, rake, trim
from askwhy.domain.metrics import estimate
from askwhy.domain.scales import Metric
from bench.common import DATA, machine, write_section

Records = list[dict[str, str]]
Method = Callable[[Records, Records, np.ndarray], Weights]


@dataclass(frozen=True)
class Population:
    name: str
    records: Records
    scores: np.ndarray
    metric: Metric
    attributes: tuple[str, ...]


@dataclass
class Tally:
    estimates: list[float]
    covered: int = 0
    widths: float = 0.0
    design_effects: float = 0.0


def methods(population: Population, *, min_responders: int) -> dict[str, Method]:
    names = population.attributes
    cells = cell_counts(population.records, names)
    margins = margin_counts(population.records, names)
    size = float(len(population.records))

    def post(responders: Records, invited: Records, heard: np.ndarray) -> Weights:
        return post_stratify(
            responders,
            population=cells,
            attributes=names,
            population_size=size,
            min_responders=min_responders,
        )

    def raking(responders: Records, invited: Records, heard: np.ndarray) -> Weights:
        return rake(responders, margins=margins, population_size=size, min_responders=min_responders)

    def raking_trimmed(responders: Records, invited: Records, heard: np.ndarray) -> Weights:
        return trim(raking(responders, invited, heard), cap=3.0)

    def propensity(responders: Records, invited: Records, heard: np.ndarray) -> Weights:
        return propensity_weights(invited, list(heard), attributes=names, min_responders=min_responders)

    joined = " × ".join(names)
    return {
        f"post-stratification ({joined})": post,
        f"raking ({', '.join(names)})": raking,
        "raking, trimmed at 3× the mean": raking_trimmed,
        f"response propensity ({' + '.join(names)})": propensity,
    }


def replicate(
    population: Population,
    answer: np.ndarray,
    *,
    replications: int,
    seed: int,
    min_responders: int = 20,
) -> tuple[float, float, dict[str, Tally]]:
    """Draw who answers ``replications`` times; return the truth, the mean n and each method's tally."""
    rng = np.random.default_rng(seed)
    truth = estimate(population.scores.tolist(), metric=population.metric).value
    chosen = methods(population, min_responders=min_responders)
    tallies = {name: Tally([]) for name in ["raw", *chosen]}
    sizes = 0
    for _ in range(replications):
        heard = rng.random(answer.size) < answer
        rows = np.flatnonzero(heard)
        sizes += rows.size
        responders = [population.records[i] for i in rows]
        scores = population.scores[rows].tolist()
        raw = estimate(scores, metric=population.metric)
        _count(tallies["raw"], raw.value, raw.low, raw.high, 1.0, truth)
        for name, method in chosen.items():
            result = weighted_estimate(
                scores, method(responders, population.records, heard), metric=population.metric
            )
            _count(tallies[name], result.value, result.low, result.high, result.design_effect, truth)
    return truth, sizes / replications, tallies


def _count(
    tally: Tally, value: float, low: float | None, high: float | None, deff: float, truth: float
) -> None:
    tally.estimates.append(value)
    if low is not None and high is not None:
        tally.covered += low <= truth <= high
        tally.widths += high - low
    tally.design_effects += deff


def simulated_customers(seed: int = 18, size: int = 20_000) -> tuple[Population, np.ndarray, np.ndarray]:
    """Invited customers with plan, region and an NPS score; two answer-probability vectors."""
    rng = np.random.default_rng(seed)
    plans = rng.choice(["basic", "pro", "enterprise"], size=size, p=[0.6, 0.3, 0.1])
    regions = rng.choice(["eu", "us", "apac"], size=size, p=[0.5, 0.35, 0.15])
    # Band probabilities (detractor, promoter) per plan, shifted by region: basic is polarised.
    detractor = np.select([plans == "basic", plans == "pro"], [0.35, 0.15], 0.25)
    promoter = np.select([plans == "basic", plans == "pro"], [0.40, 0.45], 0.25)
    detractor = detractor + np.select([regions == "eu", regions == "us"], [0.0, -0.05], 0.10)
    draw = rng.random(size)
    scores = np.where(
        draw < detractor,
        rng.integers(0, 7, size),
        np.where(draw > 1 - promoter, rng.integers(9, 11, size), rng.integers(7, 9, size)),
    )
    plan_rate = np.select([plans == "basic", plans == "pro"], [0.16, 0.08], 0.06)
    region_rate = np.select([regions == "eu", regions == "us"], [1.0, 0.6], 1.8)
    answer = plan_rate * region_rate
    band = np.where(scores <= 6, 1.8, np.where(scores >= 9, 1.4, 0.7))
    records = [{"plan": str(p), "region": str(r)} for p, r in zip(plans, regions, strict=True)]
    population = Population("simulated customers (NPS)", records, scores, Metric.NPS, ("plan", "region"))
    return population, answer, np.clip(answer * band, 0.0, 1.0)


def clothing_reviews() -> tuple[Population, np.ndarray, np.ndarray]:
    """Every review with a department as one invited customer; CSAT from its rating."""
    records: Records = []
    ratings: list[int] = []
    with (DATA / "womens-clothing-reviews.csv").open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if not row["Department Name"] or not row["Rating"] or not row["Age"]:
                continue
            age = int(row["Age"])
            band = "under 35" if age < 35 else "35-49" if age < 50 else "50+"
            records.append({"department": row["Department Name"], "age": band})
            ratings.append(int(row["Rating"]))
    department_rate = {"Tops": 0.14, "Dresses": 0.16, "Bottoms": 0.05, "Intimate": 0.04, "Jackets": 0.05}
    age_rate = {"under 35": 1.5, "35-49": 1.0, "50+": 0.5}
    answer = np.array([department_rate.get(r["department"], 0.12) * age_rate[r["age"]] for r in records])
    scores = np.array(ratings)
    by_rating = np.where(scores <= 2, 2.0, np.where(scores == 5, 1.0, 0.8))
    population = Population(
        "clothing reviews (CSAT top-2-box)", records, scores, Metric.CSAT, ("department", "age")
    )
    return population, answer, np.clip(answer * by_rating, 0.0, 1.0)


def table(
    truth: float, size: float, tallies: dict[str, Tally], replications: int
) -> tuple[str, dict[str, float]]:
    raw_bias = float(np.mean(tallies["raw"].estimates)) - truth
    lines = [
        "| method | bias | bias / raw bias | RMSE | 95% coverage | mean width | mean design effect |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    coverage: dict[str, float] = {}
    for name, tally in tallies.items():
        values = np.array(tally.estimates)
        bias = float(values.mean()) - truth
        rmse = math.sqrt(float(np.mean((values - truth) ** 2)))
        coverage[name] = 100.0 * tally.covered / replications
        ratio = f"{bias / raw_bias:+.2f}" if raw_bias else "–"
        lines.append(
            f"| {name} | {bias:+.2f} | {ratio} | {rmse:.2f} | {coverage[name]:.1f}% | "
            f"{tally.widths / replications:.2f} | {tally.design_effects / replications:.2f} |"
        )
    return "\n".join(lines), coverage


def run(population: Population, answer: np.ndarray, *, label: str, replications: int, seed: int) -> str:
    started = time.perf_counter()
    truth, size, tallies = replicate(population, answer, replications=replications, seed=seed)
    body, _ = table(truth, size, tallies, replications)
    seconds = time.perf_counter() - started
    print(
        f"{population.name}, {label}: truth {truth:.2f}, mean n {size:.0f}, {seconds:.0f} s\n{body}\n",
        flush=True,
    )
    return (
        f"**{label}.** Truth (everyone invited, {len(population.records)}): {truth:.2f}; "
        f"mean responders per draw {size:.0f}; {replications} replications ({seconds:.0f} s).\n\n{body}\n"
    )


READING = """Where the response depends only on the named segments, every method removes the raw bias
(the issue's target was at most half of it) and its 95% intervals cover the figure of everyone
invited within a point or two of 95%, while the raw intervals often miss it. Where the
response also depends on the score itself, weighting on the segments removes only the part of the
bias the segments carry (about half on the simulated customers, a sixth on the clothing reviews,
whose departments differ little in CSAT) and the intervals do not cover: that is the limit of any
weighting, and the reason the result names the attributes it corrected for.
"""


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=1000, help="response draws per scenario")
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    args = parser.parse_args(argv)
    command = "python -m bench.weighting" + (
        f" --replications {args.replications}" if args.replications != 1000 else ""
    )
    load = os.getloadavg()[0]
    sections = []
    simulated, by_segment, by_score = simulated_customers()
    sections.append("### Simulated customers: NPS, segments plan and region\n")
    sections.append(
        run(
            simulated,
            by_segment,
            label="Response depends on plan and region only",
            replications=args.replications,
            seed=1,
        )
    )
    sections.append(
        run(
            simulated,
            by_score,
            label="Response also depends on the score itself (detractors ×1.8, promoters ×1.4, passives ×0.7)",
            replications=args.replications,
            seed=2,
        )
    )
    clothing, by_department, by_rating = clothing_reviews()
    sections.append("### Clothing reviews: CSAT, segments department and age band\n")
    sections.append(
        run(
            clothing,
            by_department,
            label="Response depends on department and age band only",
            replications=args.replications,
            seed=3,
        )
    )
    sections.append(
        run(
            clothing,
            by_rating,
            label="Response also depends on the rating (ratings 1–2 ×2, 3–4 ×0.8)",
            replications=args.replications,
            seed=4,
        )
    )
    markdown = (
        "## Non-response weighting: bias and coverage against everyone invited\n\n"
        f"`{command}`. Machine: {machine()}; load average {load:.1f} at the start (a shared machine).\n\n"
        "Bias is the mean estimate minus the figure of everyone invited, in points; coverage is the share of "
        "95% intervals holding that figure (raw: the adjusted-Wald or Wilson interval of the responders; "
        "weighted: linearisation on the calibration residuals with the finite-population correction, "
        "Student's t). Cells with fewer than 20 responders are left unweighted. With "
        f"{args.replications} replications a coverage near 95% has a Monte Carlo standard error of "
        f"{100 * math.sqrt(0.95 * 0.05 / args.replications):.1f} points.\n\n"
        + "\n".join(sections)
        + "\n"
        + READING
    )
    if not args.no_write:
        write_section("weighting", markdown)


if __name__ == "__main__":
    main()
