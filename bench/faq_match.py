"""Curated-answer matching, measured: precision and recall at the threshold on
``tests/console/faq_rewordings.yaml`` (approved questions, real rewordings, near misses),
with the real e5 model. ``python bench/faq_match.py [--threshold 0.55] [--show]``.

A rewording counts as recalled when it gets its own entry; any match for a near miss, or a
rewording matched to another entry, is a false positive.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bot.retrieval.embeddings import E5Embeddings  # noqa: E402
from bot.staff.faq import DEFAULT_THRESHOLD, FaqIndex  # noqa: E402
from bot.staff.store import StaffStore  # noqa: E402

SET = REPO / "tests" / "console" / "faq_rewordings.yaml"


def measure(index: FaqIndex, data: dict[str, Any], ids: dict[str, int]) -> dict[str, Any]:
    hits = wrong = false_alarms = positives = 0
    rows = []
    for name, entry in data["entries"].items():
        for question in entry["rewordings"]:
            positives += 1
            found = index.search(question, 1)
            matched = found[0] if found and found[0].score >= index.threshold else None
            score = found[0].score if found else 0.0
            if matched is not None and matched.entry.id == ids[name]:
                hits += 1
                verdict = "hit"
            elif matched is not None:
                wrong += 1
                verdict = "WRONG"
            else:
                verdict = "miss"
            rows.append((verdict, f"{score:.3f}", question))
    for question in data["near_misses"]:
        found = index.search(question, 1)
        score = found[0].score if found else 0.0
        if found and score >= index.threshold:
            false_alarms += 1
            rows.append(("FALSE", f"{score:.3f}", question))
        else:
            rows.append(("ok", f"{score:.3f}", question))
    matched_total = hits + wrong + false_alarms
    return {
        "positives": positives,
        "near_misses": len(data["near_misses"]),
        "recall": hits / positives,
        "precision": hits / matched_total if matched_total else 1.0,
        "wrong_entry": wrong,
        "false_alarms": false_alarms,
        "rows": rows,
    }


def build(store: StaffStore, data: dict[str, Any]) -> dict[str, int]:
    ids = {}
    for name, entry in data["entries"].items():
        added = store.add_faq(entry["variants"], entry["answer"], [], "bench", status="approved")
        ids[name] = added.id
    return ids


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
    parser.add_argument("--show", action="store_true")
    args = parser.parse_args()
    data = yaml.safe_load(SET.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        store = StaffStore(Path(tmp) / "staff.sqlite3")
        ids = build(store, data)
        index = FaqIndex(store, E5Embeddings(num_threads=1), args.threshold)
        result = measure(index, data, ids)
        store.close()
    if args.show:
        for row in result["rows"]:
            print("\t".join(row))
    print(
        f"threshold {args.threshold}: recall {result['recall']:.3f} "
        f"({result['positives']} rewordings), precision {result['precision']:.3f}; "
        f"wrong entry {result['wrong_entry']}, near misses matched "
        f"{result['false_alarms']}/{result['near_misses']}"
    )


if __name__ == "__main__":
    main()
