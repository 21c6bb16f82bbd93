"""Judge the new-user conversations (``tests/eval/newuser-conversations.yaml``) as a business
owner on a phone would: each conversation is answered well, wrong or unhelpful.

Plays every conversation through ``policybot chat --jsonl`` (the answer a user gets) and
reuses the checks of ``../shared/tools/evalconv.py``. A conversation is *wrong* when a turn
says something false (a ``forbid``, ``lead_forbid`` or ``forbid_re`` hit), *unhelpful* when a
turn misses what was asked (``lead``, ``must``, ``gold``), else *well*. Prints the failing
turns, one line per kind of user and the totals.

    .venv/bin/python bench/newuser.py [FILE] [--today 2026-11-29] [--policybot CMD]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import subprocess
import sys
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import opencc
import yaml

ROOT = Path(__file__).resolve().parents[1]
_T2S = opencc.OpenCC("t2s")


def norm(text: str) -> str:
    return re.sub(r"\s+", "", _T2S.convert(unicodedata.normalize("NFKC", text or "")))


def flat(group: list[Any]) -> list[str]:
    return [str(y) for x in group for y in (x if isinstance(x, list) else [x])]


def lead_of(replies: list[dict[str, Any]]) -> str:
    text = replies[0].get("text", "") if replies else ""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()][:2]
    return " ".join(ln.split("「", 1)[0] for ln in lines)[:400]


def judge_turn(turn: dict[str, Any], replies: list[dict[str, Any]]) -> tuple[list[str], list[str]]:
    """(false statements, misses) of one turn's replies."""
    raw = " ".join(r.get("text", "") for r in replies)
    text, lead = norm(raw), norm(lead_of(replies))
    cites = [norm(c.get("text", "")) for r in replies for c in r.get("citations") or []][:3]
    wrong: list[str] = []
    miss: list[str] = []
    for group in turn.get("lead", []):
        if not any(norm(x) in lead for x in flat(group)):
            miss.append(f"lead {lead_of(replies)[:100]!r} lacks {flat(group)[:4]}")
    wrong += [f"lead has {x!r}" for x in turn.get("lead_forbid", []) if norm(x) in lead]
    for group in turn.get("must", []):
        if not any(norm(x) in text for x in flat(group)):
            miss.append(f"replies lack {flat(group)[:4]}")
    wrong += [f"replies contain {x!r}" for x in turn.get("forbid", []) if norm(x) in text]
    for rx in turn.get("forbid_re", []):
        found = re.search(rx, raw)
        if found:
            wrong.append(f"replies match {rx!r}: {found.group(0)!r}")
    if turn.get("gold") and not any(norm(k) in c for k in turn["gold"] for c in cites):
        miss.append(f"gold {turn['gold']} not in the first 3 citations")
    return wrong, miss


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("file", nargs="?", default=str(ROOT / "tests/eval/newuser-conversations.yaml"))
    ap.add_argument("--today", default="2026-11-29")
    ap.add_argument("--policybot", default=str(ROOT / ".venv/bin/policybot"))
    ap.add_argument("--min-well", type=float, default=0.0)
    a = ap.parse_args()
    spec = yaml.safe_load(Path(a.file).read_text(encoding="utf-8"))
    cmd = [*shlex.split(a.policybot), "chat", "--jsonl", "--today", a.today]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdin is not None and proc.stdout is not None
    verdicts: dict[str, Counter[str]] = defaultdict(Counter)
    for ci, conv in enumerate(spec["conversations"]):
        verdict = "well"
        for ti, turn in enumerate(conv["turns"]):
            proc.stdin.write(json.dumps({"chat": f"nu-{os.getpid()}-{ci}", "text": turn["say"]}, ensure_ascii=False) + "\n")
            proc.stdin.flush()
            try:
                replies = json.loads(proc.stdout.readline()).get("replies", [])
            except (json.JSONDecodeError, AttributeError):
                replies = []
            wrong, miss = judge_turn(turn, replies)
            if wrong:
                verdict = "wrong"
            elif miss and verdict == "well":
                verdict = "unhelpful"
            for problem in wrong + miss:
                print(f"{conv['id']} turn {ti + 1}: {turn['say']}\n   - {problem}")
        verdicts[conv.get("kind", "?")][verdict] += 1
    proc.stdin.close()
    proc.wait(timeout=60)
    total: Counter[str] = Counter()
    for kind, counts in sorted(verdicts.items()):
        total.update(counts)
        print(f"{kind:10} well {counts['well']:3}  wrong {counts['wrong']:3}  unhelpful {counts['unhelpful']:3}")
    n = sum(total.values())
    well = total["well"] / n if n else 0.0
    print(
        f"new-user conversations: {n}; well {total['well']} ({well:.0%}), "
        f"wrong {total['wrong']} ({total['wrong'] / n:.0%}), "
        f"unhelpful {total['unhelpful']} ({total['unhelpful'] / n:.0%})"
    )
    return 0 if well >= a.min_well else 1


if __name__ == "__main__":
    sys.exit(main())
