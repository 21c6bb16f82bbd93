"""Curated-answer matching holds its figures on the rewording set (``faq_rewordings.yaml``):
rewordings (word order, colloquial, polite, English, Traditional) get their entry, near
misses (same words, another question) get none. ``bench/faq_match.py`` prints the rows."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import yaml
from conftest import REPO

from bot.services import embedder_of
from bot.staff.faq import DEFAULT_THRESHOLD, FaqIndex
from bot.staff.store import StaffStore

_spec = importlib.util.spec_from_file_location("faq_match", REPO / "bench" / "faq_match.py")
assert _spec is not None and _spec.loader is not None
faq_match = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(faq_match)


def test_rewordings_match_and_near_misses_do_not(services: Any, tmp_path: Path) -> None:
    data = yaml.safe_load(faq_match.SET.read_text(encoding="utf-8"))
    store = StaffStore(tmp_path / "staff.sqlite3")
    ids = faq_match.build(store, data)
    index = FaqIndex(store, embedder_of(services), DEFAULT_THRESHOLD)
    result = faq_match.measure(index, data, ids)
    store.close()
    assert result["positives"] >= 25 and result["near_misses"] >= 15
    assert result["wrong_entry"] == 0
    assert result["precision"] >= 0.95, result["rows"]
    assert result["recall"] >= 0.85, result["rows"]
    english = [r for r in result["rows"] if r[2].isascii() and r[0] in ("hit", "miss")]
    assert sum(r[0] == "hit" for r in english) >= 4
