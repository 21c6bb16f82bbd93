"""Validate the evaluation question set (tests/eval/questions.yaml) against the source documents.

These tests check the set itself, not the bot: every gold key must be copied from the clause that
answers the question, every clause of both documents must be covered, and the language mix must
stay close to the intended one. Matching uses the same normalisation as the evaluation:
whitespace removed, NFKC (full-width -> half-width) and OpenCC t2s on both sides.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

import opencc
import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
QUESTIONS = REPO / "tests" / "eval" / "questions.yaml"
SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
FALLBACK_DOCS = REPO / "knowledge" / "documents"
DEV_SET = Path(__file__).resolve().parents[2] / "shared" / "eval" / "dev.yaml"

ALLOWED_KEYS = {"id", "lang", "q", "gold", "must", "scope", "forbid"}
LANGS = {"zh", "zh-Hant", "en"}
# Intended mix is roughly 55% / 15% / 20%; the ranges leave room for the remainder.
LANG_SHARE = {"zh": (0.45, 0.65), "zh-Hant": (0.10, 0.22), "en": (0.15, 0.28)}

CJK = re.compile(r"[\u3400-\u9fff]")
CN_DIGITS = dict(zip("零一二三四五六七八九", range(10), strict=True)) | {"两": 2}
CN_UNITS = {"十": 10, "百": 100, "千": 1000}
CN_NUMBER = re.compile(f"[{''.join(CN_DIGITS)}{''.join(CN_UNITS)}]+")
BRACKETS = str.maketrans({"〔": "(", "〕": ")", "【": "(", "】": ")", "[": "(", "]": ")"})


@cache
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def norm(text: str) -> str:
    """The evaluation's matching normalisation."""
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))
    return _t2s().convert(text)


def cn_numeral(n: int) -> str:
    """Chinese numeral for 1..99, as used in clause numbers (十一, 二十)."""
    digits = "零一二三四五六七八九"
    tens, ones = divmod(n, 10)
    if tens == 0:
        return digits[ones]
    return ("" if tens == 1 else digits[tens]) + "十" + (digits[ones] if ones else "")


def cn_to_int(numeral: str) -> int:
    total, current = 0, 0
    for ch in numeral:
        if ch in CN_DIGITS:
            current = CN_DIGITS[ch]
        else:
            total += (current or 1) * CN_UNITS[ch]
            current = 0
    return total + current


def numeric_form(text: str) -> str:
    """Normalised text with digits for Chinese numerals, no thousands commas, one bracket kind."""
    text = norm(text).translate(BRACKETS)
    text = re.sub(r"(?<=\d),(?=\d{3})", "", text)
    return CN_NUMBER.sub(lambda m: str(cn_to_int(m.group())), text)


def _strip_front_matter(text: str) -> str:
    return re.sub(r"\A---\n.*?\n---\n", "", text, flags=re.S)


def _document_dir() -> Path:
    if SEEDS.is_dir() and any(SEEDS.glob("*.txt")):
        return SEEDS
    return FALLBACK_DOCS


@cache
def documents() -> dict[str, str]:
    """Raw text of both documents, keyed 'jiading' and 'shanghai'."""
    found: dict[str, str] = {}
    for path in sorted(_document_dir().glob("*.txt")):
        text = _strip_front_matter(path.read_text(encoding="utf-8"))
        if "嘉商规" in text:
            found["jiading"] = text
        elif "直播经济高品质发展三年行动计划" in norm(text):
            found["shanghai"] = text
    assert set(found) == {"jiading", "shanghai"}, f"documents not found in {_document_dir()}"
    return found


def _split(text: str, marker: str) -> dict[str, str]:
    """Split raw text at line-initial clause markers; text before the first marker is 'header'."""
    starts = [(m.start(), m.group(1)) for m in re.finditer(marker, text, flags=re.M)]
    segments = {"header": norm(text[: starts[0][0]])}
    for (start, label), (end, _) in zip(starts, [*starts[1:], (len(text), "")], strict=True):
        segments[norm(label)] = norm(text[start:end])
    return segments


