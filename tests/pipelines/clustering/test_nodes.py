"""Unit tests of the clustering nodes on small planted customer groups."""

from __future__ import annotations

import logging
import pickle

import numpy as np
import pandas as pd
import pytest
from kedro.io import Version
from kedro_datasets.pickle import PickleDataset
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score
from sklearn.preprocessing import StandardScaler

from customer_segmentation.errors import InputValidationError
from customer_segmentation.model import KMEANS_ONLY, split_centres
from customer_segmentation.pipelines.clustering import naming, nodes
from tests.pipelines.pipeline_helpers import typed_parameters

from .conftest import (
    BEST_PARAMS,
    FEATURES,
    LOG1P_FEATURES,
    customer_features_for,
    planted_frame,
    small_params,
    transforms_for,
    typed_params,
)


def centres_in_model_units(model):
    """Numeric centres mapped back through the scaler (category shares left out)."""
    return split_centres(model)[0]


def settings_for(**overrides):
    return typed_params(**overrides)


def fitted(frame, **overrides):
    return nodes.fit_segmentation_model(frame, BEST_PARAMS, settings_for(**overrides))


def segments_of(frame, **overrides):
    """The whole chain up to customer_segments, for one frame."""
    settings = settings_for(**overrides)
    model = nodes.fit_segmentation_model(frame, BEST_PARAMS, settings)
    centroids = nodes.compute_centroids(model, frame, transforms_for(frame))
    names = naming.name_segments(centroids, settings)
    saved = nodes.package_segmentation_model(
        model, transforms_for(frame), names, customer_features_for(frame), settings
    )
    return model, centroids, names, nodes.assign_customers(frame, saved)


# ---- final model ------------------------------------------------------------------------


def test_final_model_is_scaler_then_kmeans_from_parameters(planted):
    frame, _ = planted
    model = fitted(frame, kmeans__n_init=5, kmeans__random_state=11)
    assert [name for name, _ in model.steps] == ["scaler", "cluster"]
    kmeans = model.named_steps["cluster"].estimator_
    assert isinstance(kmeans, KMeans)
    assert (kmeans.n_clusters, kmeans.n_init, kmeans.random_state) == (4, 5, 11)
    assert list(model.feature_names_in_) == FEATURES


def test_final_model_round_trips_through_a_versioned_pickle(planted, tmp_path):
    frame, _ = planted
    model = fitted(frame)
    dataset = PickleDataset(filepath=str(tmp_path / "model.pkl"), version=Version(None, None))
    dataset.save(model)
    loaded = PickleDataset(filepath=str(tmp_path / "model.pkl"), version=Version(None, None)).load()
    new_customers, _ = planted_frame(seed=9)
    np.testing.assert_array_equal(
        loaded.predict(new_customers[FEATURES]), model.predict(new_customers[FEATURES])
    )
    np.testing.assert_array_equal(
        pickle.loads(pickle.dumps(model)).predict(frame[FEATURES]),
        model.predict(frame[FEATURES]),
    )


@pytest.mark.parametrize("name", ["gaussian_mixture", "bisecting_kmeans", "minibatch_kmeans"])
def test_the_final_fit_uses_the_chosen_algorithm_with_stable_ids(planted, name):
    frame, planted_groups = planted
    chosen = {**BEST_PARAMS, "algorithm": {**KMEANS_ONLY.model_dump(), "name": name}}
    model = nodes.fit_segmentation_model(frame, chosen, settings_for())
    assert type(model[-1].estimator_).__name__.lower().replace("_", "") == name.replace("_", "")
    labels = model.predict(frame[FEATURES])
    assert adjusted_rand_score(planted_groups, labels) >= 0.9
    # ids follow the relabel rule (descending monetary centroid), whatever the algorithm
    monetary = frame[FEATURES].assign(cluster=labels).groupby("cluster")["monetary"].mean()
    assert monetary.is_monotonic_decreasing
    refit = nodes.fit_segmentation_model(frame, chosen, settings_for())
    np.testing.assert_array_equal(refit.predict(frame[FEATURES]), labels)


def test_a_best_params_with_an_unknown_algorithm_is_one_line(planted):
    frame, _ = planted
    chosen = {**BEST_PARAMS, "algorithm": {"name": "dbscan"}}
    with pytest.raises(InputValidationError, match="has algorithm .*dbscan.*not one of kmeans"):
        nodes.fit_segmentation_model(frame, chosen, settings_for())


