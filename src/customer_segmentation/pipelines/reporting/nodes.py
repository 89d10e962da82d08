"""Nodes of the reporting pipeline: tables, run summary, Excel workbook and figures.

Figure nodes return ``(Figure, png_base64)``: the Figure goes to a versioned
``matplotlib.MatplotlibDataset`` (which cannot be loaded back), the base64 PNG goes in memory to
:func:`~.report.render_html_report`, which embeds it.
"""

from __future__ import annotations

import logging
import math
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.text import Text
from scipy import stats
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from customer_segmentation.errors import InputValidationError, config_file
from customer_segmentation.model import PREPROCESS, imputed_numeric, model_declaration

from . import plots
from ._common import figure_to_base64, join_segments, require_columns, require_keys, segment_index
from .params import ReportingParams

logger = logging.getLogger(__name__)

RFM_MIX_PREFIX = "rfm_mix_"
#: Profile column of a category share: ``<feature>=<category>_share``.
CATEGORY_SEPARATOR = "="
CATEGORY_SHARE_SUFFIX = "_share"
#: Category label of a missing value in category shares.
MISSING_CATEGORY = "(missing)"
EXCEL_SHEETS = ("segment_profiles", "feature_tests", "model_selection", "customer_segments")
#: Columns of selection_candidates the report and the workbook need (written by model_selection).
CANDIDATE_COLUMNS = ["scaler", "k", "silhouette", "best_at_k", "verdict"]
#: Where model_selection scored the candidates: the z-scored model input (one geometry for all).
STANDARDIZED = "standardized"
ASSIGNMENT_COLUMNS = ["customer_id", "cluster", "segment", "distance_to_centroid", "margin"]
FeaturePlot = tuple[Figure, str]


# --- tables -----------------------------------------------------------------------------------


def is_numeric_column(values: pd.Series) -> bool:
    """Numbers (not booleans): profiled by mean and median; anything else by category shares."""
    return pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)


def category_share_column(feature: str, category: str) -> str:
    """Profile column of a category share, e.g. ``city=London_share``."""
    return f"{feature}{CATEGORY_SEPARATOR}{category}{CATEGORY_SHARE_SUFFIX}"


def _categories(values: pd.Series) -> pd.Series:
    """Text categories with missing values as :data:`MISSING_CATEGORY`."""
    return values.astype("string").fillna(MISSING_CATEGORY).astype(str)


def _category_order(categories: pd.Series) -> list[str]:
    """Most frequent first (ties by name), the missing category last."""
    counts = categories.value_counts()
    ordered = sorted(counts.index, key=lambda c: (c == MISSING_CATEGORY, -counts[c], c))
    return [str(c) for c in ordered]


def build_segment_profiles(
    customer_features: pd.DataFrame, customer_segments: pd.DataFrame, params: ReportingParams
) -> pd.DataFrame:
    """One row per segment: size, revenue, mean/median of each raw feature, RFM mix.

    Columns: ``cluster, segment, customers, customer_share, [revenue, revenue_share],
    <feature>_mean, <feature>_median ..., <feature>=<category>_share ..., rfm_mix_<rfm_segment>
    ...``. Numeric features get mean and median, categorical (text) ones the share of the
    segment's customers in each category (missing values as ``(missing)``; each feature's
    shares sum to 1 per segment). Wide RFM mix: share of the segment's customers in each RFM
    named segment. Revenue columns and the RFM mix are skipped when
    ``customer_features`` lacks them (a customer table); a profile feature it lacks is an
    error.
    """
    segments = segment_index(customer_segments)
    merged = join_segments(customer_features, customer_segments, "customer_features")
    missing = [f for f in params.profile_features if f not in customer_features.columns]
    if missing:
        # a misspelled feature would otherwise vanish from the report without a word
        raise InputValidationError(
            f"lists {missing}, not columns of customer_features "
            f"(columns: {[c for c in customer_features.columns if c != 'customer_id']})",
            f"use column names in reporting.profile_features in "
            f"{config_file('parameters_reporting.yml')}",
            parameter="reporting.profile_features",
        )
    features = list(params.profile_features)
    numeric_features = [f for f in features if is_numeric_column(merged[f])]
    categorical_features = [f for f in features if f not in numeric_features]

    profiles = segments[["cluster", "segment"]].set_index("cluster")
    profiles["customers"] = merged.groupby("cluster").size()
    profiles["customer_share"] = profiles["customers"] / profiles["customers"].sum()
    if params.revenue_column in merged.columns:
        revenue = merged[params.revenue_column].astype("float64")
        profiles["revenue"] = revenue.groupby(merged["cluster"]).sum()
        total = profiles["revenue"].sum()
        profiles["revenue_share"] = profiles["revenue"] / total if total != 0 else np.nan
    else:
        logger.info(
            "customer_features has no revenue column %r (reporting.revenue_column): revenue "
            "and revenue share are left out of the profiles, summary, plots and report",
            params.revenue_column,
        )
    numeric = merged[numeric_features].astype("float64")
    means = numeric.groupby(merged["cluster"]).mean()
    medians = numeric.groupby(merged["cluster"]).median()
    for feature in numeric_features:
        profiles[f"{feature}_mean"] = means[feature]
        profiles[f"{feature}_median"] = medians[feature]
    for feature in categorical_features:
        categories = _categories(merged[feature])
        shares = pd.crosstab(merged["cluster"], categories, normalize="index")
        for category in _category_order(categories):
            profiles[category_share_column(feature, category)] = shares[category]
    if "rfm_segment" in merged.columns:
        mix = pd.crosstab(merged["cluster"], merged["rfm_segment"].astype(str), normalize="index")
        profiles = profiles.join(mix.add_prefix(RFM_MIX_PREFIX))
    else:
        logger.info(
            "customer_features has no rfm_segment column (RFM scores need invoice lines, "
            "a customer table has none): the RFM segment mix is left out"
        )
    return profiles.reset_index()


