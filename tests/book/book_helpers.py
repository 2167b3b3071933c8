"""Helpers of the book tests: a book folder, the driver, headless Chromium over CDP."""
import json
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# What CI builds: every chapter of the book, in the smoke profile (seconds per chapter, real
# data), so a broken chapter fails CI rather than the next `make book`.
CI_PROFILE = "smoke"


def toc_names():
    from lthkit.book.driver import toc_chapters
    return toc_chapters(REPO)


CI_CHAPTERS = toc_names()


def toc_pages():
    from lthkit.book.driver import toc_pages
    return toc_pages(REPO)


CI_PAGES = toc_pages()  # docs/<name>: Markdown pages, built as they are
# A persistent build folder (under the ignored _build/), so a re-run only re-executes the
# chapters that changed, and the book in _build/html (maybe full profile) is left alone.
CI_ROOT = REPO / "_build" / "ci-book"


def run_book(root, *args, timeout=900):
    """``python -m lthkit.book build --root ROOT ARGS``; the CompletedProcess, output as text."""
    return subprocess.run([sys.executable, "-m", "lthkit.book", "build", "--root", str(root),
                           *args], capture_output=True, text=True, timeout=timeout)


def make_book(root, chapters, sources, pages=()):
    """A book folder: ``_config.yml`` of the repository, a ToC of ``chapters`` (the first is
    the root page) and then of ``pages`` (``docs/<name>``, copied from the repository),
    ``book/<name>.py`` from ``sources`` (name -> text)."""
    (root / "book").mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "_config.yml", root / "_config.yml")
    for page in pages:
        (root / page).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / f"{page}.md", root / f"{page}.md")
    toc = ["format: jb-book", f"root: book/_executed/{chapters[0]}"]
    if chapters[1:] or pages:
        toc += ["chapters:"] + [f"  - file: book/_executed/{name}" for name in chapters[1:]]
        toc += [f"  - file: {page}" for page in pages]
    (root / "_toc.yml").write_text("\n".join(toc) + "\n")
    for name, text in sources.items():
        path = root / "book" / f"{name}.py"
        if not path.exists() or path.read_text() != text:  # keep mtimes: stamps stay valid
            path.write_text(text)
    return root


def chromium_path():
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    return None


class Chromium:
    """Headless Chromium driven over the Chrome DevTools Protocol (one page)."""

    FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--hide-scrollbars", "--remote-debugging-port=0"]

    def __init__(self, executable, user_data_dir):
        import websocket  # websocket-client, pinned in requirements.txt

        self.proc = subprocess.Popen(
            [executable, *self.FLAGS, f"--user-data-dir={user_data_dir}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = Path(user_data_dir) / "DevToolsActivePort"
        deadline = time.time() + 30
        while not (port_file.exists() and port_file.read_text().strip()):
            if time.time() > deadline or self.proc.poll() is not None:
                self.close()
                raise RuntimeError("chromium did not start its DevTools endpoint")
            time.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list") as response:
            pages = [t for t in json.load(response) if t["type"] == "page"]
        self.ws = websocket.create_connection(pages[0]["webSocketDebuggerUrl"],
                                              suppress_origin=True, timeout=60)
        self.events, self._id = [], 0

    def send(self, method, **params):
        """Run one CDP command; events that arrive meanwhile are kept in ``self.events``."""
        self._id += 1
        self.ws.send(json.dumps({"id": self._id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self._id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            if "method" in message:
                self.events.append(message)

    def wait_event(self, method, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if any(e["method"] == method for e in self.events):
                return
            self.ws.settimeout(max(0.1, deadline - time.time()))
            message = json.loads(self.ws.recv())
            if "method" in message:
                self.events.append(message)
        raise TimeoutError(method)

    def evaluate(self, expression):
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True,
                           awaitPromise=True)
        return result["result"].get("value")

    def open(self, url):
        """Load ``url`` with the network log and the event list reset."""
        self.events = []
        self.send("Page.navigate", url=url)
        self.wait_event("Page.loadEventFired")

    def requests(self):
        """(url, status or error) of every request the page made since ``open``."""
        status = {}
        for event in self.events:
            params = event["params"]
            if event["method"] == "Network.responseReceived":
                status[params["requestId"]] = params["response"]["status"]
            elif event["method"] == "Network.loadingFailed":
                status[params["requestId"]] = params.get("errorText", "failed")
        return [(e["params"]["request"]["url"], status.get(e["params"]["requestId"]))
                for e in self.events if e["method"] == "Network.requestWillBeSent"]

    def screenshot(self, path):
        """A PNG of the whole page."""
        import base64

        size = self.send("Page.getLayoutMetrics")["cssContentSize"]
        clip = {"x": 0, "y": 0, "width": size["width"], "height": min(size["height"], 12000),
                "scale": 1}
        data = self.send("Page.captureScreenshot", format="png", clip=clip,
                         captureBeyondViewport=True)["data"]
        Path(path).write_bytes(base64.b64decode(data))

    def close(self):
        if getattr(self, "ws", None):
            self.ws.close()
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
