"""CI's book: every chapter in the smoke profile, built by the driver and opened in headless
Chromium from a local server: every chart drew, the math rendered, nothing left the local
server, and the build log fits on one screen."""
import json
import os
import re
import time
from pathlib import Path

import pytest

from book_helpers import CI_CHAPTERS, CI_PAGES, CI_PROFILE, REPO, run_book
from lthkit.book.driver import code_hash

pytestmark = pytest.mark.book

# Library noise that must never reach a page.
NOISE = ["absl::", "oneDNN", "TF_CPP", "tensorflow/core", "IProgress", "Traceback",
         "Kernel is running over TCP"]

PAGE_STATE = """(() => {
  const charts = [...document.querySelectorAll('.lthkit-chart, .vega-embed, [id^="altair-viz"]')];
  const math = [...document.querySelectorAll('.math')];
  return {
    charts: charts.length,
    drawn: charts.filter(c => c.querySelector('svg, canvas')).length,
    chartTexts: charts.map(c => c.textContent.slice(0, 200)),
    math: math.length,
    typeset: math.filter(m => m.querySelector('mjx-container')).length,
    mathErrors: document.querySelectorAll('mjx-merror').length,
    captions: [...document.querySelectorAll('.lthkit-figure-profile')].map(c => c.textContent),
  };
})()"""

# What a reader would see wrong on a page, folded sections opened: a table or chart wider
# than the article (cut off, or scrolled sideways), a chart label cut short with "…", a
# table cell that says NaN, a table without rows.
LAYOUT = """(() => {
  document.querySelectorAll('details').forEach(d => { d.open = true; });
  const article = document.querySelector('article.bd-article') || document.querySelector('main');
  const right = article.getBoundingClientRect().right + 2;
  const name = el => (el.closest('.cell') || el.parentElement).textContent.trim().slice(0, 80);
  const wide = [], cut = [], nan = [], empty = [];
  for (const el of article.querySelectorAll('table, .lthkit-chart svg, .lthkit-chart canvas')) {
    const box = el.getBoundingClientRect();
    if (box.width > 0 && box.right > right) {
      wide.push([el.tagName, Math.round(box.right - right), name(el)]);
    }
  }
  for (const t of article.querySelectorAll('.lthkit-chart svg text')) {
    if (t.textContent.includes('\u2026')) cut.push(t.textContent);
  }
  for (const td of article.querySelectorAll('td, th')) {
    // a literal in code (a parameter set to None) is a value, not a missing number
    if (td.querySelector('code')) continue;
    if (/^(nan|NaN|<NA>|None)$/.test(td.textContent.trim())) nan.push(name(td));
  }
  for (const t of article.querySelectorAll('table')) {
    if (!t.querySelector('tbody tr')) empty.push(name(t));
  }
  if (article.textContent.includes('Empty DataFrame')) empty.push('Empty DataFrame');
  return {wide, cut, nan, empty, right};
})()"""

# What each CI page must contain at least: (charts, math elements).
EXPECTED = {"intro": (1, 1), "01_quickstart": (1, 0), "02_reproduction": (6, 1),
            "03_text_cnn": (5, 0), "04_text_lstm": (3, 0), "04b_transformer": (3, 0),
            "05_oneshot": (3, 0),
            "06_rewinding": (4, 0), "07_early_tickets": (2, 0), "08_pruning_at_init": (2, 0),
            "99_ledger": (1, 0)}


def page_path(root, name):
    return Path(root) / "_build" / "html" / "book" / "_executed" / f"{name}.html"


def test_quick_book_builds_html(ci_book):
    root, seconds, output = ci_book
    html = Path(root) / "_build" / "html"
    assert (html / "index.html").exists()
    assert (html / "_static" / "lthkit" / "vega-embed.js").exists()
    assert (html / "_static" / "mathjax" / "tex-chtml.js").exists()
    for name in CI_CHAPTERS:
        text = page_path(root, name).read_text(encoding="utf-8")
        backend = os.environ.get("KERAS_BACKEND", "jax")
        assert "Provenance" in text and f"backend {backend}" in text, name
        if EXPECTED.get(name, (1, 0))[0]:
            assert f"Profile: {CI_PROFILE}" in text, f"{name}: a chart does not say its profile"
        for noise in NOISE:
            assert noise not in text, f"{name}: {noise!r} in the page"
    print(f"{CI_PROFILE} book of {CI_CHAPTERS} built in {seconds:.0f} s")