def build_overall_profile(
    customer_features: pd.DataFrame, customer_segments: pd.DataFrame, params: ReportingParams
) -> dict[str, dict[str, Any]]:
    """Each profiled feature over all segmented customers (original units).

    Numeric: ``{"mean": x, "median": y}``; categorical: ``{"shares": {category: share}}``.
    """
    merged = join_segments(customer_features, customer_segments, "customer_features")
    features = [f for f in params.profile_features if f in merged.columns]
    overall: dict[str, dict[str, Any]] = {}
    for feature in features:
        if is_numeric_column(merged[feature]):
            values = merged[feature].astype("float64")
            overall[feature] = {"mean": float(values.mean()), "median": float(values.median())}
        else:
            categories = _categories(merged[feature])
            shares = categories.value_counts(normalize=True)
            overall[feature] = {
                "shares": {c: float(shares[c]) for c in _category_order(categories)}
            }
    return overall


def eta_squared(values: np.ndarray, labels: np.ndarray) -> float:
    """Share of the variance of ``values`` explained by the group ``labels`` (0 if constant)."""
    total = float(((values - values.mean()) ** 2).sum())
    if total == 0:
        return 0.0
    between = sum(
        (labels == g).sum() * (values[labels == g].mean() - values.mean()) ** 2
        for g in np.unique(labels)
    )
    return float(between / total)


