"""The documentation site (`make docs`): builds with no warning, offline, every page there."""

from __future__ import annotations

import html
import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import PROJECT_ROOT, require_extra
from tests.test_parameter_reference import every_key

PAGES = {
    "index",
    "getting_started",
    "concepts",
    "bring_your_own_data",
    "parameters",
    "customer_value",
    "campaigns",
    "scaling",
    "benchmarks",
    "architecture",
    "api",
}
#: What a browser would fetch from elsewhere: a script, a style sheet, an image, a font.
FETCHED = re.compile(
    r"""<(script|img|iframe)[^>]*\ssrc=["']?(https?:)?//|<link[^>]*\shref=["']?(https?:)?//"""
)


def test_the_site_builds_offline_with_no_warning(tmp_path: Path):
    for module in ("sphinx", "myst_parser", "furo"):
        require_extra(module, "docs")
    site = tmp_path / "html"
    command = [sys.executable, "-m", "sphinx", "-E", "-W", "--keep-going", "-q", "-b", "html"]
    result = subprocess.run(
        [*command, "docs", str(site)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-5000:]
    assert result.stderr == "", result.stderr  # not even a warning
    assert PAGES <= {page.stem for page in site.glob("*.html")}
    index = (site / "index.html").read_text(encoding="utf-8")
    for page in PAGES - {"index"}:
        assert f'href="{page}.html"' in index, page

    # the parameter reference is generated at build time: every key of every group
    from customer_segmentation.pipeline_registry import PARAMETER_GROUPS  # noqa: PLC0415

    reference = (site / "parameters.html").read_text(encoding="utf-8")
    for group, model in PARAMETER_GROUPS.items():
        for key in every_key(group, model):
            assert html.escape(key, quote=False) in reference, key
    api = (site / "api.html").read_text(encoding="utf-8")
    assert "SegmentationModel.predict" in api and "feature_drift" in api

    # nothing is fetched from the internet when a page is viewed
    for page in site.rglob("*.html"):
        assert not FETCHED.search(page.read_text(encoding="utf-8")), page
    for sheet in site.rglob("*.css"):
        text = sheet.read_text(encoding="utf-8")
        assert not re.search(r"@import|url\(\s*[\"']?(https?:)?//", text), sheet
