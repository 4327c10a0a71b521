"""Experiment: fine-tune only the last layer of all-MiniLM-L6-v2 for sentiment, leave-one-domain-out.

    nice -n 10 .venv/bin/python -m bench.sentiment_adapter

The layer-5 token states every text's embedding pass already computes are stored once by
`bench.sentiment_layers`. For each scored domain, a copy of the sixth (last) transformer layer,
followed by mean pooling, normalisation and a linear three-class layer, is trained on the *other*
domains' training samples, each domain weighing one (the CLINC requests 0.5, as the shipped head)
and each class a share of it, as `bench.train_sentiment.fit` weighs them. The held-out domain is
then read two ways: by the adapter's own linear layer, and by the shipped kind of head (logistic
regression with the lexicon cues, `bench.train_sentiment.train`) fitted on the adapted embeddings of
the other domains; beside them, the frozen embedding's head trained on the same rows (the adapter
reads a seeded sample of `ROWS_PER_DOMAIN` texts of each domain's training sample, so the fair
comparison is at equal data). Hyper-parameters (`LEARNING_RATE`, `HEAD_RATE`, `EPOCHS`, `BATCH`) were set once,
before any score was seen, to common values for fine-tuning one layer; none is tuned here.
"""

from __future__ import annotations

import copy
import sys
import time
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import numpy.typing as npt

from askwhy.analysis.embeddings import DEFAULT_MODEL, import_torch, model_location
from bench.sentiment_layers import _path, head_without, load_layer_domains, vader
from bench.train_sentiment import GRID_REQUEST_WEIGHT, macro_f1, predict_stacked

LEARNING_RATE = 3e-5
HEAD_RATE = 1e-3
EPOCHS = 2
BATCH = 32
MAX_TRAIN_TOKENS = 96
"""Training reads at most the first 96 tokens of a text (scoring reads all of them, up to 256)."""
ROWS_PER_DOMAIN = 2_000
"""A seeded sample of each domain's training sample trains the adapter and the head above it (the
whole 6,000 would take hours on two shared cores)."""
SEED = 0
IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float32]


class Tokens:
    """One domain part's stored layer-5 token states."""

    def __init__(self, name: str, part: str) -> None:
        with np.load(_path(name, part)) as stored:
            self.tokens = stored["tokens"]
            self.offsets = stored["offsets"]

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def row(self, index: int, limit: int | None = None) -> npt.NDArray[np.float16]:
        start, end = int(self.offsets[index]), int(self.offsets[index + 1])
        states: npt.NDArray[np.float16] = self.tokens[start : min(end, start + limit) if limit else end]
        return states


def _batch(torch: Any, rows: Sequence[npt.NDArray[np.float16]]) -> tuple[Any, Any]:
    longest = max(len(r) for r in rows)
    states = np.zeros((len(rows), longest, rows[0].shape[1]), dtype=np.float32)
    mask = np.zeros((len(rows), longest), dtype=np.float32)
    for k, r in enumerate(rows):
        states[k, : len(r)] = r
        mask[k, : len(r)] = 1.0
    return torch.from_numpy(states), torch.from_numpy(mask)


class Adapter:
    def __init__(self, torch: Any) -> None:
        from sentence_transformers import SentenceTransformer

        model = SentenceTransformer(model_location(DEFAULT_MODEL), device="cpu")
        self.torch = torch
        self.layer = copy.deepcopy(model[0].auto_model.encoder.layer[5]).float()
        self.head = torch.nn.Linear(384, 3)
        self.scale = 10.0
        """The pooled vector is normalised; a fixed scale lets the softmax become confident."""

    def pooled(self, states: Any, mask: Any) -> Any:
        torch = self.torch
        extended = (1.0 - mask[:, None, None, :]) * torch.finfo(torch.float32).min
        out = self.layer(states, extended)
        out = out[0] if isinstance(out, tuple) else out
        summed = (out * mask.unsqueeze(-1)).sum(1) / mask.sum(1, keepdim=True).clamp(min=1)
        return torch.nn.functional.normalize(summed, dim=-1)

    def logits(self, states: Any, mask: Any) -> Any:
        return self.head(self.pooled(states, mask) * self.scale)

    def embed(self, tokens: Tokens, indices: Sequence[int] | IntArray | None = None) -> FloatArray:
        """Adapted embeddings of the part's texts at `indices` (all by default), in that order."""
        torch = self.torch
        self.layer.eval()
        which = list(range(len(tokens))) if indices is None else list(indices)
        order = sorted(
            range(len(which)), key=lambda k: int(tokens.offsets[which[k] + 1] - tokens.offsets[which[k]])
        )
        result = np.zeros((len(which), 384), dtype=np.float32)
        with torch.inference_mode():
            for start in range(0, len(order), 64):
                rows = order[start : start + 64]
                states, mask = _batch(torch, [tokens.row(which[k]) for k in rows])
                result[rows] = self.pooled(states, mask).numpy()
        return result


