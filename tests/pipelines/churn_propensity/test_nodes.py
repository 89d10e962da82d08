"""churn_propensity on small in-memory data: the time split and label, the model's AUC and
calibration on planted data, the summaries, determinism and the one-line errors."""

from __future__ import annotations

import datetime as dt

import ibis
import numpy as np
import pandas as pd
import pytest

from customer_segmentation.customer_metrics import aggregate_customers
from customer_segmentation.errors import InputValidationError
from customer_segmentation.pipelines.churn_propensity import model, nodes
from customer_segmentation.pipelines.churn_propensity.params import ChurnPropensityParams
from tests.pipelines.pipeline_helpers import one_line, rejected_parameters, typed_parameters

FEATURES = ["recency", "frequency", "monetary"]
CUTOFF = dt.date(2011, 3, 2)


def params(**overrides) -> ChurnPropensityParams:
    return typed_parameters("churn_propensity", {"min_customers": 10, **overrides})


def lines(rows: list[tuple[str, str, float]]) -> ibis.Table:
    """Clean lines (customer, day, revenue), one invoice per row; negative revenue: a return."""
    frame = pd.DataFrame(rows, columns=["customer_id", "invoice_date", "line_revenue"])
    frame["invoice_date"] = pd.to_datetime(frame["invoice_date"])
    frame["is_return"] = frame["line_revenue"] < 0
    frame["invoice"] = [f"i{n}" for n in range(len(frame))]
    frame["stock_code"] = "S1"
    frame["quantity"] = np.where(frame["is_return"], -1.0, 1.0)
    return ibis.memtable(frame)


# The data ends on 2011-03-31 (end 2011-04-01); a 30-day horizon puts the cutoff on 2011-03-02.
LINES = lines(
    [
        ("A", "2011-01-05 10:00", 20.0),
        ("A", "2011-03-10 10:00", 30.0),  # ordered again in the window: stayed
        ("B", "2011-01-10 10:00", 15.0),
        ("B", "2011-03-20 10:00", -5.0),  # only a return in the window: churned
        ("C", "2011-02-01 10:00", 10.0),  # nothing in the window: churned
        ("D", "2011-03-05 10:00", 8.0),  # first order in the window: not in training
        ("E", "2011-03-01 23:00", 9.0),  # the day before the cutoff
        ("E", "2011-03-31 12:00", 9.0),  # the last day: stayed
    ]
)


END = dt.date(2011, 4, 1)
#: Lines that cannot be measured (no dates): the scoring set must not measure them again.
UNREADABLE = LINES.drop("invoice_date")


def dates(horizon: int = 30) -> dict[str, str]:
    return nodes.churn_dates(LINES, params(horizon_days=horizon))


def scoring_set(p: ChurnPropensityParams) -> pd.DataFrame:
    """The features as of the end, measured from the lines."""
    return nodes._features(LINES, END, p)