def compute_feature_tests(
    model_input: pd.DataFrame,
    customer_segments: pd.DataFrame,
    feature_transforms: dict[str, Any],
    params: ReportingParams,
) -> pd.DataFrame:
    """ANOVA, Kruskal-Wallis and eta squared of each model feature across segments.

    Tested on the model input (the values the clustering saw). ``separates`` is true when both
    p-values are below ``significance_level`` divided by the number of features (Bonferroni)
    and eta squared is at least ``min_effect_size``. Categorical features
    (``feature_transforms["categorical_features"]``, customer table) get a chi-square test of
    independence of category and segment instead (columns ``chi2``, ``chi2_p``; ANOVA and
    Kruskal-Wallis empty) and Cramér's V squared in ``eta_squared`` (for a two-category
    feature it equals eta squared of its 0/1 indicator); they separate when ``chi2_p`` is below
    the threshold and V squared is at least ``min_effect_size``. The segments were built from
    these features, so the tests describe the separation; they do not confirm it. Sorted by
    eta squared, largest first.
    """
    require_keys(feature_transforms, ["model_features"], "feature_transforms")
    features = list(feature_transforms["model_features"])
    categorical = set(feature_transforms.get("categorical_features") or [])
    require_columns(model_input, features, "model_input")
    merged = join_segments(model_input, customer_segments, "model_input")
    labels = merged["cluster"].to_numpy()
    clusters = np.unique(labels)
    if len(clusters) < 2:
        raise InputValidationError(
            f"has {len(clusters)} segment(s); tests need at least 2",
            "check the clustering output",
            dataset="customer_segments",
            column="cluster",
        )
    threshold = params.significance_level / len(features)
    rows = []
    for feature in features:
        if feature in categorical:
            rows.append(_categorical_test(merged[feature], labels, threshold, params))
            continue
        values = merged[feature].to_numpy(dtype="float64")
        keep = np.isfinite(values)
        x, g = values[keep], labels[keep]
        groups = [x[g == c] for c in clusters if (g == c).any()]
        row = {
            "feature": feature,
            "anova_f": np.nan,
            "anova_p": np.nan,
            "kruskal_h": np.nan,
            "kruskal_p": np.nan,
            "eta_squared": eta_squared(x, g),
        }
        if len(groups) >= 2 and np.ptp(x) > 0:
            row["anova_f"], row["anova_p"] = (float(v) for v in stats.f_oneway(*groups))
            row["kruskal_h"], row["kruskal_p"] = (float(v) for v in stats.kruskal(*groups))
        row["separates"] = bool(
            row["anova_p"] < threshold
            and row["kruskal_p"] < threshold
            and row["eta_squared"] >= params.min_effect_size
        )
        rows.append(row)
    tests = pd.DataFrame(rows)
    if categorical:
        tests = tests[[c for c in tests if c != "separates"] + ["separates"]]
    return tests.sort_values("eta_squared", ascending=False, kind="stable").reset_index(drop=True)


def _categorical_test(
    values: pd.Series, labels: np.ndarray, threshold: float, params: ReportingParams
) -> dict[str, Any]:
    """Chi-square test of category x segment and Cramér's V squared (missing values dropped)."""
    keep = values.notna().to_numpy()
    table = pd.crosstab(labels[keep], values[keep].astype(str).to_numpy())
    row: dict[str, Any] = {
        "feature": str(values.name),
        "anova_f": np.nan,
        "anova_p": np.nan,
        "kruskal_h": np.nan,
        "kruskal_p": np.nan,
        "eta_squared": 0.0,
        "chi2": np.nan,
        "chi2_p": np.nan,
    }
    if min(table.shape) >= 2:
        result = stats.chi2_contingency(table.to_numpy())
        n = float(table.to_numpy().sum())
        row["chi2"], row["chi2_p"] = float(result.statistic), float(result.pvalue)
        row["eta_squared"] = row["chi2"] / (n * (min(table.shape) - 1))
    row["separates"] = bool(
        row["chi2_p"] < threshold and row["eta_squared"] >= params.min_effect_size
    )
    return row


