"""Sphinx extension of the book: puts the vega-embed bundle and the book's stylesheet into the
built book's ``_static``.

Listed in ``_config.yml`` (``sphinx.extra_extensions``) beside ``sphinx-mathjax-offline``, which
does the same for MathJax, so that no page needs a CDN.
"""
from pathlib import Path


# A long word in a table cell (a results/<run> folder) may break where it must, so a table
# wraps to the page instead of running past its edge; short words ("profile", "97.83") stay
# whole. Tables a cell prints (results, ledgers) are set a little smaller, with less padding.
STYLESHEET = "lthkit/lthkit.css"
CSS = """.bd-article table td, .bd-article table th { overflow-wrap: break-word; }
.bd-article .cell_output table { font-size: 0.85em; }
.bd-article .cell_output table td, .bd-article .cell_output table th { padding: 0.25em 0.4em; }
"""


def _write_bundle(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    from lthkit.book.altair_renderer import BUNDLE, bundle_header, bundle_js

    css = Path(app.outdir) / "_static" / STYLESHEET
    css.parent.mkdir(parents=True, exist_ok=True)
    css.write_text(CSS, encoding="utf-8")

    path = Path(app.outdir) / BUNDLE
    if path.exists():
        with path.open(encoding="utf-8") as f:
            if f.readline().rstrip("\n") == bundle_header():
                return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(bundle_js(), encoding="utf-8")


def setup(app):
    app.connect("build-finished", _write_bundle)
    app.add_css_file(STYLESHEET)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
