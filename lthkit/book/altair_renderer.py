"""Altair charts in the book without a CDN.

vl-convert ships Vega, Vega-Lite and Vega-Embed as one JavaScript bundle. The Sphinx extension
(``lthkit.book.sphinx_ext``) writes it to ``_static/lthkit/vega-embed.js`` of the built book;
the ``lthkit`` renderer's HTML loads it from there, relative to the page it sits in, and prints
under each chart which profile its data comes from.
"""
import html
import json
import uuid

import altair as alt
import vl_convert

from lthkit.book.state import profile_of

BUNDLE = "_static/lthkit/vega-embed.js"  # relative to the root of the built book
VEGALITE = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])

_EMBED = """\
<div class="lthkit-figure">
<div class="lthkit-chart" id="%(id)s"></div>
<p class="lthkit-figure-profile"
   style="font-size:0.85em;color:#555;margin:0.2em 0 1em">%(caption)s</p>
</div>
<script type="text/javascript">
(function () {
  var el = document.getElementById("%(id)s");
  // Sphinx puts the relative path to the book's root on <html data-content_root>.
  var root = document.documentElement.dataset.content_root;
  if (root === undefined) {
    var opts = document.querySelector('script[src*="_static/documentation_options.js"]');
    root = opts ? opts.getAttribute("src").split("_static/")[0] : null;
  }
  if (root === null) {
    el.textContent = "(a chart: it draws in the book's HTML pages)";
    return;
  }
  window.lthkitVegaEmbed = window.lthkitVegaEmbed || new Promise(function (resolve, reject) {
    var script = document.createElement("script");
    script.src = root + "%(bundle)s";
    script.onload = function () { resolve(window.vegaEmbed); };
    script.onerror = function () { reject(new Error("cannot load " + script.src)); };
    document.head.appendChild(script);
  });
  window.lthkitVegaEmbed
    .then(function (vegaEmbed) { return vegaEmbed(el, %(spec)s, %(options)s); })
    .catch(function (err) { el.textContent = "This chart failed to draw: " + err; });
})();
</script>"""

_OPTIONS = {"renderer": "svg", "actions": {"export": True, "source": True, "compiled": False,
                                           "editor": False}}


def bundle_header():
    """The bundle's first line: names the versions, so a stale copy is noticed and replaced."""
    return f"/* vl-convert {vl_convert.__version__}, Vega-Lite {VEGALITE} */"


def bundle_js():
    """The vega-embed bundle as a classic script: wrapped in a function so that its top-level
    names stay private (it sets only window.vega, window.vegaLite and window.vegaEmbed)."""
    bundle = vl_convert.javascript_bundle(vl_version=VEGALITE)
    return f"{bundle_header()}\n(function () {{\n{bundle}\n}})();\n"


# Vega cuts legend labels and titles at 160 px ("initial magnitude (thesis) · winnin…"):
# the book's legends are sentences, so they get the room they need.
# labels at full length, swatches solid (not at the opacity of a chart's bands)
LEGEND = {"labelLimit": 600, "titleLimit": 600, "symbolOpacity": 1}


def legible(spec):
    """`spec` with the book's legend settings where the chart sets none of its own."""
    config = dict(spec.get("config") or {})
    config["legend"] = {**LEGEND, **(config.get("legend") or {})}
    return {**spec, "config": config}


def render(spec, **options):
    """Altair renderer: a mimebundle whose HTML draws the chart with the book's local bundle."""
    spec = legible(spec)
    profile, source = profile_of(spec)
    caption = f"Profile: {profile}" + (f"; numbers from {source}" if source else "")
    spec_json = json.dumps(spec).replace("</", "<\\/")  # a "</script>" in data must not end the tag
    text = _EMBED % {"id": f"lthkit-chart-{uuid.uuid4().hex[:12]}",
                     "caption": html.escape(caption), "bundle": BUNDLE, "spec": spec_json,
                     "options": json.dumps({**_OPTIONS, **options})}
    return {"text/html": text, "text/plain": f"<altair chart, {caption.lower()}>"}


def enable():
    """Make ``lthkit`` altair's active renderer."""
    if "lthkit" not in alt.renderers.names():
        alt.renderers.register("lthkit", render)
    alt.renderers.enable("lthkit")
