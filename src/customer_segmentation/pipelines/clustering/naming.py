"""Segment names: every cluster gets a unique name, goal and actions from its profile.

A cluster that continues a segment of the last run keeps its name. Rules
(``clustering.naming.rules``) match standardized centroids; a cluster no rule names is the
average segment or gets a name from its most extreme features.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from customer_segmentation.model.matching import match_segments
from customer_segmentation.pipelines.clustering.params import (
    ClusteringParams,
    FeatureLabels,
    NamingParams,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Segment:
    """What a cluster is called and what to do with it (from a rule, average or fallback)."""

    name: str
    goal: str
    actions: tuple[str, ...]


def name_segments(
    centroids: pd.DataFrame,
    params: ClusteringParams,
    previous_centroids: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Give every cluster a unique human name, goal and actions from its profile.

    A cluster that continues a segment of the last run (``previous_centroids``, that run's
    ``segment_centroids``) keeps its name: clusters are matched one to one to the last
    run's segments on their standardized centroids, within ``carry_over_distance``
    (:func:`customer_segmentation.model.matching.match_segments`). The others are named
    as follows, with the names carried over taken.

    A rule matches a cluster when every condition holds on the standardized centroid
    (``high``: z >= high_z, ``low``: z <= low_z, ``mid``: |z| <= mid_band). Its score
    is the sum of the margins (z, -z, or mid_band - |z|), so more specific rules score
    higher. Pairs are assigned greedily by best score (ties: rule order, then cluster),
    each rule and cluster at most once; a rule naming a feature the model does not have
    is skipped. A cluster left over is ``average.name`` if all
    its |z| <= mid_band (once), otherwise named from its two most extreme features
    (e.g. "High spend, low frequency"), extended with the next feature until unique.
    """
    naming = params.naming
    profiles = _standardized_profiles(centroids)
    chosen = _carried_over(profiles, previous_centroids, naming)
    taken = {block.name for block in chosen.values()}
    candidates = []
    skipped = []
    for rule_position, rule in enumerate(naming.rules):
        if rule.name in taken:
            continue
        if not set(rule.when) <= set(profiles.columns):
            absent = [feature for feature in rule.when if feature not in profiles.columns]
            skipped.append((rule.name, absent))
            continue
        for cluster, profile in profiles.iterrows():
            score = _rule_score(rule.when, profile, naming)
            if score is not None:
                candidates.append((-score, rule_position, int(cluster)))
    _log_skipped(skipped, naming)
    used_rules: set[int] = set()
    for _, rule_position, cluster in sorted(candidates):
        if cluster not in chosen and rule_position not in used_rules:
            rule = naming.rules[rule_position]
            chosen[cluster] = _Segment(rule.name, rule.goal, rule.actions)
            used_rules.add(rule_position)
    used_names = {block.name for block in chosen.values()}
    for cluster, profile in profiles.iterrows():
        if int(cluster) in chosen:
            continue
        block = _fallback_block(profile, naming, used_names)
        chosen[int(cluster)] = block
        used_names.add(block.name)
    return pd.DataFrame(
        [
            {
                "cluster": cluster,
                "segment": chosen[cluster].name,
                "goal": chosen[cluster].goal,
                "actions": "; ".join(chosen[cluster].actions),
            }
            for cluster in sorted(chosen)
        ]
    )


def _carried_over(
    profiles: pd.DataFrame, previous_centroids: pd.DataFrame | None, naming: NamingParams
) -> dict[int, _Segment]:
    """The clusters that continue a segment of the last run, with that segment's name."""
    if previous_centroids is None or naming.carry_over_distance is None:
        return {}
    previous = _standardized_profiles(previous_centroids, index="segment")
    common = pd.Series(1.0, index=[f for f in profiles.columns if f in previous.columns])
    matches = match_segments(previous, profiles, common, naming.carry_over_distance)
    carried = {cluster: _segment_called(name, naming) for cluster, name in sorted(matches.items())}
    new = sorted(set(profiles.index) - set(matches))
    gone = sorted(set(previous.index) - set(matches.values()))
    logger.info(
        "Segments carried over from the last run: %s; new: %s; gone: %s",
        sorted(matches.values()) or "none",
        new or "none",
        gone or "none",
    )
    return carried


