"""Speed of `askwhy analyze` on the clothing reviews, against the stock embedding floor, in one run.

Run: `python -m bench.speed` (all 23k reviews) or `python -m bench.speed --rows 3000` (the first rows);
`--precisions auto,float32` chooses the embedding precisions to run (default: auto, float32 and int8);
`--no-latency` leaves out the one-response latency test.

1. The floor: stock sentence-transformers (the same model, `model.encode(texts)` with its default
   settings) encoding the same texts `askwhy analyze` is given, every review once as written, in a
   child process, before and after the runs (the load of a shared machine drifts). Beside it, the
   same stock encode with OpenMP's threads sleeping while they wait (`OMP_WAIT_POLICY=PASSIVE`, as
   askwhy's embedding adapter sets), so like is also compared with like.
2. The whole `askwhy analyze` (import, enrich, discover, metrics, drivers, report) in a child
   process, as shipped (precision "auto": bfloat16 where the CPU has it natively), and in the other
   precisions asked for: wall time, process CPU time (user + system, from wait4) and peak RSS, and
   the mean cosine between the embeddings it stored and the stock ones for the same sentences.
   On a shared machine wall time follows the load; CPU time is the fairer comparison.
3. One new response analysed end to end, warm (redact, split, embed, sentiment, store, assign to
   the codebook): 200 responses, p50 and p95.
Results go to docs/benchmarks.md (section "speed").
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import DATA, machine, write_section

REVIEWS = DATA / "womens-clothing-reviews.csv"
LOAD_AT_START = os.getloadavg()[0]
TEXT, SCORE = "Review Text", "Rating"
ANALYZE = ["--text", TEXT, "--score", SCORE, "--metric", "csat", "--segment", "Department Name",
           "--segment", "Division Name"]  # fmt: skip
LATENCY_RESPONSES = 200
CLI = "from askwhy.cli import main; main()"
LATENCY_ENV = {"ASKWHY_EMBEDDING_THREADS": "1"}
LABELS = {
    "auto": "as shipped, precision auto",
    "float32": "float32",
    "bfloat16": "bfloat16",
    "int8": "int8 dynamic quantisation",
}
"""One torch thread per analysis, as for a worker thread handling one closed conversation at a time."""

FLOOR = """
import json, resource, sys, time
import numpy as np
from sentence_transformers import SentenceTransformer
from askwhy.analysis.embeddings import model_location
def cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
texts = json.load(open(sys.argv[1]))
started = time.perf_counter()
model = SentenceTransformer(model_location("all-MiniLM-L6-v2"), device="cpu")
loaded, before = time.perf_counter(), cpu()
vectors = model.encode(texts)
done = time.perf_counter()
np.save(sys.argv[2], np.asarray(vectors, dtype=np.float32))
print(json.dumps({"load": loaded - started, "encode": done - loaded, "encode_cpu": cpu() - before}))
"""
SLEEPING = {"OMP_WAIT_POLICY": "PASSIVE"}
"""The floor with OpenMP's threads sleeping while they wait; without it, OpenMP's default (spin a while)."""
AGREEMENT_SAMPLE = 2000
"""Stored sentences compared with the stock model's embedding of the same text."""