def _json_safe(value: Any) -> Any:
    """Plain JSON types: numpy scalars unwrapped, NaN/inf as None, tuples as lists."""
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray | pd.Series):
        return [_json_safe(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


#: data_quality_summary keys kept in segment_summary; items 1-3 are required.
TRANSACTION_QUALITY_KEYS = (
    "dataset",
    "raw_lines",
    "clean_lines",
    "rejected_lines",
    "rejected_by_reason",
    "return_lines",
    "customers",
    "first_invoice",
    "last_invoice",
)
CUSTOMER_TABLE_QUALITY_KEYS = (
    "dataset",
    "raw_rows",
    "kept_rows",
    "rejected_rows",
    "rejected_by_reason",
    "customers",
    "missing_values",
    "input_shape",
)


#: best_params keys copied as they are into segment_summary (how the selection measured).
SELECTION_DETAILS = (
    "scoring_space",
    "n_candidates",
    "n_feasible_candidates",
    "min_segment_share",
    "n_customers",
    "search_sample_size",
    "silhouette_sample_size",
    "silhouette_samples",
)


def build_segment_summary(
    best_params: dict[str, Any],
    stability_summary: dict[str, Any],
    data_quality_summary: dict[str, Any],
    segment_profiles: pd.DataFrame,
    overall_profile: dict[str, dict[str, float]],
) -> dict[str, Any]:
    """Headline numbers of the run as plain JSON: model, stability, data quality, segments.

    The model part comes from ``best_params``: the chosen K and scaler with their scores,
    ``silhouette_std`` (spread of the silhouette over its samples), ``selection_stability``
    (mean adjusted Rand index of the re-fits the selection policy ran on the choice; not the
    bootstrap ``stability`` of the final model), the ``policy``, ``forced_k``, the
    ``runner_up`` (with ``why_not``), the ``selection_reason`` and how the scores were measured
    (``scoring_space``, ``silhouette_samples`` of ``silhouette_sample_size`` rows of the
    ``search_sample_size`` search sample). Keys an older ``best_params`` lacks are ``None``.
    ``overall_profile`` (mean and median per feature over all customers) is kept so runs can be
    compared for drift.
    """
    require_keys(best_params, ["k", "scaler"], "best_params")
    require_keys(stability_summary, ["mean_ari"], "stability_summary")
    quality_keys = (
        CUSTOMER_TABLE_QUALITY_KEYS
        if "raw_rows" in data_quality_summary
        else TRANSACTION_QUALITY_KEYS
    )
    require_keys(data_quality_summary, quality_keys[1:4], "data_quality_summary")
    segment_columns = ["cluster", "segment", "customers", "customer_share", "revenue_share"]
    segments = segment_profiles[[c for c in segment_columns if c in segment_profiles]]
    summary = {
        "k": best_params["k"],
        "scaler": best_params["scaler"],
        "silhouette": best_params.get("silhouette"),
        "silhouette_std": best_params.get("silhouette_std"),
        "calinski_harabasz": best_params.get("calinski_harabasz"),
        "davies_bouldin": best_params.get("davies_bouldin"),
        "min_cluster_share": best_params.get("min_cluster_share"),
        "selection_stability": best_params.get("stability"),
        "policy": best_params.get("policy"),
        "forced_k": best_params.get("forced_k"),
        "runner_up": best_params.get("runner_up"),
        "selection_reason": best_params.get("reason"),
        **{key: best_params.get(key) for key in SELECTION_DETAILS},
        "stability": {
            key: stability_summary.get(key)
            for key in ("mean_ari", "std_ari", "n_bootstrap", "unstable_segments")
        },
        "data_quality": {key: data_quality_summary.get(key) for key in quality_keys},
        "customers_segmented": int(segment_profiles["customers"].sum()),
        "n_segments": len(segment_profiles),
        "segments": segments.to_dict(orient="records"),
        "overall_profile": overall_profile,
    }
    if "revenue" in segment_profiles:
        summary["revenue_total"] = float(segment_profiles["revenue"].sum())
    return _json_safe(summary)


def _excel_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """Prefix text cells and headers starting with '=' with a quote so Excel keeps them as text.

    openpyxl stores any string that starts with '=' as a formula; segment and customer names
    come from data, so a crafted name could otherwise run as a formula.
    """

    def clean(value: Any) -> Any:
        return f"'{value}" if isinstance(value, str) and value.startswith("=") else value

    safe = frame.rename(columns=clean)
    for column in safe.columns:
        if not pd.api.types.is_numeric_dtype(safe[column]):
            safe[column] = safe[column].map(clean)
    return safe


def build_excel_workbook(
    segment_profiles: pd.DataFrame,
    feature_tests: pd.DataFrame,
    customer_segments: pd.DataFrame,
    selection_candidates: pd.DataFrame,
    params: ReportingParams,
) -> dict[str, pd.DataFrame]:
    """Sheets for ``pandas.ExcelDataset`` (:data:`EXCEL_SHEETS`): profiles, feature tests, the
    model-selection candidates and the customer-to-segment map.

    ``model_selection`` is the full ``selection_candidates`` table: every scored (scaler, K)
    pair with its scores and the verdict of the selection policy. Above
    ``workbook_max_customers`` customers the map is replaced by a note: a sheet holds at most
    1,048,575 rows, and the full map is the ``customer_segments`` dataset.
    """
    require_columns(customer_segments, ASSIGNMENT_COLUMNS, "customer_segments")
    require_columns(selection_candidates, CANDIDATE_COLUMNS, "selection_candidates")
    if len(customer_segments) > params.workbook_max_customers:
        assignment = pd.DataFrame(
            {
                "note": [
                    f"{len(customer_segments):,} customers, more than "
                    f"reporting.workbook_max_customers ({params.workbook_max_customers:,}): "
                    "the assignment of every customer is the customer_segments dataset"
                ]
            }
        )
    else:
        assignment = customer_segments[ASSIGNMENT_COLUMNS].sort_values(["cluster", "customer_id"])
    sheets = (segment_profiles, feature_tests, selection_candidates, assignment)
    return {
        name: _excel_safe(sheet.reset_index(drop=True))
        for name, sheet in zip(EXCEL_SHEETS, sheets, strict=True)
    }


# --- figures ----------------------------------------------------------------------------------


def _with_png(fig: Figure) -> FeaturePlot:
    """The figure, its text taken literally, and its PNG for the HTML report."""
    for text in fig.findobj(Text):
        # a segment name such as "Save $5-$10" is text, not a TeX formula
        text.set_parse_math(False)
    return fig, figure_to_base64(fig)


def _model_features(
    feature_transforms: dict[str, Any], frame: pd.DataFrame, name: str
) -> list[str]:
    require_keys(feature_transforms, ["model_features", "log1p_features"], "feature_transforms")
    features = list(feature_transforms["model_features"])
    require_columns(frame, features, name)
    return features


def _numeric_model_features(
    feature_transforms: dict[str, Any], frame: pd.DataFrame, name: str
) -> list[str]:
    """The numeric model features (all of them on the transaction path), in model order.

    Histograms, correlations and the centroid heatmap show these; categorical features
    (customer table) are profiled by category shares instead.
    """
    require_keys(feature_transforms, ["model_features", "log1p_features"], "feature_transforms")
    categorical = set(feature_transforms.get("categorical_features") or [])
    features = [f for f in feature_transforms["model_features"] if f not in categorical]
    require_columns(frame, features, name)
    return features


def _model_label(feature: str, transforms: dict[str, Any], params: ReportingParams) -> str:
    if feature in transforms["log1p_features"]:
        return f"signed log1p({params.unit(feature)}), capped"
    return f"{params.unit(feature)}, capped"


def plot_raw_feature_distributions(
    customer_features: pd.DataFrame, feature_transforms: dict[str, Any], params: ReportingParams
) -> FeaturePlot:
    """Histograms of the numeric model features in original units, outlier caps dashed."""
    features = _numeric_model_features(feature_transforms, customer_features, "customer_features")
    fig = plots.plot_feature_distributions(
        customer_features,
        features,
        {f: params.raw_label(f) for f in features},
        title="Feature distributions before the transform (original units)",
        style=params.style,
        bins=params.histogram_bins,
        caps=feature_transforms.get("caps"),
        log_counts=True,
    )
    return _with_png(fig)


def plot_model_feature_distributions(
    model_input: pd.DataFrame, feature_transforms: dict[str, Any], params: ReportingParams
) -> FeaturePlot:
    """Histograms of the numeric model features after caps and signed log1p."""
    features = _numeric_model_features(feature_transforms, model_input, "model_input")
    labels = {f: _model_label(f, feature_transforms, params) for f in features}
    fig = plots.plot_feature_distributions(
        model_input,
        features,
        labels,
        title="Feature distributions after the transform (model input)",
        style=params.style,
        bins=params.histogram_bins,
    )
    return _with_png(fig)


def plot_feature_correlation(
    model_input: pd.DataFrame, feature_transforms: dict[str, Any], params: ReportingParams
) -> FeaturePlot:
    """Correlation matrix of the numeric model features."""
    features = _numeric_model_features(feature_transforms, model_input, "model_input")
    return _with_png(plots.plot_correlation_matrix(model_input, features, style=params.style))


def _k_grid(k_grid_scores: pd.DataFrame) -> pd.DataFrame:
    require_columns(
        k_grid_scores,
        ["k", "inertia", "silhouette", "calinski_harabasz", "davies_bouldin", "is_knee"],
        "k_grid_scores",
    )
    return k_grid_scores


def plot_elbow_curve(
    k_grid_scores: pd.DataFrame, best_params: dict[str, Any], params: ReportingParams
) -> FeaturePlot:
    """Elbow curve with the knee and the selected K."""
    fig = plots.plot_elbow(
        _k_grid(k_grid_scores), selected_k=best_params.get("k"), style=params.style
    )
    return _with_png(fig)


def plot_k_metrics(
    k_grid_scores: pd.DataFrame, best_params: dict[str, Any], params: ReportingParams
) -> FeaturePlot:
    """Silhouette, Calinski-Harabasz and Davies-Bouldin against K."""
    fig = plots.plot_k_metrics(
        _k_grid(k_grid_scores), selected_k=best_params.get("k"), style=params.style
    )
    return _with_png(fig)


def _trials(optuna_trials: pd.DataFrame, params: ReportingParams) -> pd.DataFrame:
    require_columns(
        optuna_trials,
        ["number", "scaler", "k", "state", "feasible", params.optuna_objective],
        "optuna_trials",
    )
    return optuna_trials


def plot_optuna_history(optuna_trials: pd.DataFrame, params: ReportingParams) -> FeaturePlot:
    """Optuna objective per trial with the best-so-far line."""
    fig = plots.plot_optuna_history(
        _trials(optuna_trials, params),
        objective=params.optuna_objective,
        direction=params.optuna_direction,
        style=params.style,
    )
    return _with_png(fig)


def plot_optuna_landscape(optuna_trials: pd.DataFrame, params: ReportingParams) -> FeaturePlot:
    """Best objective per scaler x K cell."""
    fig = plots.plot_optuna_landscape(
        _trials(optuna_trials, params),
        objective=params.optuna_objective,
        direction=params.optuna_direction,
        style=params.style,
    )
    return _with_png(fig)


def _check_pipeline(segmentation_model: Any) -> None:
    if not isinstance(segmentation_model, Pipeline) or len(segmentation_model.steps) < 2:
        raise InputValidationError(
            f"is a {type(segmentation_model).__name__}, not a fitted sklearn Pipeline "
            "(scaler, kmeans)",
            "re-run the clustering pipeline",
            dataset="segmentation_model",
        )


def _segmented_input(
    model_input: pd.DataFrame,
    customer_segments: pd.DataFrame,
    segmentation_model: Any,
    feature_transforms: dict[str, Any],
) -> tuple[list[str], pd.DataFrame]:
    """The model's features and the model input joined to each customer's cluster."""
    _check_pipeline(segmentation_model)
    features = _model_features(feature_transforms, model_input, "model_input")
    return features, join_segments(model_input, customer_segments, "model_input")


def scaled_model_input(
    model_input: pd.DataFrame,
    customer_segments: pd.DataFrame,
    segmentation_model: Pipeline,
    feature_transforms: dict[str, Any],
) -> tuple[np.ndarray, np.ndarray]:
    """Model input passed through every step of the model but the last, and each row's cluster."""
    features, merged = _segmented_input(
        model_input, customer_segments, segmentation_model, feature_transforms
    )
    scaled = np.asarray(segmentation_model[:-1].transform(merged[features]), dtype="float64")
    return scaled, merged["cluster"].to_numpy()


def standardized_model_input(
    model_input: pd.DataFrame,
    customer_segments: pd.DataFrame,
    segmentation_model: Pipeline,
    feature_transforms: dict[str, Any],
) -> tuple[np.ndarray, np.ndarray]:
    """Model input in the space ``model_selection`` scores candidates in, and each row's cluster.

    The numeric model features are z-scored (``StandardScaler`` over the segmented customers),
    whatever scaler the model uses: one geometry for every scaler, as with ``scoring_space:
    standardized``. With a ``preprocess`` step (customer table) the numeric features are first
    imputed by the model's imputer, and its one-hot category columns (times
    ``categorical_weight``) are appended as the model makes them, as the selection does.
    """
    features, merged = _segmented_input(
        model_input, customer_segments, segmentation_model, feature_transforms
    )
    if PREPROCESS in segmentation_model.named_steps:
        numeric = list((model_declaration(segmentation_model) or {})["numeric_features"])
        values = imputed_numeric(segmentation_model, merged, numeric).to_numpy(dtype="float64")
        processed = np.asarray(segmentation_model[:-1].transform(merged[features]))
        encoded = processed[:, len(numeric) :].astype("float64")
    else:
        values = merged[features].to_numpy(dtype="float64")
        encoded = np.empty((len(merged), 0))
    if values.shape[1]:
        values = StandardScaler().fit_transform(values)
    return np.hstack([values, encoded]), merged["cluster"].to_numpy()


def plot_silhouette(
    model_input: pd.DataFrame,
    customer_segments: pd.DataFrame,
    segmentation_model: Pipeline,
    feature_transforms: dict[str, Any],
    params: ReportingParams,
    *,
    best_params: dict[str, Any] | None = None,
) -> FeaturePlot:
    """Per-customer silhouette of the final segments on a fixed-seed sample.

    Computed where the selection scored the candidates (``best_params["scoring_space"]``,
    standardized features unless it says ``scaled``), so the mean line and the headline
    silhouette measure the same thing; the headline (mean ± spread over the selection's
    samples) is drawn as a band for comparison.
    """
    best_params = best_params or {}
    if best_params.get("scoring_space", STANDARDIZED) == STANDARDIZED:
        values, clusters = standardized_model_input(
            model_input, customer_segments, segmentation_model, feature_transforms
        )
        space = "standardized features"
    else:
        values, clusters = scaled_model_input(
            model_input, customer_segments, segmentation_model, feature_transforms
        )
        space = f"{best_params.get('scaler', 'model')}-scaled features"
    fig = plots.plot_silhouette(
        values,
        clusters,
        segment_index(customer_segments),
        sample_size=params.silhouette_sample_size,
        seed=params.random_seed,
        style=params.style,
        space=space,
        selection=(best_params.get("silhouette"), best_params.get("silhouette_std")),
    )
    return _with_png(fig)


def plot_pca_scatter(
    model_input: pd.DataFrame,
    customer_segments: pd.DataFrame,
    segmentation_model: Pipeline,
    feature_transforms: dict[str, Any],
    params: ReportingParams,
) -> FeaturePlot:
    """PCA 2-D scatter coloured by segment."""
    scaled, clusters = scaled_model_input(
        model_input, customer_segments, segmentation_model, feature_transforms
    )
    fig = plots.plot_pca_scatter(
        scaled,
        clusters,
        segment_index(customer_segments),
        sample_size=params.pca_sample_size,
        seed=params.random_seed,
        style=params.style,
    )
    return _with_png(fig)


def plot_centroid_heatmap(
    segment_centroids: pd.DataFrame,
    customer_segments: pd.DataFrame,
    feature_transforms: dict[str, Any],
    params: ReportingParams,
) -> FeaturePlot:
    """Heatmap of the standardized centroids of the numeric model features."""
    require_columns(segment_centroids, ["cluster", "units"], "segment_centroids")
    features = _numeric_model_features(feature_transforms, segment_centroids, "segment_centroids")
    segments = segment_index(customer_segments)
    standardized = segment_centroids[segment_centroids["units"] == "standardized"]
    ordered = segments[["cluster", "label"]].merge(standardized, on="cluster", how="inner")
    if len(ordered) != len(segments):
        raise InputValidationError(
            f"has standardized centroids for {len(ordered)} of {len(segments)} segments",
            "re-run clustering so every cluster has a row with units 'standardized'",
            dataset="segment_centroids",
        )
    fig = plots.plot_centroid_heatmap(
        ordered, features, ordered["label"].tolist(), style=params.style
    )
    return _with_png(fig)


def plot_feature_boxplots(
    customer_features: pd.DataFrame, customer_segments: pd.DataFrame, params: ReportingParams
) -> FeaturePlot:
    """Box plots of the configured raw numeric features by segment."""
    features = [
        f
        for f in params.boxplot_features
        if f in customer_features.columns and is_numeric_column(customer_features[f])
    ]
    if not features:
        raise InputValidationError(
            f"none of {list(params.boxplot_features)} is a numeric column of customer_features",
            "list existing numeric raw feature columns",
            parameter="reporting.boxplot_features",
        )
    merged = join_segments(customer_features, customer_segments, "customer_features")
    fig = plots.plot_feature_boxplots(
        merged,
        features,
        segment_index(customer_segments),
        {f: params.raw_label(f) for f in features},
        show_outliers=params.boxplot_show_outliers,
        style=params.style,
    )
    return _with_png(fig)


def plot_segment_shares(segment_profiles: pd.DataFrame, params: ReportingParams) -> FeaturePlot:
    """Segment size and share of customers vs revenue."""
    require_columns(
        segment_profiles, ["cluster", "segment", "customers", "customer_share"], "segment_profiles"
    )
    labels = segment_index(segment_profiles, "segment_profiles").set_index("cluster")["label"]
    fig = plots.plot_segment_shares(
        segment_profiles, labels.loc[segment_profiles["cluster"]].tolist(), style=params.style
    )
    return _with_png(fig)
