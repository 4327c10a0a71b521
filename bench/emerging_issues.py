"""Emerging issues: false alarms on null streams and detection delay on injected rises.

    nice -n 10 .venv/bin/python -m bench.emerging_issues

The replays (`bench.emerging_streams`) are built from real labelled data. Null streams: 2 years of
every theme at 100, 300 and 1,000 responses a day. Injected issues: one theme's share times 1.5, 2
or 3 from a random day, and a brand-new theme at 2% of responses, at each volume, 20 runs each.
askwhy is run as the product runs it: its two tests (the day so far, `bench.emerging_rules`; a
sustained rise over recent days, `bench.emerging_runs`) after every response, either one alarming,
each at half the false-alarm budget. The other rules are in `bench.emerging_rules`. The z-score is
also run with its threshold raised, per volume, until its false alarms on the null streams match
askwhy's (the closest in steps of 0.05σ, the lower threshold on a tie), and detection is compared
at that matched rate. A delay counts a missed rise as never, so a rule that finds a rise in fewer
than half the runs has no median delay ("> 28 d"). The metric-drop detector is measured in the same
run (`bench.emerging_metric_drops`).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bench.common import machine, write_section
from bench.emerging_metric_drops import metric_drop_section
from bench.emerging_rules import BASELINE, DESIGN, Baselines, Scores, change, ours, zscore
from bench.emerging_runs import WINDOW, either, sustained
from bench.emerging_streams import (
    HORIZON,
    RATIOS,
    RUNS,
    VOLUMES,
    YEARS,
    Replay,
    Stream,
    injections,
    nulls,
    replays,
)

Z_STEPS = np.round(np.arange(2.0, 8.001, 0.05), 2)


def scored(streams: Sequence[Stream], rng: np.random.Generator) -> dict[str, list[Scores]]:
    """Every rule's scores on every stream: computed once, tried at any threshold (askwhy's at 0)."""
    out: dict[str, list[Scores]] = {
        k: [] for k in ("as run", "daily", "day so far", "sustained", "z", "change")
    }
    for s in streams:
        baselines = Baselines(s.counts, s.totals)
        daily, looks = ours(s.counts, s.totals, s.days, rng, baselines)
        run_daily, run_looks = sustained(s.counts, s.totals, s.days, rng, baselines)
        out["as run"].append(either(looks, run_looks))
        out["daily"].append(either(daily, run_daily))
        out["day so far"].append(looks)
        out["sustained"].append(run_looks)
        out["z"].append(zscore(s.counts, s.totals, s.days))
        out["change"].append(change(s.counts, s.totals, s.days))
    return out


def false_alarms(scores: Sequence[Scores], streams: Sequence[Stream], threshold: float) -> float:
    alarms = sum(len(sc.alarms(threshold, s.days)) for sc, s in zip(scores, streams, strict=True))
    return alarms / (sum(len(s.days) for s in streams) / 365.25)


def matched_z(z_scores: Sequence[Scores], streams: Sequence[Stream], target: float) -> tuple[float, float]:
    """The z threshold whose false alarms are closest to ``target`` (the lower on a tie), and its rate."""
    rates = [(abs(false_alarms(z_scores, streams, t) - target), float(t)) for t in Z_STEPS]
    threshold = min(rates)[1]
    return threshold, false_alarms(z_scores, streams, threshold)


@dataclass(frozen=True)
class Detection:
    found: float
    days: float
    """The median delay in days (the day of the alarm counted whole; inf when fewer than half found)."""
    hours: float
    responses: float


def detection(scores: Sequence[Scores], streams: Sequence[Stream], threshold: float) -> Detection:
    """Share found within the horizon; median delays with misses counted as never."""
    days: list[float] = []
    hours: list[float] = []
    responses: list[float] = []
    for sc, s in zip(scores, streams, strict=True):
        fired = sc.alarms(threshold, s.days)
        if not fired:
            for series in (days, hours, responses):
                series.append(np.inf)
            continue
        day, part = fired[0], float(sc.part[fired[0]])
        days.append(day - s.start + 1)
        hours.append(24 * (day - s.start + part))
        responses.append(float(s.totals[s.start : day].sum() + round(part * s.totals[day])))
    found = float(np.mean(np.isfinite(days)))
    return Detection(found, float(np.median(days)), float(np.median(hours)), float(np.median(responses)))


def _cell(d: Detection, *, unit: str = "d") -> str:
    if not np.isfinite(d.days):
        return f"{d.found:.0%}, > {HORIZON} d"
    delay = f"{d.hours:.0f} h" if unit == "h" else f"{d.days:g} d"
    return f"{d.found:.0%}, {delay}, {d.responses:,.0f}"


def scenario_name(ratio: float, volume: int) -> str:
    return f"new theme at 2%, {volume:,}/day" if ratio == 0 else f"{ratio:g}× at {volume:,}/day"


def one_replay(rng: np.random.Generator, replay: Replay) -> tuple[list[str], list[tuple[bool, bool]]]:
    """The replay's two tables, and for each scenario whether askwhy was at least as fast as the
    matched z-score (found at least as often, median delay no longer): as run, and as a daily test."""
    false_rows, run_z, daily_z = [], {}, {}
    for volume in VOLUMES:
        streams = nulls(rng, replay, volume)
        s = scored(streams, rng)
        run_rate = false_alarms(s["as run"], streams, 0.0)
        daily_rate = false_alarms(s["daily"], streams, 0.0)
        parts = [false_alarms(s[k], streams, 0.0) for k in ("day so far", "sustained")]
        run_z[volume], run_z_rate = matched_z(s["z"], streams, run_rate)
        daily_z[volume], daily_z_rate = matched_z(s["z"], streams, daily_rate)
        false_rows.append(
            f"| {volume:,}/day | **{run_rate:.2f}** | {parts[0]:.2f} | {parts[1]:.2f} | {daily_rate:.2f} | "
            f"{false_alarms(s['z'], streams, 2.0):.2f} | "
            f"{false_alarms(s['change'], streams, 1.5):.2f} | {run_z[volume]:g}σ: {run_z_rate:.2f} | "
            f"{daily_z[volume]:g}σ: {daily_z_rate:.2f} |"
        )
        print(replay.name, false_rows[-1], flush=True)
    lines = [
        f"### {replay.name}: {len(replay.shares)} themes",
        "",
        f"False alarms per theme-year on null streams ({YEARS} years × {len(replay.shares)} themes per volume):",
        "",
        "| volume | askwhy as run (after every response) | of it: day so far | of it: sustained "
        "| askwhy, one test per day | z-score 2σ | change ≥ 1.5× | z-score matched to askwhy as run "
        "| z-score matched to askwhy daily |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        *false_rows,
        "",
        f"Detection of injected rises ({RUNS} runs each): found within {HORIZON} days, median delay (hours "
        "for askwhy as run, whole days for the daily rules), median responses since the rise began:",
        "",
        "| injected | askwhy as run | z matched to as run | askwhy daily | z matched to daily | z-score 2σ "
        "| change ≥ 1.5× | at least as fast as matched z: as run, daily |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    verdicts = []
    for ratio in RATIOS:
        for volume in VOLUMES:
            streams = injections(rng, replay, ratio=ratio, volume=volume)
            s = scored(streams, rng)
            run = detection(s["as run"], streams, 0.0)
            daily = detection(s["daily"], streams, 0.0)
            z_run = detection(s["z"], streams, run_z[volume])
            z_daily = detection(s["z"], streams, daily_z[volume])
            verdict = (
                run.found >= z_run.found and run.hours <= z_run.hours,
                daily.found >= z_daily.found and daily.days <= z_daily.days,
            )
            verdicts.append(verdict)
            lines.append(
                f"| {scenario_name(ratio, volume)} | {_cell(run, unit='h')} | {_cell(z_run)} | {_cell(daily)} | "
                f"{_cell(z_daily)} | {_cell(detection(s['z'], streams, 2.0))} | "
                f"{_cell(detection(s['change'], streams, 1.5))} | "
                + ", ".join("yes" if v else "**no**" for v in verdict)
                + " |"
            )
            print(replay.name, lines[-1], flush=True)
    return [*lines, ""], verdicts


def main() -> None:
    started = time.perf_counter()
    rng = np.random.default_rng(20261207)
    lines = [
        "## Emerging issues: false alarms and detection delay",
        "",
        "Command: `nice -n 10 .venv/bin/python -m bench.emerging_issues`. "
        f"Machine: {machine()}. Each replay: weekly seasonality, negative-binomial volume and "
        f"Dirichlet-drifting shares. askwhy runs two tests, each at half the budget, and alarms when "
        f"either does: the day so far against a {DESIGN.baseline_periods}-day baseline ending "
        f"{DESIGN.guard_periods} days before it (each look at α / (2·ln n)), and a sustained rise "
        "(CUSUMs of log-likelihood ratios for a share "
        + " and ".join(f"{r:g}×" for r in DESIGN.sustained_ratios)
        + " the baseline's, "
        f"runs beginning in the last {WINDOW} days, against the {DESIGN.baseline_periods} days before "
        f"them, threshold ln(365 · {len(DESIGN.sustained_ratios)} / 0.5)); the other rules use the "
        f"{BASELINE} days before the day tested. Gates of {DESIGN.min_mentions} mentions (askwhy: {DESIGN.min_excess:g} more than "
        f"expected, over the run for the sustained test) and a {DESIGN.cooldown_periods}-day cooldown "
        f"for every rule. Design target: ≤ {DESIGN.false_alarms_per_theme_year:g} false alarm per "
        "theme-year.",
        "",
    ]
    verdicts: list[tuple[bool, bool]] = []
    for replay in replays():
        section, found = one_replay(rng, replay)
        lines += section
        verdicts += found
    lines.append(
        f"askwhy at least as fast as the z-score at the same false-alarm rate: as run, "
        f"{sum(v[0] for v in verdicts)} of {len(verdicts)} scenarios; as a daily test, "
        f"{sum(v[1] for v in verdicts)} of {len(verdicts)}."
    )
    lines.append("")
    lines += metric_drop_section(rng)
    lines.append(f"Run time: {time.perf_counter() - started:.0f} s.")
    write_section("emerging", "\n".join(lines))


if __name__ == "__main__":
    main()