class TestTimeSplit:
    def test_cutoff_is_horizon_days_before_the_day_after_the_last_invoice(self):
        assert dates() == {
            "first_invoice": "2011-01-05",
            "cutoff": "2011-03-02",
            "end": "2011-04-01",
        }

    def test_features_are_measured_at_the_cutoff_and_at_the_end(self):
        p = params(horizon_days=30)
        at_cutoff = nodes._features(
            LINES.filter(LINES.invoice_date < pd.Timestamp("2011-03-02")), CUTOFF, p
        ).set_index("customer_id")
        # A's last order before the cutoff: 2011-01-05, 56 days before 2011-03-02
        assert at_cutoff.loc["A", "recency"] == 56 and at_cutoff.loc["A", "frequency"] == 1
        at_end = scoring_set(p).set_index("customer_id")
        assert at_end.loc["A", "recency"] == 22 and at_end.loc["A", "frequency"] == 2
        assert at_end.loc["B", "monetary"] == 10.0  # 15 ordered, 5 returned
        assert list(at_end.index) == ["A", "B", "C", "D", "E"]

    def test_recency_frequency_and_monetary_are_kept_to_show_beside_the_probability(self):
        only = params(horizon_days=30, features=["tenure"])
        columns = scoring_set(only).columns
        assert list(columns) == ["customer_id", "tenure", *nodes.SHOWN_FEATURES]

    @pytest.mark.parametrize("snapshot", [None, "2011-04-01", dt.date(2011, 4, 1)])
    def test_the_scoring_set_is_customer_metrics_when_measured_at_the_end(self, snapshot):
        p = params(horizon_days=30)
        # feature_engineering's table (shuffled rows): read, not measured again from the lines
        metrics = aggregate_customers(LINES, END).execute().iloc[::-1]
        from_metrics = nodes.build_scoring_set(metrics, UNREADABLE, dates(), snapshot, p)
        pd.testing.assert_frame_equal(from_metrics, scoring_set(p))

    def test_a_later_snapshot_measures_the_scoring_set_from_the_lines(self):
        p = params(horizon_days=30)
        later = aggregate_customers(LINES, dt.date(2011, 5, 1)).execute()
        at_end = nodes.build_scoring_set(later, LINES, dates(), "2011-05-01", p)
        pd.testing.assert_frame_equal(at_end, scoring_set(p))

    def test_customer_metrics_without_a_feature(self):
        metrics = aggregate_customers(LINES, END).execute().drop(columns="monetary")
        with pytest.raises(InputValidationError) as error:
            nodes.build_scoring_set(metrics, LINES, dates(), None, params(horizon_days=30))
        assert "customer_metrics" in one_line(error.value)
        assert "monetary" in one_line(error.value)


def test_training_labels_on_hand_checked_lines(monkeypatch):
    # min_customers is at least 10 by the parameter's rules: check the labels below it
    monkeypatch.setattr(nodes, "_check_trainable", lambda training, params: None)
    training = nodes.build_training_set(LINES, dates(), params(horizon_days=30))
    labels = training.set_index("customer_id")[nodes.LABEL].to_dict()
    assert labels == {"A": 0, "B": 1, "C": 1, "E": 0}
    assert list(training.columns) == ["customer_id", *params().features, nodes.LABEL]


def planted(customers: int, signal: float, seed: int = 0) -> pd.DataFrame:
    """A training table whose churn probability is a logistic function of recency.

    ``signal`` 0: pure noise (churn at random, 30 %); larger: churn follows recency.
    """
    rng = np.random.default_rng(seed)
    recency = rng.uniform(0, 365, customers)
    z = (recency - 180) / 60
    p = 1 / (1 + np.exp(-signal * z)) if signal else np.full(customers, 0.3)
    return pd.DataFrame(
        {
            "customer_id": [f"c{n:05d}" for n in range(customers)],
            "recency": recency,
            "frequency": rng.integers(1, 20, customers).astype("float64"),
            "monetary": rng.gamma(2.0, 100.0, customers),
            nodes.LABEL: (rng.uniform(size=customers) < p).astype("int64"),
            "_p": p,
        }
    )


def cv(training: pd.DataFrame, **overrides) -> tuple[dict, pd.DataFrame]:
    return nodes.cross_validate_churn(
        training, {"cutoff": "x", "end": "y"}, params(features=FEATURES, **overrides)
    )