def test_final_model_recovers_the_planted_groups(planted):
    frame, planted_groups = planted
    *_, segments = segments_of(frame)
    assert adjusted_rand_score(planted_groups, segments["cluster"]) >= 0.9


@pytest.mark.parametrize("scaler", ["none", "quantile_normal", "yeo_johnson", "minmax"])
def test_every_scaler_gives_a_working_model(planted, scaler):
    frame, planted_groups = planted
    model = nodes.fit_segmentation_model(frame, {**BEST_PARAMS, "scaler": scaler}, settings_for())
    assert adjusted_rand_score(planted_groups, model.predict(frame[FEATURES])) >= 0.9


# ---- relabelling ------------------------------------------------------------------------


def test_relabelling_is_deterministic_and_independent_of_the_kmeans_seed(planted):
    frame, _ = planted
    *_, first = segments_of(frame)
    *_, again = segments_of(frame)
    pd.testing.assert_frame_equal(first, again)
    *_, other_seed = segments_of(frame, kmeans__random_state=123)
    np.testing.assert_array_equal(first["cluster"], other_seed["cluster"])


def test_cluster_ids_follow_descending_monetary_centroid(planted):
    frame, _ = planted
    model, centroids, names, _ = segments_of(frame)
    original = centroids[centroids["units"] == "original"]
    assert original["monetary"].is_monotonic_decreasing
    assert names.loc[0, "segment"] == "Champions"


def test_relabel_by_size_orders_clusters_by_customers():
    frame, _ = planted_frame(sizes=(60, 200, 120, 90))
    model = fitted(frame, relabel_by="size")
    sizes = np.bincount(model.predict(frame[FEATURES]))
    assert sizes.tolist() == [200, 120, 90, 60]


def test_relabel_by_unknown_feature_is_named(planted):
    frame, _ = planted
    with pytest.raises(InputValidationError, match=r"parameter 'clustering\.relabel_by'"):
        fitted(frame, relabel_by="revenue")


# ---- assignments and centroids -----------------------------------------------------------


def test_distances_and_margin(planted):
    frame, _ = planted
    model, _, _, segments = segments_of(frame)
    assert list(segments.columns) == [
        "customer_id",
        "cluster",
        "segment",
        "distance_to_centroid",
        "margin",
    ]
    np.testing.assert_array_equal(segments["cluster"], model.predict(frame[FEATURES]))
    scaled = model.named_steps["scaler"].transform(frame[FEATURES])
    centres = model.named_steps["cluster"].cluster_centers_
    distances = np.linalg.norm(scaled[:, None, :] - centres[None, :, :], axis=2)
    ordered = np.sort(distances, axis=1)
    np.testing.assert_allclose(segments["distance_to_centroid"], ordered[:, 0])
    np.testing.assert_allclose(segments["margin"], ordered[:, 1] - ordered[:, 0])
    assert (segments["margin"] > 0).all()


def test_centroids_in_original_units_and_standardized(planted):
    frame, _ = planted
    model, centroids, names, _ = segments_of(frame)
    table = nodes.label_centroids(centroids, names)
    assert list(table.columns) == ["cluster", "segment", "units", *FEATURES]
    assert table["units"].tolist() == ["original"] * 4 + ["standardized"] * 4
    model_units = centres_in_model_units(model)
    labels = model.predict(frame[FEATURES])
    members_mean = frame[FEATURES].groupby(labels).mean().to_numpy()
    np.testing.assert_allclose(model_units, members_mean, atol=1e-6)  # standard scaler: mean
    original = table[table["units"] == "original"][FEATURES].to_numpy()
    for position, feature in enumerate(FEATURES):
        expected = model_units[:, position]
        if feature in LOG1P_FEATURES:
            expected = np.sign(expected) * np.expm1(np.abs(expected))
        np.testing.assert_allclose(original[:, position], expected)
    standardized = table[table["units"] == "standardized"][FEATURES].to_numpy()
    population = frame[FEATURES]
    np.testing.assert_allclose(
        standardized,
        (model_units - population.mean().to_numpy()) / population.std(ddof=0).to_numpy(),
    )


def test_feature_transforms_for_other_features_is_refused(planted):
    frame, _ = planted
    model = fitted(frame)
    transforms = {**transforms_for(frame), "model_features": FEATURES[:-1]}
    with pytest.raises(InputValidationError, match="dataset 'feature_transforms'"):
        nodes.compute_centroids(model, frame, transforms)


# ---- naming -----------------------------------------------------------------------------


