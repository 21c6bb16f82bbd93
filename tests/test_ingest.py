"""Ingest that cannot take the assistant down: generations, the embedding cache, bad files,
a new city's document, refreshing a running process, and kill -9 at random points.

Real components: Chroma on disk in temporary directories, the e5 embedder, real documents
(tests/data, see SOURCES.md). Each test copies the session's embedding cache, so only the
texts new to the test are embedded.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import JIADING, KNOWLEDGE, SHANGHAI, TODAY

from bot.config import Settings
from bot.knowledge.generations import Generations
from bot.services import build_services, embedder_of, generations, run_ingest
from bot.staff.desk import StaffDesk

DATA = Path(__file__).resolve().parent / "data"
NINGBO = "ningbo-blood-donation"
NINGBO_Q = "宁波市献血者本人在什么情况下可以终身免交临床用血费用"
HANGZHOU_Q = "杭州市献血者可以免交临床用血费用吗"
RENT_Q = "人才租房补贴每月多少，能补几年"


@pytest.fixture()
def workspace(tmp_path: Path, settings: Any, services: Any) -> Settings:
    """A knowledge folder of its own (the two policies and the rules) and a data dir that
    starts with the session's embedding cache."""
    knowledge = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, knowledge)
    data = tmp_path / "data"
    data.mkdir()
    cache = Path(settings.data_dir) / "embeddings.sqlite3"
    shutil.copy(cache, data / "embeddings.sqlite3")
    return Settings(_env_file=None, data_dir=data, knowledge_dir=knowledge)


def test_a_generation_is_published_whole_and_unchanged_documents_are_not_embedded(
    workspace: Settings,
) -> None:
    first = run_ingest(workspace)
    assert sorted(first.added) == [JIADING, SHANGHAI]
    assert first.units_written == 0, "every policy text was in the session's cache"
    gens = generations(workspace)
    assert gens.current() == first.generation
    again = run_ingest(workspace)
    assert again.generation == first.generation and not again.changed
    shutil.copy(DATA / f"{NINGBO}.md", workspace.documents_dir / f"{NINGBO}.md")
    third = run_ingest(workspace)
    assert third.added == (NINGBO,)
    assert 0 < third.units_written <= 40  # one vector per article of the new regulation
    assert gens.current() == third.generation != first.generation
    # The previous generation is kept for processes still reading it; older ones go.
    assert set(gens.names()) == {first.generation, third.generation}


def test_bad_files_are_skipped_and_reported_and_the_rest_is_served(workspace: Settings) -> None:
    docs = workspace.documents_dir
    (docs / "broken.docx").write_bytes(b"PK\x03\x04 not a zip")
    (docs / "bad.md").write_text("---\ntitle: [unclosed\n---\n（一）内容。\n", encoding="utf-8")
    services = build_services(workspace)
    problems = {p.file: p.message for p in services.ingest_report.problems}
    assert set(problems) == {"broken.docx", "bad.md"}
    assert problems["bad.md"].startswith("bad.md, line ")
    assert sorted(services.kb.documents) == [JIADING, SHANGHAI]
    assert "3000" in services.qa.ask(RENT_Q, TODAY).answer.text


def test_a_new_citys_document_is_answered_and_other_cities_still_refused(
    workspace: Settings, services: Any
) -> None:
    before = services.qa.ask(NINGBO_Q, TODAY).answer
    assert not before.in_scope, "宁波 is outside while no document covers it"
    shutil.copy(DATA / f"{NINGBO}.md", workspace.documents_dir / f"{NINGBO}.md")
    after = build_services(workspace)
    answer = after.qa.ask(NINGBO_Q, TODAY).answer
    assert answer.in_scope
    assert answer.citations[0].doc == NINGBO
    assert "终身免交临床用血费用" in answer.citations[0].text
    refused = after.qa.ask(HANGZHOU_Q, TODAY).answer
    assert not refused.in_scope
    # The refusal names what is loaded, the new city included.
    assert "宁波市" in refused.text and "宁波市献血条例" in refused.text
    assert "3000" in after.qa.ask(RENT_Q, TODAY).answer.text