class TestModel:
    def test_auc_is_high_when_churn_follows_a_feature(self):
        metrics, _ = cv(planted(1500, signal=3.0))
        assert metrics["roc_auc_mean"] > 0.85
        assert len(metrics["roc_auc_folds"]) == 5 and metrics["roc_auc_std"] < 0.05
        assert metrics["brier_score"] < metrics["brier_score_base_rate"]

    def test_auc_is_near_one_half_on_noise(self):
        metrics, _ = cv(planted(1500, signal=0.0))
        assert abs(metrics["roc_auc_mean"] - 0.5) < 0.06
        # nothing to learn: no better than predicting the churn rate (within noise)
        assert metrics["brier_score"] > 0.95 * metrics["brier_score_base_rate"]

    @pytest.mark.parametrize("method", ["none", "sigmoid"])
    def test_probabilities_are_calibrated_on_planted_probabilities(self, method):
        training = planted(4000, signal=1.0, seed=1)
        metrics, table = cv(training, calibration={"method": method, "folds": 3, "bins": 5})
        # the Brier score of the true probabilities, which no model can beat on average
        best = float(np.mean(training["_p"] * (1 - training["_p"])))
        assert metrics["brier_score"] == pytest.approx(best, abs=0.015)
        filled = table[table["customers"] >= 200]
        assert len(filled) >= 3
        assert (filled["difference"].abs() < 0.06).all(), table
        assert table["customers"].sum() == len(training)
        assert list(table.columns) == model.RELIABILITY_COLUMNS and len(table) == 5

    def test_same_data_and_seed_give_identical_results(self):
        training = planted(600, signal=2.0)
        first, second = cv(training), cv(training)
        assert first[0] == second[0]
        pd.testing.assert_frame_equal(first[1], second[1])
        fitted = [nodes.fit_churn_model(training, params(features=FEATURES)) for _ in range(2)]
        p = params(features=FEATURES)
        scores = [model.score(m, training[FEATURES].to_numpy(), p) for m in fitted]
        assert np.array_equal(scores[0], scores[1])


def test_folds_fitted_side_by_side_give_the_scores_of_one_at_a_time():
    training = planted(600, signal=2.0)
    one, two = cv(training, workers=1), cv(training, workers=2)
    assert one[0] == two[0]
    pd.testing.assert_frame_equal(one[1], two[1])


class TestTrainingSample:
    LABELS = (np.arange(10_000) % 10 < 3).astype("int64")  # 30 % churned

    @pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
    def test_the_sample_keeps_the_churn_rate(self, seed):
        rows = model.training_rows(self.LABELS, 1_000, seed)
        # stratified: exactly 30 % (a plain random draw lands on 300 about 3 % of the time)
        assert len(rows) == 1_000 and self.LABELS[rows].sum() == 300
        assert np.array_equal(rows, np.unique(rows))  # sorted, each row once

    def test_the_same_seed_draws_the_same_sample(self):
        first, second = (model.training_rows(self.LABELS, 1_000, 7) for _ in range(2))
        assert np.array_equal(first, second)
        assert not np.array_equal(first, model.training_rows(self.LABELS, 1_000, 8))

    @pytest.mark.parametrize("limit", [None, 10_000, 20_000])
    def test_every_row_when_null_or_not_fewer_than_the_rows(self, limit):
        rows = model.training_rows(self.LABELS, limit, 0)
        assert np.array_equal(rows, np.arange(10_000))

    def test_null_is_every_customer(self):
        assert params(max_training_customers=None).max_training_customers is None

    def test_the_nodes_train_on_the_sample_and_say_how_many(self):
        training = planted(1500, signal=3.0)
        metrics, table = cv(training, max_training_customers=1000)
        assert metrics["customers"] == 1500 and metrics["training_customers"] == 1000
        assert table["customers"].sum() == 1000  # out-of-fold: the sample's customers
        assert metrics["churn_rate"] == pytest.approx(training[nodes.LABEL].mean())
        assert metrics["roc_auc_mean"] > 0.85
        again = cv(training, max_training_customers=1000)  # the same sample, the same folds
        assert again[0] == metrics
        pd.testing.assert_frame_equal(again[1], table)
        whole, _ = cv(training)
        assert whole["customers"] == whole["training_customers"] == 1500

    def test_the_fit_is_the_sample_fit_and_the_same_every_time(self):
        training = planted(1500, signal=3.0)
        p = params(features=FEATURES, max_training_customers=1000)
        rows = model.training_rows(
            training[nodes.LABEL].to_numpy(), 1000, p.classifier.random_state
        )
        by_hand = model.fit(
            training[FEATURES].to_numpy()[rows], training[nodes.LABEL].to_numpy()[rows], p
        )
        fitted = [nodes.fit_churn_model(training, p) for _ in range(2)]
        whole = nodes.fit_churn_model(training, params(features=FEATURES))
        x = training[FEATURES].to_numpy()
        scores = [model.score(m, x, p) for m in (by_hand, *fitted, whole)]
        assert len(scores[0]) == 1500  # every customer is scored
        assert np.array_equal(scores[0], scores[1]) and np.array_equal(scores[1], scores[2])
        assert not np.array_equal(scores[0], scores[3])

    def test_a_sample_too_small_for_the_rarer_outcome(self):
        training = planted(2000, signal=0.0).assign(**{nodes.LABEL: 0})
        training.loc[:5, nodes.LABEL] = 1  # 6 churners: enough for 5 folds, 3 in a half
        with pytest.raises(InputValidationError) as error:
            cv(training, max_training_customers=1000)
        message = one_line(error.value)
        assert "parameter 'churn_propensity.max_training_customers'" in message
        assert "only 3 customers of the rarer outcome" in message