def test_planted_profiles_get_their_rule_names(planted):
    frame, planted_groups = planted
    *_, segments = segments_of(frame)
    expected = ["Champions", "Lapsed / At Risk", "Occasional Buyers", "New Customers"]
    for group, name in enumerate(expected):
        assert set(segments.loc[planted_groups == group, "segment"]) == {name}


def profile_table(rows: list[dict[str, float]]) -> pd.DataFrame:
    """A centroid table holding only standardized rows (all other features 0)."""
    records = [
        {"cluster": cluster, "units": "standardized", **dict.fromkeys(FEATURES, 0.0), **row}
        for cluster, row in enumerate(rows)
    ]
    return pd.DataFrame(records)[["cluster", "units", *FEATURES]]


def test_a_rule_is_used_once_and_the_better_match_wins():
    settings = settings_for()
    champion = {"recency": -1.0, "frequency": 1.5, "monetary": 1.5}
    stronger = {"recency": -1.5, "frequency": 2.0, "monetary": 2.5}
    names = naming.name_segments(profile_table([champion, stronger]), settings)
    assert names["segment"].tolist() == ["Loyal Regulars", "Champions"]
    assert names["segment"].is_unique


# ---- names carried over a re-fit ---------------------------------------------------------


def last_run(profiles: list[dict[str, float]], names: list[str]) -> pd.DataFrame:
    """A previous run's segment_centroids: standardized rows with their segment names."""
    table = profile_table(profiles)
    table.insert(1, "segment", names)
    return table


CHAMPION = {"recency": -1.5, "frequency": 2.0, "monetary": 2.5}
LAPSED = {"recency": 2.0, "frequency": -1.0, "monetary": -1.0}


def test_renumbered_clusters_keep_last_runs_names_even_a_renamed_one():
    settings = settings_for()
    # the user called the champions "Our Best" last month (e.g. a rule renamed since)
    previous = last_run([CHAMPION, LAPSED], ["Our Best", "Lapsed / At Risk"])
    nudged = [{k: v * 1.1 for k, v in LAPSED.items()}, {k: v * 0.9 for k, v in CHAMPION.items()}]
    names = naming.name_segments(profile_table(nudged), settings, previous)
    assert names["segment"].tolist() == ["Lapsed / At Risk", "Our Best"]
    rule = next(rule for rule in settings.naming.rules if rule.name == "Lapsed / At Risk")
    assert names.loc[0, "goal"] == rule.goal
    assert names.loc[1, "goal"] == settings.naming.fallback.goal


def test_a_new_cluster_is_named_by_the_rules_and_a_taken_rule_is_skipped():
    settings = settings_for()
    previous = last_run([CHAMPION], ["Champions"])
    also_champion_like = {"recency": -1.0, "frequency": 1.5, "monetary": 1.5}
    names = naming.name_segments(profile_table([CHAMPION, also_champion_like]), settings, previous)
    assert names["segment"].tolist() == ["Champions", "Loyal Regulars"]


def test_without_carry_over_every_run_is_named_afresh():
    settings = settings_for(naming__carry_over_distance=None)
    previous = last_run([CHAMPION], ["Our Best"])
    names = naming.name_segments(profile_table([CHAMPION]), settings, previous)
    assert names["segment"].tolist() == ["Champions"]


def test_unmatched_profiles_get_a_descriptive_name_never_a_number():
    settings = settings_for()
    spend = {"monetary": 2.0, "frequency": -1.2, "recency": 0.1}
    names = naming.name_segments(profile_table([spend]), settings)
    assert names.loc[0, "segment"] == "High spend, low frequency"
    assert names.loc[0, "goal"] == small_params()["naming"]["fallback"]["goal"]


def test_descriptive_names_are_made_unique_with_the_next_feature():
    settings = settings_for()
    first = {"monetary": 2.0, "frequency": -1.2, "tenure": 0.8}
    second = {"monetary": 2.1, "frequency": -1.3, "tenure": -0.7}
    names = naming.name_segments(profile_table([first, second]), settings)["segment"].tolist()
    assert names == ["High spend, low frequency", "High spend, low frequency, short tenure"]


def test_average_profile_and_unknown_features():
    settings = settings_for()
    average = {"recency": 0.1, "monetary": -0.2}
    names = naming.name_segments(profile_table([average]), settings)
    assert names.loc[0, "segment"] == "Mainstream Customers"
    custom = profile_table([{"monetary": 2.0}]).rename(columns={"recency": "basket_entropy"})
    custom.loc[0, "basket_entropy"] = -3.0
    names = naming.name_segments(custom, settings)
    assert names.loc[0, "segment"] == "Low basket entropy, high spend"


