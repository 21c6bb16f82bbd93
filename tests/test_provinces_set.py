"""Validate unseen set (b) (tests/eval/provinces.yaml) against its 42 source documents.

The set, not the bot, is checked here: every gold key must occur, after the evaluation's
normalisation, in the named article of the named document's original text; the languages and
the out-of-scope share are the ones the issue asks for; every document file exists.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from bs4 import BeautifulSoup

from tests.test_eval_set import norm

REPO = Path(__file__).resolve().parents[1]
FOLDER = REPO / "tests" / "data" / "provinces"
ORIGINALS = FOLDER / "originals"
QUESTIONS = REPO / "tests" / "eval" / "provinces.yaml"
_ARTICLE = re.compile(r"^(第[一二三四五六七八九十百零]+条)[ \u3000]", re.M)
_ITEM = re.compile(r"^[（(][一二三四五六七八九十]+[)）][^。]*?(?:补助|支持|奖励)。?", re.M)


def _questions() -> list[dict[str, Any]]:
    loaded = yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))
    assert isinstance(loaded, list)
    return loaded


@cache
def original_text(doc: str) -> str:
    """The real text a document file was made from (see make_provinces.py)."""
    stem = Path(doc).stem
    if (ORIGINALS / f"{stem}.md").exists():
        return (ORIGINALS / f"{stem}.md").read_text(encoding="utf-8")
    fragment = ORIGINALS / f"{stem}.fragment.html"
    if fragment.exists():
        soup = BeautifulSoup(fragment.read_text(encoding="utf-8"), "html.parser")
        return "\n".join(p.get_text() for p in soup.find_all("p"))
    return (FOLDER / doc).read_text(encoding="utf-8")


def article_text(doc: str, article: str) -> str:
    """The text of one article (第X条) or one item heading's paragraph of a document."""
    text = original_text(doc)
    if article.startswith("第"):
        starts = [(m.group(1), m.start()) for m in _ARTICLE.finditer(text)]
        for index, (name, start) in enumerate(starts):
            if name == article:
                end = starts[index + 1][1] if index + 1 < len(starts) else len(text)
                return text[start:end]
        raise AssertionError(f"{doc}: no {article}")
    for paragraph in text.splitlines():
        if paragraph.strip().startswith(article):
            return paragraph
    raise AssertionError(f"{doc}: no item {article}")


QUESTION_LIST = _questions()


def test_set_shape() -> None:
    ids = [q["id"] for q in QUESTION_LIST]
    assert len(ids) == len(set(ids)) and len(ids) >= 60
    out = [q for q in QUESTION_LIST if q.get("scope") is False]
    assert len(out) >= 10
    langs = Counter(q["lang"] for q in QUESTION_LIST)
    assert set(langs) == {"zh", "en", "zh-Hant"} and min(langs.values()) >= 8
    documents = {q["doc"] for q in QUESTION_LIST if q.get("scope") is not False}
    assert len(documents) >= 35


def test_document_count() -> None:
    files = [p for p in FOLDER.iterdir() if p.is_file() and p.suffix != ".py"]
    assert len(files) >= 40
    assert {p.suffix for p in files} >= {".md", ".txt", ".html", ".docx", ".pdf"}


@pytest.mark.parametrize("question", QUESTION_LIST, ids=lambda q: str(q["id"]))
def test_gold_is_in_the_named_article(question: dict[str, Any]) -> None:
    if question.get("scope") is False:
        assert not {"doc", "article", "gold", "must"} & set(question)
        return
    assert (FOLDER / question["doc"]).is_file()
    text = norm(article_text(question["doc"], question["article"]))
    assert question["gold"], "an in-scope question needs a gold key"
    for key in question["gold"]:
        assert norm(key) in text, f"{question['id']}: {key!r} not in {question['article']}"
    for group in question["must"]:
        assert group and all(isinstance(alt, str) and alt for alt in group)