def test_reliability_table_bins_probabilities_edges_included():
    table = model.reliability_table(np.array([0, 1, 1, 0]), np.array([0.0, 0.5, 1.0, 0.49]), 2)
    assert table["customers"].tolist() == [2, 2]
    assert table["observed_rate"].tolist() == [0.0, 1.0]
    assert table["mean_predicted"].tolist() == pytest.approx([0.245, 0.75])
    assert table["bin"].tolist() == ["0.00-0.50", "0.50-1.00"]


@pytest.fixture(scope="module")
def scored() -> dict[str, pd.DataFrame]:
    training = planted(400, signal=3.0)
    p = params(features=FEATURES, targets_per_segment=3)
    fitted = nodes.fit_churn_model(training, p)
    segments = pd.DataFrame({"customer_id": training["customer_id"][:-4]})
    segments["segment"] = np.where(training["frequency"][:-4] > 10, "Frequent", "Rare")
    segments["cluster"] = 0
    per_customer = nodes.score_churn(fitted, training.drop(columns=nodes.LABEL), segments, p)
    return {
        "customers": per_customer,
        "segments": nodes.summarise_churn_segments(per_customer),
        "targets": nodes.rank_churn_targets(per_customer, p),
    }


def test_every_customer_gets_a_probability_and_unknown_ones_no_segment(scored):
    customers = scored["customers"]
    assert list(customers.columns) == ["customer_id", "segment", nodes.PROBABILITY, *FEATURES]
    assert customers[nodes.PROBABILITY].between(0, 1).all()
    assert (customers["segment"] == nodes.NOT_SEGMENTED).sum() == 4
    # the planted churners (long since their last order) score higher
    late = customers["recency"] > 250
    assert customers[late][nodes.PROBABILITY].mean() > 0.7
    assert customers[customers["recency"] < 100][nodes.PROBABILITY].mean() < 0.3


def test_scoring_threads_give_the_same_probabilities():
    training = planted(3000, signal=3.0)
    fitted = nodes.fit_churn_model(training, params(features=FEATURES))
    x = training[FEATURES].to_numpy()
    scores = [
        model.score(fitted, x, params(features=FEATURES, classifier={"scoring_threads": n}))
        for n in (1, 2, None)
    ]
    assert all(np.array_equal(scores[0], other) for other in scores[1:])
    assert np.array_equal(scores[0], model.score(fitted, x, params()))


def test_segment_summary_adds_up(scored):
    customers, summary = scored["customers"], scored["segments"]
    assert list(summary.columns) == nodes.SEGMENT_COLUMNS
    assert summary["customers"].sum() == len(customers)
    assert summary["expected_churners"].sum() == pytest.approx(customers[nodes.PROBABILITY].sum())
    assert summary["mean_probability"].is_monotonic_decreasing


def test_targets_are_the_riskiest_customers_of_each_segment_ranked(scored):
    customers, targets = scored["customers"], scored["targets"]
    assert targets.groupby("segment").size().to_dict() == {
        nodes.NOT_SEGMENTED: 3,
        "Frequent": 3,
        "Rare": 3,
    }
    for segment, part in targets.groupby("segment"):
        assert part["rank"].tolist() == [1, 2, 3]
        top = customers[customers["segment"] == segment][nodes.PROBABILITY].nlargest(3)
        assert part[nodes.PROBABILITY].tolist() == top.tolist()
    assert {"monetary", "recency", "frequency"} <= set(targets.columns)


