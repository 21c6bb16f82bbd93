"""Passages: the rest of every long article, embedded after the generation is published and
searched, for Chinese questions, beside the articles' own vectors."""

from __future__ import annotations

import json
import shutil
import time
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fakes.embedder import HashEmbeddings

from bot.config import Settings
from bot.knowledge.documents import scan_documents
from bot.knowledge.generations import MANIFEST
from bot.knowledge.index import EMBED_CHARS, KnowledgeBase, load_generation
from bot.knowledge.passages import PASSAGES, passage_units, passages_of, read_passages
from bot.retrieval import vectors
from bot.retrieval.vectors import VectorStore
from bot.services import generations, missing_passages, run_ingest, run_passages
from bot.text import normalize

REGULATION = Path(__file__).parent / "data" / "provinces" / "sd-labour-contracts.md"
SMALL_REGULATION = Path(__file__).parent / "data" / "provinces" / "zj-technology-market.md"


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    folder = tmp_path_factory.mktemp("documents")
    shutil.copy(REGULATION, folder / REGULATION.name)
    sources, problems = scan_documents(folder)
    assert not problems
    return KnowledgeBase.from_sources(sources)


def test_a_long_article_is_embedded_to_its_end_a_short_one_not_again(kb: KnowledgeBase) -> None:
    articles = [c for c in kb.clauses if c.kind == "article" and c.part <= 1]
    title = normalize(articles[0].doc_title)
    short = [c for c in articles if len(normalize(f"{c.doc_title} {c.text}")) <= EMBED_CHARS]
    long = [c for c in articles if len(normalize(c.text)) > 2 * EMBED_CHARS]
    assert short and long
    assert all(passages_of(c) == [] for c in short)  # its own vector holds it whole
    for clause in long:
        passages = passages_of(clause)
        assert passages and all(p.startswith(title) for p in passages)
        said = "".join(p[len(title) :] for p in passages)
        # the article's end is in its passages: from the sentence its own vector cut short
        assert normalize(clause.text)[-30:] in said


def test_a_later_part_of_a_split_article_is_embedded_from_its_start(kb: KnowledgeBase) -> None:
    later = [c for c in kb.clauses if c.part > 1]
    assert later  # an article longer than a clause is split into sentence groups
    for clause in later:
        said = "".join(passages_of(clause))
        assert normalize(clause.text)[-20:] in said


def test_a_passage_stands_for_its_clause(kb: KnowledgeBase) -> None:
    units = passage_units(kb)
    assert units
    for unit_id, doc_id, _ in units:
        key, mark = unit_id.rsplit("#", 1)
        assert key in kb.by_key and mark.startswith("p") and kb.by_key[key].doc_id == doc_id


def _store(folder: Path, embeddings: HashEmbeddings) -> VectorStore:
    """A store over a generation folder holding two clause vectors and no Chroma."""
    matrix = np.asarray(embeddings.embed_documents(["劳动合同", "工资支付"]), dtype=np.float32)
    (folder / MANIFEST).write_text(json.dumps({"vectors": 2}), encoding="utf-8")
    vectors._keep(folder, (["a/第一条#0", "a/第二条#0"], matrix, {"a": np.asarray([0, 1])}))

    def no_chroma() -> Any:
        raise AssertionError("a generation with its vectors kept beside it never opens Chroma")

    return VectorStore(no_chroma, "clauses", embeddings, kept=folder)


def test_a_serving_store_finds_passages_once_they_are_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(vectors, "PASSAGES_LOOK", 0.0)
    embeddings = HashEmbeddings()
    store = _store(tmp_path, embeddings)
    question = "用人单位拖欠加班费"
    assert [i for i, _ in store.search(question, 5, passages=True)] == ["a/第二条#0", "a/第一条#0"]
    # the passages are written beside the generation while it serves
    more = np.asarray(embeddings.embed_documents(["用人单位拖欠加班费的"]), dtype=np.float32)
    more /= np.linalg.norm(more, axis=1, keepdims=True)
    np.savez(tmp_path / PASSAGES, ids=np.asarray(["a/第二条#p1"]), matrix=more,
             docs=np.asarray(["a"]))  # fmt: skip
    assert store.search(question, 1, passages=True)[0][0] == "a/第二条#p1"
    assert store.search(question, 5, doc_ids=["a"], passages=True)[0][0] == "a/第二条#p1"
    # with ``passages`` off (``Tuning.passages``) only the clauses' own vectors are searched
    assert all("#p" not in i for i, _ in store.search(question, 5))


