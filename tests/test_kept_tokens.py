"""Token lists kept beside an index generation: a new generation tokenises only the units that
no earlier one had (an ingest that changed one document; a worker switching generations)."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import KNOWLEDGE
from fakes.embedder import HashEmbeddings
from fakes.vectors import MemoryVectors

from bot.knowledge.documents import scan_documents
from bot.knowledge.index import KnowledgeBase, parse_sources
from bot.retrieval.retriever import Retriever
from bot.retrieval.tokens import Tokenizer

PROVINCES = Path(__file__).parent / "data" / "provinces"


class CountingTokenizer(Tokenizer):
    """The project's tokenizer, counting the texts it is asked to cut."""

    calls = 0

    def tokens(self, text: str) -> list[str]:
        CountingTokenizer.calls += 1
        return super().tokens(text)


def _retriever(documents: Path, data: Path, generation: str) -> tuple[Retriever, int]:
    scanned, _ = scan_documents(documents)
    sources, _clauses, _problems = parse_sources(scanned)
    kb = KnowledgeBase.from_sources(sources)
    cache = data / "index" / generation / "tokens.pickle"
    cache.parent.mkdir(parents=True, exist_ok=True)
    CountingTokenizer.calls = 0
    tokenizer = CountingTokenizer(data / "cache")
    retriever = Retriever(kb, MemoryVectors(kb, HashEmbeddings()), tokenizer, {}, token_cache=cache)  # type: ignore[arg-type]
    return retriever, len(kb.units)


def test_a_new_generation_tokenises_only_what_changed(tmp_path: Path) -> None:
    documents = tmp_path / "documents"
    shutil.copytree(KNOWLEDGE / "documents", documents)
    for name in ("zj-prices.md", "sd-work-safety.md"):
        shutil.copy(PROVINCES / name, documents / name)
    data = tmp_path / "data"

    first, units = _retriever(documents, data, "g1")
    cold = CountingTokenizer.calls
    assert cold >= units  # every unit cut once (and the region words)

    _retriever(documents, data, "g1")
    assert CountingTokenizer.calls < 50  # the generation's own tokens: nothing cut again

    changed = documents / "zj-prices.md"
    changed.write_text(
        changed.read_text(encoding="utf-8").replace(
            "第三十八条", "第三十八条 本条新增一句。\n第三十九条", 1
        ),
        encoding="utf-8",
    )
    second, _ = _retriever(documents, data, "g2")
    warm = CountingTokenizer.calls
    assert 0 < warm < cold // 4  # only the changed units (and the region words) are cut again
    question = "工业企业安全生产的主要负责人有哪些职责"
    assert [h.clause.key for h in second.search(question, 3).hits] == [
        h.clause.key for h in first.search(question, 3).hits
    ]


def test_a_kept_bm25_index_is_loaded_for_its_key_and_rebuilt_for_another(tmp_path: Path) -> None:
    from bot.retrieval.bm25 import Bm25Index

    keys = ["a", "b", "c"]
    corpus = [["罚款", "施工"], ["陪产假", "十天"], ["罚款", "罚款", "扬尘"]]
    folder = tmp_path / "bm25-words"
    built = Bm25Index(keys, corpus, folder, "k1")
    assert (folder / "key").read_text(encoding="utf-8") == "k1"
    loaded = Bm25Index(keys, corpus, folder, "k1")
    assert loaded.search(["罚款"], 3) == built.search(["罚款"], 3)
    assert loaded.vocabulary == built.vocabulary
    # other units (another key): indexed again from the tokens given, and kept for that key
    other = Bm25Index(["x"], [["扬尘"]], folder, "k2")
    assert other.search(["扬尘"], 3)[0][0] == "x"
    assert (folder / "key").read_text(encoding="utf-8") == "k2"
    # a damaged folder is indexed again, never a crash
    (folder / "words.json").write_text("{", encoding="utf-8")
    assert Bm25Index(["x"], [["扬尘"]], folder, "k2").search(["扬尘"], 1)[0][0] == "x"
