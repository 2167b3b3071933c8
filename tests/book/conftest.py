"""Fixtures of the book tests: the quick CI book, a local web server, headless Chromium."""
import os
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

from book_helpers import (CI_CHAPTERS, CI_PAGES, CI_PROFILE, CI_ROOT, REPO, Chromium,
                          chromium_path, make_book, run_book)


@pytest.fixture(scope="session")
def ci_book():
    """The smoke-profile book of CI_CHAPTERS, built by the driver; (root, seconds, output)."""
    root = make_book(CI_ROOT, CI_CHAPTERS,
                     {name: (REPO / "book" / f"{name}.py").read_text() for name in CI_CHAPTERS},
                     pages=CI_PAGES)
    started = time.time()
    result = run_book(root, "--profile", CI_PROFILE)
    seconds = time.time() - started
    assert result.returncode == 0, f"book build failed:\n{result.stdout}\n{result.stderr}"
    return root, seconds, result.stdout + result.stderr


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def book_server(ci_book):
    """Serves the CI book's _build/html on 127.0.0.1; yields its base URL."""
    html = ci_book[0] / "_build" / "html"
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietHandler, directory=str(html)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser(tmp_path_factory):
    """Headless Chromium with a fresh profile. Skipped without chromium, except in CI."""
    executable = chromium_path()
    if executable is None:
        message = ("chromium is not installed (Debian: apt-get install chromium); "
                   ".ci/run installs it in CI")
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    chrome = Chromium(executable, tmp_path_factory.mktemp("chromium-profile"))
    chrome.send("Network.enable")
    chrome.send("Page.enable")
    chrome.send("Emulation.setDeviceMetricsOverride", width=1280, height=900,
                deviceScaleFactor=1, mobile=False)
    yield chrome
    chrome.close()
