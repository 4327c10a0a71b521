"""`make bench`: every benchmark in turn; each writes its section of docs/benchmarks.md.

Run one alone with `python -m bench.<name>`. Timings mean something only on an otherwise idle
machine: each section records the machine and, where it matters, its load.
"""

from __future__ import annotations

import subprocess
import sys

BENCHMARKS = [
    ["bench.interviewer_latency"],
    ["bench.webchat_http"],
    ["bench.whatsapp_webhooks"],
    ["bench.hostile_input"],
    ["bench.sentiment_quality"],
    ["bench.themes_quality"],
    ["bench.speed"],
    ["bench.weighting"],
    ["bench.weighted_store"],
    ["bench.emerging_issues"],
    ["bench.alert_freshness"],
    ["bench.workspace_pages"],
    ["bench.speech"],
    ["bench.chaos"],
]


def main() -> int:
    failed = []
    for module in BENCHMARKS:
        print(f"\n== python -m {' '.join(module)}", flush=True)
        if subprocess.run([sys.executable, "-m", *module], check=False).returncode != 0:
            failed.append(module[0])
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
