"""Derivatives of an index generation kept beside it (token lists, the bilingual table)."""

from __future__ import annotations

import contextlib
import os
import pickle
from pathlib import Path
from typing import Any


def load(cache: Path | None, key: str) -> dict[str, Any] | None:
    """A pickle kept beside the generation, if it is there and made for ``key``."""
    if cache is None:
        return None
    with contextlib.suppress(OSError, pickle.UnpicklingError, EOFError, ValueError):
        with open(cache, "rb") as handle:
            stored = pickle.load(handle)
        if isinstance(stored, dict) and stored.get("key") == key:
            return stored
    return None


def save(cache: Path | None, content: dict[str, Any]) -> None:
    """Written whole or not at all (a reader never sees half a file)."""
    if cache is None:
        return
    tmp = cache.with_name(f".{cache.name}.{os.getpid()}.tmp")
    with contextlib.suppress(OSError):
        with open(tmp, "wb") as handle:
            pickle.dump(content, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, cache)


def _age(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:  # removed meanwhile (an old generation pruned)
        return 0.0


def earlier(cache: Path | None, key: str) -> dict[str, Any] | None:
    """What the newest other generation beside ``cache`` kept under the same ``key``."""
    if cache is None:
        return None
    others = [p for p in cache.parent.parent.glob(f"*/{cache.name}") if p != cache]
    for path in sorted(others, key=_age, reverse=True)[:1]:
        return load(path, key)
    return None


def earlier_tokens(cache: Path | None, key: str) -> dict[bytes, tuple[list[str], list[str]]]:
    """The token lists kept by the newest other generation beside ``cache`` (made with the
    same tokenizer: ``key``), by the digest of each unit's text."""
    stored = earlier(cache, key)
    if stored is None:
        return {}
    kept = zip(stored["words"], stored["pairs"], strict=True)
    return dict(zip(stored["digests"], kept, strict=True))