def skipped_rule_records(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.getMessage().startswith("Naming rules skipped")]


def test_a_rule_on_a_feature_the_model_leaves_out_is_skipped_quietly(caplog):
    # the default model leaves return_rate out by design, so the Frequent Returners rule
    # cannot apply: nothing a user should read in the log of a default run
    table = profile_table([CHAMPION]).drop(columns="return_rate")
    with caplog.at_level(logging.DEBUG, logger=naming.__name__):
        names = naming.name_segments(table, settings_for())
    assert names["segment"].tolist() == ["Champions"]
    records = skipped_rule_records(caplog)
    assert [record.levelno for record in records] == [logging.DEBUG]
    assert "Frequent Returners (no return_rate)" in records[0].getMessage()


def test_a_rule_on_a_feature_nobody_knows_is_skipped_with_a_warning(caplog):
    params = small_params()
    rule = {"name": "Bargain Hunters", "when": {"discount_shar": "high"}, "goal": "g"}
    params["naming"]["rules"].append({**rule, "actions": ["Send the sale calendar"]})
    with caplog.at_level(logging.DEBUG, logger=naming.__name__):
        naming.name_segments(profile_table([CHAMPION]), typed_parameters("clustering", params))
    [record] = skipped_rule_records(caplog)  # return_rate is a model feature here
    assert record.levelno == logging.WARNING
    assert "Bargain Hunters (no discount_shar)" in record.getMessage()
    assert "clustering.naming.fallback.labels" in record.getMessage()


def test_names_never_repeat_over_many_random_profiles():
    settings = settings_for()
    rng = np.random.default_rng(0)
    rows = [
        dict(zip(FEATURES, rng.normal(scale=1.2, size=len(FEATURES)), strict=True))
        for _ in range(12)
    ]
    names = naming.name_segments(profile_table(rows), settings)
    assert names["segment"].is_unique and len(names) == 12
    assert not names["segment"].str.contains("Cluster").any()


# ---- stability --------------------------------------------------------------------------


def test_best_match_jaccard():
    reference = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    resampled = np.array([5, 5, 5, 2, 2, 2, 2, 2])
    np.testing.assert_allclose(
        nodes.best_match_jaccard(reference, resampled, 3), [3 / 4, 4 / 5, np.nan]
    )


def stability_of(frame):
    settings = settings_for()
    model, _, names, _ = segments_of(frame)
    return nodes.assess_stability(frame, model, names, settings)


def test_planted_groups_are_stable(planted):
    table, summary = stability_of(planted[0])
    assert list(table.columns) == ["cluster", "segment", "jaccard_mean", "jaccard_std", "unstable"]
    assert summary["mean_ari"] >= 0.9
    assert (table["jaccard_mean"] >= 0.9).all() and not table["unstable"].any()
    assert summary["unstable_segments"] == []
    assert summary["n_bootstrap"] == 8 and summary["resample_size"] == 400


def test_stability_does_not_depend_on_how_many_refits_run_at_once():
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(rng.uniform(size=(600, len(FEATURES))), columns=FEATURES)
    frame.insert(0, "customer_id", [f"N{i:04d}" for i in range(600)])
    model, _, names, _ = segments_of(frame)
    one = nodes.assess_stability(frame, model, names, settings_for(workers=1))
    three = nodes.assess_stability(frame, model, names, settings_for(workers=3))
    pd.testing.assert_frame_equal(one[0], three[0])
    assert one[1] == three[1]


def test_uniform_noise_is_flagged_unstable():
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(rng.uniform(size=(600, len(FEATURES))), columns=FEATURES)
    frame.insert(0, "customer_id", [f"N{i:04d}" for i in range(600)])
    table, summary = stability_of(frame)
    assert summary["mean_ari"] < 0.6
    assert table["unstable"].sum() >= 2
    assert sorted(summary["unstable_segments"]) == sorted(table.loc[table["unstable"], "segment"])


# ---- actions ----------------------------------------------------------------------------