def test_tied_probabilities_rank_by_customer_and_fill_the_list():
    # A ties with B and C at 0.9 (A, B first); D, E at 0.5 come after the ties
    frame = pd.DataFrame(
        {
            "customer_id": ["E", "C", "A", "D", "B", "F"],
            "segment": ["s", "s", "s", "s", "s", "t"],
            nodes.PROBABILITY: [0.5, 0.9, 0.9, 0.5, 0.9, 0.2],
        }
    )
    targets = nodes.rank_churn_targets(frame, params(targets_per_segment=4))
    assert targets["customer_id"].tolist() == ["A", "B", "C", "D", "F"]
    assert targets["rank"].tolist() == [1, 2, 3, 4, 1]


class TestErrors:
    def test_a_missing_line_column(self):
        with pytest.raises(InputValidationError) as error:
            nodes.churn_dates(LINES.drop("stock_code"), params())
        assert "column 'stock_code'" in one_line(error.value)

    def test_a_horizon_longer_than_the_data(self):
        with pytest.raises(InputValidationError) as error:
            nodes.churn_dates(LINES, params(horizon_days=200))
        assert "parameter 'churn_propensity.horizon_days'" in one_line(error.value)

    def test_too_few_customers(self):
        with pytest.raises(InputValidationError) as error:
            nodes.build_training_set(LINES, dates(), params(horizon_days=30))
        message = one_line(error.value)
        assert "4 customers" in message and "min_customers (10)" in message

    @pytest.mark.parametrize("label", [0, 1])
    def test_one_class_only(self, label):
        training = planted(100, signal=0.0).assign(**{nodes.LABEL: label})
        with pytest.raises(InputValidationError) as error:
            cv(training)
        assert "needs both outcomes" in one_line(error.value)

    def test_too_few_of_the_rarer_class_for_the_folds(self):
        training = planted(100, signal=0.0).assign(**{nodes.LABEL: 0})
        training.loc[:2, nodes.LABEL] = 1
        with pytest.raises(InputValidationError) as error:
            cv(training)
        assert "parameter 'churn_propensity.n_splits'" in one_line(error.value)

    def test_a_feature_missing_from_the_training_table(self):
        with pytest.raises(InputValidationError) as error:
            cv(planted(100, signal=1.0).drop(columns="monetary"))
        assert "dataset 'churn_training', column 'monetary'" in one_line(error.value)

    def test_a_segment_column_missing(self, scored):
        training = planted(100, signal=1.0)
        p = params(features=FEATURES)
        fitted = nodes.fit_churn_model(training, p)
        segments = pd.DataFrame({"customer_id": ["c00000"], "cluster": [0]})
        with pytest.raises(InputValidationError) as error:
            nodes.score_churn(fitted, training, segments, p)
        assert "dataset 'customer_segments', column 'segment'" in one_line(error.value)


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"horizon_days": 0}, "churn_propensity.horizon_days"),
        ({"n_splits": 1}, "churn_propensity.n_splits"),
        ({"features": ["recency", "age"]}, "churn_propensity.features"),
        ({"features": ["recency", "recency"]}, "churn_propensity.features"),
        ({"calibration": {"method": "platt"}}, "churn_propensity.calibration.method"),
        ({"calibration": {"bins": 1}}, "churn_propensity.calibration.bins"),
        ({"classifier": {"learning_rate": 0}}, "churn_propensity.classifier.learning_rate"),
        ({"targets_per_segment": 0}, "churn_propensity.targets_per_segment"),
        ({"max_training_customers": 999}, "churn_propensity.max_training_customers"),
        ({"max_training_customers": "all"}, "churn_propensity.max_training_customers"),
        ({"horizon_day": 90}, "did you mean 'horizon_days'?"),
    ],
)
def test_bad_parameters_stop_the_run_on_one_line(overrides, expected):
    message = rejected_parameters("churn_propensity", overrides)
    assert expected in message and "parameters_churn_propensity.yml" in message
