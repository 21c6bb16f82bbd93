"""The shared index: machines that share no disk, one Chroma server (a real ``chroma run``).

An ingest on one "machine" (its own data directory) is served by a worker on another (another
data directory, another process) within 10 s, without a restart and without a failed turn;
what travels is the vectors and the portable clause table (never a pickle); old generations
leave the server once neither current nor previous.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import CITY_CORPUS, KNOWLEDGE, SHANGHAI, TODAY
from fakes.wechat import FakeWeChatAPI, WeChatPush
from processes import policybot, wechat_env
from test_chroma_server import chroma_server  # noqa: F401  (the module's Chroma server)
from test_cli_chat import LineReader
from test_wechat import APP_ID, SECRET, TOKEN, free_port

from bot.config import Settings
from bot.knowledge import portable
from bot.knowledge.documents import scan_documents
from bot.knowledge.generations import KB_FILE, PORTABLE_FILE
from bot.knowledge.index import KnowledgeBase, load_generation
from bot.knowledge.passages import PASSAGE_MARK, PASSAGES
from bot.retrieval.shared_index import CHUNK_BYTES
from bot.services import generations, run_ingest

DATA = Path(__file__).resolve().parent / "data"
NINGBO = "ningbo-blood-donation"
NINGBO_Q = "宁波市献血者本人在什么情况下可以终身免交临床用血费用"

pytestmark = pytest.mark.slow  # a Chroma server and the real e5 model


def test_the_portable_clause_table_is_the_knowledge_base() -> None:
    sources, problems = scan_documents(KNOWLEDGE / "documents", None)
    assert not problems
    kb = KnowledgeBase.from_sources(sources)
    documents, clauses, units = portable.decode(portable.encode(kb.documents, kb.clauses, kb.units))
    assert documents == kb.documents and clauses == kb.clauses and units == kb.units
    assert documents[SHANGHAI].valid_until == kb.documents[SHANGHAI].valid_until is not None


def machine(root: Path, port: int, settings: Any) -> Settings:
    """A machine of its own: a knowledge folder, a data dir with the session's embedding cache."""
    knowledge = root / "knowledge"
    shutil.copytree(KNOWLEDGE, knowledge)
    data = root / "data"
    data.mkdir()
    shutil.copy(Path(settings.data_dir) / "embeddings.sqlite3", data / "embeddings.sqlite3")
    return Settings(
        _env_file=None,
        data_dir=data,
        knowledge_dir=knowledge,
        chroma_host="127.0.0.1",
        chroma_port=port,
        # one index per test on the module's server
        chroma_collection="shared-" + "".join(ch for ch in root.parent.name if ch.isalnum()),
    )


def ask_line(chat: int) -> bytes:
    return json.dumps({"chat": chat, "text": NINGBO_Q}, ensure_ascii=False).encode() + b"\n"


def cited(line: bytes) -> list[str]:
    out = json.loads(line)
    assert "error" not in out and out["replies"], out  # every turn answered, none failed
    return [c["doc"] for c in out["replies"][0]["citations"]]


def worker_env(machine: Settings, port: int, chat_env: dict[str, str]) -> dict[str, str]:
    return {
        **chat_env,
        "POLICYBOT_DATA_DIR": str(machine.data_dir),
        "POLICYBOT_CHROMA_HOST": "127.0.0.1",
        "POLICYBOT_CHROMA_PORT": str(port),
        "POLICYBOT_CHROMA_COLLECTION": machine.chroma_collection,
        "POLICYBOT_KNOWLEDGE_DIR": str(machine.knowledge_dir),
    }


