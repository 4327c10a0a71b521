"""Files and folders that hold customers' data are the owner's alone: folders 0700, files 0600.

SQLite gives a database's write-ahead log, shared-memory and journal files the permissions of the
database file itself, so creating the database file private keeps its companions private too.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

FOLDER_MODE = 0o700
FILE_MODE = 0o600


def private_folder(path: Path) -> Path:
    """Create ``path`` (and its missing parents) readable by the owner alone.

    A folder that already exists is left as it is: it may be one the person chose to share
    (the current folder, a mounted volume)."""
    missing = [folder for folder in (path, *path.parents) if not folder.exists()]
    path.mkdir(parents=True, exist_ok=True)
    for folder in missing:
        os.chmod(folder, FOLDER_MODE)
    return path


def private_file(path: Path) -> Path:
    """Make sure ``path`` exists and is readable and writable by the owner alone.

    A file askwhy made is tightened too, should an older version have created it 0644."""
    private_folder(path.parent)
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, FILE_MODE)
    os.close(descriptor)
    with contextlib.suppress(PermissionError):  # someone else's file we may write: theirs to keep
        os.chmod(path, FILE_MODE)
    return path


def write_private_text(path: Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path``, created 0600 before a byte is written."""
    private_file(path)
    path.write_text(text, encoding="utf-8")
    return path