@cache
def clauses() -> dict[tuple[str, str], str]:
    """Normalised clause texts keyed by (document, clause label)."""
    docs = documents()
    jiading = _split(docs["jiading"], r"^\s*(一、主要目标|五、附则|（[一二三四五六七八九十]+）)")
    shanghai = _split(docs["shanghai"], r"^\s*(一、工作目標|[一二三四五六七八九十]+是)")
    out = {("jiading", label): text for label, text in jiading.items()}
    out.update({("shanghai", label): text for label, text in shanghai.items()})
    return out


def expected_clause_labels() -> set[tuple[str, str]]:
    jiading = {"header", norm("一、主要目标"), norm("五、附则")}
    jiading |= {norm(f"（{cn_numeral(n)}）") for n in range(1, 13)}
    shanghai = {"header", norm("一、工作目標")} | {f"{cn_numeral(n)}是" for n in range(1, 21)}
    return {("jiading", x) for x in jiading} | {("shanghai", x) for x in shanghai}


def clauses_containing(key: str) -> list[tuple[str, str]]:
    k = norm(key)
    return [label for label, text in clauses().items() if k in text]


@cache
def entries() -> list[dict[str, Any]]:
    data = yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))
    assert isinstance(data, list), "questions.yaml must be a YAML list"
    return data


def in_scope(entry: dict[str, Any]) -> bool:
    return entry.get("scope", True) is not False


def in_scope_entries() -> list[dict[str, Any]]:
    return [e for e in entries() if in_scope(e)]


# ------------------------------------------------------------------ structure


def test_file_parses_and_entries_are_well_formed() -> None:
    problems = []
    for e in entries():
        if not isinstance(e, dict):
            problems.append(f"not a mapping: {e!r}")
            continue
        ident = e.get("id")
        if set(e) - ALLOWED_KEYS:
            problems.append(f"{ident}: unknown keys {sorted(set(e) - ALLOWED_KEYS)}")
        if e.get("lang") not in LANGS:
            problems.append(f"{ident}: bad lang {e.get('lang')!r}")
        if not isinstance(e.get("q"), str) or not e["q"].strip():
            problems.append(f"{ident}: empty question")
        if "scope" in e and e["scope"] is not False:
            problems.append(f"{ident}: scope may only be false")
        forbid = e.get("forbid", [])
        if not (isinstance(forbid, list) and all(isinstance(f, str) and f for f in forbid)):
            problems.append(f"{ident}: forbid must be a list of non-empty strings")
    assert not problems, "\n".join(problems)


def test_ids_unique_and_well_formed() -> None:
    ids = [e["id"] for e in entries()]
    duplicates = [i for i, n in Counter(ids).items() if n > 1]
    assert not duplicates, f"duplicate ids: {duplicates}"
    assert all(re.fullmatch(r"q\d{3}", i) for i in ids), "ids must look like q001"


def test_set_size() -> None:
    assert len(entries()) >= 110
    assert len(in_scope_entries()) >= 80
    out_of_scope = [e for e in entries() if not in_scope(e)]
    assert len([e for e in out_of_scope if not e.get("forbid")]) >= 15
    assert len([e for e in entries() if e.get("forbid")]) >= 3


def test_in_scope_entries_have_gold_and_must() -> None:
    problems = []
    for e in in_scope_entries():
        gold, must = e.get("gold"), e.get("must")
        if not (isinstance(gold, list) and 1 <= len(gold) <= 4):
            problems.append(f"{e['id']}: gold must list 1-4 keys")
        elif not all(isinstance(k, str) and k.strip() for k in gold):
            problems.append(f"{e['id']}: empty gold key")
        if not isinstance(must, list) or not all(
            isinstance(g, list) and g and all(isinstance(a, str) and a.strip() for a in g)
            for g in must
        ):
            problems.append(f"{e['id']}: must must be a list of non-empty lists of strings")
    assert not problems, "\n".join(problems)


def test_out_of_scope_entries_have_no_gold() -> None:
    bad = [e["id"] for e in entries() if not in_scope(e) and (e.get("gold") or e.get("must"))]
    assert not bad, f"out-of-scope entries with gold or must: {bad}"