def test_a_running_process_picks_up_a_new_generation(workspace: Settings) -> None:
    running = build_services(workspace)
    desk = StaffDesk.build(workspace, running)  # built once, like `policybot telegram` does
    assert not running.refresh_if_stale()
    old = running.generation
    shutil.copy(DATA / f"{NINGBO}.md", workspace.documents_dir / f"{NINGBO}.md")
    run_ingest(workspace)
    assert running.stale()
    assert NINGBO not in running.kb.documents  # still the old generation, whole
    assert running.refresh_if_stale()
    assert running.generation != old and NINGBO in running.kb.documents
    assert running.qa.ask(NINGBO_Q, TODAY).answer.citations[0].doc == NINGBO
    assert not running.refresh_if_stale()
    # The staff desk sees the new generation too: its clauses and its retrieval.
    assert any(c.doc_id == NINGBO for c in desk.clauses.values())
    assert desk.retrieve(NINGBO_Q)[0].doc_id == NINGBO
    assert desk.faq._embeddings is embedder_of(running)  # one model in the process


def _cli_env(settings: Settings, guard: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("POLICYBOT_")}
    env["POLICYBOT_DATA_DIR"] = str(settings.data_dir)
    env["POLICYBOT_KNOWLEDGE_DIR"] = str(settings.knowledge_dir)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(guard), env.get("PYTHONPATH", "")) if p)
    env.pop("PYTHONWARNINGS", None)
    return env


def test_killing_ingest_at_random_points_never_breaks_the_index(
    workspace: Settings, guard_path: Path
) -> None:
    first = run_ingest(workspace)
    gens = Generations(workspace.data_dir / "index")
    for name in ("ningbo-blood-donation.md", "ningbo-blood-donation.html",
                 "shanghai-blood-donation.pdf", "shanghai-smoking-control-gbk.txt"):
        target = "ningbo-page.html" if name.endswith(".html") else name
        shutil.copy(DATA / name, workspace.documents_dir / target)
    env = _cli_env(workspace, guard_path)
    rng = random.Random(9)
    # Kill points: while embedding (after the first batch is cached), after the vectors are
    # stored but before the pointer moves, and at a random moment (start-up included; one, as
    # each costs an ingest's start and the suite's time: the marked points are the ones that
    # matter).
    points: list[str | float] = ["[embed]", "[store]", rng.uniform(0.5, 9.0)]
    killed = 0
    for point in points:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "ingest"], env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
        )
        assert proc.stderr is not None
        if isinstance(point, str):
            for raw in proc.stderr:
                if raw.decode("utf-8", "replace").startswith(point):
                    break
        else:
            time.sleep(point)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            killed += 1
        proc.stderr.close()
        proc.wait(timeout=30)
        current = gens.current()
        assert current is not None
        # Whatever generation is current (the old one, or a new one the kill came too late to
        # stop) is complete and answers correctly.
        serving = build_services(workspace, ingest=False)
        assert serving.generation == current
        answer = serving.qa.ask(RENT_Q, TODAY).answer
        assert "3000" in answer.text and answer.citations[0].doc == JIADING
        if current == first.generation:
            assert NINGBO not in serving.kb.documents
    assert killed >= 2, "the kills should land while ingest runs"
    # Left alone, ingest finishes from where the cache got to, and the new documents serve.
    done = subprocess.run([sys.executable, "-m", "bot.cli", "ingest"], env=env,
                          capture_output=True, timeout=300, check=False)
    assert done.returncode in (0, 1), done.stderr.decode("utf-8", "replace")
    final = build_services(workspace, ingest=False)
    assert NINGBO in final.kb.documents
    assert final.qa.ask(NINGBO_Q, TODAY).answer.citations[0].doc == NINGBO


def test_generation_names_sort_by_creation_time_across_a_second_boundary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The clock read at 12:00:00.999999999 and, a moment later, 12:00:01.000000001: the
    # second name must sort after the first (one reading per name, never two).
    from bot.knowledge import generations as module

    readings = iter([1_700_000_000_999_999_999, 1_700_000_001_000_000_001])
    monkeypatch.setattr(module.time, "time_ns", lambda: next(readings))
    gens = module.Generations(tmp_path)
    first, second = gens.new_name(), gens.new_name()
    assert first < second
    assert first.endswith("-999999999") and second.endswith("-000000001")