@contextlib.contextmanager
def wechat_worker(env: dict[str, str], cwd: Path) -> Iterator[tuple[str, WeChatPush]]:
    """`policybot wechat` with its ops port: (ops base URL, a poster of messages)."""
    ops_port, port = free_port(), free_port()
    with FakeWeChatAPI(APP_ID, SECRET) as api:
        worker_env = wechat_env(env, api, port, ops_port)

        def ready() -> bool:
            httpx.get(f"http://127.0.0.1:{ops_port}/healthz", timeout=1)
            httpx.get(f"http://127.0.0.1:{port}/wechat", timeout=1)
            return True

        args = ["wechat", "--today", TODAY.isoformat()]
        with policybot(args, worker_env, cwd, ready, timeout=240) as log:
            yield (
                f"http://127.0.0.1:{ops_port}",
                WeChatPush(f"http://127.0.0.1:{port}/wechat", TOKEN, None, APP_ID),
            )
        assert "Traceback" not in log.read_text(errors="replace")


def serving(ops: str) -> str | None:
    found = re.search(r'^policybot_index_info\{generation="([^"]+)"\} 1\.0$',
                      httpx.get(f"{ops}/metrics").text, re.M)  # fmt: skip
    return found.group(1) if found else None


def test_an_ingest_on_one_machine_is_served_by_workers_on_others_within_10_s(
    chroma_server: int,  # noqa: F811
    tmp_path: Path,
    settings: Any,
    chat_env: dict[str, str],
) -> None:
    one = machine(tmp_path / "one", chroma_server, settings)
    first = run_ingest(one)
    assert first.added and first.units_written == 0
    other = machine(tmp_path / "two", chroma_server, settings)
    third = machine(tmp_path / "three", chroma_server, settings)
    args = [sys.executable, "-m", "bot.cli", "chat", "--jsonl", "--today", TODAY.isoformat()]
    args += ["--data-dir", str(other.data_dir)]
    with contextlib.ExitStack() as stack:
        ops, wx = stack.enter_context(
            wechat_worker(worker_env(third, chroma_server, chat_env), tmp_path / "three")
        )
        worker = stack.enter_context(
            subprocess.Popen(
                args,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=worker_env(other, chroma_server, chat_env),
                cwd=tmp_path,
            )
        )
        assert worker.stdin is not None and worker.stdout is not None
        replies, errors = LineReader(worker.stdout), LineReader(worker.stderr)
        try:
            worker.stdin.write(ask_line(0))
            worker.stdin.flush()
            assert NINGBO not in cited(replies.next(240)), "no Ningbo document yet"
            # The workers joined the generation in service; they built nothing of their own.
            assert generations(other).current() == first.generation == serving(ops)
            assert not (other.data_dir / "chroma").exists()

            shutil.copy(DATA / f"{NINGBO}.md", one.documents_dir / f"{NINGBO}.md")
            second = run_ingest(one)
            assert second.added == (NINGBO,)
            published = time.monotonic()
            chat, seen, took = 1, [], {}
            while len(took) < 2:
                assert time.monotonic() - published < 10, f"not served within 10 s: {took}"
                if "jsonl" not in took:
                    worker.stdin.write(ask_line(chat))
                    worker.stdin.flush()
                    seen = cited(replies.next(30))
                    chat += 1
                    if NINGBO in seen:
                        took["jsonl"] = time.monotonic() - published
                if "wechat" not in took and serving(ops) == second.generation:
                    took["wechat"] = time.monotonic() - published
                time.sleep(0.2)
            print(f"served after publishing: {took} s; {chat - 1} jsonl turns meanwhile")
            answer = wx.text("o" + "w" * 27, NINGBO_Q)
            assert answer.status == 200 and "献血" in answer.text
            worker.stdin.close()
            assert replies.next(60) == b""
            assert worker.wait(timeout=60) == 0
        finally:
            if worker.poll() is None:
                worker.kill()
        stderr = b"".join(iter(lambda: errors.next(60), b"")).decode("utf-8", "replace")
    assert "Traceback" not in stderr, stderr
    mirror = other.data_dir / "index" / second.generation
    assert (mirror / PORTABLE_FILE).is_file() and (mirror / KB_FILE).is_file()
    assert not (other.data_dir / "index" / first.generation).exists(), "older mirror pruned"


