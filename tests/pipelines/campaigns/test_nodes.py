"""The campaigns nodes on small in-memory tables: parsing, conversion, lift, verdicts, errors."""

from __future__ import annotations

import functools
import gc

import numpy as np
import pandas as pd
import pytest
from scipy import stats as scipy_stats

from customer_segmentation.errors import InputValidationError
from customer_segmentation.generators.campaigns import generate_campaigns
from customer_segmentation.pipelines.campaigns import nodes, stats
from customer_segmentation.pipelines.campaigns.params import CampaignParams
from tests.conftest import PROJECT_ROOT
from tests.pipelines.pipeline_helpers import one_line, rejected_parameters, typed_parameters


@pytest.fixture(autouse=True)
def _no_full_collection_per_family(monkeypatch):
    """statsmodels' Holm correction runs ``gc.collect()`` on every call (about 0.2 s in a
    test process with Kedro loaded); the simulations below correct hundreds of families."""
    monkeypatch.setattr(gc, "collect", lambda *args: 0)


def params(**overrides) -> CampaignParams:
    return typed_parameters("campaigns", overrides)


SEGMENTS = pd.DataFrame(
    {"customer_id": ["1", "2", "3", "4"], "segment": ["A", "A", "B", "B"], "cluster": [0, 0, 1, 1]}
)


