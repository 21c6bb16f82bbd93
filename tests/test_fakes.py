"""The fake embedder and the services built on it: deterministic, a real ``Embeddings``,
and good enough that a dialogue turn finds and cites the clause asked about."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pytest
from fakes.embedder import HashEmbeddings
from fakes.services import fake_services
from langchain_core.embeddings import Embeddings

from bot.dialogue import handle
from bot.domain import Incoming, Session

TODAY = date(2025, 6, 1)


def test_hash_embeddings_is_a_deterministic_langchain_embeddings() -> None:
    first, second = HashEmbeddings(), HashEmbeddings()
    assert isinstance(first, Embeddings)
    text = "直播电商企业营业收入首次突破1亿元"
    assert first.embed_query(text) == second.embed_documents([text])[0]
    vector = np.asarray(first.embed_query(text))
    assert vector.shape == (256,)
    assert np.linalg.norm(vector) == pytest.approx(1.0)
    assert first.embed_documents([]) == []


def test_shared_words_are_nearer_than_unrelated_text() -> None:
    model = HashEmbeddings()
    query = np.asarray(model.embed_query("主播落户"))
    near = np.asarray(model.embed_query("优秀主播可以申请落户上海"))
    far = np.asarray(model.embed_query("预付卡退款七日内"))
    assert query @ near > query @ far


def test_traditional_and_simplified_embed_alike() -> None:
    model = HashEmbeddings()
    assert model.embed_query("營業收入") == model.embed_query("营业收入")


@pytest.fixture(scope="module")
def fake(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    return fake_services(tmp_path_factory.mktemp("fake-data"))


def test_a_dialogue_turn_runs_on_the_fake_services(fake) -> None:  # type: ignore[no-untyped-def]
    store = fake.qa.retriever._store
    before = store.embeddings.calls
    turn = handle(
        Session(chat_id="c1"),
        Incoming(chat_id="c1", text="嘉定直播企业营收首次超过1亿元奖励多少？"),
        fake,
        TODAY,
    )
    assert store.embeddings.calls > before  # the dense search ran, on the fake
    cited = [c for r in turn.replies for c in r.citations]
    assert cited and any(c.doc == "jiading-livestream-2024" and "1亿元" in c.text for c in cited)
    assert turn.log and turn.log[-1].in_scope


def test_fake_services_write_no_index(fake, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert fake.vectors is None and fake.generation == "fake"
    assert not (fake.settings.data_dir / "index").exists()