# ------------------------------------------------------------------ against the documents


def test_document_split_finds_every_clause() -> None:
    assert set(clauses()) == expected_clause_labels()


def test_gold_keys_occur_in_documents() -> None:
    corpus = "".join(norm(text) for text in documents().values())
    missing = [
        f"{e['id']}: {key}"
        for e in in_scope_entries()
        for key in e["gold"]
        if norm(key) not in corpus
    ]
    assert not missing, "gold keys not found in the documents:\n" + "\n".join(missing)


def test_gold_keys_are_distinctive() -> None:
    """A key found in several clauses cannot tell whether the right clause was cited."""
    problems = []
    for e in in_scope_entries():
        for key in e["gold"]:
            where = clauses_containing(key)
            if len(where) > 1:
                problems.append(f"{e['id']}: {key} occurs in {where}")
    assert not problems, "\n".join(problems)


def test_chinese_must_alternatives_are_stated_in_documents() -> None:
    texts = [norm(t) for t in documents().values()]
    numeric_texts = [numeric_form(t) for t in documents().values()]
    problems = []
    for e in in_scope_entries():
        for group in e["must"]:
            for alt in group:
                if not CJK.search(alt):
                    continue  # English and numeric alternatives are answer phrasings
                if any(norm(alt) in t for t in texts):
                    continue
                if any(numeric_form(alt) in t for t in numeric_texts):
                    continue
                problems.append(f"{e['id']}: {alt}")
    assert not problems, "must alternatives not stated in the documents:\n" + "\n".join(problems)


def test_every_clause_is_covered() -> None:
    covered: set[tuple[str, str]] = set()
    for e in in_scope_entries():
        for key in e["gold"]:
            covered.update(clauses_containing(key))
    missing = sorted(expected_clause_labels() - covered)
    assert not missing, f"clauses without a question: {missing}"


def test_both_documents_are_well_represented() -> None:
    per_doc: Counter[str] = Counter()
    for e in in_scope_entries():
        for doc in {d for key in e["gold"] for d, _ in clauses_containing(key)}:
            per_doc[doc] += 1
    assert per_doc["jiading"] >= 40, per_doc
    assert per_doc["shanghai"] >= 40, per_doc


# ------------------------------------------------------------------ languages and independence


def test_language_mix() -> None:
    counts = Counter(e["lang"] for e in entries())
    total = len(entries())
    for lang, (low, high) in LANG_SHARE.items():
        share = counts[lang] / total
        assert low <= share <= high, f"{lang}: {share:.0%} outside {low:.0%}-{high:.0%}"


def test_every_language_has_out_of_scope_questions() -> None:
    langs = Counter(e["lang"] for e in entries() if not in_scope(e))
    assert all(langs[lang] >= 2 for lang in LANGS), langs


@pytest.mark.parametrize("lang", sorted(LANGS))
def test_question_script_matches_lang(lang: str) -> None:
    problems = []
    for e in entries():
        if e["lang"] != lang:
            continue
        q = e["q"]
        if lang == "en" and CJK.search(q):
            problems.append(f"{e['id']}: Chinese characters in an English question")
        if lang == "zh" and _t2s().convert(q) != q:
            problems.append(f"{e['id']}: traditional characters in a simplified question")
        if lang == "zh-Hant" and _t2s().convert(q) == q:
            problems.append(f"{e['id']}: no traditional characters in a zh-Hant question")
    assert not problems, "\n".join(problems)


def test_independent_of_dev_set() -> None:
    if not DEV_SET.is_file():
        pytest.skip("public dev set not available")
    dev = [norm(e["q"]).lower() for e in yaml.safe_load(DEV_SET.read_text(encoding="utf-8"))]
    close = []
    for e in entries():
        q = norm(e["q"]).lower()
        for d in dev:
            if difflib.SequenceMatcher(None, q, d).ratio() > 0.75:
                close.append(f"{e['id']}: {e['q']!r} ~ {d!r}")
    assert not close, "questions too close to the dev set:\n" + "\n".join(close)