def raw(rows: list[tuple[str, str, str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        rows, columns=["customer_id", "campaign", "variant", "converted", "revenue"]
    )


def arms(rows: list[tuple[str, str, str, int, int]]) -> pd.DataFrame:
    """A conversion table from (campaign, segment, variant, customers, conversions)."""
    table = pd.DataFrame(
        rows, columns=["campaign", "segment", "variant", "customers", "conversions"]
    )
    table["conversion_rate"] = table["conversions"] / table["customers"]
    table["revenue"] = 0.0
    table["revenue_per_customer"] = 0.0
    return table[nodes.CONVERSION_COLUMNS]


class TestParsing:
    def test_rows_are_typed_segmented_and_bad_rows_rejected_with_a_reason(self):
        rows = raw(
            [
                ("1", "c1", "control", "yes", "0"),
                ("2", "c1", "treatment", " 1 ", "12.50"),
                ("3", "c1", "treatment", "no", ""),
                ("4", "c1", "ctrl", "0", "0"),  # unknown variant
                ("9", "c1", "control", "0", "0"),  # not in customer_segments
                ("3", "c2", "control", "maybe", "0"),  # not yes / no
                ("3", "c2", "control", "1", "abc"),  # revenue no number
                ("", "c2", "control", "1", "1"),  # no customer
                ("1", "c1", "treatment", "1", "1"),  # second exposure of 1 to c1
            ]
        )
        exposures, rejected = nodes.parse_campaigns(
            rows, SEGMENTS, params(parsing={"max_rejected_share": 0.9})
        )
        assert exposures.to_dict("list") == {
            "customer_id": ["1", "2", "3"],
            "campaign": ["c1", "c1", "c1"],
            "variant": ["control", "treatment", "treatment"],
            "segment": ["A", "A", "B"],
            "converted": [True, True, False],
            "revenue": [0.0, 12.5, 0.0],
        }
        assert rejected["reason"].tolist() == [
            "unknown_variant",
            "customer_not_segmented",
            "unparseable_converted",
            "unparseable_revenue",
            "missing_customer_id",
            "duplicate_exposure",
        ]
        assert rejected["row"].tolist() == [5, 6, 7, 8, 9, 10]  # lines of the file
        assert len(exposures) + len(rejected) == len(rows)  # nothing lost

    def test_a_mapped_export_and_a_comma_decimal(self):
        rows = raw([("1", "c1", "A", "Ja", "3,5"), ("2", "c1", "B", "Nein", "")])
        rows.columns = ["Kunde", "Aktion", "Gruppe", "Kauf", "Umsatz"]
        p = params(
            columns={
                "customer_id": "Kunde",
                "campaign": "Aktion",
                "variant": "Gruppe",
                "converted": "Kauf",
                "revenue": "Umsatz",
            },
            parsing={"true_values": ["ja"], "false_values": ["nein"], "decimal_separator": ","},
            control_variant="B",
            treatment_variants=["A"],
        )
        exposures, rejected = nodes.parse_campaigns(rows, SEGMENTS, p)
        assert rejected.empty
        assert exposures["converted"].tolist() == [True, False]
        assert exposures["revenue"].tolist() == [3.5, 0.0]

    def test_no_file_gives_empty_tables(self):
        exposures, rejected = nodes.parse_campaigns(None, SEGMENTS, params())
        assert exposures.empty and rejected.empty
        conversion = nodes.conversion_by_variant(exposures)
        assert nodes.campaign_lift(conversion, params()).empty


class TestOneLineErrors:
    def test_a_missing_column_names_the_parameter_that_maps_it(self):
        rows = raw([("1", "c1", "control", "1", "0")]).drop(columns="converted")
        with pytest.raises(InputValidationError) as error:
            nodes.parse_campaigns(rows, SEGMENTS, params())
        message = one_line(error.value)
        assert "dataset 'raw_campaigns', column 'converted': is missing" in message
        assert "campaigns.columns.converted" in message

    def test_a_missing_segment_column(self):
        rows = raw([("1", "c1", "control", "1", "0")])
        with pytest.raises(InputValidationError) as error:
            nodes.parse_campaigns(rows, SEGMENTS.drop(columns="segment"), params())
        message = one_line(error.value)
        assert "dataset 'customer_segments', column 'segment'" in message
        assert "campaigns.segment_column" in message

    def test_too_many_rejected_rows_stop_the_run_with_the_counts(self):
        rows = raw([("1", "c1", "control", "1", "0"), ("2", "c1", "Control", "1", "0")])
        with pytest.raises(InputValidationError) as error:
            nodes.parse_campaigns(rows, SEGMENTS, params())
        message = one_line(error.value)
        assert "1 of 2 rows (50.0%) cannot be used (unknown_variant 1)" in message
        assert "control_variant" in message

    @pytest.mark.parametrize(
        ("overrides", "expected"),
        [
            ({"alpha": 0.7}, "parameter 'campaigns.alpha': is 0.7"),
            ({"correction": "tukey"}, "parameter 'campaigns.correction'"),
            (
                {"treatment_variants": ["control"]},
                "parameter 'campaigns.treatment_variants': lists the control variant 'control'",
            ),
            (
                {"parsing": {"false_values": ["yes"]}},
                "parameter 'campaigns.parsing.false_values': lists ['yes'] in both",
            ),
            ({"min_customers_per_arm": 1}, "parameter 'campaigns.min_customers_per_arm'"),
            ({"colums": {}}, "did you mean 'columns'?"),
        ],
    )
    def test_bad_parameters(self, overrides, expected):
        assert expected in rejected_parameters("campaigns", overrides)


class TestLift:
    def test_lift_interval_p_values_and_needed_sample(self):
        table = arms(
            [
                ("c1", "A", "control", 1000, 100),
                ("c1", "A", "treatment", 1000, 200),
                ("c1", "B", "control", 1000, 100),
                ("c1", "B", "treatment", 1000, 100),
            ]
        )
        lift = nodes.campaign_lift(table, params()).set_index("segment")
        a, b = lift.loc["A"], lift.loc["B"]
        assert a["lift"] == pytest.approx(0.1) and a["relative_lift"] == pytest.approx(1.0)
        assert a["lift_ci_low"] < 0.1 < a["lift_ci_high"] and a["lift_ci_low"] > 0.05
        assert a["relative_lift_ci_low"] < 1.0 < a["relative_lift_ci_high"]
        assert a["verdict"] == "lift" and a["p_value"] < 1e-6
        # Holm over two tests: the smaller p-value doubled
        assert a["p_value_adjusted"] == pytest.approx(2 * a["p_value"])
        assert b["verdict"] == "no detectable lift" and b["p_value"] == pytest.approx(1.0)
        # 0.10 -> 0.15 at alpha 0.05 / 2 and power 0.8: about 850 customers per arm
        assert 700 < b["needed_per_arm_minimum_lift"] < 1000
        assert a["needed_per_arm_observed"] < a["needed_per_arm_minimum_lift"]
        assert np.isnan(b["needed_per_arm_observed"])  # no lift to detect

    def test_a_significant_drop_is_a_negative_lift(self):
        table = arms([("c1", "A", "control", 500, 150), ("c1", "A", "treatment", 500, 50)])
        assert nodes.campaign_lift(table, params())["verdict"].tolist() == ["negative lift"]

    def test_not_enough_data_is_untested_and_outside_the_correction(self):
        table = arms(
            [
                ("c1", "A", "control", 20, 2),  # fewer than 30 customers in control
                ("c1", "A", "treatment", 400, 200),
                ("c1", "B", "control", 400, 1),  # fewer than 5 conversions in both arms
                ("c1", "B", "treatment", 400, 2),
                ("c1", "C", "treatment", 400, 2),  # no control arm at all
                ("c1", "D", "control", 400, 40),
                ("c1", "D", "treatment", 400, 80),
            ]
        )
        lift = nodes.campaign_lift(table, params()).set_index("segment")
        assert lift["verdict"].to_dict() == {
            "A": "not enough data",
            "B": "not enough data",
            "C": "not enough data",
            "D": "lift",
        }
        assert lift.loc[["A", "B", "C"], "p_value"].isna().all()
        # D is the only test of its family: no correction
        assert lift.loc["D", "p_value_adjusted"] == pytest.approx(lift.loc["D", "p_value"])
        assert lift.loc["A", "needed_per_arm_minimum_lift"] > 0

    def test_deterministic(self):
        rows = generate_campaigns(PLANTED, seed=1)
        first = _lift(rows)
        pd.testing.assert_frame_equal(first, _lift(rows))


PLANTED = pd.read_csv(PROJECT_ROOT / "data/01_raw/planted_segments.csv", dtype=str)


@functools.cache
def _base_params() -> CampaignParams:
    return params()


def _lift(rows: pd.DataFrame, p: CampaignParams | None = None) -> pd.DataFrame:
    p = p or _base_params()
    exposures, _ = nodes.parse_campaigns(rows, PLANTED, p)
    return nodes.campaign_lift(nodes.conversion_by_variant(exposures), p)


class TestPlantedData:
    """The generator plants a lift of 0.15 in steady_regulars' spring_email, 0 elsewhere."""

    def test_the_planted_lift_is_found_and_the_zero_lifts_are_not(self):
        lift = _lift(generate_campaigns(PLANTED)).set_index(["campaign", "segment"])
        planted = lift.loc[("spring_email", "steady_regulars")]
        assert planted["significant"] and planted["verdict"] == "lift"
        assert planted["lift_ci_low"] < 0.15 < planted["lift_ci_high"]
        others = lift.drop(index=("spring_email", "steady_regulars"))
        assert not others["significant"].any()
        assert (lift.loc["vip_preview", "verdict"] == "not enough data").all()

    def test_the_planted_lift_is_found_on_most_seeds(self):
        found = [
            _lift(generate_campaigns(PLANTED, seed=seed, mess=False))
            .set_index(["campaign", "segment"])
            .loc[("spring_email", "steady_regulars"), "significant"]
            for seed in range(20)
        ]
        # about 300 customers per arm, 0.20 -> 0.35, Holm over 4 segments: power above 0.9
        assert sum(found) >= 16


def test_false_positives_stay_at_alpha_over_repeated_null_campaigns():
    """200 campaigns x 4 segments without any lift: Holm keeps the family-wise error rate
    (a campaign with any "lift" or "negative lift") at alpha, and each raw test's false
    positive rate is alpha, both within a binomial tolerance (one-sided, 0.999)."""
    rng = np.random.default_rng(2026)
    campaigns, segments, per_arm = 200, 4, 200
    base = np.array([0.05, 0.1, 0.2, 0.3])
    rows = []
    for c in range(campaigns):
        for s in range(segments):
            for variant in ("control", "treatment"):
                conversions = int(rng.binomial(per_arm, base[s]))
                rows.append((f"c{c:03d}", f"s{s}", variant, per_arm, conversions))
    p = params()
    lift = nodes.campaign_lift(arms(rows), p)
    assert (lift["verdict"] != "not enough data").all()
    family_errors = int(lift.groupby("campaign")["significant"].any().sum())
    raw_errors = int((lift["p_value"] < p.alpha).sum())
    tests = campaigns * segments
    assert family_errors <= scipy_stats.binom.ppf(0.999, campaigns, p.alpha), family_errors
    assert raw_errors <= scipy_stats.binom.ppf(0.999, tests, p.alpha), raw_errors
    # and the test is not conservative to uselessness: some raw false positives happen
    assert raw_errors >= scipy_stats.binom.ppf(0.001, tests, p.alpha), raw_errors


def test_verdicts_are_the_listed_ones():
    assert set(stats.VERDICTS) == {"lift", "negative lift", "no detectable lift", "not enough data"}


def test_each_campaign_is_compared_on_its_own_variants():
    table = arms(
        [
            ("c1", "A", "control", 100, 10),
            ("c1", "A", "treatment", 100, 20),
            ("c1", "B", "control", 100, 10),  # no treatment here: not enough data
            ("c2", "A", "control", 100, 10),
            ("c2", "A", "subject_b", 100, 12),
        ]
    )
    p = params(treatment_variants=["treatment", "subject_b"])
    lift = nodes.campaign_lift(table, p)
    assert lift[["campaign", "segment", "variant", "verdict"]].values.tolist() == [
        ["c1", "A", "treatment", "lift"],
        ["c1", "B", "treatment", "not enough data"],
        ["c2", "A", "subject_b", "no detectable lift"],
    ]


def test_the_shipped_file_is_the_generator_s_default_output(tmp_path):
    """data/01_raw/campaigns.csv is `python -m customer_segmentation.generators.campaigns`."""
    output = tmp_path / "campaigns.csv"
    generate_campaigns(PLANTED).to_csv(output, index=False)
    shipped = PROJECT_ROOT / "data/01_raw/campaigns.csv"
    assert output.read_bytes() == shipped.read_bytes()
