"""The project and environment a failed run was in: its ``conf/`` folder and catalog."""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path
from typing import Any

import yaml
from kedro.framework.project import settings
from kedro.utils import find_kedro_project

from customer_segmentation.errors import config_file


class Project:
    """The project and environment of a run: its ``conf/`` folder and catalog, read lazily.

    Only used once a run has failed, to name the dataset of a file, the file of a dataset and
    the config file to edit; every lookup falls back quietly when the config cannot be read.
    """

    def __init__(
        self, env: str | None = None, conf_source: str | None = None, root: Path | None = None
    ) -> None:
        if root is None:
            root = find_kedro_project(Path.cwd()) or Path.cwd()
        self.root = Path(root)
        self.env = env or os.environ.get("KEDRO_ENV") or None
        self.conf_source = conf_source

    @functools.cached_property
    def _loader_args(self) -> dict[str, Any]:
        try:
            return dict(settings.CONFIG_LOADER_ARGS)
        except Exception:  # settings that cannot be read: Kedro's defaults
            return {}

    @functools.cached_property
    def conf_dir(self) -> Path:
        if self.conf_source:
            source = Path(self.conf_source)
            return source if source.is_absolute() else Path.cwd() / source
        try:
            name = settings.CONF_SOURCE
        except Exception:  # settings that cannot be read: Kedro's default
            name = "conf"
        return self.root / name

    @property
    def base_env(self) -> str:
        return self._loader_args.get("base_env") or "base"

    @property
    def run_env(self) -> str:
        return self.env or self._loader_args.get("default_run_env") or "local"

    def environments(self) -> list[str]:
        """The environment folders under ``conf/``."""
        if not self.conf_dir.is_dir():
            return []
        return sorted(
            path.name
            for path in self.conf_dir.iterdir()
            if path.is_dir() and not path.name.startswith((".", "_"))
        )

    @functools.cached_property
    def catalog(self) -> dict[str, Any]:
        """The resolved catalog configuration of the run's environment ({} if unreadable)."""
        try:
            loader = settings.CONFIG_LOADER_CLASS(
                conf_source=str(self.conf_dir), env=self.env, **self._loader_args
            )
            return {
                name: entry
                for name, entry in dict(loader["catalog"]).items()
                if isinstance(entry, dict)
            }
        except Exception:  # a lookup for a message, never a new failure
            return {}

    def filepath(self, name: str) -> Path | None:
        """The local file of a catalog entry, absolute."""
        filepath = self.catalog.get(name, {}).get("filepath")
        if not isinstance(filepath, str) or "://" in filepath:
            return None
        path = Path(filepath)
        return path if path.is_absolute() else self.root / path

    def dataset_of_file(self, path: str | Path) -> str | None:
        """The catalog entry that reads ``path``."""
        target = Path(path).resolve()
        for name in self.catalog:
            filepath = self.filepath(name)
            if filepath is not None and filepath.resolve() == target:
                return name
        return None

    def catalog_file(self, name: str) -> str:
        """The catalog file, as a user types it, that declares the entry ``name``."""
        declared = re.compile(rf"^['\"]?{re.escape(name)}['\"]?\s*:", re.MULTILINE)
        for env in dict.fromkeys((self.run_env, self.base_env)):
            folder = self.conf_dir / env
            for path in sorted(folder.glob("**/catalog*")):
                if path.is_file() and path.suffix in {".yml", ".yaml", ".json"}:
                    try:
                        if declared.search(path.read_text(encoding="utf-8", errors="replace")):
                            return self.show(path)
                    except OSError:
                        continue
        return config_file("catalog.yml")

    def filepath_global(self, name: str) -> str | None:
        """The globals key the entry ``name`` takes its whole filepath from, if it does.

        ``filepath: ${globals:raw_transactions_path}`` gives ``raw_transactions_path``: an
        environment then changes that one line of its globals.yml, not the entry.
        """
        path = self.root / self.catalog_file(name)
        try:
            entry = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get(name) or {}
        except (OSError, yaml.YAMLError, AttributeError):
            return None
        match = re.fullmatch(r"\$\{globals:([\w.]+)\}", str(entry.get("filepath", "")))
        return match.group(1) if match else None

    def globals_file(self, key: str) -> str:
        """The globals file to set ``key`` in: the run environment's, unless that is the
        default one and does not set it (then base's, where every key is)."""
        own = self.conf_dir / self.run_env / "globals.yml"
        try:
            sets_key = key in (yaml.safe_load(own.read_text(encoding="utf-8")) or {})
        except (OSError, yaml.YAMLError, TypeError):
            sets_key = False
        explicit = self.env is not None and self.env != self._loader_args.get("default_run_env")
        folder = self.run_env if sets_key or explicit else self.base_env
        return self.show(self.conf_dir / folder / "globals.yml")

    def show(self, path: str | Path) -> str:
        """``path`` relative to the project (as a user types it) when it is inside it."""
        path = Path(path)
        for root in (self.root, self.root.resolve()):
            try:
                return path.relative_to(root).as_posix()
            except ValueError:
                continue
        return str(path)
