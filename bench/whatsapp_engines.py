"""The WhatsApp benchmark's comparison of the two databases (`bench.whatsapp_webhooks`): SQLite and
PostgreSQL + Redis at each worker count, side by side, each as a share of the bare endpoint."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bench.whatsapp_webhooks import Result


def engines_report(
    results: Sequence[Result], details: str, *, workers: Sequence[int], bare_rate: float
) -> str:
    """The comparison table, then ``details`` (the benchmark's own report of every setup).

    ``results`` alternate SQLite and PostgreSQL, one pair per worker count in ``workers``;
    ``bare_rate`` is the bare endpoint's requests a second in the same run."""
    lines = [
        "## WhatsApp webhooks: SQLite and PostgreSQL + Redis, 1, 2 and 4 workers",
        "",
        "Both databases at each worker count, one after the other in one run: SQLite, `askwhy serve` "
        "with ASKWHY_WORKER_PROCESSES conversation workers (and the analysis worker and webhook inbox "
        "storer it starts); PostgreSQL, `askwhy serve` beside that many `askwhy worker --queue conversations` "
        "processes and one `askwhy worker --queue analysis` on a Redis queue. CPU: askwhy's processes, user + system, per customer message.",
        "",
        "| workers | SQLite messages/s | PostgreSQL messages/s | PostgreSQL / SQLite | SQLite / bare | "
        "PostgreSQL / bare | CPU a message, SQLite / PostgreSQL | reply p99, SQLite / PostgreSQL |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    pairs = [(count, results[2 * i], results[2 * i + 1]) for i, count in enumerate(workers)]
    for count, sqlite, postgres in pairs:
        lines.append(
            f"| {count} | {sqlite.rate:.0f} | {postgres.rate:.0f} | {postgres.rate / sqlite.rate:.2f} | "
            f"{sqlite.rate / bare_rate:.1%} | {postgres.rate / bare_rate:.1%} | "
            f"{_cpu_ms(sqlite):.1f} / {_cpu_ms(postgres):.1f} ms | "
            f"{_p99(sqlite.to_reply):.2f} / {_p99(postgres.to_reply):.2f} s |"
        )
    met = all(postgres.rate >= sqlite.rate for _, sqlite, postgres in pairs)
    lines += [
        "",
        "Target: PostgreSQL + Redis at least as fast as SQLite at each worker count "
        f"({'met' if met else 'not met'} in this run).",
        "",
        details.split("\n", 1)[1].lstrip("\n"),  # the setups' own report, without its title
    ]
    return "\n".join(lines)


def _cpu_ms(result: Result) -> float:
    return result.server_cpu * 1000 / result.messages


def _p99(values: Sequence[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] if ordered else float("nan")