@pytest.mark.parametrize("page", CI_PAGES)
def test_docs_pages_are_built_with_their_sections(ci_book, page):
    text = (Path(ci_book[0]) / "_build" / "html" / f"{page}.html").read_text(encoding="utf-8")
    source = (REPO / f"{page}.md").read_text(encoding="utf-8")
    headings = [line.lstrip("#").strip() for line in source.splitlines()
                if line.startswith("## ")]
    assert headings, f"{page}.md has no sections"
    for heading in headings:
        assert heading.split("`")[0].strip() in text, f"{page}: section {heading!r} missing"


def test_build_log_fits_on_one_screen(ci_book):
    lines = [line for line in ci_book[2].splitlines() if line.strip()]
    assert len(lines) <= 40, "\n".join(lines)
    assert "stderr" not in ci_book[2]


def test_progress_bars_stay_out_of_the_pages(ci_book):
    root = Path(ci_book[0])
    for name in CI_CHAPTERS:
        nb = json.loads((root / "book" / "_executed" / f"{name}.ipynb").read_text())
        streams = [o for c in nb["cells"] for o in c.get("outputs", [])
                   if o.get("output_type") == "stream" and o.get("name") == "stderr"]
        bar = re.compile(r"\d(\.\d+)?(it|round)/s|\d+%\|")  # a tqdm rate or bar
        assert not any(bar.search("".join(o["text"])) for o in streams), name


def test_unchanged_chapters_are_not_executed_again(ci_book):
    root = ci_book[0]
    stamp = json.loads((Path(root) / "book" / "_executed" / "intro.json").read_text())
    if stamp["lthkit_sha256"] != code_hash():
        pytest.skip("lthkit's code changed since the CI book was built (someone is editing it)")
    started = time.time()
    result = run_book(root, "--profile", CI_PROFILE)
    assert result.returncode == 0, result.stdout + result.stderr
    for name in CI_CHAPTERS:
        assert f"{name}: up to date" in result.stdout
    assert "executing" not in result.stdout
    print(f"no-op rebuild in {time.time() - started:.0f} s")


@pytest.mark.browser
@pytest.mark.parametrize("name", CI_CHAPTERS)
def test_page_renders_offline(browser, book_server, name):
    browser.open(f"{book_server}book/_executed/{name}.html")
    deadline = time.time() + 60
    while True:
        state = browser.evaluate(PAGE_STATE)
        done = state["drawn"] == state["charts"] and state["typeset"] == state["math"]
        if done or time.time() > deadline:
            break
        time.sleep(0.25)
    min_charts, min_math = EXPECTED[name]
    assert state["charts"] >= min_charts, state
    assert state["drawn"] == state["charts"], f"a chart did not draw: {state['chartTexts']}"
    assert state["math"] >= min_math, state
    assert state["typeset"] == state["math"] and state["mathErrors"] == 0, state
    assert all(c.startswith("Profile: ") for c in state["captions"]), state["captions"]

    if os.environ.get("BOOK_SCREENSHOTS"):
        browser.screenshot(Path(os.environ["BOOK_SCREENSHOTS"]) / f"book_{name}.png")
    requests = browser.requests()
    assert any(url.endswith("_static/lthkit/vega-embed.js") for url, _ in requests)
    outside = [url for url, _ in requests
               if not url.startswith((book_server, "data:", "blob:", "about:"))]
    assert not outside, f"requests left the local server: {outside}"
    # The browser asks for /favicon.ico on its own; the book has no favicon.
    failed = [(url, status) for url, status in requests
              if (isinstance(status, str) or (status or 0) >= 400)
              and url != f"{book_server}favicon.ico"]
    assert not failed, f"local requests failed: {failed}"


@pytest.mark.browser
@pytest.mark.parametrize("name", CI_CHAPTERS)
def test_page_layout_is_readable(browser, book_server, name):
    """Every table and chart fits the article, folded or not; no chart label is cut short,
    no table cell says NaN, no table is empty."""
    browser.open(f"{book_server}book/_executed/{name}.html")
    deadline = time.time() + 60
    while time.time() < deadline:
        state = browser.evaluate(PAGE_STATE)
        if state["drawn"] == state["charts"]:
            break
        time.sleep(0.25)
    time.sleep(0.5)
    layout = browser.evaluate(LAYOUT)
    assert not layout["wide"], f"wider than the page (tag, px over, where): {layout['wide']}"
    assert not layout["cut"], f"chart labels cut short: {layout['cut']}"
    assert not layout["nan"], f"table cells that say NaN: {layout['nan']}"
    assert not layout["empty"], f"empty tables: {layout['empty']}"
