"""How fast a help request becomes a case the team sees, on the real `askwhy serve` (SQLite, with its
own queue workers): a web chat customer writes "my parcel is lost, can someone call me?", and we
time from the moment the chat answered them to the case listed by `GET /v1/cases` (what the Cases
tab reads) and to the owner's notice at a local fake Slack, one customer at a time.

    python -m bench.case_freshness --runs 10
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from askwhy.bootstrap import bootstrap
from askwhy.service import api_keys
from askwhy.settings import Settings
from askwhy.store import alert_rules, migrate
from bench.chaos_faults import Askwhy
from bench.common import ROOT, machine, write_section
from bench.whatsapp_webhooks import free_port
from tests.cases.conftest import PROGRAM, TEAM, write_program
from tests.fakes.alert_receivers import FakeSlack

HELP = "my parcel is lost, can someone call me?"
TARGET_SECONDS = 10.0
"""The issue's bar: the case is in the team's queue within 10 s."""
GIVE_UP_SECONDS = 60.0


@dataclass(frozen=True)
class Run:
    to_case: float | None
    to_notice: float | None


def environment(folder: Path) -> dict[str, str]:
    return {
        "ASKWHY_DATA_DIR": str(folder), "ASKWHY_SEED_DEMO": "false", "ASKWHY_LOG_LEVEL": "WARNING",
        "ASKWHY_GUIDES_DIR": str(ROOT / "examples" / "guides"), "ASKWHY_PROGRAMS_DIR": str(folder / "programs"),
        "ASKWHY_RATE_LIMIT_CONVERSATION_STARTS": "100000/minute",
        "ASKWHY_RATE_LIMIT_CHAT_REQUESTS_PER_ADDRESS": "100000/minute",
    }  # fmt: skip


def prepare(env: dict[str, str], slack: FakeSlack) -> str:
    """Write the program (its care team told through Slack), migrate, add the destination; an API key."""
    team = {**TEAM, "notify": ["care-slack"], "business_hours": dict.fromkeys(
        ("mon", "tue", "wed", "thu", "fri", "sat", "sun"), "00:00-24:00")}  # fmt: skip
    write_program(Path(env["ASKWHY_PROGRAMS_DIR"]), {**PROGRAM, "teams": [team], "case_rules": []})
    settings = Settings(**{k.removeprefix("ASKWHY_").lower(): v for k, v in env.items()})  # type: ignore[arg-type]
    container = bootstrap(settings)
    try:
        migrate.upgrade(container.engine)
        now = container.clock.now()
        with container.sessions.begin() as session:
            alert_rules.add_destination(
                session=session, name="care-slack", kind="slack", target=slack.url, secret=None, now=now
            )
            _, key = api_keys.create_key(session=session, name="bench", scopes=["read"], now=now)
        return key
    finally:
        container.close()


def one_customer(client: httpx.Client, key: str, slack: FakeSlack, seen: int) -> Run:
    started = client.post("/v1/conversations", json={"program": PROGRAM["id"]})
    started.raise_for_status()
    opened = started.json()
    chat = {"Authorization": f"Bearer {opened['token']}"}
    answered = client.post(
        f"/v1/conversations/{opened['conversation_id']}/messages", json={"text": HELP}, headers=chat
    )
    answered.raise_for_status()
    t0 = time.monotonic()
    to_case = to_notice = None
    while time.monotonic() - t0 < GIVE_UP_SECONDS and (to_case is None or to_notice is None):
        if to_case is None:
            listed = client.get(
                "/v1/cases", params={"program": PROGRAM["id"]}, headers={"Authorization": f"Bearer {key}"}
            )
            if any(case["conversation_id"] == opened["conversation_id"] for case in listed.json()["cases"]):
                to_case = time.monotonic() - t0
        if to_notice is None and len(slack.accepted) > seen:
            to_notice = time.monotonic() - t0
        time.sleep(0.05)
    return Run(to_case, to_notice)


def measure(runs: int, settle: float = 0.0) -> tuple[list[Run], str]:
    with tempfile.TemporaryDirectory() as folder, FakeSlack() as slack:
        env = environment(Path(folder))
        key = prepare(env, slack)
        system = Askwhy(env, logs=Path(folder), port=free_port(), workers=0)
        system.start()
        time.sleep(settle)  # let the server's queue workers finish starting, when asked to
        load = os.getloadavg()
        try:
            with httpx.Client(base_url=system.base, timeout=30) as client:
                found = []
                for number in range(runs):
                    found.append(one_customer(client, key, slack, seen=len(slack.accepted)))
                    print(number, found[-1], flush=True)
                    time.sleep(0.5)
        finally:
            system.stop()
        after = os.getloadavg()
    return found, f"load average {load[0]:.1f} at the start, {after[0]:.1f} at the end"


def spread(values: list[float | None]) -> str:
    got = sorted(v for v in values if v is not None)
    if not got:
        return "none arrived"
    middle = got[len(got) // 2]
    missing = len(values) - len(got)
    return f"median {middle:.2f} s, max {got[-1]:.2f} s" + (
        f", {missing} never within 60 s" if missing else ""
    )


def results(runs: list[Run], load: str) -> str:
    first, rest = runs[0], runs[1:]
    cases = [run.to_case for run in runs]
    within = sum(1 for value in cases if value is not None and value <= TARGET_SECONDS)
    verdict = "met" if within == len(runs) else f"missed by {len(runs) - within} of {len(runs)}"
    return f"""## Close-the-loop cases: from a help request to the team's queue

`python -m bench.case_freshness --runs {len(runs)}` (nice -n 10). Machine: {machine()}; {load},
shared with other work. The real `askwhy serve` on SQLite with its own queue workers; {len(runs)}
web chat customers one after another each write "{HELP}"; the clock starts when the chat has
answered them. The first customer comes as soon as the server answers `/healthz`, while its queue
workers may still be starting; the others after it.

| from the chat's answer to | first customer after start | the other {len(rest)} |
| --- | --- | --- |
| the case listed by `GET /v1/cases` (what the Cases tab reads) | {_one(first.to_case)} | {spread([r.to_case for r in rest])} |
| the owner's notice at the team's Slack destination (a local fake) | {_one(first.to_notice)} | {spread([r.to_notice for r in rest])} |

The issue's target, the case in the team's queue within {TARGET_SECONDS:.0f} s: {verdict}
({within} of {len(runs)} within it). One customer at a time: this says how fresh the queue is,
not how many help requests a second the server takes.
"""


def _one(value: float | None) -> str:
    return f"{value:.2f} s" if value is not None else "not within 60 s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--settle", type=float, default=0.0, help="Seconds to wait after start-up.")
    parser.add_argument("--write", action="store_true", help="Write the section of docs/benchmarks.md.")
    arguments = parser.parse_args()
    runs, load = measure(arguments.runs, arguments.settle)
    text = results(runs, load)
    print(text)
    if arguments.write:
        write_section("case-freshness", text)


if __name__ == "__main__":
    main()