def test_segment_actions(planted):
    frame, _ = planted
    *_, names, segments = segments_of(frame)
    actions = nodes.build_segment_actions(segments, names)
    assert list(actions.columns) == [
        "cluster",
        "segment",
        "goal",
        "actions",
        "n_customers",
        "share",
    ]
    assert actions["n_customers"].sum() == len(frame)
    assert actions["share"].sum() == pytest.approx(1.0)
    champions = actions.set_index("segment").loc["Champions"]
    rule = next(r for r in small_params()["naming"]["rules"] if r["name"] == "Champions")
    assert champions["actions"] == "; ".join(rule["actions"])
    assert champions["goal"] == rule["goal"]


# ---- data checks ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "best",
    [
        {**BEST_PARAMS, "scaler": "zscore"},
        {**BEST_PARAMS, "k": 1},
        {**BEST_PARAMS, "features": FEATURES[::-1]},
    ],
)
def test_inconsistent_best_params_are_refused(planted, best):
    frame, _ = planted
    with pytest.raises(InputValidationError, match="dataset 'best_params'"):
        nodes.fit_segmentation_model(frame, best, settings_for())


def test_constant_feature_is_named(planted):
    frame, _ = planted
    frame["return_rate"] = 0.0
    with pytest.raises(InputValidationError, match="column 'return_rate'"):
        nodes.fit_segmentation_model(frame, BEST_PARAMS, settings_for())


# ---- numeric-only (transaction) model unchanged, mixed model -----------------------------


def test_transaction_model_keeps_scaler_then_clusterer_and_the_same_labels(planted):
    frame, _ = planted
    settings = settings_for()
    with_transforms = nodes.fit_segmentation_model(
        frame, BEST_PARAMS, settings, transforms_for(frame)
    )
    without = nodes.fit_segmentation_model(frame, BEST_PARAMS, settings)
    assert [name for name, _ in with_transforms.steps] == ["scaler", "cluster"]
    assert isinstance(with_transforms.named_steps["scaler"], StandardScaler)
    np.testing.assert_array_equal(
        with_transforms.named_steps["cluster"].cluster_centers_,
        without.named_steps["cluster"].cluster_centers_,
    )
    # The same fit by hand: scaler then KMeans with the clustering parameters.
    reference = KMeans(n_clusters=4, **settings.kmeans.model_dump()).fit(
        StandardScaler().fit_transform(frame[FEATURES])
    )
    labels = with_transforms.predict(frame[FEATURES])
    assert adjusted_rand_score(reference.labels_, labels) == 1.0
    np.testing.assert_allclose(
        np.sort(with_transforms.named_steps["cluster"].cluster_centers_, axis=0),
        np.sort(reference.cluster_centers_, axis=0),
    )


def test_the_mixed_model_on_numeric_features_gives_the_transaction_labels(planted):
    frame, _ = planted
    settings = settings_for()
    transaction = nodes.fit_segmentation_model(frame, BEST_PARAMS, settings, transforms_for(frame))
    declared = {
        **transforms_for(frame),
        "numeric_features": list(FEATURES),
        "categorical_features": [],
        "imputation": {"numeric": "median", "categorical": "most_frequent"},
    }
    imputing = nodes.fit_segmentation_model(frame, BEST_PARAMS, settings, declared)
    assert [name for name, _ in imputing.steps] == ["preprocess", "cluster"]
    np.testing.assert_array_equal(imputing.predict(frame), transaction.predict(frame[FEATURES]))
    np.testing.assert_allclose(
        centres_in_model_units(imputing), centres_in_model_units(transaction)
    )
    holes = frame.copy()
    holes.loc[[0, 1], "tenure"] = np.nan
    assert len(imputing.predict(holes)) == len(frame)  # imputed inside the model


def test_relabel_by_a_categorical_feature_is_refused(planted):
    frame, _ = planted
    frame = frame.assign(region=np.where(frame.index % 2 == 0, "north", "south"))
    frame["region"] = frame["region"].astype("str")
    declared = {
        **transforms_for(frame),
        "model_features": [*FEATURES, "region"],
        "numeric_features": list(FEATURES),
        "categorical_features": ["region"],
        "imputation": {"numeric": "median", "categorical": "most_frequent"},
    }
    best = {**BEST_PARAMS, "features": [*FEATURES, "region"]}
    with pytest.raises(InputValidationError, match="not a numeric model feature"):
        nodes.fit_segmentation_model(frame, best, settings_for(relabel_by="region"), declared)
    model = nodes.fit_segmentation_model(frame, best, settings_for(), declared)
    table, summary = nodes.assess_stability(
        frame, model, pd.DataFrame({"cluster": range(4), "segment": list("ABCD")}), settings_for()
    )
    assert summary["mean_ari"] > 0.9 and len(table) == 4
