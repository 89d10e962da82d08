"""The notebook way of choosing K, as the yardstick for the project's model selection.

StandardScaler on every model feature, then for each K in 2..10 a KMeans with ``n_init=10``
and the silhouette of *all* customers (quadratic in customers); the K with the best
silhouette wins. Prints the chosen K and the time of the search (imports excluded).

    python benchmarks/notebook_baseline.py data/05_model_input/model_input.parquet
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd
from measure import print_result
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import StandardScaler


def notebook_choice(model_input: pd.DataFrame, k_values: range, seed: int) -> dict[str, float]:
    """Silhouette of each K on the standardized features; the best K."""
    features = [column for column in model_input.columns if column != "customer_id"]
    values = StandardScaler().fit_transform(model_input[features].to_numpy(dtype="float64"))
    scores = {}
    for k in k_values:
        labels = KMeans(n_clusters=k, n_init=10, random_state=seed).fit_predict(values)
        scores[k] = float(silhouette_score(values, labels))
    best = max(scores, key=lambda k: (scores[k], -k))
    return {"k": best, "silhouette": scores[best], "scores": scores}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model_input", type=Path)
    parser.add_argument("--k-min", type=int, default=2)
    parser.add_argument("--k-max", type=int, default=10)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    model_input = pd.read_parquet(args.model_input)
    started = time.perf_counter()
    choice = notebook_choice(model_input, range(args.k_min, args.k_max + 1), args.seed)
    print_result({**choice, "search_s": time.perf_counter() - started, "n": len(model_input)})


if __name__ == "__main__":
    main()
