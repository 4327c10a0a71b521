"""Non-response weighting through the product: a program's invitations in the store, end to end.

A program invites 20,000 customers (plan × region, written straight into the store's tables as
invitations, conversations, messages and responses). Every customer has a true score that depends
on their plan; the chance to answer depends on plan and region only, so the attributes the program
names explain who answered and weighting should remove the bias. The benchmark reads the figures the
way a team would (GET /v1/funnel and GET /v1/metrics through the app in-process) and reports:

- the raw and the weighted NPS against the true NPS of everyone invited, and whether the weighted
  interval covers it (one draw per seed, over a few seeds: a sanity check, not a coverage study;
  that is `bench.weighting`);
- the time of GET /v1/funnel, and of GET /v1/metrics with ``weighting=raw`` and with both (the
  default), median of repeated calls.

    python -m bench.weighted_store [--invited 20000] [--seeds 3] [--repeats 5]
"""

from __future__ import annotations

import argparse
import ast
import os
import statistics
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from fastapi.testclient import TestClient
from sqlalchemy import Engine, insert

from askwhy.bootstrap import bootstrap
from askwhy.service import api_keys
from askwhy.service.app import create_app
from askwhy.settings import Settings
from askwhy.store import migrate
from askwhy.store.base import new_id
from askwhy.store.program_tables import ContactDecision, MomentEvent, ProgramRow
from askwhy.store.tables import Contact, Conversation, Message, Response
from bench.common import ROOT, machine, write_section

PROGRAM = "renewal"
PLANS = {"basic": (0.6, 0.30, 8.6), "pro": (0.3, 0.12, 6.4), "enterprise": (0.1, 0.04, 4.0)}
"""Plan → (share of the invited, chance to answer, mean true score 0–10)."""
REGIONS = {"eu": (0.5, 1.3), "us": (0.5, 0.7)}
"""Region → (share of the invited, multiplier on the chance to answer)."""
PLANS_TRIED = (
    {"method": "raking", "segments": ["plan", "region"], "trim_at": 5},
    {"method": "raking", "segments": ["plan", "region"], "trim_at": 20},
    {"method": "post-stratification", "segments": ["plan", "region"], "trim_at": 20},
    {"method": "propensity", "segments": ["plan", "region"], "trim_at": 20},
)
"""The program's weighting section, in turn: the first as a team would write it (the default trimming)."""
START = datetime(2026, 3, 2, tzinfo=UTC)


def seed(engine: Engine, *, invited: int, rng: np.random.Generator) -> float:
    """Write the program and its invitations; returns the true NPS of everyone invited."""
    plans = rng.choice(list(PLANS), size=invited, p=[v[0] for v in PLANS.values()])
    regions = rng.choice(list(REGIONS), size=invited, p=[v[0] for v in REGIONS.values()])
    means = np.array([PLANS[p][2] for p in plans])
    scores = np.clip(np.rint(rng.normal(means, 2.0)), 0, 10).astype(int)
    chance = np.array([PLANS[p][1] * REGIONS[r][1] for p, r in zip(plans, regions, strict=True)])
    answers = rng.random(invited) < chance
    truth = 100.0 * (np.mean(scores >= 9) - np.mean(scores <= 6))
    rows: dict[Any, list[dict[str, Any]]] = {t: [] for t in ("contacts", "events", "conversations",
                                                              "decisions", "messages", "responses")}  # fmt: skip
    for i in range(invited):
        at = START + timedelta(seconds=i)
        contact, event, conversation = new_id(), new_id(), new_id()
        answered = bool(answers[i])
        rows["contacts"].append({"id": contact, "attributes": {}, "created_at": at})
        rows["events"].append({"id": event, "contact_id": contact, "moment": "renewal_due", "occurred_at": at,
                               "attributes": {"plan": plans[i], "region": regions[i]}, "received_at": at})  # fmt: skip
        rows["conversations"].append({"id": conversation, "contact_id": contact, "program": PROGRAM,
                                      "guide_id": "post-checkout", "channel": "email", "language": "en",
                                      "status": "completed" if answered else "abandoned", "state": {},
                                      "simulated": False, "started_at": at, "last_activity_at": at})  # fmt: skip
        rows["decisions"].append({"event_id": event, "contact_id": contact, "program": PROGRAM, "kind": "invited",
                                  "reason": "eligible", "channel": "email", "send_at": at,
                                  "conversation_id": conversation, "decided_at": at})  # fmt: skip
        rows["messages"].append({"conversation_id": conversation, "seq": 1, "direction": "out", "channel": "email",
                                 "text": "How likely…?", "status": "delivered", "created_at": at,
                                 "delivered_at": at, "choices": [], "payload": {}})  # fmt: skip
        if answered:
            score = int(scores[i])
            band = "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"
            rows["responses"].append({"id": new_id(), "conversation_id": conversation, "contact_id": contact,
                                      "program": PROGRAM, "guide_id": "post-checkout", "channel": "email",
                                      "metric": "nps", "score": score, "band": band, "answers": [],
                                      "comment": "", "source": "conversation", "language": "en",
                                      "completion": "completed", "simulated": False, "segment": {},
                                      "responded_at": at, "updated_at": at})  # fmt: skip
    tables = {"contacts": Contact, "events": MomentEvent, "conversations": Conversation,
              "decisions": ContactDecision, "messages": Message, "responses": Response}  # fmt: skip
    with engine.begin() as connection:
        definition = {"id": PROGRAM, "name": "Renewal", "guide": "post-checkout", "moments": ["renewal_due"],
                      "channels": [{"channel": "email", "consent": "none"}], "weighting": PLANS_TRIED[0]}  # fmt: skip
        connection.execute(insert(ProgramRow), [{"id": PROGRAM, "guide_id": "post-checkout", "definition": definition,
                                                 "source": "bench", "checksum": "0", "active": True,
                                                 "synced_at": START}])  # fmt: skip
        for name, table in tables.items():
            for start in range(0, len(rows[name]), 5_000):
                connection.execute(insert(table), rows[name][start : start + 5_000])
    return float(truth)


