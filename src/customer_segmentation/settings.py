"""Project settings: Kedro defaults except where a comment says why."""

import warnings

# Kedro 1.7 calls an OmegaConf 2.4 API that OmegaConf now flags as deprecated; the warning
# appears on every run and there is nothing for a user to act on.
warnings.filterwarnings("ignore", message=r"register_new_resolver\(\) is deprecated")

CONFIG_LOADER_ARGS = {
    "base_env": "base",
    "default_run_env": "local",
    # An environment (`--env NAME`) overrides single keys of a base entry instead of
    # replacing whole catalog entries or parameter groups.
    "merge_strategy": {"catalog": "soft", "parameters": "soft"},
}
