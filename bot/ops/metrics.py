"""Prometheus metrics of one process: turns and their latency (counted by the turn owner),
and, read when scraped, the outboxes, the tickets and the index in service.

One ``CollectorRegistry`` per ``Metrics`` (no global state): tests build as many as they like.
"""

from __future__ import annotations

import calendar
import logging
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, InfoMetricFamily, Metric
from prometheus_client.registry import Collector

from bot.ops.figures import read_figures

if TYPE_CHECKING:
    from bot.services import Services

_log = logging.getLogger(__name__)

# Seconds; the turn's own work is tens of milliseconds, a language model adds seconds.
LATENCY_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class Metrics:
    """The metrics of one process (``Services.metrics``)."""

    def __init__(self, services: Services) -> None:
        self.registry = CollectorRegistry()
        self.turns = Counter(
            "policybot_turns",
            "Turns handled (a message or a button press and the replies to it)",
            ["outcome"],
            registry=self.registry,
        )
        self.turn_seconds = Histogram(
            "policybot_turn_seconds",
            "Time from the start of a turn to its commit (the answer latency)",
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        for outcome in ("ok", "failed"):
            self.turns.labels(outcome)  # both series exist from the start (rate() needs it)
        self.registry.register(_State(services))

    def turn_done(self, seconds: float, ok: bool = True) -> None:
        """Count one turn (called by the turn owner, ``bot.conversation``)."""
        self.turns.labels("ok" if ok else "failed").inc()
        if ok:
            self.turn_seconds.observe(seconds)

    def exposition(self) -> bytes:
        """The Prometheus text format of every metric, read now."""
        return generate_latest(self.registry)


class _State(Collector):
    """Figures read at scrape time: the database's and the index's."""

    def __init__(self, services: Services) -> None:
        self._services = services

    def collect(self) -> Iterator[Metric]:
        yield from self._index()
        store = self._services.store
        if store is None:
            return
        figures = read_figures(store.reading)
        series = {
            "policybot_outbox_depth": ("Replies waiting to be sent", "depth"),
            "policybot_outbox_oldest_age_seconds": (
                "Age of the oldest reply waiting to be sent",
                "oldest_age",
            ),
            "policybot_outbox_overdue_seconds": (
                "How long the most overdue reply is past its due time",
                "overdue",
            ),
            "policybot_undelivered_replies": ("Replies given up on after retries", "undelivered"),
        }
        for name, (doc, attribute) in series.items():
            family = GaugeMetricFamily(name, doc, labels=["channel"])
            for outbox in figures.outboxes:
                family.add_metric([outbox.channel], float(getattr(outbox, attribute)))
            yield family
        if figures.open_tickets is not None:
            yield GaugeMetricFamily(
                "policybot_open_tickets",
                "Questions handed to staff and not resolved",
                value=figures.open_tickets,
            )

    def _index(self) -> Iterator[Metric]:
        services = self._services
        info = InfoMetricFamily("policybot_index", "The index generation in service")
        info.add_metric([], {"generation": services.generation})
        yield info
        yield GaugeMetricFamily(
            "policybot_index_clauses",
            "Clauses in the index in service",
            value=len(services.kb.clauses),
        )
        try:
            manifest = services.generations().manifest(services.generation)
        except Exception as exc:  # the shared pointer's server may be away: the rest still counts
            _log.debug("no manifest for the metrics: %s", exc)
            return
        seconds = manifest.get("seconds")
        if isinstance(seconds, int | float):
            yield GaugeMetricFamily(
                "policybot_ingest_seconds",
                "How long the ingest that built the generation in service took",
                value=float(seconds),
            )
        created = manifest.get("created")
        if isinstance(created, str):
            try:
                stamp = calendar.timegm(time.strptime(created, "%Y-%m-%dT%H:%M:%SZ"))
            except ValueError:
                return
            yield GaugeMetricFamily(
                "policybot_index_created_timestamp_seconds",
                "When the generation in service was built (Unix time)",
                value=stamp,
            )