def timed(
    client: TestClient, path: str, params: dict[str, str], repeats: int
) -> tuple[float, dict[str, Any]]:
    """Median seconds of ``repeats`` GETs, and the last answer."""
    seconds, body = [], {}
    for _ in range(repeats):
        began = time.perf_counter()
        answer = client.get(path, params=params)
        seconds.append(time.perf_counter() - began)
        assert answer.status_code == 200, answer.text
        body = answer.json()
    return statistics.median(seconds), body


def one_run(*, invited: int, seed_value: int, repeats: int) -> dict[str, Any]:
    """One population: the funnel and the metrics timed under the first plan, then each plan's figures."""
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(database_url=f"sqlite:///{folder}/bench.db", data_dir=Path(folder), seed_demo=False,
                            queue_inline=True, guides_dir=ROOT / "examples" / "guides")  # fmt: skip
        container = bootstrap(settings)
        try:
            migrate.upgrade(container.engine)
            truth = seed(container.engine, invited=invited, rng=np.random.default_rng(seed_value))
            with container.sessions.begin() as session:
                _, key = api_keys.create_key(session=session, name="bench", scopes=["read"], now=START)
            plans = []
            with TestClient(create_app(container), headers={"X-API-Key": key}) as client:
                funnel_s, funnel = timed(client, "/v1/funnel", {"program": PROGRAM}, repeats)
                raw_s, _ = timed(client, "/v1/metrics", {"program": PROGRAM, "weighting": "raw"}, repeats)
                both_s, both = timed(client, "/v1/metrics", {"program": PROGRAM}, repeats)
                for plan in PLANS_TRIED:
                    with container.sessions.begin() as session:
                        row = session.get(ProgramRow, PROGRAM)
                        assert row is not None
                        row.definition = {**row.definition, "weighting": plan}
                    _, answer = timed(client, "/v1/metrics", {"program": PROGRAM, "weighting": "weighted"}, 1)
                    plans.append((plan, answer["weighted"]))
        finally:
            container.close()
    return {
        "seed": seed_value,
        "truth": truth,
        "raw": both["overall"],
        "plans": plans,
        "under_heard": funnel["under_heard"],
        "funnel_s": funnel_s,
        "raw_s": raw_s,
        "both_s": both_s,
    }


