"""Vectors kept in a file beside an index generation: ids, a normalised matrix and each row's
document, in one ``.npz``. The clauses' own vectors (``retrieval.vectors``) and the articles'
passages (``knowledge.passages``) are kept this way."""

from __future__ import annotations

import contextlib
import os
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import BinaryIO

import numpy as np

Kept = tuple[list[str], np.ndarray, list[str]]


def write_vectors(path: Path, ids: Sequence[str], matrix: np.ndarray, docs: Sequence[str]) -> None:
    """Write the file atomically (``write_atomically``). Raises OSError."""
    write_atomically(
        path,
        lambda out: np.savez(
            out, ids=np.asarray(ids, dtype=str), matrix=matrix, docs=np.asarray(docs, dtype=str)
        ),
    )


def write_atomically(path: Path, write: Callable[[BinaryIO], object] | bytes) -> None:
    """Write ``path`` (the bytes, or what ``write`` writes) so that a reader sees no file or
    the whole of it: a file of its own first, then renamed (two writers at once each write
    theirs, the last rename wins). Raises OSError."""
    handle, name = tempfile.mkstemp(prefix=path.name, suffix=".partial", dir=path.parent)
    partial = Path(name)
    try:
        with os.fdopen(handle, "wb") as out:
            if isinstance(write, bytes):
                out.write(write)
            else:
                write(out)
        os.replace(partial, path)
    finally:
        with contextlib.suppress(OSError):
            partial.unlink()


def read_vectors(path: Path) -> Kept | None:
    """(ids, matrix, documents) of the file, or None when it is missing, cannot be read or
    does not hold one document and one row per id."""
    try:
        with np.load(path, allow_pickle=False) as kept:
            ids, matrix, docs = kept["ids"], kept["matrix"], kept["docs"]
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        return None
    if matrix.ndim != 2 or not len(ids) == len(docs) == matrix.shape[0]:
        return None
    return [str(i) for i in ids], np.asarray(matrix, dtype=np.float32), [str(d) for d in docs]
