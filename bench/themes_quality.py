"""Theme discovery on every labelled set: agreement with human codes, stability, labels, cost.

    nice -n 10 .venv/bin/python -m bench.themes_quality [--sets Banking77,CLINC150] [--no-bertopic]
    nice -n 10 .venv/bin/python -m bench.themes_quality --sets GoEmotions --stability-only
    nice -n 10 .venv/bin/python -m bench.themes_quality --sets STAR --labels-only

`--stability-only` runs discovery on all rows, the 90% sample and the re-run only, prints them and
keeps nothing (the page needs the full measure). `--labels-only` runs discovery once per set and
prints its label checks, every label that fails one of them and the time discovery took; it keeps
nothing either.

Each set's results are kept in bench/.cache/; the page is written once every set has a result
(`--write-only` writes it from the kept results).

For each theme view of `bench.corpora` (Banking77, CLINC150, MAMS-ACSA, GoEmotions, STAR, the
clothing reviews), on the same cached all-MiniLM-L6-v2 embeddings of the cleaned texts:

- `discover_codebook` (not told the number of codes): ARI, AMI and NMI of its top level and of its
  subthemes against the human codes (and against the coarser codes where the set has them), theme
  counts, the no-content and unassigned shares (together one "noise" group in the scores);
- KMeans *given* the true number of codes, and BERTopic with its defaults where it is installed
  (bench-only: `pip install -e '.[bench]'`; `bench.themes_baselines`), in the same run;
- stability: the rows shuffled (themes, ids and labels must be identical); the product's re-run
  (discovery on a seeded 90%, the other 10% coded into those themes by the assignment rule as they
  arrive, then discovery again over everything, told the codebook's top level, with
  `askwhy.analysis.theme_matching`, as `askwhy analyze` does on a store that has themes): share of
  the earlier themes found again by id and new themes proposed; and, labelled as such, two
  *independent* runs on the 90% and on all rows (share of themes whose id is found again, with
  nothing carried over), with why the others were lost: a different top-level count, the same
  members under another id, or members regrouped;
- labels: share occurring verbatim in at least 3 of their theme's texts, duplicates, brand terms;
- time and peak memory (tracemalloc) of discovery, beside the stock sentence-transformers encode
  of the set's texts (measured on up to `FLOOR_SAMPLE` texts, scaled to the whole set).

Writes the "themes" section of docs/benchmarks.md. Nothing here is tuned per set.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import time
import tracemalloc
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_mutual_info_score, adjusted_rand_score, normalized_mutual_info_score

from askwhy.analysis.assignment import assign_themes
from askwhy.analysis.cleaning import clean_for_meaning
from askwhy.analysis.discovered import DiscoveredTheme, Discovery, text_key
from askwhy.analysis.discovery import discover_codebook, min_size_for
from askwhy.analysis.embeddings import DEFAULT_MODEL, model_location
from askwhy.analysis.theme_matching import KnownTheme, place_themes, proposes
from askwhy.insights.code_responses import AssignmentRule
from bench.common import CACHE, machine, write_section
from bench.corpora import ThemeSet, theme_sets
from bench.embedding_store import embed_stored
from bench.themes_baselines import BERTOPIC_SETTINGS, bertopic_topics, comparison

COMMAND = "nice -n 10 .venv/bin/python -m bench.themes_quality"
SEED = 0
SUBSAMPLE = 0.9
JACCARD = 0.5
FLOOR_SAMPLE = 500
BRANDS = {"Clothing reviews": ("retailer",)}
"""The one brand name the sets carry (the clothing reviews' retailer, masked as "retailer")."""

IntArray = npt.NDArray[np.int64]


@dataclass
class Scores:
    ari: float
    ami: float
    nmi: float


@dataclass
class SetResult:
    name: str
    n: int
    codes: int
    coarse_codes: int | None
    top: int
    sub: int
    no_content: float
    unassigned: float
    ours: dict[str, Scores] = field(default_factory=dict)
    """"top"/"sub" against the fine codes, "top coarse"/"sub coarse" against the coarse ones."""
    kmeans: dict[str, Scores] = field(default_factory=dict)
    bertopic: dict[str, Scores] = field(default_factory=dict)
    bertopic_topics: int = 0
    shuffle_identical: bool = False
    subsample_top: float = 0.0
    subsample_sub: float = 0.0
    subsample_members: float = 0.0
    subsample_count: int = 0
    """Top-level themes the independent run on 90% found."""
    lost_same_members: int = 0
    """Independent 90%: top-level themes whose members were found again (Jaccard ≥ 0.5) under another id."""
    lost_regrouped: int = 0
    """Independent 90%: top-level themes neither found again by id nor by members."""
    rerun_count: int = 0
    """Top-level themes of the re-run's discovery over all rows."""
    rerun_top: float = 0.0
    """Product re-run with 10% more data: share of earlier top-level themes found again by id."""
    rerun_sub: float = 0.0
    rerun_new_top: int = 0
    rerun_new_sub: int = 0
    rerun_earlier_top: int = 0
    rerun_top_uncounted: float = 0.0
    """The same re-run had discovery not been told the codebook's top level (its themes are then the
    independent run on all rows): share of earlier top-level themes found again."""
    verbatim: float = 0.0
    duplicates: int = 0
    branded: int = 0
    seconds: float = 0.0
    peak_mb: float = 0.0
    floor_seconds: float = 0.0
    labels: list[str] = field(default_factory=list)


def score(truth: list[str], found: IntArray) -> Scores:
    return Scores(
        adjusted_rand_score(truth, found),
        adjusted_mutual_info_score(truth, found),
        normalized_mutual_info_score(truth, found),
    )


def levels(found: Discovery, n: int) -> tuple[IntArray, IntArray]:
    """Top-level and subtheme number per text; every text without a theme is one noise group (−1)."""
    top, sub = np.full(n, -1, dtype=np.int64), np.full(n, -1, dtype=np.int64)
    count = 0
    for number, theme in enumerate(found.themes):
        top[list(theme.members)] = number
        for child in theme.subthemes or (theme,):
            sub[list(child.members)] = count
            count += 1
    return top, sub


def fingerprint(found: Discovery, rows: IntArray) -> list[tuple[str, str, tuple[int, ...]]]:
    """Every theme and subtheme as (id, label, sorted original rows): equal when nothing changed."""
    out = []
    for theme in found.themes:
        for item in (theme, *theme.subthemes):
            out.append((item.id, item.label, tuple(sorted(int(rows[m]) for m in item.members))))
    return sorted(out)


def label_checks(found: Discovery, cleaned: list[str], brands: tuple[str, ...]) -> tuple[float, int, int]:
    """Share of labels found verbatim in ≥ 3 of their theme's texts, duplicate labels, branded labels."""
    items = _labelled(found)
    missed = _not_verbatim(items, cleaned)
    counts = Counter(item.label for item in items)
    duplicates = sum(c - 1 for c in counts.values() if c > 1)
    branded = sum(1 for item in items if _branded(item.label, brands))
    return 1 - len(missed) / max(len(items), 1), duplicates, branded


def _labelled(found: Discovery) -> list[DiscoveredTheme]:
    return [item for theme in found.themes for item in (theme, *theme.subthemes)]


def _not_verbatim(items: list[DiscoveredTheme], cleaned: list[str]) -> list[tuple[str, int, int]]:
    """(label, texts holding it, theme size) of each label in fewer than 3 of its theme's texts."""
    missed = []
    for item in items:
        pattern = re.compile(rf"(?<!\w){re.escape(item.label)}(?!\w)")
        hits = sum(1 for m in item.members if pattern.search(cleaned[m].casefold().replace("’", "'")))
        if hits < min(3, item.size):
            missed.append((item.label, hits, item.size))
    return missed


def _branded(label: str, brands: tuple[str, ...]) -> bool:
    return any(b in label.split() for b in brands)


def labels_only(data: ThemeSet) -> str:
    """Discovery once on all rows; its label checks and every label failing one, as text."""
    cleaned = [clean_for_meaning(t) for t in data.texts]
    vectors = embed_stored(cleaned, what="texts")
    brands = BRANDS.get(data.name, ())
    started = time.perf_counter()
    found = discover_codebook(data.texts, vectors, brand_terms=brands)
    seconds = time.perf_counter() - started
    verbatim, duplicates, branded = label_checks(found, cleaned, brands)
    items = _labelled(found)
    counts = Counter(item.label for item in items)
    return "\n".join(
        [
            f"{data.name}: {len(items)} labels, verbatim in ≥ 3 texts {verbatim:.1%}, duplicates {duplicates}, "
            f"brand {branded}; discovery {seconds:.1f} s (load {os.getloadavg()[0]:.1f})",
            f"  top: {' | '.join(t.label for t in found.themes)}",
            f"  not verbatim (label, texts holding it, size): {_not_verbatim(items, cleaned)}",
            f"  duplicated: {sorted(label for label, c in counts.items() if c > 1)}",
            f"  branded: {sorted({i.label for i in items if _branded(i.label, brands)})}",
        ]
    )


def kmeans_given_k(vectors: npt.NDArray[np.float32], k: int) -> IntArray:
    return np.asarray(KMeans(k, n_init=1, random_state=SEED).fit_predict(vectors), dtype=np.int64)


def encode_floor(texts: list[str]) -> float:
    """Seconds the stock sentence-transformers encode takes for all `texts` (timed on a sample)."""
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(model_location(DEFAULT_MODEL), device="cpu")
    sample = texts[:: max(1, len(texts) // FLOOR_SAMPLE)][:FLOOR_SAMPLE]
    model.encode(sample[:32], batch_size=64)
    started = time.perf_counter()
    model.encode(sample, batch_size=64)
    return (time.perf_counter() - started) * len(texts) / max(len(sample), 1)


def measure(data: ThemeSet, *, with_bertopic: bool) -> SetResult:
    cleaned = [clean_for_meaning(t) for t in data.texts]
    vectors = embed_stored(cleaned, what="texts")
    brands = BRANDS.get(data.name, ())
    n = len(cleaned)
    tracemalloc.start()
    started = time.perf_counter()
    found = discover_codebook(data.texts, vectors, brand_terms=brands)
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    top, sub = levels(found, n)
    result = SetResult(
        data.name,
        n,
        len(set(data.fine)),
        len(set(data.coarse)) if data.coarse else None,
        len(found.themes),
        int(sub.max()) + 1,
        len(found.no_content) / n,
        len(found.unassigned) / n,
        seconds=seconds,
        peak_mb=peak,
    )
    result.labels = [t.label for t in found.themes]
    result.ours = {"top": score(data.fine, top), "sub": score(data.fine, sub)}
    result.kmeans = {"fine": score(data.fine, kmeans_given_k(vectors, result.codes))}
    if data.coarse:
        result.ours |= {"top coarse": score(data.coarse, top), "sub coarse": score(data.coarse, sub)}
        result.kmeans["coarse"] = score(data.coarse, kmeans_given_k(vectors, result.coarse_codes or 2))
    if with_bertopic:
        topics = bertopic_topics(cleaned, vectors, seed=SEED)
        if topics is not None:
            result.bertopic_topics = len(set(topics.tolist()) - {-1})
            result.bertopic = {"fine": score(data.fine, topics)}
            if data.coarse:
                result.bertopic["coarse"] = score(data.coarse, topics)
    result.verbatim, result.duplicates, result.branded = label_checks(found, cleaned, brands)
    rng = np.random.default_rng(SEED)
    order = rng.permutation(n)
    shuffled = discover_codebook([data.texts[i] for i in order], vectors[order], brand_terms=brands)
    result.shuffle_identical = fingerprint(shuffled, order) == fingerprint(found, np.arange(n))
    stability(result, data, vectors, found, brands, rng)
    result.floor_seconds = encode_floor(cleaned)
    return result


def stability(
    result: SetResult,
    data: ThemeSet,
    vectors: npt.NDArray[np.float32],
    found: Discovery,
    brands: tuple[str, ...],
    rng: np.random.Generator,
) -> None:
    """The independent run on a seeded 90% against `found` (all rows), and the product's re-run."""
    n = len(data.texts)
    keep = np.sort(rng.choice(n, int(SUBSAMPLE * n), replace=False))
    smaller = discover_codebook([data.texts[i] for i in keep], vectors[keep], brand_terms=brands)
    result.subsample_top, result.subsample_sub, result.subsample_members = matched(found, smaller, keep)
    result.subsample_count = len(smaller.themes)
    result.lost_same_members, result.lost_regrouped = lost(found, smaller, keep)
    again = discover_codebook(data.texts, vectors, brand_terms=brands, codebook=centres(smaller))
    rerun = rerun_with_more(data.texts, vectors, smaller, keep, again)
    result.rerun_top, result.rerun_sub, result.rerun_new_top, result.rerun_new_sub = rerun
    result.rerun_count = len(again.themes)
    result.rerun_top_uncounted = rerun_with_more(data.texts, vectors, smaller, keep, found)[0]
    result.rerun_earlier_top = len(smaller.themes)


def matched(full: Discovery, part: Discovery, keep: IntArray) -> tuple[float, float, float]:
    """Share of the full run's top-level themes, and of its subthemes, found again by id; and of
    its top-level themes found again by members (Jaccard ≥ 0.5 over the texts both runs saw)."""
    top_ids = {t.id for t in part.themes}
    sub_ids = {s.id for t in part.themes for s in t.subthemes}
    subs = [s.id for t in full.themes for s in t.subthemes]
    top = np.mean([t.id in top_ids for t in full.themes]) if full.themes else 0.0
    sub = np.mean([s in sub_ids for s in subs]) if subs else 1.0
    overlap = same_members(full, part, keep)
    return float(top), float(sub), float(np.mean(overlap)) if overlap else 0.0


def same_members(full: Discovery, part: Discovery, keep: IntArray) -> list[bool]:
    """For each of the full run's top-level themes, whether the run on `keep` has one with nearly
    the same members (Jaccard ≥ 0.5 over the texts both runs saw)."""
    seen = set(keep.tolist())
    again = [{int(keep[m]) for m in t.members} for t in part.themes]
    overlap = []
    for theme in full.themes:
        mine = {m for m in theme.members if m in seen}
        best = max((len(mine & other) / max(len(mine | other), 1) for other in again), default=0.0)
        overlap.append(best >= JACCARD)
    return overlap


def lost(full: Discovery, part: Discovery, keep: IntArray) -> tuple[int, int]:
    """The full run's top-level themes whose id the run on `keep` lacks: those it has under another
    id (nearly the same members), and those whose members it grouped otherwise."""
    ids = {t.id for t in part.themes}
    missing = [
        same for t, same in zip(full.themes, same_members(full, part, keep), strict=True) if t.id not in ids
    ]
    return sum(missing), len(missing) - sum(missing)


def centres(found: Discovery) -> npt.NDArray[np.float32] | None:
    """The top-level centres a codebook made by `found` keeps, as the product's re-run reads them."""
    return np.stack([t.centroid for t in found.themes]) if len(found.themes) > 1 else None


def rerun_with_more(
    texts: list[str],
    vectors: npt.NDArray[np.float32],
    first: Discovery,
    keep: IntArray,
    second: Discovery,
) -> tuple[float, float, int, int]:
    """The product's path when 10% more rows arrive after discovery ran on `keep`: the new rows are
    coded into the earlier themes by the assignment rule, those left over join the pool, discovery
    runs again over all rows (`second`, told the codebook's top level) and its themes are
    matched to the earlier ones. Returns the share of earlier top-level themes and subthemes found
    again by id, and the new ones it would propose."""
    members: dict[str, set[int]] = {}
    known_themes: list[tuple[DiscoveredTheme, str | None]] = []
    for theme in first.themes:
        known_themes.append((theme, None))
        known_themes.extend((child, theme.id) for child in theme.subthemes)
    for theme, _ in known_themes:
        members[theme.id] = {int(keep[m]) for m in theme.members}
    added = np.setdiff1d(np.arange(len(texts)), keep)
    rule = AssignmentRule()
    centres = {theme.id: theme.centroid for theme, _ in known_themes}
    coded = assign_themes(
        vectors[added], centres, threshold=rule.threshold, margin=rule.margin, max_themes=rule.max_themes
    )
    for row, found in zip(added, coded, strict=True):
        for theme_id, _ in found:
            members[theme_id].add(int(row))
    themed = set().union(*members.values()) if members else set()
    known = [
        KnownTheme(t.id, t.label, t.centroid, frozenset(text_key(texts[r]) for r in members[t.id]), parent)
        for t, parent in known_themes
    ]
    placements = place_themes(second.themes, texts, known)
    pooled = set(range(len(texts))) - themed
    least = min_size_for(len(texts))
    again = {p.known for p in placements if p.known} | {
        c.known for p in placements for c in p.subthemes if c.known
    }
    new_top = [p for p in placements if p.known is None and proposes(p, pooled, least)]
    new_sub = [
        c
        for p in placements
        if proposes(p, pooled, least)
        for c in p.subthemes
        if c.known is None and proposes(c, pooled, least)
    ]
    subs = [c.id for t in first.themes for c in t.subthemes]
    top = np.mean([t.id in again for t in first.themes]) if first.themes else 1.0
    sub = np.mean([i in again for i in subs]) if subs else 1.0
    return float(top), float(sub), len(new_top), len(new_sub)


def _cell(scores: dict[str, Scores], key: str, what: str = "ami") -> str:
    return f"{getattr(scores[key], what):.3f}" if key in scores else "–"


def report(results: list[SetResult], started: float, load: float, *, missing: Sequence[str] = ()) -> str:
    head = (
        "| set | texts | codes | top themes | subthemes | AMI top | AMI sub | ARI top | ARI sub | NMI sub "
        "| KMeans given k: AMI | ARI | BERTopic: topics | AMI | ARI |"
    )
    lines = [head, "|" + " --- |" * 15]
    for r in results:
        for level, suffix, codes, km in (
            ("fine", "", r.codes, "fine"),
            ("coarse", " coarse", r.coarse_codes, "coarse"),
        ):
            if codes is None:
                continue
            name = r.name if level == "fine" else f"{r.name} (coarse codes)"
            lines.append(
                f"| {name} | {r.n} | {codes} | {r.top} | {r.sub} | {_cell(r.ours, 'top' + suffix)} | "
                f"{_cell(r.ours, 'sub' + suffix)} | {_cell(r.ours, 'top' + suffix, 'ari')} | "
                f"{_cell(r.ours, 'sub' + suffix, 'ari')} | {_cell(r.ours, 'sub' + suffix, 'nmi')} | "
                f"{_cell(r.kmeans, km)} | {_cell(r.kmeans, km, 'ari')} | "
                f"{r.bertopic_topics or '–'} | {_cell(r.bertopic, km)} | {_cell(r.bertopic, km, 'ari')} |"
            )
    stability = [
        "| set | no content | unassigned | shuffled rows identical | re-run with 10% added: top themes before / after | earlier top themes found again by id | the same, discovery not told the codebook | earlier subthemes found again | new top themes proposed | new subthemes proposed | independent runs on 90% and 100%: top themes | top themes matched by id | lost, same members under another id | lost, members grouped otherwise | subthemes by id | top themes by members | labels verbatim in ≥ 3 texts | duplicate labels | brand in label | discovery time | peak memory | stock encode of the same texts |",
        "|" + " --- |" * 22,
    ]
    for r in results:
        stability.append(
            f"| {r.name} | {r.no_content:.1%} | {r.unassigned:.1%} | {'yes' if r.shuffle_identical else '**no**'} | "
            f"{r.rerun_earlier_top} / {r.rerun_count} | {r.rerun_top:.0%} | {r.rerun_top_uncounted:.0%} | {r.rerun_sub:.0%} | {r.rerun_new_top} | {r.rerun_new_sub} | "
            f"{r.top} / {r.subsample_count} | {r.subsample_top:.0%} | {r.lost_same_members} | {r.lost_regrouped} | "
            f"{r.subsample_sub:.0%} | {r.subsample_members:.0%} | {r.verbatim:.0%} | {r.duplicates} | {r.branded} | "
            f"{r.seconds:.1f} s | {r.peak_mb:.0f} MB | {r.floor_seconds:.0f} s |"
        )
    tops = "\n".join(f"- **{r.name}**: {', '.join(r.labels)}" for r in results)
    absent = f"**Not measured in this run**: {', '.join(missing)}." if missing else ""
    if not any(r.bertopic for r in results):
        absent += " BERTopic was not run (`pip install -e '.[bench]'`, bench-only)."
    parts = [
        "## Themes: discovery quality on every labelled set",
        f"Command: `{COMMAND}`. Machine: {machine()}; load average {load:.1f} when the page was written (a shared "
        f"machine, busy with other work during the runs; times are wall clock), each set measured in a run of its own.",
        "Discovery is not told the number of codes. Texts it leaves without a theme (no content, or "
        'unassigned) count as one group. "AMI top"/"AMI sub" score its top level and its subthemes '
        "against the set's codes; KMeans is *given* the true number of codes; BERTopic runs with its "
        "defaults. All on the same embeddings of the cleaned texts. The target is the better of our "
        "two levels at or above both baselines on every row; NMI is shown, never targeted.",
        "\n".join(lines),
        absent.strip(),
        comparison(results),
        BERTOPIC_SETTINGS.format(seed=SEED) if any(r.bertopic for r in results) else "",
        "\n".join(stability),
        _rerun_note(results),
        "Discovery time excludes embedding; the last column is the stock sentence-transformers encode "
        f"of the set's texts (timed on up to {FLOOR_SAMPLE}, scaled to the set).",
        "Top-level labels:\n\n" + tops,
    ]
    return "\n\n".join(part for part in parts if part)


def _rerun_note(results: list[SetResult]) -> str:
    worst = min(results, key=lambda r: r.rerun_top)
    best = max(results, key=lambda r: r.rerun_top)
    return (
        "The re-run is the product's path (`askwhy analyze` or `askwhy themes discover` on a store that "
        "has themes): discovery on a seeded 90%, the other 10% coded into those themes by the assignment "
        "rule, then discovery over all rows, told the codebook's top level (kept, each text with its nearest "
        "top-level centre, where its silhouette is within one standard error of the best cut's), matched to the earlier themes "
        "(shared texts, same label, or centres within 0.9). No earlier theme is ever deleted, relabelled or given a new id, so 100% keep "
        "their id by construction; the column shows how many the re-run *finds again* (confirms with new "
        f"data): worst {worst.rerun_top:.0%} ({worst.name}), best {best.rerun_top:.0%} ({best.name}). "
        "New themes are proposed only with enough sentences no earlier theme explains. The independent "
        "columns run discovery twice with nothing carried over, the measure before re-runs were incremental; "
        "a top-level theme they lose either has nearly the same members under another id (its most "
        "distinctive word changed) or its members were grouped otherwise (most often because the count changed)."
    )


def _saved(name: str) -> Path:
    return CACHE / f"themes-result-{re.sub(r'[^A-Za-z0-9]+', '_', name)}.json"


def _load(name: str) -> SetResult | None:
    path = _saved(name)
    if not path.exists():
        return None
    raw = json.loads(path.read_text())
    for key in ("ours", "kmeans", "bertopic"):
        raw[key] = {level: Scores(**values) for level, values in raw[key].items()}
    return SetResult(**raw)


def main(argv: list[str] | None = None) -> list[SetResult]:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sets", default="", help="comma-separated set names to measure (default: all)")
    parser.add_argument("--no-bertopic", action="store_true")
    parser.add_argument(
        "--write-only", action="store_true", help="write the page from the results of earlier runs"
    )
    parser.add_argument(
        "--stability-only", action="store_true", help="only the 90%% runs, printed; nothing kept or written"
    )
    parser.add_argument(
        "--labels-only", action="store_true", help="only the label checks, printed; nothing kept or written"
    )
    args = parser.parse_args(argv)
    wanted = {s.strip() for s in args.sets.split(",") if s.strip()}
    load = os.getloadavg()[0]
    started = time.perf_counter()
    results = []
    for data in theme_sets():
        if args.write_only or (wanted and data.name not in wanted):
            kept = _load(data.name)
            if kept is not None:
                results.append(kept)
            continue
        if args.stability_only:
            print(_stability_summary(stability_only(data)), flush=True)
            continue
        if args.labels_only:
            print(labels_only(data), flush=True)
            continue
        result = measure(data, with_bertopic=not args.no_bertopic)
        CACHE.mkdir(parents=True, exist_ok=True)
        _saved(data.name).write_text(json.dumps(asdict(result)))
        results.append(result)
        print(_summary(result), flush=True)
    if results and not (args.stability_only or args.labels_only):
        measured = {r.name for r in results}
        missing = [d.name for d in theme_sets() if d.name not in measured]
        write_section("themes", report(results, started, load, missing=missing))
    return results


def stability_only(data: ThemeSet) -> SetResult:
    """Discovery on all rows, then `stability` (the same seeded sample as `measure` draws)."""
    cleaned = [clean_for_meaning(t) for t in data.texts]
    vectors = embed_stored(cleaned, what="texts")
    brands = BRANDS.get(data.name, ())
    found = discover_codebook(data.texts, vectors, brand_terms=brands)
    result = SetResult(data.name, len(cleaned), len(set(data.fine)), None, len(found.themes), 0, 0.0, 0.0)
    rng = np.random.default_rng(SEED)
    rng.permutation(len(cleaned))
    stability(result, data, vectors, found, brands, rng)
    return result


def _stability_summary(r: SetResult) -> str:
    return (
        f"{r.name}: re-run +10%: {r.rerun_earlier_top} earlier top themes, {r.rerun_count} found by the re-run, "
        f"{r.rerun_top:.0%} found again ({r.rerun_top_uncounted:.0%} if not told the codebook), subthemes {r.rerun_sub:.0%}, new {r.rerun_new_top}/{r.rerun_new_sub}; "
        f"independent: {r.top} / {r.subsample_count} top themes, ids {r.subsample_top:.0%} "
        f"(lost {r.lost_same_members} same members, {r.lost_regrouped} regrouped), "
        f"subthemes {r.subsample_sub:.0%}, members {r.subsample_members:.0%}"
    )


def _summary(r: SetResult) -> str:
    parts: list[Any] = [
        f"{r.name}: {r.top} top / {r.sub} sub; AMI top {r.ours['top'].ami:.3f} sub {r.ours['sub'].ami:.3f}",
        f"KMeans {r.kmeans['fine'].ami:.3f}",
    ]
    if "coarse" in r.kmeans:
        parts.append(
            f"coarse: top {r.ours['top coarse'].ami:.3f} sub {r.ours['sub coarse'].ami:.3f} "
            f"KMeans {r.kmeans['coarse'].ami:.3f}"
        )
    if r.bertopic:
        parts.append(f"BERTopic {r.bertopic_topics} topics AMI {r.bertopic['fine'].ami:.3f}")
    parts.append(
        f"no content {r.no_content:.1%} unassigned {r.unassigned:.1%} shuffle {r.shuffle_identical} "
        f"re-run +10%: found {r.rerun_top:.0%}/{r.rerun_sub:.0%} new {r.rerun_new_top}/{r.rerun_new_sub} "
        f"independent 90%: {r.subsample_top:.0%}/{r.subsample_sub:.0%}/{r.subsample_members:.0%} verbatim {r.verbatim:.0%} dup {r.duplicates} "
        f"{r.seconds:.1f}s {r.peak_mb:.0f}MB floor {r.floor_seconds:.0f}s"
    )
    return "; ".join(parts)


if __name__ == "__main__":
    main()