def report(runs: Sequence[dict[str, Any]], *, invited: int, repeats: int, load: float) -> str:
    first = runs[0]
    lines = [
        "## Non-response weighting through the product (a program's invitations in the store)",
        "",
        f"`nice -n 10 python -m bench.weighted_store --invited {invited} --seeds {len(runs)} --repeats {repeats}`, "
        f"SQLite, the app in-process; {machine()}; load average {load:.1f} at the start (other work was "
        "running on the machine).",
        "",
        f"{invited:,} customers invited by one program (plan: basic 60%, pro 30%, enterprise 10%; region "
        "eu/us), each with a true score that depends on the plan; the chance to answer depends on plan "
        "and region only (basic 30%, pro 12%, enterprise 4%, × 1.3 in the eu and × 0.7 in the us), so the "
        "segments the program names explain who answered. Each seed is one draw of the whole population; "
        "the truth is the NPS of everyone invited. The figures are GET /v1/metrics' `weighted` part under "
        "each weighting section in turn.",
        "",
        f"Under-heard segments found by GET /v1/funnel (seed {first['seed']}): {', '.join(first['under_heard'])}.",
        "",
        "| seed | weighting | responders | true NPS | raw NPS (95% CI) | weighted NPS (95% CI) | raw bias "
        "| weighted bias | covered | design effect | trimmed |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | :---: | ---: | ---: |",
    ]
    for r in runs:
        raw, truth = r["raw"], r["truth"]
        for plan, w in r["plans"]:
            m = w["metric"]
            covered = m["low"] is not None and m["low"] <= truth <= m["high"]
            lines.append(
                f"| {r['seed']} | {plan['method']}, trim at {plan['trim_at']}× | {w['n']:,} | {truth:.1f} | "
                f"{raw['value']:.1f} ({raw['low']:.1f} to {raw['high']:.1f}) | {m['weighted']:.1f} ({m['low']:.1f} "
                f"to {m['high']:.1f}) | {raw['value'] - truth:+.1f} | {m['weighted'] - truth:+.1f} | "
                f"{'yes' if covered else 'no'} | {w['design_effect']:.2f} | {w['trimmed']} |"
            )
    lines += ["", "Per weighting section, over the seeds:", ""]
    for k, (plan, _) in enumerate(first["plans"]):
        biases = [r["plans"][k][1]["metric"]["weighted"] - r["truth"] for r in runs]
        raw_biases = [r["raw"]["value"] - r["truth"] for r in runs]
        covered = sum(
            r["plans"][k][1]["metric"]["low"] <= r["truth"] <= r["plans"][k][1]["metric"]["high"]
            for r in runs
        )
        half = abs(statistics.mean(biases)) <= abs(statistics.mean(raw_biases)) / 2
        lines.append(
            f"- {plan['method']}, trim at {plan['trim_at']}×: mean bias {statistics.mean(biases):+.1f} against "
            f"the raw {statistics.mean(raw_biases):+.1f} ({'at most' if half else 'more than'} half the raw "
            f"bias); the 95% interval covered the truth in {covered} of {len(runs)} seeds."
        )
    median = {k: statistics.median(r[k] for r in runs) * 1000 for k in ("funnel_s", "raw_s", "both_s")}
    lines += [
        "",
        f"Time of a call (median over seeds of the median of {repeats} calls, under the first weighting "
        f"section): GET /v1/funnel {median['funnel_s']:.0f} ms; GET /v1/metrics with `weighting=raw` "
        f"{median['raw_s']:.0f} ms, with raw and weighted (the default) {median['both_s']:.0f} ms. No target "
        "was set for these. The funnel reads the invitations counted by the database; the weighted part "
        "reads those counts and each answered invitation (one row each), then the themes and sentiments "
        "of the responders, on each API call (the workspace overview reuses it while the data is unchanged).",
    ]
    return "\n".join(lines)


def from_log(path: Path) -> list[dict[str, Any]]:
    """The runs a previous invocation printed (one dict a line), to rewrite the section without rerunning."""
    return [ast.literal_eval(line) for line in path.read_text().splitlines() if line.startswith("{'seed'")]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--invited", type=int, default=20_000)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    load = os.getloadavg()[0]
    runs = []
    for seed_value in range(1, args.seeds + 1):
        runs.append(one_run(invited=args.invited, seed_value=seed_value, repeats=args.repeats))
        print(runs[-1], flush=True)
    markdown = report(runs, invited=args.invited, repeats=args.repeats, load=load)
    print(markdown)
    write_section("weighted-store", markdown)


if __name__ == "__main__":
    main()
