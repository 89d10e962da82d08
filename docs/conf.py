"""Sphinx configuration of the documentation site: ``make docs`` (warnings are errors).

The pages are the Markdown guides of ``docs/`` (MyST); ``parameters.md`` gets the parameter
reference generated from the typed parameter models when it is read, and ``api.md`` the
docstrings of the public functions (autodoc). Nothing is fetched: no web fonts, no CDN, no
intersphinx, no MathJax; the Furo theme and Sphinx's search are files of the site.
"""

from __future__ import annotations

from pathlib import Path

from pygments.lexers.special import TextLexer

from customer_segmentation import __version__
from customer_segmentation.parameter_reference import render_reference

project = "customer-segmentation"
author = "customer-segmentation"
copyright = "customer-segmentation"
release = __version__

extensions = ["myst_parser", "sphinx.ext.autodoc", "sphinx.ext.napoleon"]
source_suffix = {".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build"]

myst_heading_anchors = 3
smartquotes = False  # quotes as typed: a value copied from the page must work in YAML
autodoc_member_order = "bysource"
autodoc_typehints = "description"
napoleon_google_docstring = True
napoleon_numpy_docstring = False

html_theme = "furo"
html_title = f"customer-segmentation {release}"
html_show_sourcelink = False
html_copy_source = False
html_last_updated_fmt = None

#: The line of docs/parameters.md that the generated reference replaces.
PARAMETER_REFERENCE = "<!-- parameter reference: generated when the docs are built -->"
CONF_BASE = Path(__file__).resolve().parents[1] / "conf" / "base"


def _generate_parameter_reference(app, docname: str, source: list[str]) -> None:
    if docname == "parameters":
        if PARAMETER_REFERENCE not in source[0]:
            raise ValueError(f"docs/parameters.md lost the line {PARAMETER_REFERENCE}")
        source[0] = source[0].replace(PARAMETER_REFERENCE, render_reference(conf_dir=CONF_BASE))


def setup(app) -> None:
    # the architecture diagram is Mermaid source: shown as text, no script fetched to draw it
    app.add_lexer("mermaid", TextLexer)
    app.connect("source-read", _generate_parameter_reference)