def _segment_called(name: str, naming: NamingParams) -> _Segment:
    """The goal and actions of a carried-over name: its rule's, the average's or fallback's."""
    for rule in (*naming.rules, naming.average):
        if rule.name == name:
            return _Segment(rule.name, rule.goal, rule.actions)
    return _Segment(name, naming.fallback.goal, naming.fallback.actions)


def _standardized_profiles(centroids: pd.DataFrame, index: str = "cluster") -> pd.DataFrame:
    """Standardized rows of the centroid table, indexed by cluster (numeric features only).

    Category-share columns are empty in these rows and are dropped.
    """
    rows = centroids[centroids["units"] == "standardized"].set_index(index)
    rows = rows.drop(columns=[c for c in ("units", "segment", "cluster") if c in rows])
    return rows.dropna(axis=1, how="all").astype("float64")


def _log_skipped(skipped: list[tuple[str, list[str]]], naming: NamingParams) -> None:
    """Say which rules were skipped for features the model does not have.

    A feature with a fallback label (``naming.fallback.labels``) is one the project knows
    and a model may leave out by design (the default model leaves out ``return_rate``): a
    debug line. Any other feature is unknown, most likely a typo in a rule: a warning.
    """
    known = set(naming.fallback.labels)
    optional = [(name, absent) for name, absent in skipped if set(absent) <= known]
    unknown = [(name, absent) for name, absent in skipped if not set(absent) <= known]
    if optional:
        logger.debug(
            "Naming rules skipped, they use features the model leaves out: %s",
            _rules_text(optional),
        )
    if unknown:
        logger.warning(
            "Naming rules skipped, they use features that are neither model features nor "
            "labelled in clustering.naming.fallback.labels (a typo?): %s",
            _rules_text(unknown),
        )


def _rules_text(rules: list[tuple[str, list[str]]]) -> str:
    return "; ".join(f"{name} (no {', '.join(absent)})" for name, absent in rules)


def _rule_score(when: Mapping[str, str], profile: pd.Series, naming: NamingParams) -> float | None:
    """Sum of the condition margins, or ``None`` if any condition fails."""
    score = 0.0
    for feature, direction in when.items():
        margin = _condition_margin(float(profile[feature]), direction, naming)
        if margin is None:
            return None
        score += margin
    return score


def _condition_margin(z: float, direction: str, naming: NamingParams) -> float | None:
    """How strongly ``z`` satisfies ``direction`` (``None``: not at all)."""
    if direction == "high":
        return z if z >= naming.high_z else None
    if direction == "low":
        return -z if z <= naming.low_z else None
    return naming.mid_band - abs(z) if abs(z) <= naming.mid_band else None


def _fallback_block(profile: pd.Series, naming: NamingParams, used_names: set[str]) -> _Segment:
    """Average name, or a descriptive name from the most extreme standardized features."""
    average = naming.average
    if profile.abs().max() <= naming.mid_band and average.name not in used_names:
        return _Segment(average.name, average.goal, average.actions)
    fallback = naming.fallback
    ranked = profile.abs().sort_values(ascending=False, kind="stable").index.tolist()
    parts = [_describe(feature, float(profile[feature]), fallback.labels) for feature in ranked]
    name = ""
    for count in range(2, len(parts) + 1):
        name = ", ".join([parts[0], *(part[:1].lower() + part[1:] for part in parts[1:count])])
        if name not in used_names:
            break
    base, variant = name, 2
    while name in used_names:
        name, variant = f"{base} (variant {variant})", variant + 1
    return _Segment(name, fallback.goal, fallback.actions)


def _describe(feature: str, z: float, labels: Mapping[str, FeatureLabels]) -> str:
    """Label of ``feature`` in the direction of ``z`` (e.g. "High spend")."""
    if feature in labels:
        return labels[feature].high if z >= 0 else labels[feature].low
    direction = "high" if z >= 0 else "low"
    return f"{direction.capitalize()} {feature.replace('_', ' ')}"
