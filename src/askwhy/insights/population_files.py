"""The population imported comments are weighted to, from a file: margins (YAML) or the invited (CSV).

A margins file gives each segment's shares (or counts) of everyone the comments should stand for::

    Department Name:     # a --segment column of the comments
      Tops: 0.45
      Dresses: 0.27
      Bottoms: 0.28

An invited file is a CSV of everyone invited, one customer a line, with a column per segment.
Anything wrong is a `PopulationFileError` naming the file and the line, never a half-read population.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import yaml


class PopulationFileError(ValueError):
    """A margins or invited file that cannot be used; the message names the file and the line."""


def read_margins(path: Path) -> dict[str, dict[str, float]]:
    """Segment → value → share, as the file gives them (shares or counts; weighting normalises)."""
    try:
        root = yaml.compose(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PopulationFileError(f"{path}: cannot read file: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "YAML"
        raise PopulationFileError(
            f"{path}: {where}: not valid YAML: {getattr(exc, 'problem', exc)}"
        ) from None
    if not isinstance(root, yaml.MappingNode) or not root.value:
        raise PopulationFileError(
            f"{path}: line 1: write one segment per key, each a mapping of value: share"
        )
    margins: dict[str, dict[str, float]] = {}
    for key, node in root.value:
        name = str(key.value)
        if not isinstance(node, yaml.MappingNode) or not node.value:
            raise PopulationFileError(
                f"{path}: line {key.start_mark.line + 1}: {name}: give value: share pairs"
            )
        margins[name] = {str(v.value): _share(path, name, v, share) for v, share in node.value}
        if sum(margins[name].values()) <= 0:
            raise PopulationFileError(
                f"{path}: line {key.start_mark.line + 1}: {name}: the shares add up to 0"
            )
    return margins


def _share(path: Path, segment: str, value: yaml.Node, node: yaml.Node) -> float:
    where = f"{path}: line {node.start_mark.line + 1}: {segment}={value.value}"
    try:
        share = float(node.value) if isinstance(node, yaml.ScalarNode) else math.nan
    except ValueError:
        share = math.nan
    if not math.isfinite(share) or share < 0:
        raise PopulationFileError(f"{where}: a share is a number of 0 or more, got {node.value!r}")
    return share


def read_invited(path: Path, *, columns: list[str]) -> list[dict[str, str]]:
    """Everyone invited, each as the values of ``columns`` (an empty cell is an unknown value)."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if not header:
                raise PopulationFileError(f"{path}: line 1: the header naming the segment columns is missing")
            missing = [name for name in columns if name not in header]
            if missing:
                named = ", ".join(map(repr, missing))
                raise PopulationFileError(f"{path}: line 1: no column {named} (columns: {', '.join(header)})")
            at = [header.index(name) for name in columns]
            records = []
            for row in reader:
                if not row:
                    continue
                if len(row) != len(header):
                    line = reader.line_num
                    raise PopulationFileError(
                        f"{path}: line {line}: {len(row)} fields, the header has {len(header)}"
                    )
                records.append({name: row[i].strip() for name, i in zip(columns, at, strict=True)})
    except OSError as exc:
        raise PopulationFileError(f"{path}: cannot read file: {exc.strerror}") from None
    except (csv.Error, UnicodeDecodeError) as exc:
        raise PopulationFileError(f"{path}: not a readable CSV file: {exc}") from None
    if not records:
        raise PopulationFileError(f"{path}: no invited customers after the header")
    return records
