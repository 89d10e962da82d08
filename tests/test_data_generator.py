"""The embedded data generator: determinism, schema, planted groups and the mess."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score
from sklearn.preprocessing import StandardScaler

from customer_segmentation.errors import InputValidationError
from customer_segmentation.generators.transactions import (
    COLUMNS,
    DUPLICATE_SHARE,
    NON_PRODUCT_CODES,
    PLANTED_COLUMNS,
    PROFILES,
    SEGMENTS,
    generate_transactions,
    main,
    planted_profiles,
    write_transactions,
)

LINES, SEED = 40_000, 42
RAW = Path("data") / "01_raw"
FEATURES = ["recency", "frequency", "monetary", "average_order_value", "tenure"]
TEXT_DTYPES = {"Invoice": "str", "StockCode": "str", "Customer ID": "str"}


@pytest.fixture(scope="module")
def default() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The default data set, in memory."""
    return generate_transactions(LINES, SEED)


@pytest.fixture(scope="module")
def default_files(project_root: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The committed default files, read as a user would."""
    lines = pd.read_csv(project_root / RAW / "transactions.csv", dtype=TEXT_DTYPES)
    planted = pd.read_csv(project_root / RAW / "planted_segments.csv", dtype=str)
    return lines, planted


def valid_purchases(lines: pd.DataFrame) -> pd.DataFrame:
    """Lines that are real purchases of products by known customers, once each."""
    keep = (
        ~lines["Invoice"].str.startswith(("C", "A"))
        & (lines["Quantity"] > 0)
        & (lines["Price"] > 0)
        & ~lines["StockCode"].isin(NON_PRODUCT_CODES)
        & lines["Customer ID"].notna()
    )
    return lines[keep].drop_duplicates()


def customer_features(lines: pd.DataFrame) -> pd.DataFrame:
    """Recency, frequency, monetary, average order value and tenure per customer."""
    valid = valid_purchases(lines)
    valid = valid.assign(
        at=pd.to_datetime(valid["InvoiceDate"]), amount=valid["Quantity"] * valid["Price"]
    )
    snapshot = pd.to_datetime(lines["InvoiceDate"]).max().normalize() + pd.Timedelta(days=1)
    by_customer = valid.groupby("Customer ID")
    features = pd.DataFrame(
        {
            "recency": (snapshot - by_customer["at"].max()).dt.days,
            "frequency": by_customer["Invoice"].nunique(),
            "monetary": by_customer["amount"].sum(),
            "tenure": (snapshot - by_customer["at"].min()).dt.days,
        }
    )
    features["average_order_value"] = features["monetary"] / features["frequency"]
    return features[FEATURES]


def kmeans_ari(features: pd.DataFrame, truth: pd.Series) -> float:
    """Adjusted Rand index of KMeans on standardised log features against the truth."""
    scaled = StandardScaler().fit_transform(np.log1p(features))
    labels = KMeans(n_clusters=truth.nunique(), n_init=10, random_state=0).fit_predict(scaled)
    return adjusted_rand_score(truth, labels)


def labelled_features(lines: pd.DataFrame, planted: pd.DataFrame) -> pd.DataFrame:
    """Customer features with the planted segment of each customer."""
    return customer_features(lines).join(planted.set_index("customer_id")["segment"])


# ---- determinism -----------------------------------------------------------------------
def test_same_seed_gives_identical_frames(default):
    lines, planted = generate_transactions(LINES, SEED)
    pd.testing.assert_frame_equal(lines, default[0])
    pd.testing.assert_frame_equal(planted, default[1])


def test_different_seed_gives_different_data(default):
    lines, planted = generate_transactions(LINES, SEED + 1)
    assert not lines.equals(default[0])
    assert not planted.equals(default[1])


def test_committed_default_files_regenerate_byte_identically(project_root, tmp_path):
    written = write_transactions(tmp_path / "t.csv", tmp_path / "p.csv", LINES, SEED)
    assert written == LINES
    assert (tmp_path / "t.csv").read_bytes() == (
        project_root / RAW / "transactions.csv"
    ).read_bytes()
    assert (tmp_path / "p.csv").read_bytes() == (
        project_root / RAW / "planted_segments.csv"
    ).read_bytes()


def test_output_does_not_depend_on_chunk_size(project_root, tmp_path):
    # one block of 1,000 customers at a time instead of all of them at once
    write_transactions(tmp_path / "t.csv", tmp_path / "p.csv", LINES, SEED, chunk_customers=1_000)
    assert (tmp_path / "t.csv").read_bytes() == (
        project_root / RAW / "transactions.csv"
    ).read_bytes()


def test_committed_csv_reads_back_as_the_generated_frame(default, default_files):
    pd.testing.assert_frame_equal(default_files[0], default[0])
    pd.testing.assert_frame_equal(default_files[1], default[1])


def test_parquet_round_trips_and_is_deterministic(default, tmp_path):
    write_transactions(tmp_path / "t.parquet", tmp_path / "p.parquet", LINES, SEED)
    write_transactions(tmp_path / "u.parquet", tmp_path / "q.parquet", LINES, SEED, 1_000)
    assert (tmp_path / "t.parquet").read_bytes() == (tmp_path / "u.parquet").read_bytes()
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "t.parquet"), default[0])
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "p.parquet"), default[1])


# ---- schema and format -----------------------------------------------------------------
@pytest.mark.parametrize("n_lines", [1_000, 7_777, 40_000])
def test_line_count_is_exact(n_lines):
    assert len(generate_transactions(n_lines, 5)[0]) == n_lines


def test_columns_and_formats(default):
    lines, _ = default
    assert tuple(lines.columns) == COLUMNS
    assert lines["Invoice"].str.fullmatch(r"[CA]?\d{6}").all()
    assert lines["Customer ID"].dropna().str.fullmatch(r"\d{5}").all()
    assert lines["InvoiceDate"].str.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d").all()
    assert (lines["Price"].round(2) == lines["Price"]).all()
    assert lines["Quantity"].dtype == np.int64
    assert lines["Description"].notna().all() and lines["StockCode"].notna().all()


def test_dates_are_shop_hours_in_two_years_to_december_2011(default):
    at = pd.to_datetime(default[0]["InvoiceDate"])
    assert at.min() >= pd.Timestamp("2009-12-01") and at.max() < pd.Timestamp("2011-12-10")
    assert at.max().date() == pd.Timestamp("2011-12-09").date()
    assert at.dt.hour.between(7, 20).all()
    assert not (at.dt.day_of_week == 5).any()  # never on a Saturday, like the real shop


def test_lines_are_sorted_by_date_then_invoice(default):
    lines = default[0]
    resorted = lines.sort_values(["InvoiceDate", "Invoice"], kind="stable")
    assert resorted.index.equals(lines.index)


def test_one_country_per_customer_mostly_united_kingdom(default):
    customers = default[0].dropna(subset=["Customer ID"]).groupby("Customer ID")["Country"]
    assert (customers.nunique() == 1).all()
    countries = customers.first().value_counts(normalize=True)
    assert countries.index[0] == "United Kingdom" and countries.iloc[0] > 0.8
    assert {"Germany", "France", "EIRE", "Netherlands", "Spain"} <= set(countries.index)


def test_descriptions_are_upper_case_product_names_some_with_commas(default):
    lines = default[0]
    products = lines.loc[~lines["StockCode"].isin(NON_PRODUCT_CODES), "Description"]
    assert (products == products.str.upper()).all()
    assert products.str.contains(",").any()


def test_about_twenty_lines_per_planted_customer(default):
    lines, planted = default
    assert len(lines) / len(planted) == pytest.approx(20, rel=0.1)


# ---- the mess --------------------------------------------------------------------------
def test_guest_lines_have_no_customer(default):
    share = default[0]["Customer ID"].isna().mean()
    assert 0.10 <= share <= 0.15


def test_cancellations_return_products_bought_before(default):
    lines = default[0]
    cancelled = lines[lines["Invoice"].str.startswith("C")]
    assert 0.01 < len(cancelled) / len(lines) < 0.05
    assert (cancelled["Quantity"] < 0).all()
    returns = cancelled[
        cancelled["Customer ID"].notna() & ~cancelled["StockCode"].isin(NON_PRODUCT_CODES)
    ]
    bought = valid_purchases(lines)
    first_bought = bought.groupby(["Customer ID", "StockCode"])["InvoiceDate"].min()
    when = first_bought.reindex(pd.MultiIndex.from_frame(returns[["Customer ID", "StockCode"]]))
    assert when.notna().all()
    assert (when.to_numpy() < returns["InvoiceDate"].to_numpy()).all()


def test_return_propensity_differs_by_group(default):
    lines, planted = default
    customer_lines = lines.dropna(subset=["Customer ID"])
    invoices = customer_lines.drop_duplicates("Invoice").merge(
        planted, left_on="Customer ID", right_on="customer_id"
    )
    is_return = invoices["Invoice"].str.startswith("C") & ~invoices["StockCode"].isin(
        NON_PRODUCT_CODES
    )
    is_order = ~invoices["Invoice"].str.startswith(("C", "A"))
    rate = (
        is_return.groupby(invoices["segment"]).sum() / is_order.groupby(invoices["segment"]).sum()
    )
    order = ["occasional_buyers", "steady_regulars", "frequent_big_spenders", "lapsed_buyers"]
    assert rate[order].is_monotonic_increasing and rate[order].is_unique


def test_zero_and_negative_prices(default):
    lines = default[0]
    assert (lines["Price"] == 0).sum() >= 50
    negative = lines[lines["Price"] < 0]
    assert 1 <= len(negative) <= 10
    assert negative["Invoice"].str.startswith("A").all()
    assert (negative["StockCode"] == "B").all()


def test_exact_duplicates(default):
    duplicated = default[0].duplicated()
    assert duplicated.sum() == round(DUPLICATE_SHARE * LINES)


def test_every_non_product_code_appears(default):
    assert set(NON_PRODUCT_CODES) <= set(default[0]["StockCode"])


# ---- planted customers -----------------------------------------------------------------
def test_planted_table_shape(default):
    lines, planted = default
    assert tuple(planted.columns) == PLANTED_COLUMNS
    assert planted["customer_id"].is_unique and planted["customer_id"].is_monotonic_increasing
    assert set(planted["segment"]) == {s.name for s in SEGMENTS}
    assert 1_900 <= len(planted) <= 2_100
    shares = planted["segment"].value_counts(normalize=True)
    for segment in SEGMENTS:
        assert shares[segment.name] == pytest.approx(segment.share, abs=0.02)
    assert set(lines["Customer ID"].dropna()) == set(planted["customer_id"])


def test_every_planted_customer_has_a_valid_purchase(default):
    lines, planted = default
    assert set(valid_purchases(lines)["Customer ID"]) == set(planted["customer_id"])


def test_kmeans_recovers_the_planted_groups_from_the_default_file(default_files):
    features = labelled_features(*default_files)
    assert kmeans_ari(features[FEATURES], features["segment"]) >= 0.95


@pytest.mark.parametrize("feature", FEATURES)
def test_no_single_feature_separates_the_groups(default, feature):
    features = labelled_features(*default)
    assert kmeans_ari(features[[feature]], features["segment"]) < 0.8


# ---- number of groups and their overlap ------------------------------------------------
SMALL = 20_000  # lines: about 1,100 customers


def test_six_profiles_with_the_default_four_first():
    assert len(PROFILES) == 6 and len({p.name for p in PROFILES}) == 6
    assert PROFILES[:4] == SEGMENTS == planted_profiles(4) == planted_profiles()
    assert sum(s.share for s in SEGMENTS) == 1.0  # so the default needs no renormalising


def test_default_groups_and_overlap_are_todays_data(default):
    lines, planted = generate_transactions(LINES, SEED, groups=4, overlap=1.0)
    pd.testing.assert_frame_equal(lines, default[0])
    pd.testing.assert_frame_equal(planted, default[1])


@pytest.mark.parametrize("groups", [3, 5, 6])
def test_groups_plants_the_first_profiles_with_renormalised_shares(groups):
    _, planted = generate_transactions(SMALL, 3, groups=groups)
    chosen = PROFILES[:groups]
    assert set(planted["segment"]) == {p.name for p in chosen}
    shares = planted["segment"].value_counts(normalize=True)
    total = sum(p.share for p in chosen)
    for profile in chosen:
        assert shares[profile.name] == pytest.approx(profile.share / total, abs=0.02)
    assert [p.share for p in planted_profiles(groups)] == pytest.approx(
        [p.share / total for p in chosen]
    )


@pytest.mark.parametrize("groups", [5, 6])
def test_kmeans_recovers_five_and_six_groups(groups):
    features = labelled_features(*generate_transactions(SMALL, SEED, groups=groups))
    assert kmeans_ari(features[FEATURES], features["segment"]) >= 0.9


def test_more_overlap_makes_the_groups_harder_to_recover():
    ari = {}
    spread = {}
    for overlap in (0.7, 1.0, 1.5):
        features = labelled_features(*generate_transactions(SMALL, SEED, 6, overlap))
        if overlap >= 1.0:
            ari[overlap] = kmeans_ari(features[FEATURES], features["segment"])
        logs = np.log1p(features[["recency", "tenure", "average_order_value"]])
        spread[overlap] = logs.groupby(features["segment"]).std().mean().mean()
    assert ari[1.5] < ari[1.0] - 0.05
    assert spread[0.7] < spread[1.0] < spread[1.5]


def test_same_groups_and_overlap_give_identical_frames():
    first = generate_transactions(5_000, 8, groups=6, overlap=1.5)
    second = generate_transactions(5_000, 8, groups=6, overlap=1.5)
    pd.testing.assert_frame_equal(first[0], second[0])
    pd.testing.assert_frame_equal(first[1], second[1])
    other = generate_transactions(5_000, 8, groups=6, overlap=1.0)
    assert not first[0].equals(other[0])


def test_write_transactions_takes_groups_and_overlap(tmp_path):
    write_transactions(tmp_path / "t.csv", tmp_path / "p.csv", 3_000, 4, groups=5, overlap=0.7)
    lines, planted = generate_transactions(3_000, 4, groups=5, overlap=0.7)
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "t.csv", dtype=TEXT_DTYPES), lines)
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "p.csv", dtype=str), planted)


# ---- arguments and command line --------------------------------------------------------
@pytest.mark.parametrize(("n_lines", "seed"), [(999, 1), (40_000, -1), (2.5, 1), (True, 1)])
def test_bad_arguments_are_rejected(n_lines, seed):
    with pytest.raises(InputValidationError, match="parameter"):
        generate_transactions(n_lines, seed)


@pytest.mark.parametrize("groups", [2, 7, 0, 4.0, True, "4"])
def test_groups_outside_three_to_six_are_rejected(groups):
    with pytest.raises(InputValidationError, match="parameter 'groups'.*from 3 to 6"):
        generate_transactions(1_000, 1, groups=groups)


@pytest.mark.parametrize("overlap", [0, 0.0, -0.5, float("nan"), float("inf"), True, "1.0"])
def test_overlap_must_be_a_positive_number(overlap):
    with pytest.raises(InputValidationError, match="parameter 'overlap'.*above 0"):
        generate_transactions(1_000, 1, overlap=overlap)


def test_command_line_writes_both_files(tmp_path):
    main(
        [
            "--lines",
            "2000",
            "--seed",
            "9",
            "--output",
            str(tmp_path / "raw" / "t.csv"),
            "--planted-output",
            str(tmp_path / "raw" / "p.csv"),
        ]
    )
    lines = pd.read_csv(tmp_path / "raw" / "t.csv", dtype=TEXT_DTYPES)
    pd.testing.assert_frame_equal(lines, generate_transactions(2_000, 9)[0])
    assert (tmp_path / "raw" / "p.csv").read_text().startswith("customer_id,segment\n")


def test_command_line_help_documents_the_options(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    for option in ("--lines", "--seed", "--groups", "--overlap", "--output", "--planted-output"):
        assert option in text
    assert "bulk_wholesalers" in text


def test_command_line_passes_groups_and_overlap(tmp_path):
    main(
        ["--lines", "2000", "--seed", "9", "--groups", "6", "--overlap", "1.5"]
        + ["--output", str(tmp_path / "t.csv"), "--planted-output", str(tmp_path / "p.csv")]
    )
    lines, planted = generate_transactions(2_000, 9, groups=6, overlap=1.5)
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "t.csv", dtype=TEXT_DTYPES), lines)
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "p.csv", dtype=str), planted)