def train_adapter(torch: Any, parts: Sequence[tuple[Tokens, IntArray, IntArray, float]]) -> Adapter:
    """Parts are (tokens, labels, domain weight); every class of a part weighs a share of its weight.
    Each part is (tokens, indices of the texts used, their labels, the domain's weight)."""
    torch.manual_seed(SEED)
    adapter = Adapter(torch)
    items: list[tuple[int, int, int, float]] = []  # part, row, label, weight
    for p, (_, indices, labels, weight) in enumerate(parts):
        counts = np.bincount(labels, minlength=3)
        present = int((counts > 0).sum())
        items += [
            (p, int(i), int(y), weight / (present * counts[y])) for i, y in zip(indices, labels, strict=True)
        ]
    total = sum(w for *_, w in items)
    rng = np.random.default_rng(SEED)
    optimiser = torch.optim.AdamW(
        [
            {"params": adapter.layer.parameters(), "lr": LEARNING_RATE},
            {"params": adapter.head.parameters(), "lr": HEAD_RATE},
        ],
        weight_decay=0.01,
    )
    length = {(p, i): min(MAX_TRAIN_TOKENS, len(parts[p][0].row(i))) for p, i, *_ in items}
    for _ in range(EPOCHS):
        adapter.layer.train()
        # Batches of similar length (little padding), in a random order.
        shuffled = [items[k] for k in rng.permutation(len(items))]
        chunks = [shuffled[s : s + BATCH * 50] for s in range(0, len(shuffled), BATCH * 50)]
        batches = []
        for chunk in chunks:
            chunk.sort(key=lambda it: length[(it[0], it[1])])
            batches += [chunk[s : s + BATCH] for s in range(0, len(chunk), BATCH)]
        for b in rng.permutation(len(batches)):
            batch = batches[b]
            states, mask = _batch(torch, [parts[p][0].row(i, MAX_TRAIN_TOKENS) for p, i, *_ in batch])
            labels = torch.tensor([y for _, _, y, _ in batch])
            weights = torch.tensor([w * len(items) / total for *_, w in batch], dtype=torch.float32)
            loss = (
                torch.nn.functional.cross_entropy(adapter.logits(states, mask), labels, reduction="none")
                * weights
            ).mean()
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
    return adapter


def _rows(count: int, limit: int) -> IntArray:
    if count <= limit:
        return np.arange(count)
    return np.sort(np.random.default_rng(SEED).choice(count, limit, replace=False))


def main() -> None:
    """Scores every scored domain, or those named as arguments (after `--rows=N`, the training
    rows per domain, `ROWS_PER_DOMAIN` by default; `--rows=6000` reads every row the shipped head does)."""
    torch = import_torch()
    torch.set_num_threads(1)
    started = time.perf_counter()
    domains, _ = load_layer_domains()
    vader(domains)
    tokens = {d.name: {part: Tokens(d.name, part) for part in ("train", "test")} for d in domains}
    request_weight = GRID_REQUEST_WEIGHT[0]
    arguments = sys.argv[1:]
    limit = ROWS_PER_DOMAIN
    if arguments and arguments[0].startswith("--rows="):
        limit = int(arguments.pop(0).removeprefix("--rows="))
    rows = {d.name: _rows(len(d.train_y), limit) for d in domains}
    chosen = arguments or [d.name for d in domains]
    own: dict[str, float] = {}
    stacked: dict[str, float] = {}
    plain: dict[str, float] = {}
    for out in (d for d in domains if d.scored and d.name in chosen):
        clock = time.process_time()
        kept = [d for d in domains if d is not out]
        adapter = train_adapter(
            torch,
            [
                (
                    tokens[d.name]["train"],
                    rows[d.name],
                    d.train_y[rows[d.name]],
                    request_weight if d.request_like else 1.0,
                )
                for d in kept
            ],
        )
        test = adapter.embed(tokens[out.name]["test"])
        weight, bias = adapter.head.weight.detach().numpy(), adapter.head.bias.detach().numpy()
        guess = (test * adapter.scale @ weight.T + bias).argmax(axis=1)
        own[out.name] = macro_f1(out.test_y, guess.astype(np.int64))
        adapted = [
            replace(
                d,
                train_x=adapter.embed(tokens[d.name]["train"], rows[d.name]),
                train_f=d.train_f[rows[d.name]],
                train_y=d.train_y[rows[d.name]],
            )
            for d in kept
        ] + [out]
        head = head_without(adapted, out)
        stacked[out.name] = macro_f1(out.test_y, predict_stacked(head, test, out.test_f, out.test_texts))
        frozen = [
            replace(
                d,
                train_x=d.train_x[rows[d.name]],
                train_f=d.train_f[rows[d.name]],
                train_y=d.train_y[rows[d.name]],
            )
            for d in kept
        ] + [out]
        base = head_without(frozen, out)
        plain[out.name] = macro_f1(out.test_y, predict_stacked(base, out.test_x, out.test_f, out.test_texts))
        print(
            f"{out.name}: frozen embedding, same rows {plain[out.name]:.3f}; adapter's own layer {own[out.name]:.3f}, logistic head with cues {stacked[out.name]:.3f} "
            f"({time.process_time() - clock:.0f} s CPU)",
            flush=True,
        )
    for title, f1s in (("frozen", plain), ("adapter's own layer", own), ("logistic head with cues", stacked)):
        print(f"{title}: worst {min(f1s.values()):.3f}, best {max(f1s.values()):.3f}")
    print(f"{time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
