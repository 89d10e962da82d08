"""The customer table through model_selection, clustering and reporting nodes, in memory.

Categorical features are imputed and one-hot encoded inside the saved model; the scaler of the
study applies to the numeric features only; centroids and profiles give category shares.
"""

from __future__ import annotations

import logging
import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.metrics import adjusted_rand_score
from sklearn.preprocessing import OneHotEncoder

from customer_segmentation.pipelines.clustering import naming
from customer_segmentation.pipelines.clustering import nodes as clustering
from customer_segmentation.pipelines.customer_table import nodes
from customer_segmentation.pipelines.model_selection import search_sample, study
from customer_segmentation.pipelines.reporting import tables as reporting
from tests.pipelines.clustering.conftest import typed_params as clustering_params
from tests.pipelines.model_selection.conftest import small_settings as selection_params
from tests.pipelines.pipeline_helpers import typed_parameters

from .conftest import CATEGORICAL, NUMERIC, raw_table, typed_params

BEST = {"scaler": "standard", "k": 5}


@pytest.fixture(scope="module")
def table():
    """Customer features, model input and transforms of a 600-row generated table."""
    raw, planted = raw_table(rows=600, seed=11)
    settings = typed_params()
    features, _ = nodes.prepare_customers(raw, settings)
    model_input, transforms = nodes.build_customer_model_input(features, settings)
    return features, model_input, transforms, planted


@pytest.fixture(scope="module")
def fitted(table):
    _, model_input, transforms, _ = table
    settings = clustering_params(relabel_by="spending_score")
    model = clustering.fit_segmentation_model(model_input, BEST, settings, transforms)
    return model, settings


def test_the_model_imputes_and_one_hot_encodes_inside_the_pipeline(table, fitted):
    _, model_input, _, _ = table
    model, _ = fitted
    assert [name for name, _ in model.steps] == ["preprocess", "cluster"]
    preprocess = model.named_steps["preprocess"]
    assert isinstance(preprocess, ColumnTransformer)
    numeric = preprocess.named_transformers_["numeric"]
    categorical = preprocess.named_transformers_["categorical"]
    assert [name for name, _ in numeric.steps] == ["impute", "scale"]
    assert numeric.named_steps["impute"].strategy == "median"
    np.testing.assert_allclose(
        numeric.named_steps["impute"].statistics_, model_input[NUMERIC].median().to_numpy()
    )
    encoder = categorical.named_steps["onehot"]
    assert isinstance(encoder, OneHotEncoder) and encoder.handle_unknown == "ignore"
    assert categorical.named_steps["impute"].strategy == "most_frequent"
    assert preprocess.transformer_weights == {"categorical": 0.5}
    encoded = preprocess.transform(model_input)[:, len(NUMERIC) :]
    assert set(np.unique(encoded)) == {0.0, 0.5}
    # one category per feature and customer, missing values imputed: 3 features x 0.5
    np.testing.assert_allclose(encoded.sum(axis=1), 1.5)


def test_a_later_month_scores_new_customers_even_with_unseen_categories(table, fitted):
    _, model_input, _, _ = table
    model, _ = fitted
    loaded = pickle.loads(pickle.dumps(model))
    known = model_input.iloc[:3].copy()
    new = known.assign(city=["Glasgow", None, "London"], age=[np.nan, 30.0, 70.0])
    labels = loaded.predict(new.drop(columns="customer_id"))
    assert labels.shape == (3,) and set(labels) <= set(range(5))
    encoded = loaded.named_steps["preprocess"].transform(new)
    city = loaded.named_steps["preprocess"].named_transformers_["categorical"]
    categories = city.named_steps["onehot"].categories_
    start = len(NUMERIC) + len(categories[0])
    assert not encoded[0, start : start + len(categories[1])].any()  # Glasgow: no city column
    np.testing.assert_array_equal(
        loaded.predict(model_input.drop(columns="customer_id")),
        model.predict(model_input.drop(columns="customer_id")),
    )


def test_the_planted_groups_are_recovered(table, fitted):
    _, model_input, _, planted = table
    model, _ = fitted
    labels = pd.Series(model.predict(model_input), index=model_input["customer_id"])
    truth = planted.set_index("customer_id")["segment"].reindex(labels.index)
    assert adjusted_rand_score(truth, labels) >= 0.9