LATENCY = """
import json, shutil, sys, time, numpy as np
from pathlib import Path
from askwhy.bootstrap import bootstrap
from askwhy.settings import Settings
from askwhy.store.tables import Response
from askwhy.tasks.analysis import analyse
db, texts = Path(sys.argv[1]), json.load(open(sys.argv[2]))
settings = Settings(database_url=f"sqlite:///{db}", data_dir=db.parent, queue_inline=True)
container = bootstrap(settings)
container.embedder.encode(["warm up"])
def one(i, text):
    now = container.clock.now()
    with container.sessions.begin() as session:
        row = Response(program="latency", guide_id="import", channel="web", metric="csat", score=3,
                       band="passive", comment=text, source="import", external_id=f"latency-{i}", language="",
                       completion="completed", responded_at=now, updated_at=now)
        session.add(row)
    started = time.perf_counter()
    analyse(container, row.id)
    return time.perf_counter() - started
for i, text in enumerate(texts[:5]):
    one(-1 - i, text)
times = [one(i, text) for i, text in enumerate(texts)]
print(json.dumps({"p50": float(np.percentile(times, 50)), "p95": float(np.percentile(times, 95)),
                  "max": max(times), "n": len(times)}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=None, help="Only the first ROWS reviews (default: all).")
    parser.add_argument(
        "--precisions", default="auto,float32,int8", help="Embedding precisions to run, comma-separated."
    )
    parser.add_argument("--no-latency", action="store_true", help="Leave out the one-response latency test.")
    args = parser.parse_args()
    precisions = [p.strip() for p in args.precisions.split(",") if p.strip()]
    with tempfile.TemporaryDirectory(prefix="askwhy-speed-") as scratch:
        work = Path(scratch)
        source, latency_texts = _input(work, args.rows)
        texts = _texts(source)
        (work / "texts.json").write_text(json.dumps(texts))
        floors = [_child([sys.executable, "-c", FLOOR, str(work / "texts.json"), str(work / "floor.npy")])]
        runs = {}
        for name in precisions:
            env = {"ASKWHY_EMBEDDING_PRECISION": name}
            out = work / name
            run = _child([sys.executable, "-c", CLI, "analyze", str(source), "--out", str(out), *ANALYZE],
                         env=env, output=False)  # fmt: skip
            run["agreement"] = _agreement(work, out / "askwhy.db")
            runs[name] = run
        # The floor again, after: on a shared machine the load drifts, so the base is the mean of both.
        floors.append(
            _child([sys.executable, "-c", FLOOR, str(work / "texts.json"), str(work / "floor.npy")])
        )
        sleeping = _child(
            [sys.executable, "-c", FLOOR, str(work / "texts.json"), str(work / "floor.npy")], env=SLEEPING
        )
        latency = None
        if not args.no_latency:
            (work / "latency.json").write_text(json.dumps(latency_texts))
            latency = _child(
                [sys.executable, "-c", LATENCY, str(work / precisions[0] / "askwhy.db"), str(work / "latency.json")],
                env={**LATENCY_ENV, "ASKWHY_EMBEDDING_PRECISION": precisions[0]},
            )  # fmt: skip
        report = _markdown(
            args.rows, len(texts), _units(work / precisions[0] / "askwhy.db"), floors, sleeping, runs,
            latency, precisions[0],
        )  # fmt: skip
    write_section("speed", report)
    print(report)


def _native_bfloat16() -> bool:
    import torch

    return bool(torch.cpu._is_avx512_bf16_supported())


def _input(work: Path, rows: int | None) -> tuple[Path, list[str]]:
    """The reviews file to analyse (the first rows, when limited) and later reviews for the latency test."""
    with REVIEWS.open(encoding="utf-8", newline="") as handle:
        records = list(csv.reader(handle))
    header, body = records[0], records[1:]
    chosen = body if rows is None else body[:rows]
    column = header.index(TEXT)
    rest = [r[column] for r in (body[rows:] if rows is not None else body[::-1]) if r[column].strip()]
    if rows is None:
        return REVIEWS, rest[:LATENCY_RESPONSES]
    path = work / "reviews.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, *chosen])
    return path, rest[:LATENCY_RESPONSES]


def _texts(path: Path) -> list[str]:
    """The texts `askwhy analyze` is given: every non-empty review, as written (what a stock pipeline embeds)."""
    with path.open(encoding="utf-8", newline="") as handle:
        return [row[TEXT] for row in csv.DictReader(handle) if row[TEXT].strip()]


def _units(database: Path) -> int:
    """How many sentences and clauses the analysis embedded and stored."""
    with sqlite3.connect(database) as connection:
        return int(connection.execute("SELECT count(*) FROM sentences").fetchone()[0])


def _child(command: list[str], *, env: dict[str, str] | None = None, output: bool = True) -> dict[str, Any]:
    """Run a child process; its wall time, CPU time and peak RSS (from wait4) and, when ``output``, the
    JSON it printed. OpenMP's wait policy is the child's own unless ``env`` sets it."""
    inherited = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    started = time.perf_counter()
    process = subprocess.Popen(
        command,
        env={**inherited, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    stdout = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    if process.returncode:
        raise SystemExit(f"{command[:3]} failed with exit code {process.returncode}:\n{stdout[-3000:]}")
    result: dict[str, Any] = json.loads(stdout.strip().splitlines()[-1]) if output else {}
    result["wall"] = wall
    result["cpu"] = usage.ru_utime + usage.ru_stime
    result["peak_rss_mb"] = usage.ru_maxrss / 1024
    result["load"] = os.getloadavg()[0]
    return result


def _agreement(work: Path, database: Path) -> float:
    """Mean cosine between stored embeddings and the stock model's for the same sentences (a sample
    chosen by the hash of the text)."""
    with sqlite3.connect(database) as connection:
        rows = connection.execute("SELECT text, embedding FROM sentences").fetchall()
    rows = sorted(rows, key=lambda row: hashlib.sha1(row[0].encode(), usedforsecurity=False).hexdigest())
    rows = rows[:AGREEMENT_SAMPLE]
    (work / "sample.json").write_text(json.dumps([text for text, _ in rows]))
    _child([sys.executable, "-c", FLOOR, str(work / "sample.json"), str(work / "sample.npy")])
    stock = np.load(work / "sample.npy")
    ours = np.stack([np.frombuffer(blob, dtype="<f4") for _, blob in rows])
    cosines = (ours * stock).sum(axis=1) / (np.linalg.norm(ours, axis=1) * np.linalg.norm(stock, axis=1))
    return float(np.mean(cosines)) if len(cosines) else float("nan")


def _markdown(
    rows: int | None,
    texts: int,
    units: int,
    floors: list[dict[str, Any]],
    sleeping: dict[str, Any],
    runs: dict[str, Any],
    latency: dict[str, Any] | None,
    latency_precision: str,
) -> str:
    scope = "all reviews" if rows is None else f"the first {rows} reviews"
    command = "nice -n 10 python -m bench.speed" + ("" if rows is None else f" --rows {rows}")
    wall = sum(f["wall"] for f in floors) / len(floors)
    cpu = sum(f["cpu"] for f in floors) / len(floors)
    loads = ", ".join(f"{r['load']:.1f}" for r in [floors[0], *runs.values(), *floors[1:], sleeping])
    lines = [
        "## Speed: `askwhy analyze` on the clothing reviews",
        "",
        f"`{command}` — {scope}: {texts} texts given to `askwhy analyze`, which embeds {units} sentences and "
        f"clauses of them. Machine: {machine()}; load average {LOAD_AT_START:.1f} at the start and "
        f"{loads} at the end of each process, in order (a shared machine: wall time follows the load, "
        "so process CPU time, user + system, is the fairer comparison).",
        "",
        "| run | wall time | × floor (wall) | CPU time | × floor (CPU) | peak RSS | agreement with stock "
        "embeddings (mean cosine) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        "| **floor**: stock sentence-transformers `encode` of the same texts (default settings), whole process "
        f"(start-up, model load, encode), mean of {floors[0]['wall']:.1f} s / {floors[0]['cpu']:.1f} s CPU "
        f"before and {floors[-1]['wall']:.1f} s / {floors[-1]['cpu']:.1f} s CPU after the runs | {wall:.1f} s "
        f"| 1.00 | {cpu:.1f} s | 1.00 | {max(f['peak_rss_mb'] for f in floors):.0f} MB | 1 |",
        "| the floor's encode alone (model loaded; CPU measured inside the process), mean | "
        f"{sum(f['encode'] for f in floors) / len(floors):.1f} s | | "
        f"{sum(f['encode_cpu'] for f in floors) / len(floors):.1f} s | | | |",
        "| the same stock process with OpenMP threads sleeping while they wait (`OMP_WAIT_POLICY=PASSIVE`, as "
        f"askwhy sets) | {sleeping['wall']:.1f} s | {sleeping['wall'] / wall:.2f} | {sleeping['cpu']:.1f} s | "
        f"{sleeping['cpu'] / cpu:.2f} | {sleeping['peak_rss_mb']:.0f} MB | 1 |",
    ]
    for name, run in runs.items():
        label = LABELS.get(name, name) + f" (`ASKWHY_EMBEDDING_PRECISION={name}`)"
        lines.append(
            f"| **full `askwhy analyze`**, {label} | {run['wall']:.1f} s | {run['wall'] / wall:.2f} | "
            f"{run['cpu']:.1f} s | {run['cpu'] / cpu:.2f} | {run['peak_rss_mb']:.0f} MB | {run['agreement']:.4f} |"
        )
    shipped = runs.get("auto") or next(iter(runs.values()))
    lines += [
        "",
        f"Against the floor that sleeps as askwhy does: × {shipped['wall'] / sleeping['wall']:.2f} wall, "
        f"× {shipped['cpu'] / sleeping['cpu']:.2f} CPU. Target: within 1.5× the stock floor "
        f"({'met' if shipped['cpu'] <= 1.5 * cpu else 'missed'} on CPU time, "
        f"{'met' if shipped['wall'] <= 1.5 * wall else 'missed'} on wall time in this run). "
        "The full runs include everything (start-up, model load, import, redaction, sentences, embeddings, "
        "sentiment, discovery, metrics, drivers, change, report). Agreement: "
        f"{AGREEMENT_SAMPLE} stored sentences (chosen by the hash of their text) against the stock model's "
        "embedding of the same text. Speed-ups in the embedding adapter: OpenMP threads that sleep while "
        "they wait, distinct sentences only, a cache, length-sorted batches, truncation at 128 tokens, "
        "torch threads = cores, bfloat16 where the CPU computes it natively "
        f"(this one: {'yes' if _native_bfloat16() else 'no'}), optional int8.",
        "",
    ]
    if latency is None:
        lines.append("One new response analysed end to end: not measured in this run (`--no-latency`).")
    else:
        lines.append(
            f"One new response analysed end to end, warm ({latency['n']} responses, "
            f"`ASKWHY_EMBEDDING_THREADS=1`, precision {latency_precision}): "
            f"p50 {1000 * latency['p50']:.0f} ms, p95 {1000 * latency['p95']:.0f} ms, "
            f"max {1000 * latency['max']:.0f} ms."
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
