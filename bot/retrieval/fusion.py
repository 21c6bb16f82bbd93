"""Fusion of rankings, by rank (reciprocal-rank fusion) or by score: pure, no I/O."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

RRF_K = 60


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[str]],
    weights: Sequence[float] | None = None,
    k: int = RRF_K,
) -> list[tuple[str, float]]:
    """Fuse ranked key lists: score(key) = sum over lists of weight / (k + rank), rank from 1.

    Ties keep the order of first appearance (earlier lists first), so the result is stable.
    """
    if weights is None:
        weights = [1.0] * len(rankings)
    if len(weights) != len(rankings):
        raise ValueError("one weight per ranking")
    scores: dict[str, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        seen: set[str] = set()
        for rank, key in enumerate(ranking, start=1):
            if key in seen:
                continue
            seen.add(key)
            scores[key] = scores.get(key, 0.0) + weight / (k + rank)
    order = {key: i for i, key in enumerate(scores)}
    return sorted(scores.items(), key=lambda item: (-item[1], order[item[0]]))


def score_fusion(
    rankings: Sequence[Mapping[str, float]], weights: Sequence[float]
) -> list[tuple[str, float]]:
    """Fuse scored rankings by adding their scores: each ranking's scores are rescaled over
    all the candidates (its lowest to 0, its best to 1; a candidate it did not score gets its
    lowest), then weighed and added. Ties keep the order of first appearance."""
    if len(weights) != len(rankings):
        raise ValueError("one weight per ranking")
    candidates = list(dict.fromkeys(key for ranking in rankings for key in ranking))
    total = dict.fromkeys(candidates, 0.0)
    for ranking, weight in zip(rankings, weights, strict=True):
        if not ranking:
            continue
        low, high = min(ranking.values()), max(ranking.values())
        spread = high - low
        if spread <= 0.0:
            continue
        for key in candidates:
            total[key] += weight * (ranking.get(key, low) - low) / spread
    order = {key: i for i, key in enumerate(candidates)}
    return sorted(total.items(), key=lambda item: (-item[1], order[item[0]]))


def blended(
    whole: Sequence[tuple[str, float]], parts: Mapping[str, float], weight: float
) -> list[tuple[str, float]]:
    """Scores of one search blended with the best scores of searches for its parts:
    ``(1 - weight) * whole + weight * part``, a key one side did not score taking that side's
    lowest; best first, ties in order of first appearance (``whole`` first)."""
    if not parts or weight <= 0.0:
        return list(whole)
    first = dict(whole)
    low_whole = min(first.values(), default=0.0)
    low_part = min(parts.values())
    keys = list(dict.fromkeys([*first, *parts]))
    order = {key: i for i, key in enumerate(keys)}
    scores = {
        key: (1.0 - weight) * first.get(key, low_whole) + weight * parts.get(key, low_part)
        for key in keys
    }
    return sorted(scores.items(), key=lambda item: (-item[1], order[item[0]]))