def test_centroids_give_category_shares_and_names_use_numeric_features(table, fitted):
    _, model_input, transforms, _ = table
    model, settings = fitted
    centroids = clustering.compute_centroids(model, model_input, transforms)
    original = centroids[centroids["units"] == "original"].set_index("cluster")
    standardized = centroids[centroids["units"] == "standardized"].set_index("cluster")
    for feature in CATEGORICAL:
        shares = original[[c for c in original if c.startswith(f"{feature}=")]]
        np.testing.assert_allclose(shares.sum(axis=1), 1.0, atol=1e-9)
        assert standardized[shares.columns].isna().all().all()
    members = model_input.assign(cluster=model.predict(model_input))
    members = members[members["cluster"] == 0]
    occupation = members["occupation"].fillna(members["occupation"].mode()[0])
    expected = (occupation == "Student").mean()
    assert original.loc[0, "occupation=Student"] == pytest.approx(expected, abs=1e-6)
    assert original["spending_score"].is_monotonic_decreasing  # relabel_by spending_score
    names = naming.name_segments(centroids, settings)  # base (transaction) rules
    assert names["segment"].is_unique
    assert not names["segment"].str.contains("=").any()
    average = settings.naming.average.name
    described = names["segment"][names["segment"] != average]
    assert len(described) >= 4  # no transaction rule applies: named from numeric features
    assert described.str.contains("spending score|income|age", case=False).all()


def test_fallback_names_need_no_label_for_a_new_column(table, fitted):
    _, model_input, transforms, _ = table
    model, settings = fitted
    centroids = clustering.compute_centroids(model, model_input, transforms)
    assert "spending_score" not in settings.naming.fallback.labels  # base labels
    names = naming.name_segments(centroids, settings)
    assert "High spending score, high annual income" in set(names["segment"])


def test_the_study_scales_the_numeric_features_only(table):
    _, model_input, transforms, _ = table
    settings = selection_params()
    sample = search_sample.draw_search_sample(model_input, settings, transforms)
    assert sample.features == NUMERIC + CATEGORICAL
    assert sample.values.shape[1] == len(NUMERIC) and not np.isnan(sample.values).any()
    assert set(np.unique(sample.encoded)) == {0.0, 0.5}
    scaled = search_sample.scaled_sample(sample, "minmax", settings)
    np.testing.assert_allclose(scaled[:, : len(NUMERIC)].min(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(scaled[:, : len(NUMERIC)].max(axis=0), 1.0)
    np.testing.assert_array_equal(scaled[:, len(NUMERIC) :], sample.encoded)
    numeric_only = search_sample.draw_search_sample(
        model_input[["customer_id", *NUMERIC]].dropna(), settings
    )
    assert study.stored_study_name(sample, settings) != study.stored_study_name(
        numeric_only, settings
    )


def test_report_profiles_give_category_shares_without_revenue_or_rfm(table, fitted, caplog):
    features, model_input, transforms, _ = table
    model, _ = fitted
    segments = pd.DataFrame(
        {"customer_id": model_input["customer_id"], "cluster": model.predict(model_input)}
    ).assign(segment=lambda frame: "Segment " + frame["cluster"].astype(str))
    report_params = reporting_params()
    with caplog.at_level(logging.INFO):
        profiles = reporting.build_segment_profiles(features, segments, report_params)
    assert "no revenue column 'monetary'" in caplog.text
    assert "no rfm_segment column" in caplog.text
    assert "revenue" not in profiles and not any(c.startswith("rfm_mix_") for c in profiles)
    assert {"age_mean", "annual_income_median"} <= set(profiles.columns)
    for feature in CATEGORICAL:
        shares = profiles[[c for c in profiles if c.startswith(f"{feature}=")]]
        assert shares.columns.str.endswith("_share").all()
        np.testing.assert_allclose(shares.sum(axis=1), 1.0)
    overall = reporting.build_overall_profile(features, segments, report_params)
    assert set(overall["city"]["shares"]) >= {"London", "Leeds"}
    assert overall["age"]["median"] == pytest.approx(features["age"].median())
    tests = reporting.compute_feature_tests(model_input, segments, transforms, report_params)
    by_feature = tests.set_index("feature")
    assert by_feature.loc["occupation", "separates"]  # planted: leans by group
    assert not by_feature.loc["gender", "separates"]  # planted: independent of the group
    assert np.isnan(by_feature.loc["gender", "anova_p"]) and by_feature["chi2_p"].notna().sum() == 3


def reporting_params():
    """Base reporting parameters (revenue column monetary), profiling the example columns."""
    return typed_parameters("reporting", {"profile_features": NUMERIC + CATEGORICAL})


def test_constant_imputation_makes_missing_a_category_of_its_own(table):
    _, model_input, transforms, _ = table
    declared = {
        **transforms,
        "imputation": {**transforms["imputation"], "categorical": "constant"},
    }
    settings = clustering_params(relabel_by="spending_score")
    model = clustering.fit_segmentation_model(model_input, BEST, settings, declared)
    categorical = model.named_steps["preprocess"].named_transformers_["categorical"]
    occupations = categorical.named_steps["onehot"].categories_[2]
    assert "missing" in occupations and model_input["occupation"].isna().any()
