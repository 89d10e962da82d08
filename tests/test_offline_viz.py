"""A kedro-viz static build that asks nothing of the internet (customer_segmentation.offline_viz)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import kedro_viz

from customer_segmentation.offline_viz import main, strip_web_fonts

#: The site ``kedro viz build`` copies into build/ (index.html and 404.html among it).
KEDRO_VIZ_HTML = Path(kedro_viz.__file__).parent / "html"
EXTERNAL = re.compile(r"""(?:href|src)=["']https?://""", flags=re.IGNORECASE)


def test_the_installed_kedro_viz_pages_lose_their_web_font_links_and_nothing_else(tmp_path):
    build = tmp_path / "build"
    for name in ("index.html", "404.html"):
        build.mkdir(exist_ok=True)
        shutil.copy(KEDRO_VIZ_HTML / name, build / name)
    before = (build / "index.html").read_text(encoding="utf-8")
    assert "fonts.googleapis.com" in before  # what kedro-viz 12.5 ships (no option to drop it)

    assert strip_web_fonts(build) == [build / "404.html", build / "index.html"]
    for name in ("index.html", "404.html"):
        html = (build / name).read_text(encoding="utf-8")
        assert "fonts.googleapis" not in html and "fonts.gstatic" not in html
        assert not EXTERNAL.search(html), name  # no other request to another machine
    index = (build / "index.html").read_text(encoding="utf-8")
    for kept in re.findall(r"<script[^>]*>|<link[^>]*assets/[^>]*>", before):
        assert kept in index  # the app's own script and stylesheet stay
    assert strip_web_fonts(build) == []  # a second pass changes nothing


def test_the_command_needs_a_build_folder(tmp_path, capsys):
    assert main([str(tmp_path / "build")]) == 1
    assert "run `kedro viz build` first" in capsys.readouterr().err
