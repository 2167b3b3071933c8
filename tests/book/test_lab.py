"""The book's other two ways in, with the real programs: a JupyterLab server (headless, on
localhost, a random port, stopped at the end) serving the chapters as notebooks, an edit
saved through it landing in the .py file, and the researcher's command re-running a chapter
with a changed parameter."""
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from book_helpers import REPO

pytestmark = pytest.mark.book


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, root):
        from lthkit.book.lab import lab_command, prepare_lab
        self.settings = prepare_lab()
        self.port, self.token = free_port(), secrets.token_hex(16)
        command = lab_command(root, self.port, browser=False) + [
            "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={self.token}",
            "--ServerApp.open_browser=False", "--ServerApp.allow_remote_access=False"]
        self.log = open(Path(root) / "server.log", "w")
        self.proc = subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 90
        while True:
            try:
                self.get("/api/status")
                break
            except (urllib.error.URLError, ConnectionError):
                if time.time() > deadline or self.proc.poll() is not None:
                    self.stop()
                    raise RuntimeError((Path(root) / "server.log").read_text()[-2000:])
                time.sleep(0.5)

    def request(self, path, method="GET", body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=data,
                                     method=method,
                                     headers={"Authorization": f"token {self.token}",
                                              "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=60) as response:
            return json.loads(response.read() or b"null")

    def get(self, path):
        return self.request(path)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    root = tmp_path_factory.mktemp("lab")
    (root / "book").mkdir()
    for path in list((REPO / "book").glob("*.py")) + [REPO / "book" / "jupytext.toml"]:
        shutil.copy(path, root / "book" / path.name)
    shutil.copy(REPO / "_toc.yml", root / "_toc.yml")
    server = Server(root)
    yield root, server
    server.stop()


def test_a_chapter_opens_as_a_notebook_with_the_lthkit_kernel(lab):
    root, server = lab
    model = server.get("/api/contents/book/02_reproduction.py?type=notebook&content=1")
    assert model["type"] == "notebook"
    nb = model["content"]
    assert nb["metadata"]["kernelspec"]["name"] == "lthkit"
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert "parameters" in code[0]["metadata"]["tags"]
    assert "profile = " in code[0]["source"]
    assert "lthkit" in server.get("/api/kernelspecs")["kernelspecs"]
    # a double click opens it as a notebook: JupyterLab's default viewer for Python files,
    # set in this environment's overrides (the schema default the server hands to the page)
    plugin = server.get("/lab/api/settings/@jupyterlab/docmanager-extension:plugin")
    default = plugin["schema"]["properties"]["defaultViewers"]["default"]
    assert default["python"] == "Jupytext Notebook"


def test_an_edit_saved_in_jupyterlab_lands_in_the_py_file(lab):
    root, server = lab
    path = "/api/contents/book/01_quickstart.py"
    nb = server.get(path + "?type=notebook&content=1")["content"]
    marker = "# a student's note " + secrets.token_hex(4)
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    code[1]["source"] = code[1]["source"] + "\n" + marker
    output = f"an output {secrets.token_hex(4)}\n"
    code[1]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": output}]
    server.request(path, "PUT", {"type": "notebook", "format": "json", "content": nb})
    text = (root / "book" / "01_quickstart.py").read_text()
    assert marker in text and "parameters" in text.split(marker)[0]
    paired = json.loads((root / "book" / "01_quickstart.ipynb").read_text())
    assert any("".join(o.get("text", "")) == output
               for c in paired["cells"] for o in c.get("outputs", []))
    assert output.strip() not in text  # outputs stay in the ignored notebook, not the source
    assert subprocess.run(["git", "-C", str(REPO), "check-ignore", "-q",
                           "book/01_quickstart.ipynb"]).returncode == 0


def run_command(*args):
    env = {**os.environ, "KERAS_BACKEND": "jax"}
    return subprocess.run([sys.executable, "-m", "lthkit.book", "run", *args],
                          capture_output=True, text=True, env=env, cwd=REPO, timeout=900)


def test_the_researchers_command_runs_a_chapter_with_a_changed_parameter(tmp_path):
    out = tmp_path / "runs" / "quickstart-seed3.ipynb"
    result = run_command("01_quickstart", "-o", str(out), "-p", "profile=smoke", "-p", "seed=3",
                         "-p", "epochs=2")
    assert result.returncode == 0, result.stderr[-3000:]
    nb = json.loads(out.read_text())
    injected = [c for c in nb["cells"] if "injected-parameters" in c["metadata"].get("tags", [])]
    assert injected and "seed = 3" in "".join(injected[0]["source"])
    shown = "".join("".join(o.get("data", {}).get("text/markdown", ""))
                    for c in nb["cells"] for o in c.get("outputs", []))
    assert "| `seed` | `3` | parameter |" in shown and "| `epochs` | `2` | parameter |" in shown


@pytest.mark.parametrize("param", ["seed=abc", "epochz=3", "profile=medium", "n_train=0"])
def test_the_researchers_command_refuses_bad_parameters_before_running(tmp_path, param):
    out = tmp_path / "never.ipynb"
    result = run_command("01_quickstart", "-o", str(out), "-p", param)
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and param.split("=")[0] in lines[0], result.stderr
    assert not out.exists()
