"""Project settings: Kedro defaults except where a comment says why."""

from kedro.config import OmegaConfigLoader  # noqa: F401

CONFIG_LOADER_ARGS = {
    "base_env": "base",
    "default_run_env": "local",
    # An environment (`--env NAME`) overrides single keys of a base entry instead of
    # replacing whole catalog entries or parameter groups.
    "merge_strategy": {"catalog": "soft", "parameters": "soft"},
}
