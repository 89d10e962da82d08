"""The segmentation model, shared by every pipeline that builds, fits or reads it.

``feature_engineering`` and ``customer_table`` write ``model_input`` and ``feature_transforms``
(:mod:`.transforms`); ``model_selection`` searches the scaler and K, ``clustering`` fits the
final model and ``reporting`` reads it back. What they must agree on lives here, once:

* :mod:`.spec`: which features are numeric or categorical, and how they are imputed;
* :mod:`.checks`: the ``model_input`` contract;
* :mod:`.scalers`: one scaler per name, so the searched scaler is the fitted one;
* :mod:`.builder`: the model itself (preprocessing or scaler, then the clusterer);
* :mod:`.algorithms`: the clustering algorithms, one constructor, and cluster renumbering;
* :mod:`.fitted`: reading a fitted model back (declaration, imputer, centres);
* :mod:`.params`: the fit settings both the search and the final fit take;
* :mod:`.sampling`: the fixed-seed row samples;
* :mod:`.parallel`: independent fits side by side, in threads;
* :mod:`.transforms`: the feature caps and signed log1p, and their inverse.
"""

from customer_segmentation.model.algorithms import (
    ALGORITHMS,
    KMEANS_ONLY,
    ClustererParams,
    RenumberedClusters,
    cluster_centres,
    clusterer_of,
    fit_labels,
    make_clusterer,
    n_clusters,
    reseeded,
)
from customer_segmentation.model.builder import (
    CATEGORICAL,
    CLUSTER,
    NUMERIC,
    PREPROCESS,
    SCALER,
    build_model,
    build_preprocessor,
)
from customer_segmentation.model.checks import (
    ID_COLUMN,
    NoSpread,
    is_numeric_column,
    model_input_spec,
    no_spread,
)
from customer_segmentation.model.fitted import (
    CATEGORY_SEPARATOR,
    imputed_numeric,
    model_declaration,
    split_centres,
)
from customer_segmentation.model.params import KMeansParams
from customer_segmentation.model.sampling import sample_positions
from customer_segmentation.model.scalers import (
    PASSTHROUGH,
    SCALER_NAMES,
    cap_quantiles_to_rows,
    fit_transform_scaler,
    make_scaler,
)
from customer_segmentation.model.spec import (
    CATEGORICAL_IMPUTERS,
    NUMERIC_IMPUTERS,
    FeatureSpec,
    feature_spec,
)
from customer_segmentation.model.transforms import (
    apply_feature_transforms,
    invert_feature_transforms,
)

__all__ = [
    "ALGORITHMS",
    "CLUSTER",
    "KMEANS_ONLY",
    "ClustererParams",
    "RenumberedClusters",
    "cluster_centres",
    "clusterer_of",
    "fit_labels",
    "make_clusterer",
    "n_clusters",
    "reseeded",
    "CATEGORICAL",
    "CATEGORICAL_IMPUTERS",
    "CATEGORY_SEPARATOR",
    "ID_COLUMN",
    "NUMERIC",
    "NUMERIC_IMPUTERS",
    "PASSTHROUGH",
    "PREPROCESS",
    "SCALER",
    "SCALER_NAMES",
    "FeatureSpec",
    "KMeansParams",
    "NoSpread",
    "apply_feature_transforms",
    "build_model",
    "build_preprocessor",
    "cap_quantiles_to_rows",
    "feature_spec",
    "fit_transform_scaler",
    "imputed_numeric",
    "invert_feature_transforms",
    "is_numeric_column",
    "make_scaler",
    "model_declaration",
    "model_input_spec",
    "no_spread",
    "sample_positions",
    "split_centres",
]
