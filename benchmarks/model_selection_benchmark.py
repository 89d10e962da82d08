"""Wall time and peak memory of the ``model_selection`` nodes on synthetic customers.

Generates N customers of ``model_input``-shaped data (9 features, planted groups like
``sklearn.datasets.make_blobs``), runs the pipeline's nodes in order with the default
parameters from ``conf/base/parameters_model_selection.yml`` (K 2..10, every scaler x K
pair once, stability re-fits for the candidates within tolerance; the Optuna storage is in
memory unless ``--storage`` is given), and prints the time of each step, the total and the
peak RSS.

    .venv/bin/python benchmarks/model_selection_benchmark.py            # 500,000 customers
    .venv/bin/python benchmarks/model_selection_benchmark.py 100000 --groups 5
    .venv/bin/python benchmarks/model_selection_benchmark.py 100000 --algorithm gaussian_mixture
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd
from measure import base_parameters, emit, peak_rss_mib, timed

from customer_segmentation.model import ALGORITHMS
from customer_segmentation.pipelines.feature_engineering.params import CUSTOMER_FEATURES
from customer_segmentation.pipelines.model_selection import nodes, search_sample, study
from customer_segmentation.pipelines.model_selection.params import ModelSelectionParams

FEATURES = list(CUSTOMER_FEATURES)


def synthetic_model_input(n_customers: int, n_groups: int, seed: int) -> pd.DataFrame:
    """``n_customers`` rows: ``customer_id`` + 9 float features around ``n_groups`` centres."""
    rng = np.random.default_rng(seed)
    centres = rng.uniform(-6.0, 6.0, size=(n_groups, len(FEATURES)))
    weights = rng.dirichlet(np.full(n_groups, 5.0))
    groups = rng.choice(n_groups, size=n_customers, p=weights)
    values = centres[groups] + rng.normal(size=(n_customers, len(FEATURES)))
    frame = pd.DataFrame(values, columns=FEATURES)
    frame.insert(0, "customer_id", [f"C{i:07d}" for i in range(n_customers)])
    return frame


def main() -> None:
    """Parse arguments, generate data, run and time the nodes."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n_customers", nargs="?", type=int, default=500_000)
    parser.add_argument("--groups", type=int, default=4, help="planted groups (default 4)")
    parser.add_argument("--seed", type=int, default=0, help="data seed (default 0)")
    parser.add_argument(
        "--storage",
        default=None,
        help="Optuna storage URL, e.g. sqlite:////tmp/bench.db (default: in memory, so the "
        "benchmark leaves no study behind)",
    )
    parser.add_argument(
        "--algorithm", choices=ALGORITHMS, default=None, help="default: the configured one"
    )
    args = parser.parse_args()

    # read as a run reads conf/base, so the seeds (${globals:random_seed}) are numbers; the
    # OmegaConf deprecation Kedro triggers is silenced as in settings.py (nothing to act on)
    params = base_parameters("model_selection")
    params["study"]["storage"] = args.storage
    params["study"]["study_name"] = f"benchmark-{args.n_customers}-{args.groups}-{args.seed}"
    if args.algorithm:
        params["algorithm"]["name"] = args.algorithm

    model_input, generate_s = timed(
        f"generate {args.n_customers:,} rows",
        synthetic_model_input,
        args.n_customers,
        args.groups,
        args.seed,
    )
    steps: list[float] = []
    settings, elapsed = timed("validate parameters", ModelSelectionParams.model_validate, params)
    steps.append(elapsed)
    sample, elapsed = timed(
        "draw_search_sample", search_sample.draw_search_sample, model_input, settings
    )
    steps.append(elapsed)
    grid, elapsed = timed("score_k_grid", nodes.score_k_grid, sample, settings)
    steps.append(elapsed)
    trials, elapsed = timed("run_study", study.run_study, sample, settings)
    steps.append(elapsed)
    candidates, elapsed = timed(
        "assess_candidates", nodes.assess_candidates, trials, grid, sample, settings
    )
    steps.append(elapsed)
    best, elapsed = timed(
        "select_best_params", nodes.select_best_params, candidates, sample, settings
    )
    steps.append(elapsed)

    emit(f"{'total (without generation)':<28} {sum(steps):8.2f} s")
    emit(f"peak RSS: {peak_rss_mib():.0f} MiB")
    knee = grid.loc[grid["is_knee"], "k"].tolist()
    emit(
        f"algorithm {settings.algorithm.name}, customers {args.n_customers:,}, "
        f"planted groups {args.groups}, "
        f"search sample {best['search_sample_size']:,}, "
        f"silhouette samples {best['silhouette_samples']} x {best['silhouette_sample_size']:,}"
    )
    emit(
        f"K grid knee {knee}, best silhouette K {int(grid.loc[grid['silhouette'].idxmax(), 'k'])}"
        f"; study: {len(trials)} trials ({int(trials['cached'].sum())} cached), "
        f"chosen {best['scaler']} K={best['k']} silhouette {best['silhouette']:.3f}"
        f" +- {best['silhouette_std']:.3f} ({best['policy']})"
    )


if __name__ == "__main__":
    main()
