"""Helpers shared by the benchmarks: the machine they ran on, cached embeddings, the results page."""

from __future__ import annotations

import hashlib
import os
import platform
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from askwhy.analysis.embeddings import DEFAULT_MODEL, SentenceTransformerEmbedder

ROOT = Path(__file__).resolve().parents[1]
CACHE = Path(__file__).resolve().parent / ".cache"
RESULTS = ROOT / "docs" / "benchmarks.md"
DATA = Path(os.environ.get("ASKWHY_BENCH_DATA", ROOT.parent / "shared" / "data"))
"""The shared benchmark data beside the checkout (read in place, never copied into the repo)."""


def machine() -> str:
    """One line describing where a benchmark ran: cores, CPU model, memory, Python."""
    cpu = "unknown CPU"
    memory = "unknown RAM"
    try:
        match = re.search(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.MULTILINE)
        cpu = match.group(1).strip() if match else cpu
        kib = re.search(r"^MemTotal:\s*(\d+) kB", Path("/proc/meminfo").read_text(), re.MULTILINE)
        memory = f"{int(kib.group(1)) / 1024**2:.0f} GB RAM" if kib else memory
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return f"{cores} cores ({cpu}), {memory}, Python {platform.python_version()}"


def embed(texts: Sequence[str], *, model: str = DEFAULT_MODEL) -> npt.NDArray[np.float32]:
    """Embeddings of `texts`, computed once per model and text list, then read from bench/.cache/."""
    digest = hashlib.sha256(model.encode())
    for text in texts:
        digest.update(text.encode())
        digest.update(b"\0")
    path = CACHE / f"{re.sub(r'[^A-Za-z0-9.-]+', '_', model)}-{digest.hexdigest()[:20]}.npy"
    if path.exists():
        return np.asarray(np.load(path), dtype=np.float32)
    vectors = SentenceTransformerEmbedder(model).encode(texts)
    CACHE.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".tmp.npy")
    np.save(partial, vectors)
    partial.replace(path)
    return vectors


def write_section(name: str, markdown: str, *, path: Path = RESULTS) -> None:
    """Replace the `name` section of the results page, leaving every other section as it was."""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    block = f"{start}\n{markdown.strip()}\n{end}"
    page = path.read_text() if path.exists() else "# Benchmarks\n"
    if start in page and end in page:
        before, rest = page.split(start, 1)
        page = before + block + rest.split(end, 1)[1]
    else:
        page = page.rstrip("\n") + "\n\n" + block + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page)
