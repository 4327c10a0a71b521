"""Speed of `askwhy analyze` on the clothing reviews, against the stock embedding floor, in one run.

Run: `python -m bench.speed` (all 23k reviews) or `python -m bench.speed --rows 2000` (the first rows);
`--precisions auto,float32` chooses the embedding precisions to run (default: auto, float32 and int8).

1. The floor: stock sentence-transformers (the same model, default settings, batch 64) encoding
   every sentence the pipeline embeds, in a child process.
2. The whole `askwhy analyze` (import, enrich, discover, metrics, drivers, report) in a child
   process, as shipped (precision "auto": bfloat16 where the CPU has it natively), in float32 and
   with int8 quantisation: wall time and peak RSS, and the mean cosine between the embeddings it
   stored and the stock ones for the same sentences.
3. One new response analysed end to end, warm (redact, split, embed, sentiment, store, assign to
   the codebook): 200 responses, p50 and p95.
Results go to docs/benchmarks.md (section "speed").
"""

from __future__ import annotations

import argparse
import csv
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

from askwhy.analysis.enrichment import sentence_units
from askwhy.analysis.redaction import redact
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
import json, sys, time
import numpy as np
from sentence_transformers import SentenceTransformer
from askwhy.analysis.embeddings import model_location
sentences = json.load(open(sys.argv[1]))
started = time.perf_counter()
model = SentenceTransformer(model_location("all-MiniLM-L6-v2"), device="cpu")
loaded = time.perf_counter()
vectors = model.encode(sentences, batch_size=64)
done = time.perf_counter()
np.save(sys.argv[2], np.asarray(vectors, dtype=np.float32))
print(json.dumps({"load": loaded - started, "encode": done - loaded}))
"""

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
    args = parser.parse_args()
    precisions = [p.strip() for p in args.precisions.split(",") if p.strip()]
    with tempfile.TemporaryDirectory(prefix="askwhy-speed-") as scratch:
        work = Path(scratch)
        source, latency_texts = _input(work, args.rows)
        sentences = _sentences(source)
        (work / "sentences.json").write_text(json.dumps(sentences))
        floor = _child([sys.executable, "-c", FLOOR, str(work / "sentences.json"), str(work / "floor.npy")])
        stock = dict(zip(sentences, np.load(work / "floor.npy"), strict=True))
        runs = {}
        for name in precisions:
            env = {"ASKWHY_EMBEDDING_PRECISION": name}
            out = work / name
            run = _child([sys.executable, "-c", CLI, "analyze", str(source), "--out", str(out), *ANALYZE],
                         env=env, output=False)  # fmt: skip
            run["agreement"] = _agreement(out / "askwhy.db", stock)
            runs[name] = run
        # The floor again, after: on a shared machine the load drifts, so the base is the mean of both.
        again = _child([sys.executable, "-c", FLOOR, str(work / "sentences.json"), str(work / "floor2.npy")])
        floor["encode_after"] = again["encode"]
        (work / "latency.json").write_text(json.dumps(latency_texts))
        latency = _child(
            [
                sys.executable,
                "-c",
                LATENCY,
                str(work / precisions[0] / "askwhy.db"),
                str(work / "latency.json"),
            ],
            env={**LATENCY_ENV, "ASKWHY_EMBEDDING_PRECISION": precisions[0]},
        )
        report = _markdown(
            args.rows, len(sentences), len(set(sentences)), floor, runs, latency, precisions[0]
        )
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


def _sentences(path: Path) -> list[str]:
    """Every sentence (or clause) the pipeline embeds, duplicates included, as a stock pipeline would."""
    with path.open(encoding="utf-8", newline="") as handle:
        texts = [row[TEXT] for row in csv.DictReader(handle) if row[TEXT].strip()]
    return [unit for text in texts for _, unit in sentence_units(redact(text).text)]


def _child(command: list[str], *, env: dict[str, str] | None = None, output: bool = True) -> dict[str, Any]:
    """Run a child process; its wall time, peak RSS (from wait4) and, when ``output``, the JSON it printed."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command,
        env={**os.environ, **(env or {})},
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
    result["peak_rss_mb"] = usage.ru_maxrss / 1024
    return result


def _agreement(database: Path, stock: dict[str, np.ndarray]) -> float:
    """Mean cosine between the stored embeddings and the stock model's for the same sentences."""
    with sqlite3.connect(database) as connection:
        rows = connection.execute("SELECT text, embedding FROM sentences").fetchall()
    cosines = []
    for text, blob in rows:
        reference = stock.get(text)
        if reference is not None:
            ours = np.frombuffer(blob, dtype="<f4")
            cosines.append(float(ours @ reference / (np.linalg.norm(ours) * np.linalg.norm(reference))))
    return float(np.mean(cosines)) if cosines else float("nan")


def _markdown(
    rows: int | None,
    sentences: int,
    unique: int,
    floor: dict[str, Any],
    runs: dict[str, Any],
    latency: dict[str, Any],
    latency_precision: str,
) -> str:
    scope = "all reviews" if rows is None else f"the first {rows} reviews"
    command = "python -m bench.speed" + ("" if rows is None else f" --rows {rows}")
    base = (floor["encode"] + floor["encode_after"]) / 2
    lines = [
        "## Speed: `askwhy analyze` on the clothing reviews",
        "",
        f"`{command}` — {scope} ({sentences} sentences and clauses, {unique} distinct). Machine: {machine()}; "
        f"load average {LOAD_AT_START:.1f} at the start and {os.getloadavg()[0]:.1f} at the end (a shared machine).",
        "",
        "| run | wall time | × stock floor | peak RSS | agreement with stock embeddings (mean cosine) |",
        "| --- | ---: | ---: | ---: | ---: |",
        "| floor: stock sentence-transformers, encode only (batch 64, default settings), mean of "
        f"{floor['encode']:.1f} s before and {floor['encode_after']:.1f} s after the runs | {base:.1f} s | 1.00 | "
        f"{floor['peak_rss_mb']:.0f} MB | 1 |",
    ]
    for name, run in runs.items():
        label = LABELS.get(name, name) + f" (`ASKWHY_EMBEDDING_PRECISION={name}`)"
        lines.append(
            f"| full `askwhy analyze`, {label} | {run['wall']:.1f} s | {run['wall'] / base:.2f} | "
            f"{run['peak_rss_mb']:.0f} MB | {run['agreement']:.4f} |"
        )
    lines += [
        "",
        f"The floor's model load ({floor['load']:.1f} s) is not counted in it; the full runs include everything "
        "(start-up, model load, import, redaction, sentences, embeddings, sentiment, discovery, metrics, drivers, "
        "change, report). Speed-ups in the embedding adapter: distinct sentences only, a cache, length-sorted "
        "batches, truncation at 128 tokens, torch threads = cores, bfloat16 where the CPU computes it natively "
        f"(this one: {'yes' if _native_bfloat16() else 'no'}), optional int8.",
        "",
        f"One new response analysed end to end, warm ({latency['n']} responses, `ASKWHY_EMBEDDING_THREADS=1`, "
        f"precision {latency_precision}): "
        f"p50 {1000 * latency['p50']:.0f} ms, "
        f"p95 {1000 * latency['p95']:.0f} ms, max {1000 * latency['max']:.0f} ms.",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