def test_a_damaged_passages_file_is_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(vectors, "PASSAGES_LOOK", 0.0)
    store = _store(tmp_path, HashEmbeddings())
    (tmp_path / PASSAGES).write_bytes(b"not a numpy file")
    assert read_passages(tmp_path) is None
    assert len(store.search("劳动合同", 5, passages=True)) == 2


def test_an_ingest_builds_the_passages_beside_the_generation_in_service(tmp_path: Path) -> None:
    knowledge = tmp_path / "knowledge"
    (knowledge / "documents").mkdir(parents=True)
    shutil.copy(REGULATION, knowledge / "documents" / REGULATION.name)
    settings = Settings(_env_file=None, data_dir=tmp_path / "data", knowledge_dir=knowledge)
    embeddings = HashEmbeddings()
    report = run_ingest(settings, embeddings=embeddings)  # type: ignore[arg-type]
    folder = generations(settings).path(report.generation)
    assert not (folder / PASSAGES).exists()  # published without them: it serves already
    built = run_passages(settings, report.generation, embeddings)  # type: ignore[arg-type]
    assert built is not None and built[0] > 0 and built[1] == built[0]
    kept = read_passages(folder)
    assert kept is not None and len(kept[0]) == built[0]
    # once there, they are not built again; a re-ingest of the same texts embeds none
    assert run_passages(settings, report.generation, embeddings) is None  # type: ignore[arg-type]
    calls = embeddings.calls
    (folder / PASSAGES).unlink()
    assert run_passages(settings, report.generation, embeddings) == (built[0], 0)  # type: ignore[arg-type]
    assert embeddings.calls == calls


# ------------------------------------- a generation published without them gets its passages


def _office(tmp_path: Path, settings: Any, **more: Any) -> Settings:
    """The seeds and one provincial regulation with long articles (the smallest of
    ``tests/data/provinces``: 13 passages, new to the session's embedding cache)."""
    from conftest import office

    return office(tmp_path, settings, SMALL_REGULATION, **more)  # type: ignore[no-any-return]


def test_a_one_shot_command_answers_from_the_passages_it_built_first(
    tmp_path: Path, settings: Any, cli_env: dict[str, str]
) -> None:
    # `policybot ask` right after an office adds documents: the ingest it runs first publishes
    # a generation without passages (only `policybot ingest` embedded them, after publishing);
    # few enough to wait for, they are embedded before the first answer.
    import subprocess
    import sys

    office = _office(tmp_path, settings)
    env = {
        **cli_env,
        "POLICYBOT_DATA_DIR": str(office.data_dir),
        "POLICYBOT_KNOWLEDGE_DIR": str(office.knowledge_dir),
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "ask", "--jsonl", "--today", "2026-11-21"],
        input="浙江的技术合同签好以后要去哪里登记\n".encode(),
        capture_output=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    assert len(done.stdout.decode().splitlines()) == 1
    gens = generations(office)
    current = gens.current()
    assert current is not None
    kept = read_passages(gens.path(current))
    kb, _ = load_generation(gens, current)
    assert kept is not None and list(kept[0]) == [i for i, _, _ in passage_units(kb)]
    # served with them, nothing is left to build
    assert missing_passages(office, current) == 0


def test_too_many_to_wait_for_a_command_answers_without_them_a_channel_embeds_them_meanwhile(
    tmp_path: Path, settings: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from bot.services import build_services

    monkeypatch.setattr(vectors, "PASSAGES_LOOK", 0.0)
    office = _office(tmp_path, settings, passages_at_once=1)
    # a one-shot command answers without them, and says how to build them
    with caplog.at_level("WARNING", logger="bot.services"):
        once = build_services(office)
    folder = generations(office).path(once.generation)
    assert not (folder / PASSAGES).exists()
    assert missing_passages(office, once.generation) > 1
    assert any("`policybot ingest` builds them" in r.getMessage() for r in caplog.records)
    # a serving channel started on the same index embeds them in a thread while it answers
    served = build_services(office, serving=True)
    assert served.generation == once.generation
    question = "浙江的技术合同签好以后要去哪里登记"
    deadline = time.monotonic() + 120
    while not (folder / PASSAGES).is_file() and time.monotonic() < deadline:
        assert served.qa.ask(question, date(2026, 11, 21)).answer.text  # from the vectors
        time.sleep(0.5)
    assert missing_passages(office, served.generation) == 0
    # and the store in service searches them from its next look
    assert served.vectors is not None
    assert any("#p" in i for i, _ in served.vectors.search(question, 50, passages=True))
