"""The rules as served: checked wherever they are loaded, refused when they fail, the last good
copy serving meanwhile (as a bad document leaves the last good index serving).

``load_checked_rules(knowledge_dir, kb, keep_dir)`` reads ``programs.yaml`` and ``facts.yaml``,
runs the rulebook's own validation and ``check_rules`` (each quote in its clause, each clause
still there), and

- when they pass: keeps a copy of both files in ``keep_dir`` (the last good rules) and serves
  them;
- when they fail: reports every problem as ``file:line: reason`` and serves the copy in
  ``keep_dir``, itself checked against the documents loaded (its problems are reported too);
- when they fail and no good copy exists yet (a first start): serves the programs that pass
  (a file that cannot be read at all raises ``KnowledgeError`` with the problems).

The verdict says which rules serve and why, for the log, ``policybot documents`` and
``policybot rules check``.
"""

from __future__ import annotations

import logging
import re
import shutil
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from bot.eligibility import Rulebook, load_rulebook
from bot.errors import KnowledgeError
from bot.knowledge.index import KnowledgeBase
from bot.knowledge.rules_check import check_rules

RULE_FILES = ("programs.yaml", "facts.yaml")
_log = logging.getLogger(__name__)
_NAMED = re.compile(r"^(?P<file>.+?): (?P<noun>program|fact) '(?P<id>[^']+)'")


@dataclass(frozen=True)
class RulesVerdict:
    """The rules that serve, where they come from, and what was refused (``file:line: why``)."""

    rulebook: Rulebook
    source: Literal["current", "last good", "partial"]
    problems: tuple[str, ...] = ()

    @property
    def refused(self) -> bool:
        return self.source != "current"


def line_of(path: Path, item_id: str) -> int | None:
    """The line (1-based) where the YAML entry ``id: item_id`` is written, if it is."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    pattern = re.compile(rf"^\s*(?:-\s*)?id:\s*['\"]?{re.escape(item_id)}['\"]?\s*(?:#.*)?$")
    return next((n for n, line in enumerate(lines, start=1) if pattern.match(line)), None)


def _located(message: str) -> str:
    """ "…/programs.yaml: program 'x': …" -> "…/programs.yaml:41: program 'x': …"."""
    match = _NAMED.match(message)
    if match is None:
        return message
    line = line_of(Path(match["file"]), match["id"])
    if line is None:
        return message
    return f"{match['file']}:{line}{message[len(match['file']) :]}"


def rule_problems(knowledge_dir: Path, kb: KnowledgeBase) -> tuple[Rulebook | None, list[str]]:
    """The rulebook in ``knowledge_dir`` (None when it cannot be read at all) and its problems
    against ``kb``, each as ``file:line: reason`` where the file names a line."""
    try:
        rulebook = load_rulebook(knowledge_dir)
    except KnowledgeError as exc:  # YAML syntax (its message names line and column), schema
        return None, [_located(str(exc))]
    programs = knowledge_dir / "programs.yaml"
    problems = []
    for problem in check_rules(rulebook, kb):
        item = problem.program.removeprefix("documents.")
        line = line_of(programs, item)
        where = f"{programs}:{line}" if line else str(programs)
        problems.append(f"{where}: program '{problem.program}': {problem.message}")
    return rulebook, problems


def load_checked_rules(knowledge_dir: Path, kb: KnowledgeBase, keep_dir: Path) -> RulesVerdict:
    """The rules to serve (see the module docstring); logs every refusal."""
    rulebook, problems = rule_problems(knowledge_dir, kb)
    if rulebook is not None and not problems:
        _keep(knowledge_dir, keep_dir)
        return RulesVerdict(rulebook, "current")
    for problem in problems:
        _log.error("rules refused: %s", problem)
    if not all((keep_dir / name).is_file() for name in RULE_FILES):
        if rulebook is not None:  # no good copy yet (a first start): the programs that pass
            kept_programs = _passing(rulebook, problems)
            _log.error(
                "no last good rules yet: serving the %d of %d programs that pass",
                len(kept_programs.programs),
                len(rulebook.programs),
            )
            return RulesVerdict(kept_programs, "partial", tuple(problems))
        raise KnowledgeError(
            "the rules were refused and there are no last good rules to serve:\n"
            + "\n".join(problems)
        )
    kept, kept_problems = rule_problems(keep_dir, kb)
    if kept is None:
        raise KnowledgeError(
            "the last good rules cannot be read either:\n" + "\n".join(kept_problems)
        )
    for problem in kept_problems:
        _log.warning("the last good rules: %s", problem)
    _log.error("serving the last good rules from %s until the rule files are fixed", keep_dir)
    return RulesVerdict(kept, "last good", tuple(problems))


def _passing(rulebook: Rulebook, problems: list[str]) -> Rulebook:
    """``rulebook`` without the programs a problem names."""
    named = {m for p in problems for m in re.findall(r"program '([^']+)'", p)}
    programs = {k: v for k, v in rulebook.programs.items() if k not in named}
    return replace(rulebook, programs=programs)


def _keep(knowledge_dir: Path, keep_dir: Path) -> None:
    """Copy the rule files that passed to ``keep_dir``, each file replaced atomically."""
    keep_dir.mkdir(parents=True, exist_ok=True)
    for name in RULE_FILES:
        source, target = knowledge_dir / name, keep_dir / name
        if target.is_file() and target.read_bytes() == source.read_bytes():
            continue
        partial = target.with_suffix(".partial")
        shutil.copyfile(source, partial)
        partial.replace(target)