def test_old_generations_leave_the_server_once_neither_current_nor_previous(
    chroma_server: int,  # noqa: F811
    tmp_path: Path,
    settings: Any,
    services: Any,  # the session's embedding cache, which every machine starts from
) -> None:
    one = machine(tmp_path / "one", chroma_server, settings)
    made = [run_ingest(one, force=True).generation for _ in range(3)]
    gens = generations(one)
    assert gens.remote is not None
    assert gens.remote.pointer() == (made[2], made[1])
    assert gens.remote.names() == made[1:], "this machine's own old generation went at once"
    # Another machine publishes: the generation it never saw stays within the grace (an
    # ingest elsewhere may be writing one), then goes.
    two = machine(tmp_path / "two", chroma_server, settings)
    made.append(run_ingest(two, force=True).generation)
    gens = generations(two)
    assert gens.remote is not None and gens.remote.pointer() == (made[3], made[2])
    assert gens.remote.names() == made[1:]
    assert gens.remote_stale() == []
    later = time.time() + 7 * 3600
    assert gens.remote_stale(now=later) == [made[1]]
    gens.remove(made[1])
    assert gens.remote.names() == made[2:]
    # A machine that never saw a generation mirrors it from the server and loads it, while
    # its passages are still being uploaded (added after publishing: half their chunks there)
    remote = gens.remote
    remote.upload(made[2], {PASSAGES: os.urandom(3 * CHUNK_BYTES)})
    files = remote._client.get_collection(remote._files(made[2]), embedding_function=None)
    files.delete(ids=[f"{PASSAGES}#00002"])
    assert remote.fetch(made[2], PASSAGES) is None
    fresh = Settings(**{**one.model_dump(), "data_dir": tmp_path / "fresh"})
    kb, manifest = load_generation(generations(fresh), made[2])
    assert manifest["generation"] == made[2] and SHANGHAI in kb.documents
    assert not (generations(fresh).path(made[2]) / PASSAGES).exists()


def test_the_passages_built_on_one_machine_are_searched_by_workers_on_others(
    chroma_server: int,  # noqa: F811
    tmp_path: Path,
    settings: Any,
    services: Any,  # the session's embedding cache, which every machine starts from
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from bot.retrieval import vectors
    from bot.services import build_services, embedder_of, run_passages

    monkeypatch.setattr(vectors, "PASSAGES_LOOK", 0.0)
    one = machine(tmp_path / "one", chroma_server, settings)
    port_rules = "上海港口条例.md"  # long articles: passages beyond their first sentence
    shutil.copy(CITY_CORPUS / port_rules, one.documents_dir / port_rules)
    report = run_ingest(one)
    # a worker elsewhere serves the generation before its passages are built
    two = machine(tmp_path / "two", chroma_server, settings)
    worker = build_services(two, ingest=False)
    assert worker.generation == report.generation and worker.vectors is not None
    question = "港口经营人在危险货物作业开始前多久要报告"
    assert not any(PASSAGE_MARK in i for i, _ in worker.vectors.search(question, 50, passages=True))

    built = run_passages(one, report.generation, embedder_of(worker))
    assert built is not None and built[0] > 0
    remote = worker.generations().remote
    assert remote is not None and remote.holds(report.generation, PASSAGES)
    # the worker fetches them into its mirror at its next look, and searches them
    found = worker.vectors.search(question, 50, passages=True)
    assert any(PASSAGE_MARK in i for i, _ in found)
    assert (two.data_dir / "index" / report.generation / PASSAGES).is_file()
    # built and shared once: a second call embeds and uploads nothing
    assert run_passages(one, report.generation, embedder_of(worker)) is None
    _close_chroma_clients()


def _close_chroma_clients() -> None:
    """Close the HTTP sessions of this process's Chroma clients (an in-process worker's, left
    to the end of the run, printed dozens of unclosed-socket warnings); a later client opens
    its own."""
    import gc

    from chromadb.api.client import SharedSystemClient
    from chromadb.api.fastapi import FastAPI

    SharedSystemClient.clear_system_cache()
    for api in [o for o in gc.get_objects() if isinstance(o, FastAPI)]:
        api._session.close()
