"""Make a ``kedro viz build`` site open without any request to the internet.

kedro-viz 12.5's static site loads its typeface (Inter) from Google Fonts: ``index.html``
links ``fonts.googleapis.com`` and ``fonts.gstatic.com``, and ``kedro viz build`` has no
option to leave them out. This removes those links, so the page uses the browser's own
sans-serif font and asks nothing of any other machine (``make viz-build`` runs it after the
build). Usage: ``python -m customer_segmentation.offline_viz [BUILD_FOLDER]`` (``build``).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

#: A ``<link>`` tag (a stylesheet or a preconnect) to the Google Fonts servers.
WEB_FONT_LINK = re.compile(
    r"<link\b[^>]*\bhref=[\"']https://fonts\.(?:googleapis|gstatic)\.com[^>]*>\s*",
    flags=re.IGNORECASE,
)


def without_web_fonts(html: str) -> str:
    """``html`` without its links to Google Fonts."""
    return WEB_FONT_LINK.sub("", html)


def strip_web_fonts(build: Path) -> list[Path]:
    """Remove the Google Fonts links from every HTML page of the ``build`` folder; the pages
    changed."""
    changed = []
    for page in sorted(build.glob("*.html")):
        html = page.read_text(encoding="utf-8")
        stripped = without_web_fonts(html)
        if stripped != html:
            page.write_text(stripped, encoding="utf-8")
            changed.append(page)
    return changed


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    build = Path(args[0] if args else "build")
    if not (build / "index.html").is_file():
        print(f"No kedro-viz build in {build}/: run `kedro viz build` first.", file=sys.stderr)  # noqa: T201
        return 1
    changed = strip_web_fonts(build)
    print(f"{build}/: removed the web-font links from {len(changed)} page(s).")  # noqa: T201
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
