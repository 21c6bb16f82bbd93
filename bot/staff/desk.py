"""``StaffDesk``: what the staff handlers need, built once beside ``Services``."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from langchain_core.embeddings import Embeddings

from bot.domain import Clause
from bot.errors import KnowledgeError
from bot.staff.faq import FaqIndex
from bot.staff.hours import OfficeHours
from bot.staff.store import StaffStore

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.services import Services

Retrieve = Callable[[str], Sequence[Clause]]


@dataclass
class StaffDesk:
    """The staff store, the curated-answer index, the clauses, and who counts as staff."""

    store: StaffStore
    faq: FaqIndex
    clauses: Mapping[str, Clause]
    retrieve: Retrieve
    hours: OfficeHours
    staff_chat_id: str | None = None
    staff_user_ids: frozenset[str] = frozenset()
    retention_days: int = 180

    def is_staff(self, user_id: str | None) -> bool:
        """A member of staff: only the ids in POLICYBOT_STAFF_USER_IDS."""
        return user_id is not None and user_id in self.staff_user_ids

    def in_staff_chat(self, chat_id: str) -> bool:
        return self.staff_chat_id is not None and chat_id == self.staff_chat_id

    @classmethod
    def build(
        cls, settings: Settings, services: Services, embeddings: Embeddings | None = None
    ) -> StaffDesk:
        """The desk over the conversation database (the services' store when it is open, so
        that a turn's staff writes join the turn's transaction) and the knowledge base."""
        try:
            hours = OfficeHours.parse(settings.staff_office_hours)
        except ValueError as exc:
            raise KnowledgeError(f"POLICYBOT_STAFF_OFFICE_HOURS: {exc}") from exc
        if embeddings is None:
            from bot.services import embedder_of

            embeddings = embedder_of(services)  # the retrieval's model: no second copy
        store = StaffStore.for_settings(
            settings, services.store.database if services.store is not None else None
        )

        def retrieve(question: str) -> Sequence[Clause]:
            # services.qa at call time: a new index generation swapped in is used at once
            return [h.clause for h in services.qa.retriever.search(question, 3).hits]

        return cls(
            store=store,
            faq=FaqIndex(store, embeddings, settings.faq_threshold),
            clauses=_LiveClauses(services),
            retrieve=retrieve,
            hours=hours,
            staff_chat_id=str(settings.staff_chat_id) if settings.staff_chat_id else None,
            staff_user_ids=frozenset(str(i) for i in settings.staff_user_ids),
            retention_days=settings.log_retention_days,
        )


class _LiveClauses(Mapping[str, Clause]):
    """The clauses of the index in service, looked up at each access, so tickets and curated
    answers see the generation that ``Services.refresh_if_stale`` swapped in."""

    def __init__(self, services: Services) -> None:
        self._services = services

    def __getitem__(self, key: str) -> Clause:
        return self._services.kb.by_key[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._services.kb.by_key)

    def __len__(self) -> int:
        return len(self._services.kb.by_key)
